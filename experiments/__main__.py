"""``python -m experiments``: the ``limsim`` command line (``harness.cli``), the same program."""

import sys

from harness.cli import main

if __name__ == "__main__":
    sys.exit(main())
