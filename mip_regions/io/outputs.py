"""Output files that never lose or corrupt work: checked before any work starts, written atomically.

* :func:`check_output` is called by every command before it counts, builds or converts: the
  directory must exist and be writable, the path must not be a directory, and it must not be
  one of the command's input files (``--regions-out net.json`` on ``net.json`` would overwrite
  the network). A bad path is one clear :class:`~mip_regions.errors.MipRegionsError` naming
  the option and the path.
* :func:`atomic_write` writes to a temporary file in the same directory and renames it over the
  target only when the write has finished (``os.replace`` is atomic on POSIX), so an interrupted
  or failed write never leaves half a file, and an existing file is replaced only by a whole one.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import MipRegionsError


def check_output(path, option: str, inputs=()) -> Path:
    """Raise a one-line error unless ``path`` can be written (module docstring); returns it."""
    p = Path(path)
    where = f"{option} {path}"
    if str(path) == "" or p.is_dir():
        raise MipRegionsError(f"{where}: is a directory, not a file")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise MipRegionsError(f"{where}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise MipRegionsError(f"{where}: the directory {parent} is not writable")
    if p.exists() and not os.access(p, os.W_OK):
        raise MipRegionsError(f"{where}: the file exists and is not writable")
    for inp in inputs:
        try:
            if inp is not None and p.exists() and Path(inp).exists() and p.samefile(inp):
                raise MipRegionsError(f"{where}: is the input file {inp}; writing it would destroy the input")
        except OSError:
            continue
    try:   # /proc and similar: the directory says writable, creating a file does not work
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{p.name}.", suffix=".check")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise MipRegionsError(f"{where}: cannot create a file there ({exc.strerror or exc})") from None
    return p


@contextmanager
def atomic_write(path, mode: str = "w"):
    """Open a temporary file beside ``path`` for writing; on success rename it to ``path``,
    on any error remove it and re-raise (as a MipRegionsError for OS errors)."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{p.name}.", suffix=".tmp")
    except OSError as exc:
        raise MipRegionsError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
        os.replace(tmp, p)
    except OSError as exc:
        _remove(tmp)
        raise MipRegionsError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        _remove(tmp)
        raise


class AtomicStream:
    """A text file written line by line while a run goes on, renamed into place on close (also
    after an interrupted run: it then holds every complete line written so far)."""

    def __init__(self, path):
        self.path = Path(path)
        parent = self.path.parent if str(self.path.parent) else Path(".")
        try:
            fd, self.tmp = tempfile.mkstemp(dir=parent, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as exc:
            raise MipRegionsError(f"{path}: cannot write ({exc.strerror or exc})") from None
        self.fh = os.fdopen(fd, "w")

    def write(self, text: str) -> None:
        self.fh.write(text)

    def close(self) -> None:
        if self.fh.closed:
            return
        self.fh.close()
        try:
            os.replace(self.tmp, self.path)
        except OSError as exc:
            _remove(self.tmp)
            raise MipRegionsError(f"{self.path}: cannot write ({exc.strerror or exc})") from None


class RegionWriter:
    """Streams regions as JSON lines (``Region.to_json``, one object per region) while a run goes
    on, into a temporary file renamed into place on close (:class:`AtomicStream`)."""

    def __init__(self, net, path):
        self.net = net
        self.stream = AtomicStream(path)
        self.error: OSError | None = None

    def __call__(self, region) -> None:
        if self.error is not None:
            return
        try:
            self.stream.write(json.dumps(region.to_json(self.net)) + "\n")
        except OSError as exc:     # e.g. the disk is full: keep counting, report it at the end
            self.error = exc

    def close(self) -> None:
        """Rename the file into place; a MipRegionsError (and no file) if any write failed."""
        if self.error is not None:
            try:
                self.stream.fh.close()
            except OSError:
                pass
            _remove(self.stream.tmp)
            raise MipRegionsError(f"{self.stream.path}: cannot write ({self.error.strerror or self.error})")
        self.stream.close()


def _remove(tmp) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
