"""`workcell cell status|start|pause|stop|reset` against a running fleet (issue #22, item 5).

`workcell serve --target all` runs every service in one process (cell-sim's world on the wall clock);
the operator command finds its cell through a plant file (published cell port, yield address) or
`--address`, and:

* status shows the robots, their run state, step, safety and outbox, the outbox backlog and the cell's
  last cycles from yield, as text and as JSON;
* start / pause / stop / reset move the robot and print where it stands;
* an e-stop pressed in cell-sim faults the robot: reset refuses (exit 1) and says that start resets a
  faulted robot; start refuses (exit 1) while the e-stop is held, with the cell's reason; after the
  release start succeeds;
* an unknown robot is refused (exit 1), an address where nothing listens is unreachable (exit 2),
  and a cell the plant file does not have is named with the cells it has.

    venv=$(scripts/python-env.sh)
    WORKCELL_BIN_DIR=$(swift build --show-bin-path) "$venv/bin/python" -m pytest -q Tests/Interop/test_cell_command.py
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import grpc
import pytest

from demo_run import REPO
from test_health_interop import (
    BIN_DIR, BIN_DIR_ENV, CHANNEL_OPTIONS, FLEET_ORDER, HOST, ServiceProcess, free_port_bases, free_ports,
)

pytestmark = pytest.mark.skipif(
    not BIN_DIR, reason=f"{BIN_DIR_ENV} is not set (point it at `swift build --show-bin-path`)")

COMMAND_DEADLINE_S = 90


def plant_file(cell_grpc: int, cell_http: int, yield_grpc: int, yield_http: int) -> str:
    return f"""\
plant:
  id: leipzig
lines:
  - id: final-2
yield:
  grpc: {HOST}:{yield_grpc}
  url: http://{HOST}:{yield_http}/api/v1
cells:
  - id: cell-01
    line: final-2
    station: 10
    takt_ms: 76000
    ideal_cycle_ms: 76000
    robots:
      - id: left
        side: left
        feeder: {{ host: 127.0.0.1, port: 1502, unit: 1 }}
        fixture: {{ host: 127.0.0.1, port: 1502, unit: 2 }}
    ports:
      cell: {{ grpc: {cell_grpc}, http: {cell_http} }}
"""


def workcell(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(BIN_DIR) / "workcell"), "cell", *args], capture_output=True, text=True,
                          timeout=COMMAND_DEADLINE_S, stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})


def wait_for(check, what: str, deadline_s: float = 30.0, log: Path | None = None):
    end = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < end:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-4000:] if log else ""
    raise AssertionError(f"no {what} within {deadline_s:g} s; last: {last!r}\n{tail}")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, workcell_api):
    """The whole fleet in one `workcell serve` process, its world reset, and a plant file naming its cell."""
    work = tmp_path_factory.mktemp("cell-command")
    grpc_base, http_base = free_port_bases(len(FLEET_ORDER), 2)
    plc_base, bus_port = free_ports(2)
    env = {**os.environ, "WORKCELL_SIM_PLC_PORT_BASE": str(plc_base), "WORKCELL_SIM_JOINT_BUS_PORT": str(bus_port),
           "WORKCELL_SIM_SIDES": "left", "WORKCELL_YIELD_SQLITE_PATH": str(work / "yield.sqlite"),
           "WORKCELL_CELL_OUTBOX": str(work / "outbox.sqlite"), "WORKCELL_CELL_EPISODES": "off",
           "WORKCELL_POLICY_MODEL": str(REPO / "models" / "policy" / "wc-mlp-2.safetensors")}
    argv = [str(Path(BIN_DIR) / "workcell"), "serve", "--target", "all", "--host", HOST,
            "--grpc-port-base", str(grpc_base), "--http-port-base", str(http_base), "--log-format", "text"]
    log = open(work / "fleet.log", "wb")
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
    port = {name: (grpc_base + index, http_base + index) for index, name in enumerate(FLEET_ORDER)}
    plant = work / "plant.yaml"
    plant.write_text(plant_file(*port["cell"], *port["yield"]))
    channel = grpc.insecure_channel(f"{HOST}:{port['cell-sim'][0]}", options=CHANNEL_OPTIONS)
    sim = workcell_api.sim_pb2_grpc.SimControlStub(channel)
    try:
        # The cell answers once the fleet is up; its clock (cell-sim's) moves once the world is reset.
        wait_for(lambda: workcell("status", "--address", f"{HOST}:{port['cell'][0]}").returncode == 0, "cell status",
                 log=work / "fleet.log")
        sim.Reset(workcell_api.sim_pb2.ResetRequest(seed=4, config=workcell_api.sim_pb2.SimConfig(
            robot_count=1, target_real_time_factor=1.0)), timeout=30)
        yield {"plant": str(plant), "address": f"{HOST}:{port['cell'][0]}", "sim": sim, "api": workcell_api,
               "log": work / "fleet.log", "process": process, "work": work,
               "http": {name: ports[1] for name, ports in port.items()}}
    finally:
        channel.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def status(fleet) -> dict:
    run = workcell("status", "--cell", "cell-01", "--plant-config", fleet["plant"], "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_status_text_and_json_from_the_plant_file(fleet):
    text = workcell("status", "--cell", "cell-01", "--plant-config", fleet["plant"])
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("cell cell-01 · plant ") and f"at {fleet['address']}" in lines[0], lines[0]
    assert lines[1].split() == ["ROBOT", "SIDE", "STATE", "STEP", "CYCLES", "OK", "LAST", "CYCLE", "SAFETY", "OUTBOX"]
    assert lines[2].split()[:3] == ["left", "left", "idle"], lines[2]
    assert any(line.startswith("outbox: ") for line in lines)
    assert any(line.startswith(f"last cycles (from yield at {HOST}:") for line in lines), text.stdout

    report = status(fleet)
    assert report["cell"] == "cell-01" and report["address"] == fleet["address"]
    assert report["ideal_cycle_ms"] == 76000 and report["outbox_records"] == 0 and report["outbox_oldest_at"] is None
    (robot,) = report["robots"]
    assert robot["robot"] == "left" and robot["side"] == "left" and robot["run_state"] == "idle"
    assert robot["safety"]["estop_ok"] is True
    assert report["last_cycles"] == [] or all(c["robot"] == "left" for c in report["last_cycles"])


def test_start_pause_stop_reset(fleet):
    where = ["--cell", "cell-01", "--plant-config", fleet["plant"]]
    started = workcell("start", *where, "--json")
    assert started.returncode == 0, started.stderr
    answer = json.loads(started.stdout)
    assert answer["action"] == "start" and answer["robots"][0]["run_state"] == "running"
    # The robot works through its cycle's steps (on cell-sim's clock).
    wait_for(lambda: status(fleet)["robots"][0]["step"] != "", "a cycle step", log=fleet["log"])

    paused = workcell("pause", *where)
    assert paused.returncode == 0, paused.stderr
    assert paused.stdout.splitlines()[0] in ("pause: left → pausing", "pause: left → paused"), paused.stdout
    wait_for(lambda: status(fleet)["robots"][0]["run_state"] == "paused", "paused", 120, log=fleet["log"])

    stopped = workcell("stop", *where, "--abort")
    assert stopped.returncode == 0 and stopped.stdout.startswith("stop: left → idle"), stopped.stdout + stopped.stderr

    again = workcell("start", *where, "--robot", "left")
    assert again.returncode == 0, again.stderr
    wait_for(lambda: status(fleet)["robots"][0]["step"] != "", "a cycle step again", log=fleet["log"])
    reset = workcell("reset", *where)
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.startswith("reset: left → "), reset.stdout
    wait_for(lambda: status(fleet)["robots"][0]["run_state"] == "idle", "idle after reset", log=fleet["log"])
    # The aborted cycle reached yield: the status lists it among the last cycles.
    cycles = wait_for(lambda: status(fleet).get("last_cycles"), "the cell's last cycles from yield", 60, log=fleet["log"])
    assert cycles[0]["robot"] == "left" and cycles[0]["outcome"] in ("ok", "nok", "aborted")


def test_estop_faults_the_robot_reset_and_start_refuse_until_released(fleet):
    api = fleet["api"]
    where = ["--cell", "cell-01", "--plant-config", fleet["plant"]]
    assert workcell("start", *where).returncode == 0
    fleet["sim"].InjectFault(api.sim_pb2.InjectFaultRequest(
        kind=api.sim_pb2.FAULT_KIND_ESTOP, side=api.common_pb2.SIDE_LEFT,
        duration=api.duration_pb2.Duration(seconds=6)), timeout=10)
    wait_for(lambda: status(fleet)["robots"][0]["run_state"] == "faulted", "the e-stop to fault the robot", log=fleet["log"])

    reset = workcell("reset", *where)
    assert reset.returncode == 1, reset.stdout + reset.stderr
    assert "Faulted: left" in reset.stderr and "workcell cell start" in reset.stderr, reset.stderr

    held = workcell("start", *where)
    assert held.returncode == 1, held.stdout + held.stderr
    assert held.stderr.startswith("workcell cell: The cell refused: Robot 'left' cannot start (faulted"), held.stderr
    assert "release the e-stop" in held.stderr

    # Released after 6 s of cell-sim's time: start resets the fault and runs again.
    def restarted() -> bool:
        run = workcell("start", *where, "--json")
        return run.returncode == 0 and json.loads(run.stdout)["robots"][0]["run_state"] == "running"
    wait_for(restarted, "a start after the release", 60, log=fleet["log"])
    assert workcell("stop", *where, "--abort").returncode == 0


def test_refusals_and_unreachable(fleet, tmp_path):
    unknown = workcell("start", "--address", fleet["address"], "--robot", "nope")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "workcell cell: The cell refused: Unknown robot 'nope'; this cell has left."

    (closed,) = free_ports(1)
    gone = workcell("status", "--address", f"{HOST}:{closed}", "--timeout-s", "2")
    assert gone.returncode == 2, gone.stdout + gone.stderr
    assert gone.stderr.startswith(f"workcell cell: The cell at {HOST}:{closed} does not answer"), gone.stderr
    assert f"workcell health --host {HOST} --port {closed}" in gone.stderr

    other = workcell("status", "--cell", "cell-09", "--plant-config", fleet["plant"])
    assert other.returncode == 64 and "has no cell 'cell-09'; its cells: cell-01" in other.stderr, other.stderr
    nameless = workcell("status")
    assert nameless.returncode == 64 and "Name the cell" in nameless.stderr
