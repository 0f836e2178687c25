#!/usr/bin/env bash
# The whole test suite while CPU hogs keep every core busy: a test that depends on how
# fast the machine is fails here. The hogs are started by this script and stopped by
# their PIDs when it exits, however it exits.
#   tests/under_load.sh [pytest arguments]       (HOGS=n sets the number of hogs; 2)
set -euo pipefail
cd "$(dirname "$0")/.."

hogs=()
stop_hogs() {
    for pid in "${hogs[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${hogs[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap stop_hogs EXIT INT TERM

for _ in $(seq "${HOGS:-2}"); do
    python3 -c 'while True: pass' &
    hogs+=("$!")
done
echo "==> ${#hogs[@]} CPU hogs running (PIDs ${hogs[*]}), load: $(cut -d' ' -f1-3 /proc/loadavg)"

started=$SECONDS
status=0
.venv/bin/pytest "$@" || status=$?
echo "==> under load: pytest exited with $status after $((SECONDS - started)) s," \
    "load: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
