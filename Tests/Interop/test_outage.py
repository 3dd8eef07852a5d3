"""An outage is downtime, not parts (issue #20, item 2; docs/cell.md, "Outages").

The fleet runs as two processes, as a plant would split it: `workcell serve --target policy` (or
perception) and `workcell serve` with every other service (cell-sim's world on the wall clock, one
robot). With the cell producing, that process is killed (SIGKILL):

* the cycle in progress ends aborted (`policy_timeout`), and no cycle record is nok for it;
* the robot then holds: no new cycle starts while the policy is down, and `workcell cell status`
  says what it waits for (the present state, not a stale safety reason);
* once the policy runs again the robot resumes by itself, and yield holds one `fault` state event
  `policy_unavailable` covering the outage.

And with the cell apart, SIGKILLed mid-cycle and restarted: the interrupted cycle reaches yield as
aborted / `cell_restart` (the cell journals each cycle's start in its outbox file).

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

def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


class SplitFleet:
    """The fleet as two `workcell serve` processes: `apart` alone, every other service together."""

    def __init__(self, tmp_path: Path, workcell_api, apart: str):
        self.tmp, self.apart = tmp_path, apart
        grpc_base, http_base = free_port_bases(len(FLEET_ORDER), 2)
        plc_base, bus_port = free_ports(2)
        self.env = {
            **os.environ, "WORKCELL_SIM_PLC_PORT_BASE": str(plc_base), "WORKCELL_SIM_JOINT_BUS_PORT": str(bus_port),
            "WORKCELL_SIM_SIDES": "left", "WORKCELL_YIELD_SQLITE_PATH": str(tmp_path / "yield.sqlite"),
            "WORKCELL_CELL_OUTBOX": str(tmp_path / "outbox.sqlite"), "WORKCELL_CELL_EPISODES": "off",
            "WORKCELL_POLICY_PLANNER": "scripted",
            "WORKCELL_POLICY_MODEL": str(REPO / "models" / "policy" / "wc-mlp-2.safetensors")}
        # Each process finds the other's services at the port plan's place for them.
        address = {name: f"{HOST}:{grpc_base + FLEET_ORDER.index(name)}" for name in FLEET_ORDER}
        self.env.update({"WORKCELL_CELL_POLICY": address["policy"], "WORKCELL_CELL_PERCEPTION": address["perception"],
                         "WORKCELL_CELL_PLC_BRIDGE": address["plc-bridge"], "WORKCELL_CELL_YIELD": address["yield"],
                         "WORKCELL_CELL_SIM": address["cell-sim"], "WORKCELL_CELL_ROBOTS": "left=left",
                         "WORKCELL_CELL_CONTROL": f"left={address['control']}",
                         "WORKCELL_PERCEPTION_SENSORS": address["cell-sim"]})
        self.base = [str(Path(BIN_DIR) / "workcell"), "serve", "--host", HOST, "--grpc-port-base", str(grpc_base),
                     "--http-port-base", str(http_base), "--log-format", "text"]
        self.cell, self.db = address["cell"], tmp_path / "yield.sqlite"
        self.logs = [open(tmp_path / "fleet.log", "ab"), open(tmp_path / f"{apart}.log", "ab")]
        others = ",".join(name for name in FLEET_ORDER if name != apart)
        self.others = subprocess.Popen(self.base + ["--target", others], stdin=subprocess.DEVNULL, stdout=self.logs[0],
                                       stderr=subprocess.STDOUT, env=self.env, cwd=tmp_path)
        self.alone = self.start_apart()
        self.channel = grpc.insecure_channel(address["cell-sim"], options=CHANNEL_OPTIONS)
        wait_for(lambda: workcell("status", "--address", self.cell).returncode == 0, "cell status",
                 log=tmp_path / "fleet.log")
        sim = workcell_api.sim_pb2_grpc.SimControlStub(self.channel)
        sim.Reset(workcell_api.sim_pb2.ResetRequest(seed=4, config=workcell_api.sim_pb2.SimConfig(
            robot_count=1, target_real_time_factor=1.0)), timeout=30)

    def start_apart(self) -> subprocess.Popen:
        return subprocess.Popen(self.base + ["--target", self.apart], stdin=subprocess.DEVNULL, stdout=self.logs[1],
                                stderr=subprocess.STDOUT, env=self.env, cwd=self.tmp)

    def kill_apart(self) -> None:
        self.alone.send_signal(signal.SIGKILL)
        self.alone.wait(timeout=10)

    def robot(self) -> dict:
        run = workcell("status", "--address", self.cell, "--json")
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)["robots"][0]

    def start_producing(self) -> dict:
        """Starts the robot; returns its status once a cycle past the feeder is under way."""
        started = workcell("start", "--address", self.cell)
        assert started.returncode == 0, started.stderr + started.stdout
        return wait_for(lambda: (lambda r: r if r.get("step") not in (None, "", "unspecified", "request_part") else None)(
            self.robot()), "a cycle under way", deadline_s=60, log=self.tmp / "fleet.log")

    def close(self) -> None:
        self.channel.close()
        for process in (self.alone, self.others):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for log in self.logs:
            log.close()


@pytest.mark.parametrize("service,code", [("policy", "policy_timeout"), ("perception", "vision_lost")])
def test_an_outage_holds_the_robot_and_is_downtime(tmp_path, workcell_api, service, code):
    fleet = SplitFleet(tmp_path, workcell_api, service)
    robot, db = fleet.robot, fleet.db
    try:
        fleet.start_producing()
        fleet.kill_apart()
        held = wait_for(lambda: (lambda r: r if f"{service} unavailable" in json.dumps(r) else None)(robot()),
                        f"the robot holding for {service}", deadline_s=30, log=tmp_path / "fleet.log")
        done_while_down = held["cycles_done"]
        time.sleep(6)  # down: no new cycle, no record
        assert robot()["cycles_done"] == done_while_down, f"a cycle ran while {service} was down"
        wait_for(lambda: rows(db, "select count(*) from cycles")[0][0] >= done_while_down, "records in yield", 30)
        records = rows(db, "select outcome, failure_code from cycles")
        assert not [r for r in records if r[0] == "nok" and r[1] in ("policy_timeout", "vision_lost")], records
        assert records.count(("aborted", code)) == 1, records

        fleet.alone = fleet.start_apart()
        wait_for(lambda: robot()["cycles_done"] > done_while_down, f"a cycle after {service} came back",
                 deadline_s=90, log=tmp_path / "fleet.log")
        assert f"{service} unavailable" not in json.dumps(robot())
        events = wait_for(lambda: rows(db, "select state, reason, ended_at - started_at from state_events"),
                          "the downtime in yield", 30)
        assert [(state, reason) for state, reason, _ in events] == [("fault", f"{service}_unavailable")], events
        assert events[0][2] >= 6000, events  # covers the 6 s held, at least
        assert ("nok", code) not in rows(db, "select outcome, failure_code from cycles")
    finally:
        fleet.close()


def test_a_cycle_the_cell_crashed_in_is_stored_aborted_after_the_restart(tmp_path, workcell_api):
    """SIGKILL of the cell mid-cycle (a nut already taken from the feeder): after the restart yield
    holds that cycle, aborted with `cell_restart`, instead of never hearing of it."""
    fleet = SplitFleet(tmp_path, workcell_api, "cell")
    try:
        under_way = fleet.start_producing()
        cycle_id = under_way["cycle_id"]
        assert cycle_id
        fleet.kill_apart()
        fleet.alone = fleet.start_apart()
        stored = wait_for(lambda: rows(fleet.db, f"select outcome, failure_code, cycle_ms from cycles where cycle_id = '{cycle_id}'"),
                          "the interrupted cycle in yield", deadline_s=60, log=tmp_path / "cell.log")
        assert stored[0][:2] == ("aborted", "cell_restart"), stored
        assert stored[0][2] > 0, stored  # from its start to the restart
        assert "cell_restart" in (tmp_path / "cell.log").read_text(errors="replace")
    finally:
        fleet.close()
