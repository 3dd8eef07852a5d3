"""Mutual TLS between the fleet's services (issue #20 item 4; docs/security.md).

`workcell certs init` makes the plant's CA and an identity per service, operator and MES; the
whole fleet then runs as one `workcell serve --tls-dir DIR` process whose every hop is mutual TLS
(the cell's calls to control, perception, policy, plc-bridge and yield; control's to plc-bridge;
perception's to cell-sim), and it produces. Real peers (Python grpcio) check who gets in:

* no certificate, or one from another CA: the TLS handshake fails (UNAVAILABLE);
* the MES's certificate reads yield, and is PERMISSION_DENIED on control and on yield's writes;
* another service's certificate may not move a robot; the operator's may;
* a server on a network address without --tls-dir refuses to start unless --insecure says so.

    WORKCELL_BIN_DIR=$(swift build --show-bin-path) .venv/bin/python -m pytest -q Tests/Interop/test_mtls.py
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import grpc
import pytest

from demo_run import REPO
from test_cell_command import wait_for, workcell
from test_health_interop import BIN_DIR, BIN_DIR_ENV, CHANNEL_OPTIONS, FLEET_ORDER, HOST, free_port_bases, free_ports

pytestmark = pytest.mark.skipif(
    not BIN_DIR, reason=f"{BIN_DIR_ENV} is not set (point it at `swift build --show-bin-path`)")


def certs(directory: Path, *extra: str) -> Path:
    run = subprocess.run([str(Path(BIN_DIR) / "workcell"), "certs", "init", "--plant", str(directory), *extra],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return directory


def credentials(pki: Path, identity: str | None, ca: Path | None = None) -> grpc.ChannelCredentials:
    root = (ca or pki / "ca.pem").read_bytes()
    if identity is None:
        return grpc.ssl_channel_credentials(root_certificates=root)
    return grpc.ssl_channel_credentials(root_certificates=root, private_key=(pki / f"{identity}.key").read_bytes(),
                                        certificate_chain=(pki / f"{identity}.pem").read_bytes())


def call(channel: grpc.Channel, method: str, request: bytes = b"") -> grpc.StatusCode:
    """Calls `method` with raw bytes (an empty message is a valid request of any type)."""
    try:
        channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)(
            request, timeout=10)
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        return error.code()


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mtls")
    pki = certs(tmp / "pki")
    rogue = certs(tmp / "rogue", "--name", "Someone else")
    grpc_base, http_base = free_port_bases(len(FLEET_ORDER), 2)
    plc_base, bus_port = free_ports(2)
    env = {**os.environ, "WORKCELL_SIM_PLC_PORT_BASE": str(plc_base), "WORKCELL_SIM_JOINT_BUS_PORT": str(bus_port),
           "WORKCELL_SIM_SIDES": "left", "WORKCELL_YIELD_SQLITE_PATH": str(tmp / "yield.sqlite"),
           "WORKCELL_CELL_OUTBOX": str(tmp / "outbox.sqlite"), "WORKCELL_CELL_EPISODES": "off",
           "WORKCELL_POLICY_PLANNER": "scripted",
           "WORKCELL_POLICY_MODEL": str(REPO / "models" / "policy" / "wc-mlp-2.safetensors")}
    address = {name: f"{HOST}:{grpc_base + FLEET_ORDER.index(name)}" for name in FLEET_ORDER}
    log = open(tmp / "fleet.log", "ab")
    fleet = subprocess.Popen(
        [str(Path(BIN_DIR) / "workcell"), "serve", "--host", HOST, "--grpc-port-base", str(grpc_base),
         "--http-port-base", str(http_base), "--log-format", "text", "--tls-dir", str(pki)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    try:
        yield {"tmp": tmp, "pki": pki, "rogue": rogue, "address": address, "db": tmp / "yield.sqlite",
               "log": tmp / "fleet.log", "process": fleet}
    finally:
        fleet.terminate()
        try:
            fleet.wait(timeout=15)
        except subprocess.TimeoutExpired:
            fleet.kill()
            fleet.wait(timeout=10)
        log.close()


def channel(plant, service: str, identity: str | None, ca: Path | None = None) -> grpc.Channel:
    return grpc.secure_channel(plant["address"][service], credentials(plant["pki"], identity, ca),
                               options=CHANNEL_OPTIONS)


def test_the_fleet_produces_with_mutual_tls_on_every_hop(plant, workcell_api):
    tls = ["--tls-dir", str(plant["pki"])]
    with channel(plant, "cell-sim", "operator") as operator:
        sim = workcell_api.sim_pb2_grpc.SimControlStub(operator)
        wait_for(lambda: call(operator, "/grpc.health.v1.Health/Check") == grpc.StatusCode.OK, "cell-sim over mutual TLS",
                 deadline_s=60, log=plant["log"])
        sim.Reset(workcell_api.sim_pb2.ResetRequest(seed=4, config=workcell_api.sim_pb2.SimConfig(
            robot_count=1, target_real_time_factor=1.0)), timeout=30)
    wait_for(lambda: workcell("status", "--address", plant["address"]["cell"], *tls).returncode == 0,
             "cell status over mutual TLS", deadline_s=60, log=plant["log"])
    started = workcell("start", "--address", plant["address"]["cell"], *tls)
    assert started.returncode == 0, started.stderr + started.stdout

    def fastened():
        with sqlite3.connect(plant["db"]) as db:
            return db.execute("select count(*) from cycles where outcome = 'ok'").fetchone()[0] or None
    wait_for(fastened, "a cycle fastened with every hop on mutual TLS", deadline_s=240, log=plant["log"])
    # The same command without the certificates cannot reach the cell.
    plain = workcell("status", "--address", plant["address"]["cell"])
    assert plain.returncode != 0


def test_no_certificate_or_another_plants_is_refused_at_the_handshake(plant):
    with grpc.insecure_channel(plant["address"]["control"]) as plaintext:
        assert call(plaintext, "/workcell.control.v1.Control/GetState") == grpc.StatusCode.UNAVAILABLE
    with channel(plant, "control", None) as anonymous:
        assert call(anonymous, "/workcell.control.v1.Control/GetState") == grpc.StatusCode.UNAVAILABLE
    rogue_operator = grpc.ssl_channel_credentials(
        root_certificates=(plant["pki"] / "ca.pem").read_bytes(),
        private_key=(plant["rogue"] / "operator.key").read_bytes(),
        certificate_chain=(plant["rogue"] / "operator.pem").read_bytes())
    with grpc.secure_channel(plant["address"]["control"], rogue_operator, options=CHANNEL_OPTIONS) as impostor:
        assert call(impostor, "/workcell.control.v1.Control/Home") == grpc.StatusCode.UNAVAILABLE


def test_the_mes_reads_yield_and_nothing_else(plant):
    with channel(plant, "yield", "mes") as mes:
        assert call(mes, "/workcell.yield.v1.Yield/ListCells") == grpc.StatusCode.OK
        assert call(mes, "/workcell.yield.v1.Yield/ListCycles") == grpc.StatusCode.OK
        assert call(mes, "/workcell.yield.v1.Yield/ReportCycleBatch") == grpc.StatusCode.PERMISSION_DENIED
    with channel(plant, "control", "mes") as mes:
        assert call(mes, "/workcell.control.v1.Control/Home") == grpc.StatusCode.PERMISSION_DENIED
        assert call(mes, "/workcell.control.v1.Control/GetState") == grpc.StatusCode.PERMISSION_DENIED
    with channel(plant, "plc-bridge", "mes") as mes:
        assert call(mes, "/workcell.plc.v1.PlcBridge/Clamp") == grpc.StatusCode.PERMISSION_DENIED


def test_only_the_cell_and_an_operator_move_a_robot(plant):
    with channel(plant, "control", "perception") as perception:
        assert call(perception, "/workcell.control.v1.Control/Home") == grpc.StatusCode.PERMISSION_DENIED
        assert call(perception, "/workcell.control.v1.Control/GetState") != grpc.StatusCode.PERMISSION_DENIED
    with channel(plant, "control", "operator") as operator:
        code = call(operator, "/workcell.control.v1.Control/Home")
        assert code not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED,
                            grpc.StatusCode.UNAVAILABLE), code


def test_plaintext_on_the_network_needs_insecure(tmp_path):
    base = [str(Path(BIN_DIR) / "workcell"), "serve", "--target", "yield", "--host", "0.0.0.0", "--log-format", "text"]
    refused = subprocess.run(base, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
                             env={**os.environ, "WORKCELL_YIELD_SQLITE_PATH": str(tmp_path / "y.sqlite")})
    assert refused.returncode != 0
    assert "--tls-dir" in refused.stderr and "--insecure" in refused.stderr


def test_workcell_health_probes_a_mutual_tls_service(plant):
    port = plant["address"]["control"].rsplit(":", 1)[1]
    health = [str(Path(BIN_DIR) / "workcell"), "health", "--port", port]
    with_certs = subprocess.run(health + ["--tls-dir", str(plant["pki"])], capture_output=True, text=True, timeout=30)
    assert with_certs.returncode == 0, with_certs.stdout + with_certs.stderr
    without = subprocess.run(health, capture_output=True, text=True, timeout=30,
                             env={k: v for k, v in os.environ.items() if k != "WORKCELL_TLS_DIR"})
    assert without.returncode == 2, without.stdout
