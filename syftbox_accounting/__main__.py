"""`python -m syftbox_accounting`: the `syftbox-accounting` command line."""

import sys

from syftbox_accounting.cli import main

sys.exit(main())
