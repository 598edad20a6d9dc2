"""``python -m gcnlab.cli``: the same command line as the ``gcnlab`` script."""

import sys

from gcnlab.cli import main

sys.exit(main())
