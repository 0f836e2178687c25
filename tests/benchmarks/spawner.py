"""P3's driver, run as a fresh small process: `python tests/benchmarks/spawner.py JSON`.

Linux counts the RSS a child had before `exec` (the parent's, shared through fork or
vfork) in the child's ``ru_maxrss``: spawned from the benchmark process (tens of MiB
of imports), every child would report at least that. So the children are spawned from
this process, which imports almost nothing: not even `subprocess` (`os.posix_spawn`,
which is what `subprocess.Popen` uses when it can, then `os.wait4`). Its own peak RSS
(VmHWM) is in the output: the floor under every figure.

Input (argv[1], JSON): ``{"codes": {name: code}, "runs": n, "warmup": w}``. Runs the
codes interleaved, `w` warm-up rounds then `n` measured ones; prints JSON
``{"samples": {name: [[wall_seconds, maxrss_kib], ...]}, "floor_kib": k}``.
"""

import json
import os
import sys
import time

_QUIET = [
    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
]


def spawn(code: str) -> tuple[float, int]:
    """(wall seconds from spawn to exit, peak RSS in KiB) of a fresh `python -c code`."""
    start = time.perf_counter()
    pid = os.posix_spawn(
        sys.executable, [sys.executable, "-c", code], os.environ, file_actions=_QUIET
    )
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code_ = os.waitstatus_to_exitcode(status)
    if code_ != 0:
        raise SystemExit(f"`python -c {code!r}` exited with {code_}")
    return wall, usage.ru_maxrss


def _own_peak_kib() -> int:
    # VmHWM is this process image's own peak; ru_maxrss would include the parent's.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    spec = json.loads(sys.argv[1])
    codes: dict[str, str] = spec["codes"]
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in codes}
    for index in range(spec["warmup"] + spec["runs"]):
        for name, code in codes.items():
            sample = spawn(code)
            if index >= spec["warmup"]:
                samples[name].append(sample)
    print(json.dumps({"samples": samples, "floor_kib": _own_peak_kib()}))


if __name__ == "__main__":
    main()
