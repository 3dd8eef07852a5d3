#!/usr/bin/env bash
# Checks the plant deployment files offline (issue #7); scripts/test.sh runs it after the build.
#
#   scripts/check-deploy.sh [BIN_DIR]     (BIN_DIR default: $WORKCELL_BIN_DIR or `swift build --show-bin-path`)
#
# - `workcell config check`: the example plant file passes; the bad one fails with each expected
#   message on its line.
# - `workcell compose` for the example, a 1-cell and a 20-cell plant: deterministic, and each
#   generated part with docker-compose.yml valid for the compose spec (check-jsonschema
#   --builtin-schema vendor.compose-spec) and for Debian's docker-compose 1.29 (`config -q`).
# - deploy/k8s with kubernetes-validate; the plant ConfigMap equal to deploy/plant.example.yaml.
# - HAProxy's config with `haproxy -c`; Prometheus and Grafana provisioning files parse.
# - deploy/prometheus/alerts.yml: `promtool check rules`, and `promtool test rules` with the unit
#   tests of deploy/prometheus/alerts.test.yml (one that fires and one that does not, per alert).
# The Grafana dashboard against the services' live /metrics is Tests/Interop/test_deploy_dashboard.py.
# Installs docker-compose, haproxy and prometheus (for promtool) (apt) when missing; Python tools come from the venv.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DEBIAN_FRONTEND=noninteractive

bin_dir=${1:-${WORKCELL_BIN_DIR:-$(swift build --show-bin-path)}}
workcell="$bin_dir/workcell"
[ -x "$workcell" ] || { echo "check-deploy: $workcell not built" >&2; exit 1; }
venv=$(scripts/python-env.sh)
python="$venv/bin/python"

need_apt() {  # need_apt COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "check-deploy: installing $2"
  { apt-get install -y -q "$2" || { apt-get update -q && apt-get install -y -q "$2"; }; } >/dev/null
}
need_apt docker-compose docker-compose
need_apt haproxy haproxy
need_apt promtool prometheus

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
ok() { printf '  ok   %s\n' "$1"; }
fail() { printf '  FAIL %s\n' "$1"; failures=$((failures + 1)); }
check() {  # check DESCRIPTION COMMAND...
  local description=$1; shift
  if "$@" >"$work/out" 2>&1; then ok "$description"; else fail "$description"; sed 's/^/       /' "$work/out"; fi
}

echo "plant files (workcell config check)"
check "deploy/plant.example.yaml passes" "$workcell" config check deploy/plant.example.yaml
set +e
"$workcell" config check Tests/Deploy/plant.bad.yaml >"$work/bad.txt" 2>&1
bad_status=$?
set -e
[ "$bad_status" = 1 ] && ok "Tests/Deploy/plant.bad.yaml exits 1" || fail "Tests/Deploy/plant.bad.yaml exits 1 (got $bad_status)"
for expected in \
  "plant.bad.yaml:16: error: shift 'late' (14:00–22:00) overlaps shift 'early' (06:00–14:30, line 13)" \
  "plant.bad.yaml:31: error: the left fixture of cell 'cell-01' has Modbus unit id 300" \
  "plant.bad.yaml:35: error: cell id 'cell-01' is used twice (first on line 21)" \
  "plant.bad.yaml:35: error: cell 'cell-01' has no yield endpoint" \
  "plant.bad.yaml:46: error: port 51014 of plc-bridge gRPC of cell 'cell-01' is already used by plc-bridge gRPC of cell 'cell-01' (line 33) [port_clash]" \
  "plant.bad.yaml: 5 error(s), 0 warning(s)"; do
  if grep -qF -- "$expected" "$work/bad.txt"; then ok "bad file: ${expected:0:70}…"; else fail "bad file lacks: $expected"; cat "$work/bad.txt"; fi
done

echo "generated compose (workcell compose) for the example, 1 and 20 cells"
"$python" - "$work" <<'PY'
# Plants of 1 and 20 cells from the example: own ids, PLC addresses and ports per cell.
import copy, sys, yaml
work = sys.argv[1]
example = yaml.safe_load(open("deploy/plant.example.yaml"))
template = example["cells"][0]
for count in (1, 20):
    plant = copy.deepcopy(example)
    plant["cells"] = []
    for index in range(1, count + 1):
        cell = copy.deepcopy(template)
        cell["id"] = f"cell-{index:02d}"
        cell["station"] = index * 10
        for robot, side in zip(cell["robots"], ("left", "right")):
            robot["id"] = f"cell-{index:02d}-{side}"
            host = f"10.1.{index}.{21 if side == 'left' else 22}"
            robot["feeder"]["host"] = host
            robot["fixture"]["host"] = host
        cell["ports"] = {
            "plc-bridge": {"grpc": 51004 + index * 10, "http": 10104 + index * 10},
            "cell": {"grpc": 51005 + index * 10, "http": 10105 + index * 10},
        }
        plant["cells"].append(cell)
    yaml.safe_dump(plant, open(f"{work}/plant-{count}.yaml", "w"), sort_keys=False)
PY
cp deploy/plant.example.yaml "$work/plant-example.yaml"
export WORKCELL_POSTGRES_PASSWORD=check-only WORKCELL_GRAFANA_PASSWORD=check-only
for plant in example 1 20; do
  file="$work/plant-$plant.yaml"
  check "plant-$plant: config check" "$workcell" config check "$file"
  "$workcell" compose "$file" --output "$work/cells-$plant.yml" --targets "$work/targets-$plant.json" --plant-file "$file"
  "$workcell" compose "$file" --output "$work/cells-$plant.again.yml" --targets "$work/targets-$plant.again.json" --plant-file "$file"
  check "plant-$plant: compose output is deterministic" \
    cmp "$work/cells-$plant.yml" "$work/cells-$plant.again.yml"
  check "plant-$plant: targets are deterministic" cmp "$work/targets-$plant.json" "$work/targets-$plant.again.json"
  check "plant-$plant: compose part valid for the compose spec" \
    "$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$work/cells-$plant.yml"
  check "plant-$plant: docker-compose.yml + part accepted by docker-compose $(docker-compose version --short 2>/dev/null)" \
    env WORKCELL_PLANT_FILE="$file" docker-compose --project-directory "$root" -f docker-compose.yml -f "$work/cells-$plant.yml" config -q
  check "plant-$plant: Prometheus targets parse" "$python" -c \
    "import json,sys; t=json.load(open(sys.argv[1])); assert t and all(g['targets'] and g['labels']['cell'] for g in t)" \
    "$work/targets-$plant.json"
done
services_20=$(env WORKCELL_PLANT_FILE="$work/plant-20.yaml" docker-compose --project-directory "$root" \
  -f docker-compose.yml -f "$work/cells-20.yml" config --services | wc -l)
# 6 plant-server services (postgres, yield-1, yield-2, yield, prometheus, grafana) + 6 per cell
# (docker-compose 1.29 lists the sim profile's cell-sim too).
[ "$services_20" = $((6 + 20 * 6)) ] && ok "20 cells: $services_20 services" || fail "20 cells: $services_20 services, want $((6 + 20 * 6))"
check "docker-compose.yml alone valid for the compose spec" \
  "$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml

echo "Kubernetes manifests (deploy/k8s)"
check "kubernetes-validate --strict" "$venv/bin/kubernetes-validate" --strict --quiet deploy/k8s/*.yaml
check "ConfigMap workcell-plant equals deploy/plant.example.yaml" "$python" -c '
import yaml
(cm,) = list(yaml.safe_load_all(open("deploy/k8s/plant-configmap.yaml")))
assert cm["data"]["plant.yaml"] == open("deploy/plant.example.yaml").read(), "copy deploy/plant.example.yaml into data.plant.yaml of deploy/k8s/plant-configmap.yaml"'

echo "proxy, Prometheus, Grafana"
check "haproxy -c deploy/haproxy/haproxy.cfg" \
  haproxy -c -q -f deploy/haproxy/haproxy.cfg
check "Prometheus and Grafana provisioning parse" "$python" -c '
import glob, json, yaml
prom = yaml.safe_load(open("deploy/prometheus/prometheus.yml"))
assert {j["job_name"] for j in prom["scrape_configs"]} >= {"yield", "cells"}
for f in glob.glob("deploy/grafana/provisioning/*/*.yml"):
    assert yaml.safe_load(open(f))["apiVersion"] == 1, f
for f in glob.glob("deploy/grafana/dashboards/*.json"):
    d = json.load(open(f))
    assert d["uid"] and d["panels"], f'

echo "alerts (deploy/prometheus/alerts.yml)"
check "promtool check rules" promtool check rules deploy/prometheus/alerts.yml
check "promtool check config (the scrape configuration loads the alerts)" \
  promtool check config deploy/prometheus/prometheus.yml
check "promtool test rules: every alert fires on its fault, not on a healthy case" \
  promtool test rules deploy/prometheus/alerts.test.yml
check "every alert has a unit test" "$python" -c '
import yaml
rules = yaml.safe_load(open("deploy/prometheus/alerts.yml"))
alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
tests = yaml.safe_load(open("deploy/prometheus/alerts.test.yml"))
tested = {c["alertname"] for t in tests["tests"] for c in t.get("alert_rule_test", []) if c.get("exp_alerts")}
assert alerts and alerts == tested, f"untested: {sorted(alerts - tested)}, unknown: {sorted(tested - alerts)}"'

if [ "$failures" = 0 ]; then echo "check-deploy: all green"; else echo "check-deploy: $failures FAILED"; exit 1; fi
