"""The Grafana dashboard (deploy/grafana/dashboards/*.json) against what the services really export.

Every metric name a panel's PromQL uses must appear in the live /metrics of a running Workcell
service, exercised first (a metric appears only once touched): a plc-bridge drives a cycle
against the pymodbus PLC peer with a NOK tightening (so a PLC fault latches), which also touches
the gRPC server metrics; a yield service started with a plant file (its shift calendar) gets an
ok and a NOK cycle over REST and one query, and refreshes its shift OEE gauges. Names no service exports yet are in PLANNED, each with the issue that
adds them; a planned name that shows up live, or that the dashboard no longer uses, fails the test
so the list cannot go stale.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import yaml

from conftest import HOST, executable, free_ports, launch, stop_process
from test_plc_bridge import FAST, peers, rig  # noqa: F401  (fixtures used by name)
from yield_client import RestClient, YieldServer, cycle

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((REPO_ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
DATASOURCE_UID = "workcell-prometheus"  # deploy/grafana/provisioning/datasources/prometheus.yml

# Names the dashboard uses that no service exports yet. Keep each with the issue that adds it.
PLANNED: set[str] = set()
METRICS_DEADLINE_S = 15.0

METRIC_NAME = re.compile(r"\b((?:workcell|grpc_server)_[a-z0-9_]+)\b")


def dashboard_exprs() -> list[tuple[str, str]]:
    """(panel title, PromQL) of every target and template query of every dashboard."""
    out = []
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                out.append((f"{path.name}: {panel['title']}", target["expr"]))
        for variable in board.get("templating", {}).get("list", []):
            query = variable.get("query")
            out.append((f"{path.name}: ${variable['name']}", query["query"] if isinstance(query, dict) else query))
    return out


def dashboard_metric_names() -> dict[str, str]:
    """Metric name → the first panel that uses it."""
    names: dict[str, str] = {}
    for title, expr in dashboard_exprs():
        for name in METRIC_NAME.findall(expr):
            names.setdefault(name, title)
    return names


def exported_names(metrics_text: str) -> set[str]:
    """Sample names in Prometheus text format (histograms as name_bucket/_sum/_count)."""
    names = set()
    for line in metrics_text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def test_dashboards_parse_and_use_the_provisioned_datasource():
    assert DASHBOARDS, "no dashboard in deploy/grafana/dashboards"
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        assert board["uid"] and board["title"], path
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), f"{path.name}: panel ids repeat: {ids}"
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == DATASOURCE_UID, f"{path.name}: {panel['title']}"
            assert panel["targets"], f"{path.name}: {panel['title']} has no query"
    titles = " ".join(panel["title"].lower() for path in DASHBOARDS for panel in json.loads(path.read_text())["panels"])
    for topic in ("yield", "first-pass", "oee", "takt", "pareto", "cycle-time", "jitter", "policy", "plc faults"):
        assert topic in titles, f"no panel about {topic!r}"


def test_planned_names_are_used_by_the_dashboard():
    unused = PLANNED - set(dashboard_metric_names())
    assert not unused, f"PLANNED lists names the dashboard does not use: {sorted(unused)}"


def yield_metrics(work_dir: Path) -> str:
    """/metrics of a yield service that ingested an ok and a NOK cycle of cell-01 and answered a
    query, once its shift OEE gauges are out (plant file: one 24 h shift in UTC, refresh 0.2 s)."""
    plant = yaml.safe_load((REPO_ROOT / "deploy" / "plant.example.yaml").read_text())
    plant["shift_calendar"] = {"time_zone": "UTC", "shifts": [{"name": "all-day", "start": "00:00", "end": "00:00"}]}
    plant_file = work_dir / "plant.yaml"
    plant_file.write_text(yaml.safe_dump(plant, sort_keys=False))
    server = YieldServer(work_dir, extra=["--plant-config", str(plant_file), "--kpi-refresh-s", "0.2"])
    try:
        writer = RestClient(server.base_url, server.tokens.write)
        now = datetime.now(timezone.utc) - timedelta(minutes=5)
        sent = [cycle(now, 70_000, cell="cell-01", ideal_cycle_ms=72_000),
                cycle(now + timedelta(seconds=80), 75_000, outcome="nok", failure_code="torque_low", cell="cell-01")]
        response = writer.post_cycles(sent)
        assert response.status_code in (200, 201), f"POST /api/v1/cycles: {response.status_code} {response.text}"
        reader = RestClient(server.base_url, server.tokens.read)
        query = reader.get("/api/v1/yield", **{"from": (now - timedelta(hours=1)).isoformat(),
                                                "to": (now + timedelta(hours=1)).isoformat(), "group_by": "cell"})
        assert query.status_code == 200, f"GET /api/v1/yield: {query.status_code} {query.text}"
        end = time.monotonic() + METRICS_DEADLINE_S
        while True:
            text = requests.get(f"{server.base_url}/metrics", timeout=5).text
            if "workcell_yield_shift_oee_ratio{" in text or time.monotonic() > end:
                return text
            time.sleep(0.1)
    finally:
        code = server.stop()
        assert code == 0, f"yield exited with {code} after SIGTERM\n{server.log()}"


def control_metrics(work_dir: Path) -> str:
    """/metrics of a control service once its 1 kHz loop has ticked for a while. Its joint bus is a
    UDP port nobody answers on: the loop's timing metrics fill all the same."""
    grpc_port, http_port, bus_port = free_ports(3)
    process = launch("control", [executable("control"), "--host", HOST, "--grpc-port", str(grpc_port),
                                 "--http-port", str(http_port), "--joint-bus", f"{HOST}:{bus_port}"],
                     work_dir / "control.log")
    try:
        end = time.monotonic() + METRICS_DEADLINE_S
        text = ""
        while time.monotonic() < end:
            try:
                text = requests.get(f"http://{HOST}:{http_port}/metrics", timeout=2).text
                if "workcell_control_loop_period_quantile_seconds" in text:  # after 1000 ticks
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return text
    finally:
        code, _ = stop_process(process)
        assert code == 0, f"control exited with {code} after SIGTERM\n{process.log_path.read_text(errors='replace')}"


def policy_metrics(work_dir: Path) -> str:
    """/metrics of a policy service serving the committed model. Its inference-latency histogram
    exists (at zero, per batch size) from the start, so no observation is needed."""
    grpc_port, http_port = free_ports(2)
    model = REPO_ROOT / "models" / "policy" / "wc-mlp-2.safetensors"
    process = launch("policy", [executable("policy"), "--host", HOST, "--grpc-port", str(grpc_port),
                                "--http-port", str(http_port), "--model", str(model)],
                     work_dir / "policy.log")
    try:
        end = time.monotonic() + METRICS_DEADLINE_S
        text = ""
        while time.monotonic() < end:
            try:
                text = requests.get(f"http://{HOST}:{http_port}/metrics", timeout=2).text
                if "workcell_policy_inference_seconds_bucket" in text:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return text
    finally:
        code, _ = stop_process(process)
        assert code == 0, f"policy exited with {code} after SIGTERM\n{process.log_path.read_text(errors='replace')}"


def test_dashboard_uses_only_exported_metrics(rig, tmp_path):  # noqa: F811
    exported = (exported_names(yield_metrics(tmp_path)) | exported_names(control_metrics(tmp_path))
                | exported_names(policy_metrics(tmp_path)))
    r = rig(*FAST, "--result", "torque_low")
    with r.logs():
        r.request_part()
        r.confirm_taken()
        r.clamp(seat_wait_ms=500)
        fasten = r.fasten(program=3)
        assert not fasten.ok and fasten.fault_code != r.pb.PLC_FAULT_CODE_UNSPECIFIED, fasten
        # The bridge counts the latched FAULT_CODE on its next poll.
        r.wait_peer("FAULT_CODE latched", lambda s: s["fixture"]["FAULT_CODE"] != 0, 1.0)
        bridge_names: set[str] = set()
        for _ in range(100):
            bridge_names = exported_names(r.bridge.metrics())
            if "workcell_plc_faults_total" in bridge_names:
                break
            time.sleep(0.02)
        exported |= bridge_names
        used = dashboard_metric_names()
        missing = {name: panel for name, panel in used.items() if name not in exported and name not in PLANNED}
        assert not missing, f"the dashboard uses metrics no service exports: {missing}"
        stale = sorted(PLANNED & exported)
        assert not stale, f"now exported, remove from PLANNED: {stale}"
        # The yield, PLC and gRPC names the dashboard relies on were really checked live.
        assert {"workcell_yield_shift_oee_ratio", "workcell_yield_cycle_time_seconds_bucket",
                "workcell_plc_faults_total", "workcell_plc_connected", "grpc_server_handled_total",
                "grpc_server_handling_seconds_bucket"} <= exported & set(used)
