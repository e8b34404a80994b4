"""``python -m noxship``."""

import sys

from noxship.cli import main

sys.exit(main())
