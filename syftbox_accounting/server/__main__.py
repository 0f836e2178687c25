"""`python -m syftbox_accounting.server --help`."""

from syftbox_accounting.server.serve import main

main()
