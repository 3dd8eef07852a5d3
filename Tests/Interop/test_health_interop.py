"""Interop: the Swift services answer grpcio's own health client and serve Prometheus metrics.

The client side is the stock `grpc_health.v1` stub from the grpcio-health-checking package (code no
one on the team wrote), talking to each Swift executable over 127.0.0.1.

    venv=$(scripts/python-env.sh)
    WORKCELL_BIN_DIR=$(swift build --show-bin-path) "$venv/bin/python" -m pytest -q Tests/Interop

Without WORKCELL_BIN_DIR every test here is skipped; with it, a missing executable is a failure.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import grpc
import pytest
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

HOST = "127.0.0.1"
BIN_DIR_ENV = "WORKCELL_BIN_DIR"
BIN_DIR = os.environ.get(BIN_DIR_ENV)

# Fleet order: `workcell serve` gives each service --grpc-port-base / --http-port-base plus its index.
FLEET_ORDER = ["perception", "policy", "control", "plc-bridge", "cell", "yield", "cell-sim"]
SERVICE_EXECUTABLES = FLEET_ORDER

READY_DEADLINE_S = 20.0
EXIT_DEADLINE_S = 5.0
SERVING = health_pb2.HealthCheckResponse.SERVING

# Reconnect quickly while the server is still starting (the default backoff grows to minutes).
CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 500),
]

pytestmark = pytest.mark.skipif(
    not BIN_DIR,
    reason=f"{BIN_DIR_ENV} is not set (point it at `swift build --show-bin-path` to run the interop tests)",
)


# --- ports ------------------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """Distinct ports that were free on 127.0.0.1 a moment ago (held together while choosing)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port_bases(span: int, count: int = 2) -> list[int]:
    """`count` bases B such that B..B+span-1 are all free, the ranges not overlapping.

    Chosen below Linux's ephemeral range (32768+) so outgoing connections do not take them.
    """
    rng = random.Random()
    bases: list[int] = []
    for _ in range(500):
        base = rng.randrange(20000, 32000 - span)
        if any(abs(base - other) < span for other in bases):
            continue
        if all(_port_free(base + i) for i in range(span)):
            bases.append(base)
            if len(bases) == count:
                return bases
    raise AssertionError(f"could not find {count} free runs of {span} ports on {HOST}")


# --- processes --------------------------------------------------------------------------------------


class ServiceProcess:
    """A launched executable whose stdout and stderr go to a log file."""

    def __init__(self, name: str, argv: list[str], log_path: Path):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self._log_file = open(log_path, "wb")
        # Let cell-sim pick free Modbus ports, so it never collides with another test's PLCs.
        env = {**os.environ, "WORKCELL_SIM_PLC_PORT_BASE": os.environ.get("WORKCELL_SIM_PLC_PORT_BASE", "0")}
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT, env=env
        )

    def log(self, limit: int = 20000) -> str:
        self._log_file.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as error:
            return f"(cannot read {self.log_path}: {error})"
        if len(text) > limit:
            text = f"... ({len(text) - limit} earlier characters cut)\n" + text[-limit:]
        return text or "(empty)"

    def terminate_and_wait(self, deadline_s: float = EXIT_DEADLINE_S) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} did not exit within {deadline_s:g} s of SIGTERM") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._log_file.close()


@pytest.fixture
def launch(tmp_path):
    """Starts executables from WORKCELL_BIN_DIR; kills whatever is left at the end of the test."""
    launched: list[ServiceProcess] = []

    def _launch(executable: str, args: list[str]) -> ServiceProcess:
        path = Path(BIN_DIR) / executable
        assert path.is_file() and os.access(path, os.X_OK), (
            f"{BIN_DIR_ENV}={BIN_DIR} has no executable {executable!r} (is the build complete?)"
        )
        service = ServiceProcess(executable, [str(path), *args], tmp_path / f"{executable}.log")
        launched.append(service)
        return service

    yield _launch
    for service in launched:
        service.kill()


@contextlib.contextmanager
def with_log(*services: ServiceProcess):
    """Turns any failure inside into an AssertionError carrying the services' captured logs."""
    try:
        yield
    except Exception as error:  # AssertionError, grpc.RpcError, requests errors, ...
        logs = "\n".join(
            f"\n--- {s.name} (exit code {s.proc.poll()}) log, {s.log_path} ---\n{s.log()}" for s in services
        )
        what = str(error) if isinstance(error, AssertionError) else f"{type(error).__name__}: {error}"
        raise AssertionError(f"{what}\n{logs}") from error


# --- checks -----------------------------------------------------------------------------------------


def rpc_error_text(error: grpc.RpcError) -> str:
    try:
        return f"{error.code().name}: {error.details()}"
    except Exception:  # pragma: no cover - not a Call
        return repr(error)


def wait_until_serving(service: ServiceProcess, stub, name: str = "",
                       deadline_s: float = READY_DEADLINE_S) -> None:
    """Polls Check(name) until it answers SERVING; fails if the process exits first."""
    end = time.monotonic() + deadline_s
    last = "no answer yet"
    while True:
        code = service.proc.poll()
        if code is not None:
            raise AssertionError(f"{service.name} exited with code {code} before reporting SERVING")
        try:
            response = stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=1)
            if response.status == SERVING:
                return
            last = f"status {health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)}"
        except grpc.RpcError as error:
            last = rpc_error_text(error)
        if time.monotonic() >= end:
            raise AssertionError(
                f"{service.name}: Check(service={name!r}) not SERVING within {deadline_s:g} s (last: {last})"
            )
        time.sleep(0.1)


def check_serving(stub, name: str) -> None:
    response = stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    assert response.status == SERVING, f"Check(service={name!r}) answered {status}, want SERVING"


def check_watch_serving_first(stub, name: str = "") -> None:
    call = stub.Watch(health_pb2.HealthCheckRequest(service=name), timeout=5)
    try:
        first = next(call)
    except StopIteration:
        raise AssertionError(f"Watch(service={name!r}) ended without sending a status") from None
    finally:
        call.cancel()
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(first.status)
    assert first.status == SERVING, f"Watch(service={name!r}) first sent {status}, want SERVING"


def check_unknown_service_not_found(stub, name: str = "no.such.Service") -> None:
    try:
        response = stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.NOT_FOUND, (
            f"Check(service={name!r}) failed with {rpc_error_text(error)}, want NOT_FOUND"
        )
    else:
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        raise AssertionError(f"Check(service={name!r}) answered {status}, want the error NOT_FOUND")


def check_metrics(http_port: int, connect_deadline_s: float = 5.0) -> None:
    url = f"http://{HOST}:{http_port}/metrics"
    end = time.monotonic() + connect_deadline_s
    while True:
        try:
            response = requests.get(url, timeout=5)
            break
        except requests.ConnectionError:
            if time.monotonic() >= end:
                raise
            time.sleep(0.1)
    assert response.status_code == 200, f"GET {url}: HTTP {response.status_code}: {response.text[:500]}"
    content_type = response.headers.get("Content-Type", "")
    assert content_type.startswith("text/plain"), f"GET {url}: Content-Type {content_type!r}, want text/plain"
    assert any(line.startswith("# TYPE") for line in response.text.splitlines()), (
        f"GET {url}: no '# TYPE' line in:\n{response.text[:2000]}"
    )


def check_clean_exit(service: ServiceProcess) -> None:
    code = service.terminate_and_wait()
    assert code == 0, f"{service.name} exited with code {code} after SIGTERM, want 0"


# --- tests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("executable", SERVICE_EXECUTABLES)
def test_service_health_metrics_and_sigterm(launch, executable):
    grpc_port, http_port = free_ports(2)
    service = launch(
        executable,
        ["--host", HOST, "--grpc-port", str(grpc_port), "--http-port", str(http_port), "--log-format", "json"],
    )
    with with_log(service), grpc.insecure_channel(f"{HOST}:{grpc_port}", options=CHANNEL_OPTIONS) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        wait_until_serving(service, stub, "")
        check_serving(stub, "")
        check_watch_serving_first(stub, "")
        check_unknown_service_not_found(stub)
        check_metrics(http_port)
        check_clean_exit(service)


def test_workcell_serve_two_services(launch):
    grpc_base, http_base = free_port_bases(len(FLEET_ORDER), 2)
    service = launch(
        "workcell",
        [
            "serve", "--target", "perception,policy", "--host", HOST,
            "--grpc-port-base", str(grpc_base), "--http-port-base", str(http_base),
        ],
    )
    expected = {
        "perception": "workcell.perception.v1.Perception",
        "policy": "workcell.policy.v1.Policy",
    }
    with with_log(service), contextlib.ExitStack() as channels:
        for member, grpc_service in expected.items():
            port = grpc_base + FLEET_ORDER.index(member)
            channel = channels.enter_context(grpc.insecure_channel(f"{HOST}:{port}", options=CHANNEL_OPTIONS))
            stub = health_pb2_grpc.HealthStub(channel)
            try:
                wait_until_serving(service, stub, "")
                check_serving(stub, "")
                check_serving(stub, grpc_service)
            except Exception as error:
                raise AssertionError(f"{member} on {HOST}:{port}: {error}") from error
        check_clean_exit(service)
