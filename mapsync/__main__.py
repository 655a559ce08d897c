"""`python -m mapsync` runs the command line."""

import sys

from mapsync.cli import main

sys.exit(main())
