"""A small MES-style client of the yield service, and a launcher for it (Tests/Interop/test_yield_*.py).

* `YieldServer`: starts the Swift `yield` executable from WORKCELL_BIN_DIR on free ports in
  20000–32000 with a temporary tokens file (hashes of a `read`, a `write` and a `read,write` token)
  and a temporary SQLite file, waits for /readyz, and stops it with SIGTERM.
* `RestClient`: what an MES does over REST with `requests` (bearer token, paging, CSV export).
* `GrpcClient`: the same over grpcio, with stubs generated from Protos/ at test time
  (`generate_stubs`) and the token in `authorization` metadata.
* `cycle(...)`, `state_event(...)`: records as the API page defines them (JSON dicts), and their
  protobuf twins via `GrpcClient.cycle_record` / `GrpcClient.state_event`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.resources
import math
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

import grpc
import requests

from test_health_interop import BIN_DIR, BIN_DIR_ENV, CHANNEL_OPTIONS, HOST, ServiceProcess, free_port_bases

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO_ROOT / "Protos"
OPENAPI_PATH = REPO_ROOT / "Services" / "yield" / "YieldService" / "openapi.yaml"
PROTO_FILES = ["workcell/common/v1/common.proto", "workcell/yield/v1/yield.proto"]

READY_DEADLINE_S = 30.0
EXIT_DEADLINE_S = 5.0
REQUEST_TIMEOUT_S = 30.0
RPC_TIMEOUT_S = 30.0

# The Cycle fields in the API page's order (also the CSV header).
CYCLE_FIELDS = [
    "cycle_id", "plant", "line", "cell", "robot", "station", "part_serial", "started_at", "ended_at", "cycle_ms",
    "outcome", "attempts", "failure_code", "torque_nm", "angle_deg", "model_version", "ideal_cycle_ms",
]
FAILURE_CODES = [
    "spline_misaligned", "grip_slip", "magnetic_pull_off", "nut_not_seated", "cross_thread", "torque_low",
    "torque_high", "vision_lost", "feeder_timeout", "fixture_timeout", "plc_fault", "estop", "policy_timeout",
    "control_fault", "other", "cell_restart",
]


# --- records ----------------------------------------------------------------------------------------


def rfc3339(moment: datetime) -> str:
    """The service's output form: UTC with milliseconds, e.g. 2026-11-25T06:00:00.000Z."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def cycle(started_at: datetime, cycle_ms: int, outcome: str = "ok", attempts: int = 1, failure_code: str = "",
          *, cell: str = "cell-07", robot: str = "left", station: str = "nut_install", line: str = "final-2",
          plant: str = "leipzig", ideal_cycle_ms: int = 76000, part_serial: str | None = None,
          torque_nm: float | None = 12.5, angle_deg: float | None = 410.0, model_version: str = "act-2026-11-20-a",
          cycle_id: str | None = None) -> dict[str, Any]:
    """A valid cycle record as JSON (ended_at = started_at + cycle_ms)."""
    return {
        "cycle_id": cycle_id or str(uuid.uuid4()),
        "plant": plant, "line": line, "cell": cell, "robot": robot, "station": station,
        "part_serial": part_serial,
        "started_at": rfc3339(started_at),
        "ended_at": rfc3339(started_at + timedelta(milliseconds=cycle_ms)),
        "cycle_ms": cycle_ms, "outcome": outcome, "attempts": attempts, "failure_code": failure_code,
        "torque_nm": torque_nm, "angle_deg": angle_deg, "model_version": model_version,
        "ideal_cycle_ms": ideal_cycle_ms,
    }


def state_event(cell: str, state: str, started_at: datetime, ended_at: datetime, *, robot: str | None = None,
                reason: str = "", event_id: str | None = None) -> dict[str, Any]:
    """A valid state event as JSON."""
    return {
        "event_id": event_id or str(uuid.uuid4()), "cell": cell, "robot": robot, "state": state,
        "reason": reason, "started_at": rfc3339(started_at), "ended_at": rfc3339(ended_at),
    }


# A plant file (for --plant-config) with a Berlin shift calendar and no night shift: early 06:00–14:00
# (breaks 09:00–09:15, 11:30–12:00) and late 14:00–22:00 (break 18:00–18:30), local time; in
# November Berlin is UTC+1. cell-90 is there because a plant file needs a cell; tests use others.
PLANT_FILE_BERLIN = """\
plant:
  id: leipzig
lines:
  - id: final-2
shift_calendar:
  time_zone: Europe/Berlin
  shifts:
    - name: early
      start: "06:00"
      end: "14:00"
      breaks:
        - { start: "09:00", end: "09:15" }
        - { start: "11:30", end: "12:00" }
    - name: late
      start: "14:00"
      end: "22:00"
      breaks:
        - { start: "18:00", end: "18:30" }
yield:
  grpc: 127.0.0.1:50066
  url: http://127.0.0.1:9166/api/v1
cells:
  - id: cell-90
    line: final-2
    station: 10
    takt_ms: 76000
    ideal_cycle_ms: 76000
    robots:
      - id: left
        side: left
        feeder: { host: 127.0.0.1, port: 1502, unit: 1 }
        fixture: { host: 127.0.0.1, port: 1502, unit: 2 }
"""


# --- the server -------------------------------------------------------------------------------------


@dataclass
class Tokens:
    """Bearer tokens the launched service knows: one per scope set, plus one it does not know."""

    read: str = field(default_factory=lambda: "mes-read-" + uuid.uuid4().hex)
    write: str = field(default_factory=lambda: "cell-write-" + uuid.uuid4().hex)
    read_write: str = field(default_factory=lambda: "importer-rw-" + uuid.uuid4().hex)
    unknown: str = field(default_factory=lambda: "nobody-" + uuid.uuid4().hex)

    def file_text(self) -> str:
        def sha(token: str) -> str:
            return hashlib.sha256(token.encode()).hexdigest()

        return (
            "# name scopes sha256-of-token (written by Tests/Interop/yield_client.py)\n\n"
            f"mes read {sha(self.read)}\n"
            f"cell-07 write {sha(self.write)}\n"
            f"importer read,write {sha(self.read_write)}\n"
        )


def executable(name: str) -> str:
    assert BIN_DIR, f"{BIN_DIR_ENV} is not set"
    path = Path(BIN_DIR) / name
    assert path.is_file() and os.access(path, os.X_OK), (
        f"{BIN_DIR_ENV}={BIN_DIR} has no executable {name!r} (is the build complete?)"
    )
    return str(path)


class YieldServer:
    """A running `yield` executable with its own tokens file and SQLite file under `work_dir`."""

    def __init__(self, work_dir: Path, extra: list[str] | None = None, tokens: Tokens | None = None):
        self.work_dir = work_dir
        self.tokens = tokens or Tokens()
        self.tokens_file = work_dir / "yield-tokens"
        self.tokens_file.write_text(self.tokens.file_text())
        self.sqlite_path = work_dir / "yield.sqlite"
        self.grpc_port, self.http_port = free_port_bases(span=1, count=2)
        self.base_url = f"http://{HOST}:{self.http_port}"
        argv = [
            executable("yield"), "--host", HOST, "--grpc-port", str(self.grpc_port),
            "--http-port", str(self.http_port), "--log-format", "text",
            "--tokens-file", str(self.tokens_file), "--sqlite-path", str(self.sqlite_path), *(extra or []),
        ]
        self.process = self._launch(argv, work_dir / "yield.log")
        self.stopped = False
        try:
            self._wait_ready()
        except BaseException:
            self.process.kill()
            raise

    @staticmethod
    def _launch(argv: list[str], log_path: Path, deadline_s: float = 15.0) -> ServiceProcess:
        # Others may be relinking the binary while tests run: wait out "Text file busy".
        end = time.monotonic() + deadline_s
        while True:
            try:
                return ServiceProcess("yield", argv, log_path)
            except OSError as error:
                if error.errno not in (26, 8, 2) or time.monotonic() > end:  # ETXTBSY, ENOEXEC, ENOENT
                    raise
                time.sleep(0.2)

    def _wait_ready(self) -> None:
        end = time.monotonic() + READY_DEADLINE_S
        last = "no answer yet"
        while True:
            code = self.process.proc.poll()
            if code is not None:
                raise AssertionError(f"yield exited with {code} before it was ready\n{self.log()}")
            try:
                response = requests.get(f"{self.base_url}/readyz", timeout=2)
                if response.status_code == 200:
                    return
                last = f"/readyz: HTTP {response.status_code} {response.text[:200]}"
            except requests.RequestException as error:
                last = f"/readyz: {type(error).__name__}"
            if time.monotonic() >= end:
                raise AssertionError(f"yield not ready within {READY_DEADLINE_S:g} s ({last})\n{self.log()}")
            time.sleep(0.1)

    def log(self, limit: int = 12000) -> str:
        try:
            text = self.process.log_path.read_text(errors="replace")
        except OSError as error:
            return f"(cannot read {self.process.log_path}: {error})"
        return text if len(text) <= limit else f"... ({len(text) - limit} characters cut)\n" + text[-limit:]

    def stop(self) -> int | None:
        """SIGTERM; the exit code, or None if it had to be killed."""
        if self.stopped:
            return self.process.proc.returncode
        self.stopped = True
        try:
            code = self.process.terminate_and_wait(EXIT_DEADLINE_S)
        except AssertionError:
            code = None
        self.process.kill()
        return code


POSTGRES_DSN_ENV = "WORKCELL_TEST_POSTGRES_DSN"


@contextlib.contextmanager
def postgres_database(dsn: str) -> Iterator[str]:
    """A fresh, empty database on the test PostgreSQL of `dsn` (scripts/test-db.sh), dropped afterwards.

    Each server gets its own database so tests see exactly the records they sent, on every run.
    """
    name = "yield_interop_" + uuid.uuid4().hex[:12]
    parts = urlsplit(dsn)
    own = urlunsplit(parts._replace(path=f"/{name}"))

    def psql(sql: str) -> None:
        run = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dsn, "-c", sql], capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert run.returncode == 0, f"psql {sql!r}: exit {run.returncode}: {run.stderr.strip()}"

    psql(f"CREATE DATABASE {name}")
    try:
        yield own
    finally:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def backend_args(backend: str, stack: contextlib.ExitStack) -> list[str]:
    """The `yield` flags for "sqlite" (the default: a file in the server's work dir) or "postgres"
    (a fresh database on WORKCELL_TEST_POSTGRES_DSN, which scripts/test.sh exports; skipped without)."""
    if backend == "sqlite":
        return []
    import pytest

    dsn = os.environ.get(POSTGRES_DSN_ENV)
    if not dsn:
        pytest.skip(f"{POSTGRES_DSN_ENV} is not set (scripts/test.sh sets it; or DSN=$(scripts/test-db.sh start))")
    return ["--postgres", stack.enter_context(postgres_database(dsn))]


# --- REST -------------------------------------------------------------------------------------------


class RestClient:
    """The MES side over REST: one `requests.Session` with a bearer token (or none)."""

    def __init__(self, base_url: str, token: str | None):
        self.base_url = base_url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.base_url}{path}", params=params, timeout=REQUEST_TIMEOUT_S)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.session.post(f"{self.base_url}{path}", json=body, timeout=REQUEST_TIMEOUT_S)

    def post_cycles(self, cycles: list[dict[str, Any]]) -> requests.Response:
        return self.post("/api/v1/cycles", {"cycles": cycles})

    def post_state_events(self, events: list[dict[str, Any]]) -> requests.Response:
        return self.post("/api/v1/state-events", {"events": events})

    def json(self, path: str, **params: Any) -> Any:
        """GET that must answer 200 with JSON."""
        response = self.get(path, **params)
        assert response.status_code == 200, f"GET {path} {params}: HTTP {response.status_code} {response.text[:500]}"
        return response.json()

    def all_cycles(self, limit: int, **params: Any) -> tuple[list[dict[str, Any]], int]:
        """Every page of GET /api/v1/cycles; (records, pages)."""
        records: list[dict[str, Any]] = []
        token: str | None = None
        for pages in range(1, 10_000):
            page = self.json("/api/v1/cycles", limit=limit, **params, **({"page_token": token} if token else {}))
            records.extend(page["cycles"])
            token = page.get("next_page_token")
            if token is None:
                return records, pages
        raise AssertionError("GET /api/v1/cycles never reached its last page")


# --- gRPC -------------------------------------------------------------------------------------------


def generate_stubs(out_dir: Path) -> SimpleNamespace:
    """common_pb2, yield_pb2 and yield_pb2_grpc generated by grpcio-tools from Protos/ into out_dir.

    The proto package path `workcell/yield/v1` has a Python keyword in it: the generated
    `from workcell.yield.v1 import yield_pb2` in yield_pb2_grpc.py is a syntax error, so that one
    line is rewritten to an importlib call (the only change to generated code).
    """
    from grpc_tools import protoc

    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    status = protoc.main(["grpc_tools.protoc", f"-I{PROTO_ROOT}", f"-I{well_known}", f"--python_out={out_dir}",
                          f"--grpc_python_out={out_dir}", *PROTO_FILES])
    assert status == 0, f"grpc_tools.protoc failed (exit {status}) on {PROTO_FILES} in {PROTO_ROOT}"
    grpc_module = out_dir / "workcell" / "yield" / "v1" / "yield_pb2_grpc.py"
    text = grpc_module.read_text()
    text, count = re.subn(r"^from workcell\.yield\.v1 import yield_pb2 as (\w+)$",
                          r"import importlib\n\1 = importlib.import_module('workcell.yield.v1.yield_pb2')",
                          text, flags=re.MULTILINE)
    assert count == 1, "yield_pb2_grpc.py no longer has the import line this patch expects"
    grpc_module.write_text(text)
    if str(out_dir) not in sys.path:
        sys.path.insert(0, str(out_dir))
    importlib.invalidate_caches()
    from google.protobuf import timestamp_pb2

    return SimpleNamespace(
        common_pb2=importlib.import_module("workcell.common.v1.common_pb2"),
        yield_pb2=importlib.import_module("workcell.yield.v1.yield_pb2"),
        yield_pb2_grpc=importlib.import_module("workcell.yield.v1.yield_pb2_grpc"),
        timestamp_pb2=timestamp_pb2,
    )


class GrpcClient:
    """The same client over gRPC (workcell.yield.v1.Yield), token in `authorization` metadata."""

    def __init__(self, api: SimpleNamespace, port: int, token: str | None):
        self.api = api
        self.channel = grpc.insecure_channel(f"{HOST}:{port}", options=CHANNEL_OPTIONS)
        self.stub = api.yield_pb2_grpc.YieldStub(self.channel)
        self.metadata = [("authorization", f"Bearer {token}")] if token is not None else []

    def close(self) -> None:
        self.channel.close()

    def timestamp(self, text: str) -> Any:
        stamp = self.api.timestamp_pb2.Timestamp()
        stamp.FromDatetime(parse_time(text).astimezone(timezone.utc).replace(tzinfo=None))
        return stamp

    def cycle_record(self, record: dict[str, Any]) -> Any:
        common = self.api.common_pb2
        message = common.CycleRecord(
            cycle_id=record["cycle_id"], plant=record["plant"], line=record["line"], cell=record["cell"],
            robot=record["robot"], station=record["station"], part_serial=record.get("part_serial") or "",
            started_at=self.timestamp(record["started_at"]), ended_at=self.timestamp(record["ended_at"]),
            cycle_ms=record["cycle_ms"],
            outcome=common.CycleOutcome.Value(f"CYCLE_OUTCOME_{record['outcome'].upper()}"),
            attempts=record["attempts"], model_version=record["model_version"],
            ideal_cycle_ms=record["ideal_cycle_ms"],
        )
        if record.get("failure_code"):
            message.failure_code = common.FailureCode.Value(f"FAILURE_CODE_{record['failure_code'].upper()}")
        for name in ("torque_nm", "angle_deg"):
            if record.get(name) is not None:
                setattr(message, name, record[name])
        return message

    def state_event(self, event: dict[str, Any]) -> Any:
        common = self.api.common_pb2
        return common.StateEvent(
            event_id=event["event_id"], cell=event["cell"], robot=event.get("robot") or "",
            state=common.MachineState.Value(f"MACHINE_STATE_{event['state'].upper()}"),
            reason=event.get("reason") or "",
            started_at=self.timestamp(event["started_at"]), ended_at=self.timestamp(event["ended_at"]),
        )

    def report_cycle_batch(self, records: list[dict[str, Any]]) -> Any:
        request = self.api.yield_pb2.ReportCycleBatchRequest(cycles=[self.cycle_record(r) for r in records])
        return self.stub.ReportCycleBatch(request, metadata=self.metadata, timeout=RPC_TIMEOUT_S)

    def report_cycles_stream(self, chunks: Iterable[list[dict[str, Any]]]) -> Any:
        """Client-streaming ReportCycles: one message per chunk of records."""

        def messages() -> Iterator[Any]:
            for chunk in chunks:
                yield self.api.yield_pb2.ReportCyclesRequest(cycles=[self.cycle_record(r) for r in chunk])

        return self.stub.ReportCycles(messages(), metadata=self.metadata, timeout=RPC_TIMEOUT_S)

    def report_state_events(self, events: list[dict[str, Any]]) -> Any:
        request = self.api.yield_pb2.ReportStateEventsRequest(events=[self.state_event(e) for e in events])
        return self.stub.ReportStateEvents(request, metadata=self.metadata, timeout=RPC_TIMEOUT_S)

    def query_yield(self, start: str, end: str, group_by: list[str] = (), **filters: str) -> Any:
        y = self.api.yield_pb2
        request = y.QueryYieldRequest(
            group_by=[y.GroupBy.Value(f"GROUP_BY_{g.upper()}") for g in group_by], **filters,
            **{"from": self.timestamp(start), "to": self.timestamp(end)})
        return self.stub.QueryYield(request, metadata=self.metadata, timeout=RPC_TIMEOUT_S)

    def query_pareto(self, start: str, end: str, **filters: str) -> Any:
        request = self.api.yield_pb2.QueryParetoRequest(
            **filters, **{"from": self.timestamp(start), "to": self.timestamp(end)})
        return self.stub.QueryPareto(request, metadata=self.metadata, timeout=RPC_TIMEOUT_S)

    def query_oee(self, start: str, end: str, group_by: list[str] = (), **filters: str) -> Any:
        y = self.api.yield_pb2
        request = y.QueryOeeRequest(
            group_by=[y.GroupBy.Value(f"GROUP_BY_{g.upper()}") for g in group_by], **filters,
            **{"from": self.timestamp(start), "to": self.timestamp(end)})
        return self.stub.QueryOee(request, metadata=self.metadata, timeout=RPC_TIMEOUT_S)

    def list_cells(self) -> Any:
        return self.stub.ListCells(self.api.yield_pb2.ListCellsRequest(), metadata=self.metadata, timeout=RPC_TIMEOUT_S)

    def list_cycles(self, **fields: Any) -> Any:
        return self.stub.ListCycles(self.api.yield_pb2.ListCyclesRequest(**fields), metadata=self.metadata,
                                    timeout=RPC_TIMEOUT_S)


def message_as_json(message: Any, rest_keys: Iterable[str]) -> dict[str, Any]:
    """A gRPC row (YieldRow, OeeRow, ParetoRow, CellInfo, CycleRecord) in the REST JSON form, for the
    keys the REST row has: timestamps as RFC 3339, enums as their snake_case names, unset optional
    fields as None."""
    out: dict[str, Any] = {}
    for key in rest_keys:
        descriptor = message.DESCRIPTOR.fields_by_name[key]
        value = getattr(message, key)
        if descriptor.has_presence and not message.HasField(key):
            out[key] = None
        elif descriptor.message_type is not None and descriptor.message_type.full_name == "google.protobuf.Timestamp":
            out[key] = rfc3339(value.ToDatetime(tzinfo=timezone.utc))
        elif descriptor.enum_type is not None:
            name = descriptor.enum_type.values_by_number[value].name
            prefix = {"FailureCode": "FAILURE_CODE_", "CycleOutcome": "CYCLE_OUTCOME_"}[descriptor.enum_type.name]
            out[key] = "" if value == 0 else name.removeprefix(prefix).lower()
        elif descriptor.is_repeated:
            out[key] = list(value)
        else:
            out[key] = value
    return out


# --- KPIs computed by hand (docs/yield-api.md definitions) ------------------------------------------


def nearest_rank(values: list[int], percent: float) -> int | None:
    """Nearest-rank percentile: the value at rank ceil(p/100 × n) of the sorted values (1-based)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(Fraction(percent) * len(ordered) / 100))
    return ordered[min(rank, len(ordered)) - 1]


def expected_yield_row(records: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in records if r["outcome"] == "ok"]
    nok = [r for r in records if r["outcome"] == "nok"]
    aborted = [r for r in records if r["outcome"] == "aborted"]
    judged = len(ok) + len(nok)
    times = [r["cycle_ms"] for r in records if r["outcome"] != "aborted"]
    return {
        "cycles": len(records), "ok": len(ok), "nok": len(nok), "aborted": len(aborted),
        "yield": len(ok) / judged if judged else None,
        "first_pass_yield": sum(1 for r in ok if r["attempts"] == 1) / judged if judged else None,
        "takt_compliance": sum(1 for r in ok if r["cycle_ms"] <= r["ideal_cycle_ms"]) / len(ok) if ok else None,
        "cycle_ms_p50": nearest_rank(times, 50), "cycle_ms_p95": nearest_rank(times, 95),
        "cycle_ms_max": max(times) if times else None,
    }


def expected_pareto(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for r in records:
        if r["outcome"] != "ok" and r.get("failure_code"):
            counts[r["failure_code"]] = counts.get(r["failure_code"], 0) + 1
    total = sum(counts.values())
    rows, running = [], 0
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        running += count
        rows.append({"failure_code": code, "count": count, "share": count / total, "cumulative_share": running / total})
    return rows
