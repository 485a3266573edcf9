"""``python -m jwtguard.cli``."""

import sys

from jwtguard.cli import main

sys.exit(main())
