"""``python -m mip_regions.cli``: the same as the ``mip-regions`` console script."""

import sys

from . import main

sys.exit(main())
