"""The command line, one module per subcommand.

Each subcommand module (``count``, ``build``, ``ternarize``, ``show``, ``plot``, ``bounds``,
``convert``) has ``add_parser(subparsers)``, which declares its options, and a ``cmd_*(args)``
function that runs it; ``main`` wires them into one argparse parser and maps the library's
exceptions to exit codes. ``common`` holds the domain options and network loading they share.

The CLI is the top of the data path and may import every other layer; nothing imports it.
Exports: ``main``, ``build_parser``.
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
