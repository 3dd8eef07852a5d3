#!/usr/bin/env bash
# The soak (docs/reliability.md, "Soak"): a simulated shift of `workcell demo` (2 robots, the whole
# fleet in one process) with an MES load of 50 REST queries/s on yield beside it; samples the fleet
# process's memory and open descriptors and the queries' latency; checks memory and descriptors
# stay within start-up + 10 %, query p95 ≤ 50 ms, no failed query, no warning/error log line.
#
#   scripts/soak.sh [--short] [--bin-dir DIR] [--hours H]
#
#   (default)       a 3-hour simulated shift; writes docs/figures/soak.json and docs/figures/soak.png
#   --short         a 0.1-hour shift, 20 queries/s; figures in a temporary directory
#   --bin-dir DIR   built binaries (default: WORKCELL_BIN_DIR, else builds -c release)
#   --hours H       simulated hours instead
# Exit 0 when every bar is met, 3 when one is missed (printed), else the error's status.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

short=0
bin_dir="${WORKCELL_BIN_DIR:-}"
hours=""
while [ $# -gt 0 ]; do
  case "$1" in
    --short) short=1; shift ;;
    --bin-dir) bin_dir=$2; shift 2 ;;
    --hours) hours=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done
if [ -z "$bin_dir" ]; then
  echo "soak.sh: building (swift build -c release --product workcell)" >&2
  swift build -c release --product workcell >&2
  bin_dir=$(swift build -c release --show-bin-path)
fi
venv=$(scripts/python-env.sh)
if [ "$short" = 1 ]; then
  out=$(mktemp -d "${TMPDIR:-/tmp}/workcell-soak.XXXXXX")
  exec "$venv/bin/python" Tests/Interop/soak.py --bin-dir "$bin_dir" --hours "${hours:-0.1}" --rate 20 --warm-up-s 10 \
    --report "$out/soak.json" --plot "$out/soak.png"
fi
exec "$venv/bin/python" Tests/Interop/soak.py --bin-dir "$bin_dir" --hours "${hours:-3}" \
  --report docs/figures/soak.json --plot docs/figures/soak.png
