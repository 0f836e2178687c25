"""Benchmarks P1-P4 of the facade and the reference service: `python -m tests.benchmarks`.

Every figure is a ratio against a baseline measured in the same run, against the same
local server (in a separate process, so it does not share the client's GIL), as medians
over interleaved rounds (subject, baseline, subject, baseline, ...). It is a report, not
a test: no file here is named `test_*.py`, so pytest collects nothing from this folder.

- `common`: the server subprocesses, medians, the machine line.
- `launcher`: what runs in a server subprocess (`python -m tests.benchmarks.launcher`;
  ``--profile PATH`` dumps cProfile stats of its event loop on exit).
- `p1_sync`, `p2_async`, `p3_import`, `p4_service`, ..., `p7_keys`: one benchmark each.
- `spawner`: P3's small driver process, which spawns and measures the fresh imports.
- `cpu_per_call` (P1-cpu, P2-cpu); `app_cost`, a diagnostic with no target: what a charge
  costs the service's app without an HTTP server, and each of its SQL statements
  (``python -m tests.benchmarks.app_cost``).
- `report`: the command line, the table and the JSON file.

Run from the repository root: ``.venv/bin/python -m tests.benchmarks [--quick]
[--output PATH] [--only P1,P3]`` (``make bench``). Details and diagnostics go to
stderr, the table to stdout, everything to ``.bench/results.json``.
"""
