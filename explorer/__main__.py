"""``python -m explorer``: the same as the ``explorer`` command."""

import sys

from explorer.cli import main

sys.exit(main())
