"""An outage is downtime, not parts (issue #20, item 2; docs/cell.md, "Outages").

The fleet runs as two processes, as a plant would split it: `workcell serve --target policy` and
`workcell serve` with every other service (cell-sim's world on the wall clock, one robot). With the
cell producing, the policy process is killed (SIGKILL):

* the cycle in progress ends aborted (`policy_timeout`), and no cycle record is nok for it;
* the robot then holds: no new cycle starts while the policy is down, and `workcell cell status`
  says what it waits for (the present state, not a stale safety reason);
* once the policy runs again the robot resumes by itself, and yield holds one `fault` state event
  `policy_unavailable` covering the outage.

    WORKCELL_BIN_DIR=$(swift build --show-bin-path) .venv/bin/python -m pytest -q Tests/Interop/test_outage.py
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import grpc
import pytest

from demo_run import REPO
from test_cell_command import wait_for, workcell
from test_health_interop import BIN_DIR, BIN_DIR_ENV, CHANNEL_OPTIONS, FLEET_ORDER, HOST, free_port_bases, free_ports

pytestmark = pytest.mark.skipif(
    not BIN_DIR, reason=f"{BIN_DIR_ENV} is not set (point it at `swift build --show-bin-path`)")

OTHERS = ",".join(name for name in FLEET_ORDER if name != "policy")


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def test_policy_outage_holds_the_robot_and_is_downtime(tmp_path, workcell_api):
    grpc_base, http_base = free_port_bases(len(FLEET_ORDER), 2)
    plc_base, bus_port = free_ports(2)
    env = {**os.environ, "WORKCELL_SIM_PLC_PORT_BASE": str(plc_base), "WORKCELL_SIM_JOINT_BUS_PORT": str(bus_port),
           "WORKCELL_SIM_SIDES": "left", "WORKCELL_YIELD_SQLITE_PATH": str(tmp_path / "yield.sqlite"),
           "WORKCELL_CELL_OUTBOX": str(tmp_path / "outbox.sqlite"), "WORKCELL_CELL_EPISODES": "off",
           "WORKCELL_POLICY_PLANNER": "scripted",
           # The cell finds the policy in the other process at the port plan's place for it.
           "WORKCELL_CELL_POLICY": f"{HOST}:{grpc_base + FLEET_ORDER.index('policy')}",
           "WORKCELL_POLICY_MODEL": str(REPO / "models" / "policy" / "wc-mlp-2.safetensors")}
    base = [str(Path(BIN_DIR) / "workcell"), "serve", "--host", HOST, "--grpc-port-base", str(grpc_base),
            "--http-port-base", str(http_base), "--log-format", "text"]
    log = open(tmp_path / "fleet.log", "wb")
    policy_log = open(tmp_path / "policy.log", "ab")

    def start_policy() -> subprocess.Popen:
        return subprocess.Popen(base + ["--target", "policy"], stdin=subprocess.DEVNULL, stdout=policy_log,
                                stderr=subprocess.STDOUT, env=env, cwd=tmp_path)

    fleet = subprocess.Popen(base + ["--target", OTHERS], stdin=subprocess.DEVNULL, stdout=log,
                             stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    policy = start_policy()
    cell = f"{HOST}:{grpc_base + FLEET_ORDER.index('cell')}"
    db = tmp_path / "yield.sqlite"
    channel = grpc.insecure_channel(f"{HOST}:{grpc_base + FLEET_ORDER.index('cell-sim')}", options=CHANNEL_OPTIONS)

    def robot() -> dict:
        run = workcell("status", "--address", cell, "--json")
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)["robots"][0]

    try:
        wait_for(lambda: workcell("status", "--address", cell).returncode == 0, "cell status", log=tmp_path / "fleet.log")
        sim = workcell_api.sim_pb2_grpc.SimControlStub(channel)
        sim.Reset(workcell_api.sim_pb2.ResetRequest(seed=4, config=workcell_api.sim_pb2.SimConfig(
            robot_count=1, target_real_time_factor=1.0)), timeout=30)
        started = workcell("start", "--address", cell)
        assert started.returncode == 0, started.stderr + started.stdout
        wait_for(lambda: robot().get("cycles_done", 0) >= 1, "a first cycle", deadline_s=60, log=tmp_path / "fleet.log")
        wait_for(lambda: robot().get("step") not in (None, "", "unspecified", "request_part"), "a cycle under way",
                 deadline_s=30, log=tmp_path / "fleet.log")

        policy.send_signal(signal.SIGKILL)
        policy.wait(timeout=10)
        held = wait_for(lambda: (lambda r: r if "policy unavailable" in json.dumps(r) else None)(robot()),
                        "the robot holding for the policy", deadline_s=30, log=tmp_path / "fleet.log")
        done_while_down = held["cycles_done"]
        time.sleep(6)  # down: no new cycle, no record
        assert robot()["cycles_done"] == done_while_down, "a cycle ran while the policy was down"
        wait_for(lambda: rows(db, "select count(*) from cycles")[0][0] >= done_while_down, "records in yield", 30)
        records = rows(db, "select outcome, failure_code from cycles")
        assert ("nok", "policy_timeout") not in records, records
        assert records.count(("aborted", "policy_timeout")) == 1, records

        policy = start_policy()
        wait_for(lambda: robot()["cycles_done"] > done_while_down, "a cycle after the policy came back",
                 deadline_s=90, log=tmp_path / "fleet.log")
        assert "policy unavailable" not in json.dumps(robot())
        events = wait_for(lambda: rows(db, "select state, reason, ended_at - started_at from state_events"),
                          "the downtime in yield", 30)
        assert [(state, reason) for state, reason, _ in events] == [("fault", "policy_unavailable")], events
        assert events[0][2] >= 6000, events  # covers the 6 s held, at least
        assert ("nok", "policy_timeout") not in rows(db, "select outcome, failure_code from cycles")
    finally:
        channel.close()
        for process in (policy, fleet):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()
        policy_log.close()
