"""``python -m jwtguard.demo``."""

import sys

from jwtguard.demo import main

sys.exit(main())
