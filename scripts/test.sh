#!/usr/bin/env bash
# Runs every Workcell test on a fresh machine; installs what it needs itself.
#
#   scripts/test.sh            everything (what CI runs)
#
# Steps: generated code matches Protos/ → Python venv (grpcio, pytest, torch …) → ffmpeg → the test database
# script works → debug build of every target → Swift tests (unit + fleet) → short fuzzing → deployment files (and the
# alerts' promtool tests) → Chromium → Python interop tests (the yield page in Chromium, the alerts in
# Prometheus) → the PyTorch trainer's tests → the short fault suite (root only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
started=$(date +%s)

step "generated code matches Protos/"
scripts/generate-protos.sh --check

step "Python environment"
venv=$(scripts/python-env.sh)
python="$venv/bin/python"

step "ffmpeg for the episodes' camera video (Debian's ffmpeg)"
command -v ffmpeg >/dev/null 2>&1 \
  || { apt-get install -y -q ffmpeg || { apt-get update -q && apt-get install -y -q ffmpeg; }; } >/dev/null
ffmpeg -version | head -1

step "test database (scripts/test-db.sh): PostgreSQL 15 on loopback for the storage tests"
db_dir=$(mktemp -d)
dsn=$(scripts/test-db.sh start --dir "$db_dir")
trap 'scripts/test-db.sh stop --dir "$db_dir" >/dev/null 2>&1 || true' EXIT
psql "$dsn" -v ON_ERROR_STOP=1 -qtA -c "select 'postgres ' || current_setting('server_version')"
export WORKCELL_TEST_POSTGRES_DSN="$dsn"

step "build (debug, every target and test)"
swift build --build-tests
bin_dir=$(swift build --show-bin-path)
export WORKCELL_BIN_DIR="$bin_dir"

status=0
step "Swift tests (unit and fleet)"
# The pure suites that step the simulated world or crunch frames are long CPU-bound loops; run
# alongside the rest they hold both cores' executor threads and starve every test that waits on
# I/O (servers binding, PLC round trips, fleet processes). They get their own process afterwards.
# EpisodeRecordingTests run ffmpeg and wait on the episode writer's backpressure, which blocks a
# thread of the two-thread executor for a second at a time: beside the I/O tests that starved
# unrelated in-process RPCs past their 5 s deadlines.
cpu_bound='CellWorldTests|NutPerceptionTests|WholeBodyControlTests|PolicyRuntimeTests|EpisodeRecordingTests'
# In-process services with real-time duties (Modbus request deadlines and retries, a 10 ms PLC poll, a
# 1 kHz control loop) measure behaviour against the clock: they run after the rest, one test at a time.
real_time='PlcBridgeServiceTests|ControlServiceTests|ModbusTCPClientTests'
# The whole fleet in one `workcell demo` process per test (cell-sim, PLCs, perception, policy,
# control, cell, yield): each needs the machine to itself, one at a time, last.
fleet_cycles='CycleFleetTests'
swift test --skip-build --skip "$cpu_bound|$real_time|$fleet_cycles" || status=1

step "Swift tests (in-process PLC bridge and 1 kHz control against cell-sim; one at a time)"
swift test --skip-build --no-parallel --filter "$real_time" || status=1

step "Swift tests (CPU-bound pure suites: world physics, perception, control, policy, episode video; own process)"
swift test --skip-build --filter "$cpu_bound" || status=1

step "Fleet cycle tests (workcell demo end to end: shift, injected faults, e-stop, yield outage; one at a time)"
swift test --skip-build --no-parallel --filter "$fleet_cycles" || status=1

step "fuzzing, short (scripts/fuzz.sh: libFuzzer + ASan on the Modbus, joint-bus, safetensors, plant file and cycle wire decoders, 5 s each)"
scripts/fuzz.sh --seconds 5 || status=1

step "deployment files (scripts/check-deploy.sh): plant files, compose, k8s, proxy, dashboards"
scripts/check-deploy.sh "$bin_dir" || status=1

step "Chromium for the yield page's browser tests (Debian's chromium, headless)"
command -v chromium >/dev/null 2>&1 \
  || { apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; } >/dev/null \
  || status=1
chromium --version || status=1

step "Python interop tests (grpcio against the Swift servers; the yield page in Chromium, screenshots in .build/test-output/yield-page)"
"$python" -m pytest -q Tests/Interop || status=1

step "Python trainer tests (training/tests: PyTorch ↔ Swift parity, bad datasets, a smoke training run)"
"$python" -m pytest -q training/tests || status=1

step "fault suite, short (scripts/chaos.sh --short: each service killed, PostgreSQL restarted, a 15 s partition)"
if [ "$(id -u)" = 0 ]; then
  scripts/chaos.sh --short --bin-dir "$bin_dir" --report "$root/.build/test-output/chaos.json" || status=1
else
  echo "skipped: the fault suite needs root for its network namespace"
fi

scripts/test-db.sh stop --dir "$db_dir" >/dev/null 2>&1 || true
trap - EXIT

echo
echo "scripts/test.sh: finished in $(( $(date +%s) - started )) s, $([ $status = 0 ] && echo 'all green' || echo 'FAILURES above')"
exit $status
