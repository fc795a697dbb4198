"""``python -m motiongpt.cli``: the ``motiongpt`` command without the installed script."""

import sys

from . import main

sys.exit(main())
