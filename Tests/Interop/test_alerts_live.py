"""deploy/prometheus/alerts.yml in a real Prometheus scraping a running fleet (issue #22, item 6).

Debian's `prometheus` (the package scripts/check-deploy.sh installs for promtool) scrapes every
service of `workcell serve --target all` each second with the target labels `workcell compose`
gives a cell, and evaluates the plant's alert file as committed. Faults injected in cell-sim must
turn the matching alert to firing (GET /api/v1/alerts), and nothing fires before them:

* a feeder jam (cell-sim FEEDER_JAM, FAULT_CODE 1) during a cycle → WorkcellPlcFault {fault_code="1"};
* the fixture PLC losing the heartbeat (PLC_HEARTBEAT_LOSS, FAULT_CODE 16) → WorkcellPlcHeartbeatLost
  after its 30 s.

    venv=$(scripts/python-env.sh)
    WORKCELL_BIN_DIR=$(swift build --show-bin-path) "$venv/bin/python" -m pytest -q Tests/Interop/test_alerts_live.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
import requests
import yaml

from demo_run import REPO
from test_cell_command import fleet, workcell  # noqa: F401  (the fleet fixture, one per module)
from test_health_interop import HOST, free_ports
from test_yield_page import write_figures

ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"


@pytest.fixture(scope="module")
def prometheus(fleet, tmp_path_factory):  # noqa: F811
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is not installed (scripts/check-deploy.sh installs Debian's prometheus)")
        pytest.skip("prometheus is not installed (scripts/check-deploy.sh installs Debian's prometheus)")
    work = tmp_path_factory.mktemp("prometheus")
    (port,) = free_ports(1)
    targets = [f"{HOST}:{http}" for http in fleet["http"].values()]
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS)],
        "scrape_configs": [{"job_name": "cells", "static_configs": [
            {"targets": targets, "labels": {"plant": "leipzig", "cell": "cell-01"}}]}],
    }
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    log = open(work / "prometheus.log", "wb")
    process = subprocess.Popen(
        [binary, f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
         f"--web.listen-address={HOST}:{port}"], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        def all_up() -> bool:
            try:
                active = requests.get(f"{base}/api/v1/targets", timeout=2).json()["data"]["activeTargets"]
            except (requests.RequestException, ValueError, KeyError):
                return False
            return len(active) == len(targets) and all(t["health"] == "up" for t in active)
        end = time.monotonic() + 60
        while not all_up():
            assert process.poll() is None, (work / "prometheus.log").read_text()[-3000:]
            assert time.monotonic() < end, "Prometheus did not scrape every service within 60 s"
            time.sleep(0.5)
        rules = requests.get(f"{base}/api/v1/rules", timeout=5).json()["data"]["groups"]
        loaded = {rule["name"] for group in rules for rule in group["rules"]}
        committed = {rule["alert"] for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]}
        assert loaded == committed
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def alerts(base: str) -> list[dict]:
    return requests.get(f"{base}/api/v1/alerts", timeout=5).json()["data"]["alerts"]


def wait_firing(base: str, name: str, labels: dict[str, str], deadline_s: float) -> float:
    started = time.monotonic()
    while True:
        for alert in alerts(base):
            if alert["labels"].get("alertname") == name and alert["state"] == "firing" and \
                    all(alert["labels"].get(key) == value for key, value in labels.items()):
                return time.monotonic() - started
        assert time.monotonic() - started < deadline_s, f"{name} {labels} not firing after {deadline_s:g} s: {alerts(base)}"
        time.sleep(0.5)


def test_injected_plc_faults_fire_their_alerts(fleet, prometheus):  # noqa: F811
    api = fleet["api"]
    time.sleep(3)  # a few evaluations of the healthy fleet
    quiet = [a for a in alerts(prometheus) if a["labels"]["alertname"].startswith("WorkcellPlc")]
    assert quiet == [], f"PLC alerts before any fault: {quiet}"

    fleet["sim"].InjectFault(api.sim_pb2.InjectFaultRequest(
        kind=api.sim_pb2.FAULT_KIND_FEEDER_JAM, side=api.common_pb2.SIDE_LEFT), timeout=10)
    started = workcell("start", "--address", fleet["address"], "--cycles", "1")
    assert started.returncode == 0, started.stderr
    jam_s = wait_firing(prometheus, "WorkcellPlcFault",
                        {"cell": "cell-01", "side": "left", "device": "feeder", "fault_code": "1", "severity": "page"}, 60)

    fleet["sim"].InjectFault(api.sim_pb2.InjectFaultRequest(
        kind=api.sim_pb2.FAULT_KIND_PLC_HEARTBEAT_LOSS, side=api.common_pb2.SIDE_LEFT), timeout=10)
    heartbeat_s = wait_firing(prometheus, "WorkcellPlcHeartbeatLost", {"cell": "cell-01", "side": "left"}, 90)
    write_figures({"alert_feeder_jam_firing_after_s": round(jam_s, 1),
                   "alert_heartbeat_lost_firing_after_s": round(heartbeat_s, 1)})
    workcell("stop", "--address", fleet["address"], "--abort")
