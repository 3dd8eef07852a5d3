#!/usr/bin/env bash
# The fault suite (docs/reliability.md, "The fault suite"): the fleet as seven processes on the
# wall clock, yield on PostgreSQL in a network namespace of its own, producing; then each service
# killed (SIGKILL) and restarted in turn, PostgreSQL restarted, the cell cut off from yield. For
# each fault: the cycle in flight, what the robot did, NOK records the fault caused (none
# allowed), whether production came back by itself or after the operator's Start, and how long it
# took; at the end every record the cell kept is looked up in yield (none lost, none twice).
#
#   scripts/chaos.sh [--short] [--bin-dir DIR] [--report FILE] [--faults F,F,...]
#
#   (default)       the full suite: services down 10 s, the partition 60 s; rewrites the table in
#                   docs/reliability.md and writes docs/figures/chaos.json
#   --short         what CI runs (scripts/test.sh): services down 4 s, the partition 15 s; the
#                   docs are left alone, the report goes to --report (default a temporary file)
#   --bin-dir DIR   built binaries to use (default: WORKCELL_BIN_DIR, else builds -c release)
#   --faults LIST   a subset of policy,perception,control,plc-bridge,cell,yield,postgres,partition
#
# Needs root (ip netns, veth) and PostgreSQL binaries (scripts/test-db.sh installs them). Exit 0
# when nothing was lost, nothing stored twice and no fault caused a NOK record; 3 otherwise.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

short=0
bin_dir="${WORKCELL_BIN_DIR:-}"
report=""
faults=""
while [ $# -gt 0 ]; do
  case "$1" in
    --short) short=1; shift ;;
    --bin-dir) bin_dir=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    --faults) faults=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "chaos.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then
  echo "chaos.sh: needs root for its network namespace (ip netns add)" >&2
  exit 2
fi
if [ -z "$bin_dir" ]; then
  echo "chaos.sh: building (swift build -c release --product workcell)" >&2
  swift build -c release --product workcell >&2
  bin_dir=$(swift build -c release --show-bin-path)
fi
venv=$(scripts/python-env.sh)

work=$(mktemp -d "${TMPDIR:-/tmp}/workcell-chaos.XXXXXX")
mkdir -p "$work/pg"
cleanup() { scripts/test-db.sh stop --dir "$work/pg" >/dev/null 2>&1 || true; }
trap cleanup EXIT
dsn=$(scripts/test-db.sh start --dir "$work/pg" --unix-socket)

args=(--bin-dir "$bin_dir" --postgres-dsn "$dsn" --postgres-dir "$work/pg" --work "$work/fleet")
[ -z "$faults" ] || args+=(--faults "$faults")
if [ "$short" = 1 ]; then
  args+=(--down-s 4 --partition-s 15 --report "${report:-$work/chaos.json}")
else
  args+=(--down-s 10 --partition-s 60 --report "${report:-docs/figures/chaos.json}" --table docs/reliability.md)
fi
status=0
"$venv/bin/python" Tests/Interop/chaos.py "${args[@]}" || status=$?
if [ "$status" != 0 ]; then
  echo "chaos.sh: exit $status; the fleet's logs are in $work/fleet" >&2
  trap - EXIT
  cleanup
fi
exit "$status"
