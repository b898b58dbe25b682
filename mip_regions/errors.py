"""Exceptions with messages meant for the user: one line that names the problem."""


class MipRegionsError(Exception):
    """Base class for every error mip-regions reports to the user (CLI exit code 2)."""


class NetworkError(MipRegionsError):
    """A network (from a file or built in code) is malformed.

    The message names the source (file), the layer index and the field when they are known,
    e.g. ``model.json: layer 1, field 'weights': row 0 has 3 entries, expected 2``.
    """

    def __init__(self, message, *, source=None, layer=None, field=None):
        self.source, self.layer, self.field, self.detail = source, layer, field, message
        where = []
        if layer is not None:
            where.append(f"layer {layer}")
        if field is not None:
            where.append(f"field '{field}'")
        text = ", ".join(where)
        text = f"{text}: {message}" if text else message
        if source is not None:
            text = f"{source}: {text}"
        super().__init__(text)


class EngineError(MipRegionsError):
    """An engine cannot run on this network or with these options."""
