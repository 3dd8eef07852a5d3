"""Shared fixtures of the PLC interop tests (test_plc_bridge.py, test_sim_plc.py).

* `workcell_api`: Python stubs for workcell.{common,plc,sim}.v1, generated once per session with
  grpc_tools.protoc into a temporary directory that is put on sys.path (never committed).
* `plc_bridge`: starts Swift `plc-bridge` executables from WORKCELL_BIN_DIR against given Modbus
  endpoints, waits until both devices of the side are connected, and stops them at the end
  (SIGTERM, then kill), failing the test if a bridge did not exit 0.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import importlib.resources
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import grpc
import pytest
import requests

from test_health_interop import BIN_DIR, BIN_DIR_ENV, CHANNEL_OPTIONS, HOST, ServiceProcess, free_ports

PROTO_ROOT = Path(__file__).resolve().parents[2] / "Protos"
PROTO_FILES = [
    "workcell/common/v1/common.proto",
    "workcell/plc/v1/plc.proto",
    "workcell/sim/v1/sim.proto",
]
BRIDGE_READY_DEADLINE_S = 15.0
EXIT_DEADLINE_S = 5.0


def compile_workcell_api(out: Path) -> SimpleNamespace:
    """Compiles the protos the tests call into `out` and imports them: plc_pb2, plc_pb2_grpc,
    common_pb2, sim_pb2, sim_pb2_grpc (and duration_pb2)."""
    from grpc_tools import protoc

    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    status = protoc.main(
        ["grpc_tools.protoc", f"-I{PROTO_ROOT}", f"-I{well_known}", f"--python_out={out}",
         f"--grpc_python_out={out}", *PROTO_FILES]
    )
    assert status == 0, f"grpc_tools.protoc failed (exit {status}) on {PROTO_FILES} in {PROTO_ROOT}"
    sys.path.insert(0, str(out))
    from google.protobuf import duration_pb2

    return SimpleNamespace(
        common_pb2=importlib.import_module("workcell.common.v1.common_pb2"),
        plc_pb2=importlib.import_module("workcell.plc.v1.plc_pb2"),
        plc_pb2_grpc=importlib.import_module("workcell.plc.v1.plc_pb2_grpc"),
        sim_pb2=importlib.import_module("workcell.sim.v1.sim_pb2"),
        sim_pb2_grpc=importlib.import_module("workcell.sim.v1.sim_pb2_grpc"),
        duration_pb2=duration_pb2,
    )


@pytest.fixture(scope="session")
def workcell_api(tmp_path_factory) -> SimpleNamespace:
    """plc_pb2, plc_pb2_grpc, common_pb2, sim_pb2, sim_pb2_grpc (and duration_pb2) for the tests."""
    return compile_workcell_api(tmp_path_factory.mktemp("workcell-stubs"))


def executable(name: str) -> str:
    assert BIN_DIR, f"{BIN_DIR_ENV} is not set"
    path = Path(BIN_DIR) / name
    assert path.is_file() and os.access(path, os.X_OK), (
        f"{BIN_DIR_ENV}={BIN_DIR} has no executable {name!r} (is the build complete?)"
    )
    return str(path)


def launch(name: str, argv: list[str], log_path: Path, deadline_s: float = 15.0) -> ServiceProcess:
    """Starts an executable with its output in log_path. Others may be relinking the binaries while the
    tests run: "Text file busy" / a half-written file is waited out (up to deadline_s), not a failure."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            return ServiceProcess(name, argv, log_path)
        except OSError as error:
            if error.errno not in (errno.ETXTBSY, errno.ENOEXEC, errno.ENOENT) or time.monotonic() > end:
                raise
            time.sleep(0.2)


def stop_process(service: ServiceProcess, deadline_s: float = EXIT_DEADLINE_S) -> tuple[int | None, float]:
    """SIGTERM, wait up to deadline_s, then kill. Returns (exit code or None if killed, seconds)."""
    start = time.monotonic()
    code: int | None = service.proc.poll()
    if code is None:
        try:
            code = service.terminate_and_wait(deadline_s)
        except AssertionError:
            code = None
    elapsed = time.monotonic() - start
    service.kill()  # kills if still running; closes the log file
    return code, elapsed


@dataclass
class Bridge:
    """A running plc-bridge and a channel to it."""

    process: ServiceProcess
    grpc_port: int
    http_port: int
    channel: grpc.Channel
    stub: Any
    stopped: bool = False

    def log(self, limit: int = 12000) -> str:
        return self.process.log(limit)

    def metrics(self) -> str:
        response = requests.get(f"http://{HOST}:{self.http_port}/metrics", timeout=5)
        assert response.status_code == 200, f"/metrics: HTTP {response.status_code}"
        return response.text

    def stop(self) -> tuple[int | None, float]:
        """SIGTERM → (exit code, seconds to exit); kills it after EXIT_DEADLINE_S."""
        self.stopped = True
        return stop_process(self.process)


@pytest.fixture
def plc_bridge(workcell_api, tmp_path):
    """Factory: plc_bridge(side="left", feeder=(port, unit), fixture=(port, unit), extra=[...])."""
    api = workcell_api
    bridges: list[Bridge] = []

    def start(feeder: tuple[int, int], fixture: tuple[int, int], side: str = "left",
              extra: list[str] | None = None, diagnostics: Callable[[], str] = lambda: "") -> Bridge:
        grpc_port, http_port = free_ports(2)
        argv = [
            executable("plc-bridge"), "--host", HOST, "--grpc-port", str(grpc_port), "--http-port", str(http_port),
            "--log-format", "text",
            "--feeder", f"{side}={HOST}:{feeder[0]}/{feeder[1]}",
            "--fixture", f"{side}={HOST}:{fixture[0]}/{fixture[1]}",
            "--poll-ms", "5", "--heartbeat-ms", "100", "--request-timeout-ms", "250",
            *(extra or []),
        ]
        process = launch("plc-bridge", argv, tmp_path / f"plc-bridge{len(bridges)}.log")
        channel = grpc.insecure_channel(f"{HOST}:{grpc_port}", options=CHANNEL_OPTIONS)
        bridge = Bridge(process, grpc_port, http_port, channel, api.plc_pb2_grpc.PlcBridgeStub(channel))
        bridges.append(bridge)
        wait_connected(bridge, api, getattr(api.common_pb2, f"SIDE_{side.upper()}"), diagnostics)
        return bridge

    yield start
    problems = []
    for bridge in bridges:
        bridge.channel.close()
        if bridge.stopped:
            continue
        code, elapsed = bridge.stop()
        if code != 0:
            problems.append(f"plc-bridge exited with {code} ({elapsed:.1f} s after SIGTERM)\n{bridge.log()}")
    assert not problems, "\n".join(problems)


def wait_connected(bridge: Bridge, api: SimpleNamespace, side: int, diagnostics: Callable[[], str] = lambda: "",
                   deadline_s: float = BRIDGE_READY_DEADLINE_S) -> Any:
    """Polls GetIO until both devices of `side` are CONNECTED with every tag read; returns it."""
    plc = api.plc_pb2
    end = time.monotonic() + deadline_s
    last = "no answer yet"
    while True:
        code = bridge.process.proc.poll()
        if code is not None:
            raise AssertionError(f"plc-bridge exited with {code} before connecting\n{bridge.log()}\n{diagnostics()}")
        try:
            io = bridge.stub.GetIO(plc.GetIORequest(side=side), timeout=1)
            states = [plc.ConnectionState.Name(d.connection) for d in io.devices]
            if (len(io.devices) == 2 and all(d.connection == plc.CONNECTION_STATE_CONNECTED for d in io.devices)
                    and [len(d.points) for d in io.devices] == [11, 18]):
                return io
            last = f"devices {states}, points {[len(d.points) for d in io.devices]}"
        except grpc.RpcError as error:
            last = f"{error.code().name}: {error.details()}"
        if time.monotonic() >= end:
            raise AssertionError(
                f"plc-bridge: side not connected within {deadline_s:g} s (last GetIO: {last})\n"
                f"--- plc-bridge log ---\n{bridge.log()}\n{diagnostics()}")
        time.sleep(0.02)


@contextlib.contextmanager
def logs_on_failure(*sources: tuple[str, Callable[[], str]]):
    """Turns any failure inside into an AssertionError carrying the named logs."""
    try:
        yield
    except Exception as error:
        if isinstance(error, grpc.RpcError) and hasattr(error, "code"):
            what = f"unexpected RPC error {error.code().name}: {error.details()}"
        elif isinstance(error, AssertionError):
            what = str(error)
        else:
            what = f"{type(error).__name__}: {error}"
        parts = []
        for name, source in sources:
            try:
                parts.append(f"\n--- {name} ---\n{source()}")
            except Exception as log_error:  # pragma: no cover - diagnostics only
                parts.append(f"\n--- {name}: cannot read ({log_error}) ---")
        raise AssertionError(what + "".join(parts)) from error
