"""``python -m motiongpt.evaluate``: the same as ``motiongpt evaluate``."""

import sys

from . import main

sys.exit(main())
