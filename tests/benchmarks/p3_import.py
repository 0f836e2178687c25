"""P3: `python -c "import syftbox_accounting"` against `python -c "import httpx"`.

Fresh processes of the running (venv) Python, interleaved; each one's wall time is
taken from spawn to exit (`time.perf_counter` around `Popen` and `os.wait4`), and its
peak RSS from the rusage `os.wait4` returns for that child alone. The children are
spawned by a small driver process (`spawner`), not by this one: see why there.

Also measured, as rows P3-use-*: `from syftbox_accounting import AccountingClient`,
since the package loads its public names lazily and a bare import measures little; and
`python -c pass`, the interpreter's own start, in the JSON only. P3-use-cached and
P3-use-no-bytecode measure it again with every module's bytecode cached (a private
cache), and with none cached nor written, for both sides alike.

Diagnostics: the modules each facade line imports beyond httpx's, by top-level
package, with their import time (sum of ``-X importtime`` self times) and the facade
module that imported each package first (found by a `sys.meta_path` spy).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from tests.benchmarks.common import ROOT, Row, log, median, spread

SUBJECT = "import syftbox_accounting"
# The package loads its names lazily: this is what a program that uses it imports.
USE = "from syftbox_accounting import AccountingClient"
BASELINE = "import httpx"
WARMUP_RUNS = 2
_PACKAGE = "syftbox_accounting"
SPAWNER = Path(__file__).with_name("spawner.py")

# Run after BASELINE, before the subject: records, for each top-level package imported
# from then on, the innermost syftbox_accounting module executing when it was imported.
_SPY = """
import sys
_via = {}
class _Spy:
    @staticmethod
    def find_spec(name, path=None, target=None):
        top = name.partition(".")[0]
        if top != "syftbox_accounting" and top not in _via:
            frame = sys._getframe(1)
            while frame is not None:
                module = frame.f_globals.get("__name__", "")
                if module.partition(".")[0] == "syftbox_accounting":
                    _via[top] = module
                    break
                frame = frame.f_back
            else:
                _via[top] = "?"
        return None
sys.meta_path.insert(0, _Spy)
"""
_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def _python(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return _checked([sys.executable, *flags, "-c", code])


def _checked(command: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"P3: {' '.join(command)!r} exited with {done.returncode}:\n{done.stderr[-4000:]}"
        )
    return done


def httpx_cli_share() -> dict[str, float]:
    """How much of `import httpx` is `httpx._main`, its command line, which imports
    click, rich and pygments only when they are installed (the dev extras install them,
    a user's environment may not): the baseline is that much heavier here."""
    total = cli = 0.0
    for line in _python(BASELINE, "-X", "importtime").stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match and match.group(4) in ("httpx", "httpx._main"):
            cumulative = int(match.group(2)) / 1e3
            total, cli = (cumulative, cli) if match.group(4) == "httpx" else (total, cumulative)
    return {"import_httpx_ms": total, "httpx_main_ms": cli}


def extra_modules(subject: str) -> dict[str, Any]:
    """What `subject` adds to a process that imported httpx already, and from where."""
    code = (
        f"import json, sys\n{BASELINE}\nbefore = set(sys.modules)\n{_SPY}\n{subject}\n"
        "print(json.dumps([sorted(set(sys.modules) - before), _via]))\n"
    )
    added, via = json.loads(_python(code).stdout)
    added_set = set(added)
    self_ms: dict[str, float] = defaultdict(float)
    for line in _python(f"{BASELINE}\n{subject}\n", "-X", "importtime").stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match and match.group(4) in added_set:
            self_ms[match.group(4)] += int(match.group(1)) / 1e3
    counts = Counter(name.partition(".")[0] for name in added)
    packages = {
        top: {
            "modules": count,
            "import_ms": sum(ms for name, ms in self_ms.items() if name.partition(".")[0] == top),
            "first_imported_from": via.get(top, "-"),
        }
        for top, count in counts.items()
    }
    return {
        "added_module_count": len(added),
        "import_ms_total": sum(self_ms.values()),
        "packages": dict(sorted(packages.items(), key=lambda kv: -kv[1]["import_ms"])),
        # None: not timed (-X importtime misses modules loaded by importlib.import_module,
        # as the package's lazy __getattr__ does; their imports then count at top level).
        "own_modules_ms": {
            name: self_ms.get(name) for name in added if name.partition(".")[0] == _PACKAGE
        },
    }


def _describe(extra: dict[str, Any]) -> str:
    return "; ".join(
        f"{top}: {info['modules']} modules, {info['import_ms']:.1f} ms"
        + (f", first from {info['first_imported_from']}" if top != _PACKAGE else "")
        for top, info in extra["packages"].items()
    )


def _spawned(codes: dict[str, str], runs: int, bytecode: bool | None = None) -> dict[str, Any]:
    """Fresh processes of each code, interleaved (see `spawner`). `bytecode`: None, as
    the environment says; True, every module's bytecode cached (in a private cache the
    warm-up runs fill); False, none cached nor written, for either side."""
    spec = json.dumps({"codes": codes, "runs": runs, "warmup": WARMUP_RUNS})
    saved = {name: os.environ.get(name) for name in _BYTECODE_VARIABLES}
    with tempfile.TemporaryDirectory(prefix="bench-p3-pycache-") as cache:
        try:
            if bytecode is not None:
                os.environ["PYTHONPYCACHEPREFIX"] = cache
                os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
                if not bytecode:
                    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
            # Run as a script, not with -m: runpy would raise its RSS (the floor) a little.
            return json.loads(_checked([sys.executable, str(SPAWNER), spec]).stdout)  # type: ignore[no-any-return]
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


_BYTECODE_VARIABLES = ("PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE")


def _bytecode_rows(runs: int) -> list[Row]:
    """P3-use with every module's bytecode cached, and with none (a fresh install that
    cannot write its cache), each against `import httpx` in the same state."""
    codes = {"use": USE, "baseline": BASELINE}
    rows = []
    for cached, label, state in (
        (True, "cached", "cached"),
        (False, "no-bytecode", "neither cached nor written"),
    ):
        samples = _spawned(codes, runs, cached)["samples"]
        walls = {name: [wall * 1e3 for wall, _ in runs_] for name, runs_ in samples.items()}
        log(
            f"P3: bytecode {state}: `{USE}` {median(walls['use']):.1f} ms, "
            f"`{BASELINE}` {median(walls['baseline']):.1f} ms"
        )
        rows.append(
            Row(
                id=f"P3-use-{label}",
                what=f"fresh `python -c '{USE}'` vs '{BASELINE}', bytecode {state} for both",
                unit="ms",
                subject=median(walls["use"]),
                baseline=median(walls["baseline"]),
                target=1.1,
                direction="<=",
                details={
                    "subject_ms": spread(walls["use"]),
                    "baseline_ms": spread(walls["baseline"]),
                },
            )
        )
    return rows


def run(*, runs: int) -> list[Row]:
    codes = {"import": SUBJECT, "use": USE, "baseline": BASELINE, "python": "pass"}
    result = _spawned(codes, runs)
    samples: dict[str, list[list[float]]] = result["samples"]
    walls = {name: [wall * 1e3 for wall, _ in runs_] for name, runs_ in samples.items()}
    rss = {name: [kib / 1024 for _, kib in runs_] for name, runs_ in samples.items()}
    floor_mib = result["floor_kib"] / 1024
    log(
        f"P3: medians of {runs} fresh processes: "
        + ", ".join(
            f"`{codes[n]}` {median(walls[n]):.1f} ms / {median(rss[n]):.1f} MiB" for n in codes
        )
        + f" (RSS floor of the spawning driver: {floor_mib:.1f} MiB)"
    )
    extras = {name: extra_modules(codes[name]) for name in ("import", "use")}
    cli = httpx_cli_share()
    log(
        f"P3: of `{BASELINE}`'s {cli['import_httpx_ms']:.1f} ms of import time (-X importtime), "
        f"{cli['httpx_main_ms']:.1f} ms is httpx._main (httpx's CLI: click/rich/pygments, "
        "imported because this venv has them): without them the baseline would be lighter"
    )
    for name, extra in extras.items():
        log(
            f"P3: `{codes[name]}` adds {extra['added_module_count']} modules "
            f"({extra['import_ms_total']:.1f} ms of import time) to those of `{BASELINE}`: "
            f"{_describe(extra)}"
        )
    rows: list[Row] = []
    for name, label in (("import", "P3"), ("use", "P3-use")):
        common = {
            "runs": runs,
            "warmup_runs": WARMUP_RUNS,
            "rss_floor_mib": floor_mib,
            "python_pass_ms": spread(walls["python"]),
            "python_pass_mib": spread(rss["python"]),
            "httpx_import_breakdown": cli,
        }
        rows += [
            Row(
                id=f"{label}-time",
                what=f"fresh `python -c '{codes[name]}'` vs '{BASELINE}': wall time",
                unit="ms",
                subject=median(walls[name]),
                baseline=median(walls["baseline"]),
                target=1.2,
                direction="<=",
                details={
                    **common,
                    "subject_ms": spread(walls[name]),
                    "baseline_ms": spread(walls["baseline"]),
                    "extra_modules": extras[name],
                },
            ),
            Row(
                id=f"{label}-rss",
                what=f"fresh `python -c '{codes[name]}'` vs '{BASELINE}': peak RSS",
                unit="MiB",
                subject=median(rss[name]),
                baseline=median(rss["baseline"]),
                target=1.2,
                direction="<=",
                details={
                    **common,
                    "subject_mib": spread(rss[name]),
                    "baseline_mib": spread(rss["baseline"]),
                },
            ),
        ]
    return rows + _bytecode_rows(runs)
