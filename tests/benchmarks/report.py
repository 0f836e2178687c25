"""The command line: run P1-P6 and P9 (P7, P8 when asked), print the table, write the JSON.

Exit status: 0 when every benchmark ran, whether or not its target was met (this is
a report, not a test); 1 when a benchmark itself failed; 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.benchmarks import (
    p1_sync,
    p2_async,
    p3_import,
    p4_service,
    p5_history,
    p6_fixture,
    p7_login_flood,
    p8_record_growth,
    p9_keys,
)
from tests.benchmarks.common import ROOT, Row, log, machine

DEFAULT_OUTPUT = ".bench/results.json"

# (full, quick) settings of each benchmark.
SETTINGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "P1": ({"rounds": 21, "calls": 200}, {"rounds": 5, "calls": 60}),
    "P2": ({"rounds": 25}, {"rounds": 5}),
    "P3": ({"runs": 15}, {"runs": 5}),
    "P4": ({"rounds": 7, "seconds": 0.8}, {"rounds": 2, "seconds": 0.4}),
    "P5": (
        {"rounds": 5, "calls": 9, "transactions": 200_000},
        {"rounds": 2, "calls": 5, "transactions": 5_000},
    ),
    "P6": ({"calls": 101, "tests": 101}, {"calls": 21, "tests": 21}),
    "P7": ({"logins": 5}, {"logins": 2, "connections": (100,)}),
    "P8": ({"requests": 5000}, {"requests": 1000, "memory_requests": 4000}),
    "P9": ({"rounds": 21, "calls": 200}, {"rounds": 5, "calls": 60}),
}
RUNNERS: dict[str, Callable[..., list[Row]]] = {
    "P1": p1_sync.run,
    "P2": p2_async.run,
    "P3": p3_import.run,
    "P4": p4_service.run,
    "P5": p5_history.run,
    "P6": p6_fixture.run,
    "P7": p7_login_flood.run,
    "P8": p8_record_growth.run,
    "P9": p9_keys.run,
}
# Run only when asked (`--only P7,P8`): they flood the service and load the machine.
OPTIONAL = ("P7", "P8")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description="Benchmarks P1-P9 of syftbox_accounting: ratios against baselines "
        "measured in the same run (medians of interleaved rounds).",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer and shorter rounds, for a smoke run"
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        metavar="PATH",
        help="JSON results file; the folder is created (default: %(default)s, in the "
        "repository root)",
    )
    parser.add_argument(
        "--only",
        default=",".join(name for name in RUNNERS if name not in OPTIONAL),
        metavar="IDS",
        help="comma-separated benchmarks to run (default: %(default)s; also "
        f"{', '.join(OPTIONAL)}: login flood, idempotency record growth)",
    )
    return parser


def _number(value: float, unit: str) -> str:
    if unit == "/s":
        return f"{value:,.0f}{unit}"
    digits = 3 if abs(value) < 10 else 1
    return f"{value:.{digits}f} {unit}"


def table(rows: list[Row], facts: dict[str, Any]) -> str:
    header = ["id", "what", "subject", "baseline", "ratio", "target", "met?"]
    lines = [
        [
            row.id,
            row.what,
            _number(row.subject, row.unit),
            _number(row.baseline, row.unit),
            f"{row.ratio:.2f}x",
            row.target_text,
            "yes" if row.met else "no",
        ]
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def format_line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [format_line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [format_line(cells) for cells in lines]
    out.append(
        f"machine: {facts['cpu']}, {facts['cores']} cores ({facts['usable_cores']} usable), "
        f"{facts['implementation']} {facts['python']}, httpx {facts['httpx']}, "
        f"{facts['date']}, load average at start {_load(facts['loadavg_at_start'])}"
    )
    return "\n".join(out)


def _load(values: tuple[float, ...] | list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values) if values else "n/a"


def _on_sigterm(signum: int, frame: object) -> None:
    # SystemExit unwinds the `with` blocks, which stop the server subprocesses.
    sys.exit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    chosen = [name.strip().upper() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in RUNNERS]
    if unknown:
        _parser().error(f"unknown benchmark(s) {', '.join(unknown)}: choose from {list(RUNNERS)}")
    signal.signal(signal.SIGTERM, _on_sigterm)
    output = ROOT / DEFAULT_OUTPUT if args.output == DEFAULT_OUTPUT else Path(args.output)

    facts = machine()
    mode = "quick" if args.quick else "full"
    log(f"Benchmarks {', '.join(chosen)} ({mode} run), results to {output}")
    rows: list[Row] = []
    failures: list[dict[str, str]] = []
    started = time.perf_counter()
    try:
        for name in chosen:
            settings = SETTINGS[name][1 if args.quick else 0]
            begun = time.perf_counter()
            log(f"{name}: running {settings} ...")
            try:
                rows.extend(RUNNERS[name](**settings))
            except Exception as exc:  # a broken benchmark: report it, run the others
                log(f"{name}: FAILED:\n{traceback.format_exc()}")
                failures.append(
                    {
                        "id": name,
                        "error": f"{type(exc).__name__}: {exc}",
                        "traceback": (traceback.format_exc()),
                    }
                )
            log(f"{name}: {time.perf_counter() - begun:.1f} s")
    except KeyboardInterrupt:
        log("Interrupted: servers stopped, no results written.")
        return 130

    print(table(rows, facts))
    for failure in failures:
        print(f"FAILED {failure['id']}: {failure['error']}")
    duration = time.perf_counter() - started
    print(f"{len(rows)} figures, {sum(r.met for r in rows)} targets met, in {duration:.0f} s")
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "mode": mode,
        "machine": facts,
        "duration_s": duration,
        "rows": [row.as_dict() for row in rows],
        "failures": failures,
    }
    output.write_text(json.dumps(document, indent=2) + "\n")
    log(f"Wrote {output}")
    return 1 if failures else 0
