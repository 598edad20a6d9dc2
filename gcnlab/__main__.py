"""``python -m gcnlab``: the same command line as the ``gcnlab`` script."""

import sys

from gcnlab.cli import main

if __name__ == "__main__":
    sys.exit(main())
