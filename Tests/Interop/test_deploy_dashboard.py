"""The Grafana dashboard (deploy/grafana/dashboards/*.json) against what the services really export.

Every metric name a panel's PromQL uses must appear in the live /metrics of a running Workcell
service, exercised first (a metric appears only once touched): a plc-bridge drives a full cycle
against the pymodbus PLC peer with a NOK tightening (so a PLC fault latches), which also touches
the gRPC server metrics. Names no service exports yet are in PLANNED, each with the issue that
adds them; a planned name that shows up live, or that the dashboard no longer uses, fails the test
so the list cannot go stale.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from test_plc_bridge import FAST, peers, rig  # noqa: F401  (fixtures used by name)

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((REPO_ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
DATASOURCE_UID = "workcell-prometheus"  # deploy/grafana/provisioning/datasources/prometheus.yml

# Names the dashboard uses that no service exports yet. Keep each with the issue that adds it.
PLANNED = {
    # Planned in issue #6 (policy and control services): inference latency, the 1 kHz loop's timing.
    "workcell_policy_inference_seconds_bucket",
    "workcell_control_loop_period_seconds_bucket",
    "workcell_control_loop_jitter_seconds_bucket",
    # Yield service (issue #3), being built now: its REST ingest is not on main yet. Once it is,
    # this test should start `yield`, post one cycle and check these against its /metrics too.
    "workcell_yield_cycles_ingested_total",
    "workcell_yield_first_pass_cycles_total",
    "workcell_yield_takt_met_cycles_total",
    "workcell_yield_cycle_time_seconds_bucket",
    "workcell_yield_shift_oee_ratio",
    "workcell_yield_shift_availability_ratio",
    "workcell_yield_shift_performance_ratio",
    "workcell_yield_shift_quality_ratio",
    "workcell_yield_ingest_batch_size_sum",
    "workcell_yield_ingest_batch_size_count",
    "workcell_yield_query_duration_seconds_bucket",
    "workcell_yield_db_operations_in_flight",
}

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


def test_dashboard_uses_only_exported_metrics(rig):  # noqa: F811
    r = rig(*FAST, "--result", "torque_low")
    with r.logs():
        r.request_part()
        r.confirm_taken()
        r.clamp(seat_wait_ms=500)
        fasten = r.fasten(program=3)
        assert not fasten.ok and fasten.fault_code != r.pb.PLC_FAULT_CODE_UNSPECIFIED, fasten
        # The bridge counts the latched FAULT_CODE on its next poll.
        r.wait_peer("FAULT_CODE latched", lambda s: s["fixture"]["FAULT_CODE"] != 0, 1.0)
        exported: set[str] = set()
        for _ in range(100):
            exported = exported_names(r.bridge.metrics())
            if "workcell_plc_faults_total" in exported:
                break
            time.sleep(0.02)
        used = dashboard_metric_names()
        missing = {name: panel for name, panel in used.items() if name not in exported and name not in PLANNED}
        assert not missing, f"the dashboard uses metrics no service exports: {missing}"
        stale = sorted(PLANNED & exported)
        assert not stale, f"now exported, remove from PLANNED: {stale}"
        # The PLC and gRPC names the dashboard relies on were really checked live.
        assert {"workcell_plc_faults_total", "workcell_plc_connected", "grpc_server_handled_total",
                "grpc_server_handling_seconds_bucket"} <= exported & set(used)
