"""Services started with a plant file (--plant-config / WORKCELL_PLANT_CONFIG, --cell / WORKCELL_CELL).

* A bad plant file stops the service at start with every error named by file and line.
* plc-bridge with no --feeder/--fixture takes its PLCs and its ports from its cell in the plant
  file, and really connects to them (the pymodbus PLC peer).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import grpc
import yaml

from conftest import Bridge, executable, launch, stop_process, wait_connected
from test_health_interop import CHANNEL_OPTIONS, HOST, free_ports
from test_plc_bridge import FAST, peers  # noqa: F401  (fixture used by name)

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "deploy" / "plant.example.yaml"
BAD = REPO_ROOT / "Tests" / "Deploy" / "plant.bad.yaml"
START_DEADLINE_S = 20.0


def run_to_exit(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=START_DEADLINE_S,
                          env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


def test_a_bad_plant_file_stops_the_service_naming_each_line():
    grpc_port, http_port = free_ports(2)
    result = run_to_exit([executable("plc-bridge"), "--host", HOST, "--grpc-port", str(grpc_port),
                          "--http-port", str(http_port), "--plant-config", str(BAD)])
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for line in (16, 31, 35, 46):
        assert f"{BAD}:{line}: error:" in output, output
    assert "Modbus unit id 300" in output and "cell id 'cell-01' is used twice" in output, output


def test_the_plant_file_comes_from_the_environment_too_and_an_unknown_cell_is_refused():
    grpc_port, http_port = free_ports(2)
    result = run_to_exit([executable("plc-bridge"), "--host", HOST, "--grpc-port", str(grpc_port),
                          "--http-port", str(http_port)],
                         env={"WORKCELL_PLANT_CONFIG": str(EXAMPLE), "WORKCELL_CELL": "cell-99"})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "cell-99" in output and "cell-01, cell-02" in output, output


def test_plc_bridge_takes_its_plcs_and_ports_from_the_plant_file(peers, workcell_api, tmp_path):  # noqa: F811
    peer = peers(*FAST)
    grpc_port, http_port = free_ports(2)
    plant = yaml.safe_load(EXAMPLE.read_text())
    cell = plant["cells"][1]
    cell["robots"] = [cell["robots"][0]]  # the left side only: the peer is one feeder and one fixture
    cell["robots"][0]["feeder"] = {"host": HOST, "port": peer.modbus_port, "unit": 1}
    cell["robots"][0]["fixture"] = {"host": HOST, "port": peer.modbus_port, "unit": 2}
    cell["ports"] = {"plc-bridge": {"grpc": grpc_port, "http": http_port}}
    plant_file = tmp_path / "plant.yaml"
    plant_file.write_text(yaml.safe_dump(plant, sort_keys=False))

    process = launch("plc-bridge", [executable("plc-bridge"), "--host", HOST, "--log-format", "text",
                                    "--plant-config", str(plant_file), "--cell", cell["id"]],
                     tmp_path / "plc-bridge.log")
    channel = grpc.insecure_channel(f"{HOST}:{grpc_port}", options=CHANNEL_OPTIONS)
    bridge = Bridge(process, grpc_port, http_port, channel, workcell_api.plc_pb2_grpc.PlcBridgeStub(channel))
    try:
        io = wait_connected(bridge, workcell_api, workcell_api.common_pb2.SIDE_LEFT,
                            lambda: f"--- plc_peer log ---\n{peer.log()}")
        assert len(io.devices) == 2
        assert "workcell_plc_connected" in bridge.metrics()  # the plant file's HTTP port
    finally:
        channel.close()
        code, elapsed = stop_process(process)
    assert code == 0, f"plc-bridge exited with {code} {elapsed:.1f} s after SIGTERM\n{process.log()}"
