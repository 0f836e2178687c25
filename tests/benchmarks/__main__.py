"""`python -m tests.benchmarks [--quick] [--output PATH]`."""

from tests.benchmarks.report import main

raise SystemExit(main())
