"""The command line, one module per subcommand.

Each subcommand module (``count``, ``build``, ``ternarize``, ``show``, ``plot``, ``bounds``,
``convert``) has ``add_parser(subparsers)``, which declares its options, and a ``cmd_*(args)``
function that runs it; ``app`` wires them into one argparse parser and maps the library's
exceptions to exit codes. ``common`` holds the domain options and network loading they share.

The CLI is the top of the data path and may import every other layer; nothing imports it.
Exports: ``main``, ``build_parser``.
"""

import sys


def main(argv=None) -> int:
    """The console script: loads the command line (numpy, Pyomo and the rest) and runs it; a
    Ctrl-C while that loads exits 130 with one line, like a Ctrl-C later on."""
    try:
        from .app import main as run
    except KeyboardInterrupt:
        print("mip-regions: interrupted", file=sys.stderr)
        return 130
    return run(argv)


def build_parser():
    from .app import build_parser as build
    return build()


__all__ = ["build_parser", "main"]
