"""An MES-style client against the yield service: REST (requests) and gRPC (grpcio) (issue #3, item 7).

The client (yield_client.py) ingests cycles and state events over both APIs, and these tests check
what an integrator relies on: idempotency by id, all-or-nothing batches naming the bad record's
index and field, 401/403 (UNAUTHENTICATED/PERMISSION_DENIED over gRPC), and KPI numbers equal to
values computed by hand from the records sent (yield, first-pass yield, takt compliance,
nearest-rank p50/p95, Pareto, OEE), plus paging and the CSV export.

    venv=$(scripts/python-env.sh)
    WORKCELL_BIN_DIR=$(swift build --show-bin-path) \
        "$venv/bin/python" -m pytest -q Tests/Interop/test_yield_mes_client.py
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import grpc
import pytest

from test_health_interop import BIN_DIR, BIN_DIR_ENV
from yield_client import (
    CYCLE_FIELDS, PLANT_FILE_BERLIN, GrpcClient, RestClient, YieldServer, backend_args, cycle, expected_pareto,
    expected_yield_row, generate_stubs, message_as_json, rfc3339, state_event,
)

pytestmark = pytest.mark.skipif(
    not BIN_DIR, reason=f"{BIN_DIR_ENV} is not set (point it at `swift build --show-bin-path`)")

SHIFT_START = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)
HOUR = {"from": "2026-11-20T06:00:00Z", "to": "2026-11-20T07:00:00Z"}

# Ten cycles of one cell, one every 80 s from 06:00 UTC: (cycle_ms, outcome, attempts, failure_code).
TEN_CYCLES = [
    (70_000, "ok", 1, ""),
    (72_000, "ok", 1, ""),
    (75_000, "ok", 2, ""),
    (78_000, "ok", 1, ""),  # over the 76 s takt
    (74_000, "nok", 1, "grip_slip"),
    (80_000, "nok", 3, "spline_misaligned"),
    (71_000, "ok", 1, ""),
    (30_000, "aborted", 1, "estop"),
    (90_000, "nok", 2, "grip_slip"),
    (73_000, "ok", 1, ""),
]


def ten_cycles(cell: str) -> list[dict[str, Any]]:
    return [cycle(SHIFT_START + timedelta(seconds=80 * i), ms, outcome, attempts, code, cell=cell,
                  robot="left" if i % 2 == 0 else "right", part_serial=f"WBA-{cell}-{i}" if i % 3 else None,
                  torque_nm=None if outcome == "aborted" else 12.0 + i / 10,
                  angle_deg=None if outcome == "aborted" else 400.0 + i)
            for i, (ms, outcome, attempts, code) in enumerate(TEN_CYCLES)]


def approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, rel=1e-9, abs=1e-12)


def approx_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: approx(value) if isinstance(value, float) else value for key, value in row.items()}


def kpis(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in expected_yield_row([])}


def same_record(sent: dict[str, Any], stored: dict[str, Any]) -> None:
    """A stored record equals the one sent, in the service's output form."""
    for name in CYCLE_FIELDS:
        want = sent[name]
        if name in ("started_at", "ended_at"):
            want = rfc3339(datetime.fromisoformat(want.replace("Z", "+00:00")))
        if name == "part_serial" and want == "":
            want = None
        if name == "cycle_id":
            want = want.lower()
        got = stored[name]
        assert got == (approx(want) if isinstance(want, float) else want), (
            f"{sent['cycle_id']} {name}: sent {want!r}, stored {got!r}")
    assert list(stored) == CYCLE_FIELDS, f"field order {list(stored)}"


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return generate_stubs(tmp_path_factory.mktemp("yield-stubs"))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request):
    """Every test here runs against the embedded SQLite store and against PostgreSQL."""
    with contextlib.ExitStack() as stack:
        yield backend_args(request.param, stack)


@pytest.fixture(scope="module")
def server(tmp_path_factory, backend):
    service = YieldServer(tmp_path_factory.mktemp("yield-mes"), extra=backend)
    yield service
    code = service.stop()
    assert code == 0, f"yield exited with {code} after SIGTERM\n{service.log()}"


@pytest.fixture(scope="module")
def rest(server):
    """Clients by scope: read (MES), write (cell), read_write (importer), none, unknown token."""
    tokens = server.tokens
    return {name: RestClient(server.base_url, token) for name, token in (
        ("read", tokens.read), ("write", tokens.write), ("read_write", tokens.read_write), ("none", None),
        ("unknown", tokens.unknown))}


@pytest.fixture(scope="module")
def grpc_clients(server, api):
    tokens = server.tokens
    clients = {name: GrpcClient(api, server.grpc_port, token) for name, token in (
        ("read", tokens.read), ("write", tokens.write), ("read_write", tokens.read_write), ("none", None),
        ("unknown", tokens.unknown))}
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture(scope="module")
def shift_hour(rest):
    """The ten cycles of cell-21 and its state events in 06:00–07:00, ingested over REST."""
    records = ten_cycles("cell-21")
    response = rest["write"].post_cycles(records)
    assert response.status_code == 200, f"HTTP {response.status_code} {response.text[:1000]}"
    assert response.json() == {"accepted": 10, "duplicates": 0}
    events = [
        state_event("cell-21", "producing", SHIFT_START, SHIFT_START + timedelta(minutes=10)),
        state_event("cell-21", "fault", SHIFT_START + timedelta(minutes=10), SHIFT_START + timedelta(minutes=15),
                    reason="feeder_jam"),
        state_event("cell-21", "planned_stop", SHIFT_START + timedelta(minutes=30),
                    SHIFT_START + timedelta(minutes=40), reason="shift_break"),
        # Crosses the end of the hour: only 06:55–07:00 falls in the window.
        state_event("cell-21", "blocked", SHIFT_START + timedelta(minutes=55), SHIFT_START + timedelta(minutes=65),
                    reason="conveyor_full"),
    ]
    response = rest["write"].post_state_events(events)
    assert response.status_code == 200, f"HTTP {response.status_code} {response.text[:1000]}"
    assert response.json() == {"accepted": 4, "duplicates": 0}
    return records, events


# --- ingest -----------------------------------------------------------------------------------------


def test_rest_resend_is_counted_as_duplicates(rest, shift_hour):
    records, events = shift_hour
    response = rest["write"].post_cycles(records)
    assert (response.status_code, response.json()) == (200, {"accepted": 0, "duplicates": 10})
    mixed = records[:3] + ten_cycles("cell-21b")[:2]
    response = rest["read_write"].post_cycles(mixed)
    assert (response.status_code, response.json()) == (200, {"accepted": 2, "duplicates": 3})
    response = rest["write"].post_state_events(events)
    assert (response.status_code, response.json()) == (200, {"accepted": 0, "duplicates": 4})
    response = rest["write"].post_cycles([])
    assert (response.status_code, response.json()) == (200, {"accepted": 0, "duplicates": 0})
    twice = ten_cycles("cell-21c")[0]
    response = rest["write"].post_cycles([twice, dict(twice)])
    assert (response.status_code, response.json()) == (200, {"accepted": 1, "duplicates": 1})
    stored, _ = rest["read"].all_cycles(limit=100, cell="cell-21", **HOUR)
    assert len(stored) == 10


def test_grpc_batch_stream_and_state_events(rest, grpc_clients):
    client = grpc_clients["write"]
    records = ten_cycles("cell-22")
    first = client.report_cycle_batch(records[:4])
    assert (first.accepted, first.duplicates) == (4, 0)
    again = client.report_cycle_batch(records[:4])
    assert (again.accepted, again.duplicates) == (0, 4)
    # Client streaming: six new records in three messages, plus one already stored.
    streamed = client.report_cycles_stream([records[4:6], [records[0], records[6], records[7]], records[8:10]])
    assert (streamed.accepted, streamed.duplicates) == (6, 1)
    # The same ids over REST are duplicates too: one store behind both APIs.
    response = rest["write"].post_cycles(records)
    assert (response.status_code, response.json()) == (200, {"accepted": 0, "duplicates": 10})

    stored, _ = rest["read"].all_cycles(limit=100, cell="cell-22")
    by_id = {r["cycle_id"]: r for r in stored}
    assert sorted(by_id) == sorted(r["cycle_id"] for r in records)
    for record in records:
        same_record(record, by_id[record["cycle_id"]])

    events = [state_event("cell-22", "starved", SHIFT_START, SHIFT_START + timedelta(minutes=2), robot="left",
                          reason="feeder_empty"),
              state_event("cell-22", "changeover", SHIFT_START + timedelta(minutes=20),
                          SHIFT_START + timedelta(minutes=26), reason="program_7")]
    sent = client.report_state_events(events)
    assert (sent.accepted, sent.duplicates) == (2, 0)
    sent = client.report_state_events(events)
    assert (sent.accepted, sent.duplicates) == (0, 2)

    # gRPC queries answer what REST answers.
    reader = grpc_clients["read"]
    rows = reader.query_yield(HOUR["from"], HOUR["to"], cell="cell-22").rows
    assert len(rows) == 1
    want = expected_yield_row(records)
    row = rows[0]
    got = {name: (getattr(row, name) if row.HasField(name) else None) if name in (
        "yield", "first_pass_yield", "takt_compliance", "cycle_ms_p50", "cycle_ms_p95", "cycle_ms_max")
        else getattr(row, name) for name in want}
    assert got == approx_row(want)
    bars = reader.query_pareto(HOUR["from"], HOUR["to"], cell="cell-22").failures
    common = client.api.common_pb2
    assert [(common.FailureCode.Name(b.failure_code).removeprefix("FAILURE_CODE_").lower(), b.count) for b in bars] == [
        (bar["failure_code"], bar["count"]) for bar in expected_pareto(records)]
    page = reader.list_cycles(cell="cell-22", limit=100)
    assert sorted(c.cycle_id for c in page.cycles) == sorted(r["cycle_id"] for r in records)
    assert page.next_page_token == ""


# --- all or nothing ---------------------------------------------------------------------------------


def test_rest_bad_record_rejects_the_whole_batch(rest):
    writer = rest["write"]
    batch = ten_cycles("cell-23")[:5]
    bad = [dict(r) for r in batch]
    bad[3]["cycle_ms"] = -5
    response = writer.post_cycles(bad)
    assert response.status_code == 400, f"HTTP {response.status_code} {response.text[:500]}"
    error = response.json()["error"]
    assert error["code"] == "invalid_record"
    assert {(d["index"], d["field"]) for d in error["details"]} == {(3, "cycle_ms")}, error

    two_bad = [dict(r) for r in batch]
    two_bad[1]["ended_at"] = "2026-11-20T05:00:00Z"  # before started_at
    two_bad[4] = {**two_bad[4], "failure_code": ""}  # nok needs a failure code
    assert two_bad[4]["outcome"] == "nok"
    response = writer.post_cycles(two_bad)
    assert response.status_code == 400, f"HTTP {response.status_code} {response.text[:500]}"
    details = {(d["index"], d["field"]) for d in response.json()["error"]["details"]}
    assert (1, "ended_at") in details and (4, "failure_code") in details, details
    assert {index for index, _ in details} == {1, 4}, details

    assert rest["read"].json("/api/v1/cycles", cell="cell-23")["cycles"] == []
    response = writer.post_cycles(batch)
    assert (response.status_code, response.json()) == (200, {"accepted": 5, "duplicates": 0})

    events = [state_event("cell-23", "idle", SHIFT_START, SHIFT_START + timedelta(minutes=1)) for _ in range(3)]
    broken = [dict(e) for e in events]
    broken[2]["ended_at"] = rfc3339(SHIFT_START - timedelta(minutes=1))
    response = writer.post_state_events(broken)
    assert response.status_code == 400, f"HTTP {response.status_code} {response.text[:500]}"
    assert {(d["index"], d["field"]) for d in response.json()["error"]["details"]} == {(2, "ended_at")}
    response = writer.post_state_events(events)
    assert (response.status_code, response.json()) == (200, {"accepted": 3, "duplicates": 0}), (
        "a refused batch stored events")


def test_rest_batch_limit(rest):
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    records = [cycle(start + timedelta(seconds=i), 500, cell="cell-bulk") for i in range(10_001)]
    response = rest["write"].post_cycles(records)
    assert response.status_code == 400, f"HTTP {response.status_code} {response.text[:500]}"
    assert response.json()["error"]["code"] == "batch_too_large"
    response = rest["write"].post_cycles(records[:10_000])
    assert (response.status_code, response.json()) == (200, {"accepted": 10_000, "duplicates": 0})
    page = rest["read"].json("/api/v1/cycles", cell="cell-bulk")
    assert len(page["cycles"]) == 100 and page["next_page_token"], "the default page size is 100"
    page = rest["read"].json("/api/v1/cycles", cell="cell-bulk", limit=10_000)
    assert len(page["cycles"]) == 10_000 and "next_page_token" not in page


def test_grpc_bad_record_rejects_the_whole_batch_and_stream(rest, grpc_clients):
    client = grpc_clients["write"]
    records = ten_cycles("cell-24")
    bad = client.api.yield_pb2.ReportCycleBatchRequest(cycles=[client.cycle_record(r) for r in records[:4]])
    bad.cycles[2].attempts = 0
    with pytest.raises(grpc.RpcError) as raised:
        client.stub.ReportCycleBatch(bad, metadata=client.metadata, timeout=30)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
    assert re.search(r"\b2\b", raised.value.details()) and "attempts" in raised.value.details(), raised.value.details()

    broken = [dict(r) for r in records[4:8]]
    broken[1]["model_version"] = ""
    with pytest.raises(grpc.RpcError) as raised:
        client.report_cycles_stream([records[:4], broken])
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
    # Index within the stream: record 5 (message 2, second record).
    details = raised.value.details()
    assert re.search(r"\b5\b", details) and "model_version" in details, details

    assert rest["read"].json("/api/v1/cycles", cell="cell-24")["cycles"] == []
    done = client.report_cycle_batch(records)
    assert (done.accepted, done.duplicates) == (10, 0)


def test_grpc_bytes_that_are_no_request_answer_invalid_argument(rest, grpc_clients):
    # yield reads ReportCycles/ReportCycleBatch records straight off the wire (not through
    # SwiftProtobuf); bytes that are no message must still be INVALID_ARGUMENT, nothing stored.
    client = grpc_clients["write"]
    good = client.api.yield_pb2.ReportCycleBatchRequest(
        cycles=[client.cycle_record(r) for r in ten_cycles("cell-wire")[:2]]).SerializeToString()
    not_utf8 = good.replace(b"cell-wire", b"cell-\xc3\x28re")
    truncated = good[:-3]
    identity = lambda raw: raw  # noqa: E731 — the bytes as they are
    batch = client.channel.unary_unary(
        "/workcell.yield.v1.Yield/ReportCycleBatch", request_serializer=identity,
        response_deserializer=client.api.yield_pb2.ReportCycleBatchResponse.FromString)
    stream = client.channel.stream_unary(
        "/workcell.yield.v1.Yield/ReportCycles", request_serializer=identity,
        response_deserializer=client.api.yield_pb2.ReportCyclesResponse.FromString)
    for raw in (not_utf8, truncated, b"\xff\xff\xff"):
        for call in (lambda: batch(raw, metadata=client.metadata, timeout=30),
                     lambda: stream(iter([good, raw]), metadata=client.metadata, timeout=30)):
            with pytest.raises(grpc.RpcError) as raised:
                call()
            assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
    assert rest["read"].json("/api/v1/cycles", cell="cell-wire")["cycles"] == []
    done = batch(good, metadata=client.metadata, timeout=30)
    assert (done.accepted, done.duplicates) == (2, 0)


# --- auth -------------------------------------------------------------------------------------------


def test_rest_needs_a_token_with_the_scope(rest):
    record = [cycle(SHIFT_START, 70_000, cell="cell-auth")]
    for name in ("none", "unknown"):
        for response in (rest[name].get("/api/v1/cells"), rest[name].get("/api/v1/yield", **HOUR),
                         rest[name].post_cycles(record)):
            assert response.status_code == 401, f"{name}: HTTP {response.status_code} {response.text[:300]}"
            assert response.headers.get("WWW-Authenticate", "").startswith("Bearer"), response.headers
            assert response.json()["error"]["code"] == "unauthenticated"
    read_token = rest["read"].session.headers["Authorization"].removeprefix("Bearer ")
    malformed = rest["none"].session.get(f"{rest['none'].base_url}/api/v1/cells", timeout=10,
                                         headers={"Authorization": f"Basic {read_token}"})
    assert malformed.status_code == 401
    for response in (rest["write"].get("/api/v1/cells"), rest["write"].get("/api/v1/cycles.csv"),
                     rest["read"].post_cycles(record), rest["read"].post_state_events([])):
        assert response.status_code == 403, f"HTTP {response.status_code} {response.text[:300]}"
        assert response.json()["error"]["code"] == "forbidden"
    assert rest["read_write"].post_cycles(record).status_code == 200
    assert rest["read_write"].get("/api/v1/cells").status_code == 200
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.yaml"):
        assert rest["none"].get(path).status_code == 200, path


def test_grpc_needs_a_token_with_the_scope(grpc_clients):
    records = [cycle(SHIFT_START, 70_000, cell="cell-auth-grpc")]

    def code_of(call) -> grpc.StatusCode:
        try:
            call()
        except grpc.RpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    for name in ("none", "unknown"):
        client = grpc_clients[name]
        assert code_of(lambda: client.report_cycle_batch(records)) == grpc.StatusCode.UNAUTHENTICATED
        assert code_of(lambda: client.list_cycles()) == grpc.StatusCode.UNAUTHENTICATED
        assert code_of(lambda: client.report_cycles_stream([records])) == grpc.StatusCode.UNAUTHENTICATED
    reader, writer = grpc_clients["read"], grpc_clients["write"]
    assert code_of(lambda: reader.report_cycle_batch(records)) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: reader.report_state_events([])) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: reader.report_cycles_stream([records])) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: writer.list_cycles()) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: writer.query_yield(HOUR["from"], HOUR["to"])) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: grpc_clients["read_write"].report_cycle_batch(records)) == grpc.StatusCode.OK
    assert code_of(lambda: reader.list_cycles()) == grpc.StatusCode.OK


# --- queries, checked by hand -----------------------------------------------------------------------


def test_yield_numbers_match_the_hand_computed_ones(rest, shift_hour):
    records, _ = shift_hour
    reader = rest["read"]
    rows = reader.json("/api/v1/yield", **HOUR, cell="cell-21")["rows"]
    assert len(rows) == 1 and rows[0] == approx_row(expected_yield_row(records))
    # The same numbers, worked out on paper: ok 6, nok 3, aborted 1; first pass 5 of 9; 5 of 6 ok
    # cycles within 76 s; non-aborted times sorted 70 71 72 73 74 75 78 80 90 s → rank 5 and rank 9.
    assert rows[0] == approx_row({"cycles": 10, "ok": 6, "nok": 3, "aborted": 1, "yield": 6 / 9,
                                  "first_pass_yield": 5 / 9, "takt_compliance": 5 / 6, "cycle_ms_p50": 74_000,
                                  "cycle_ms_p95": 90_000, "cycle_ms_max": 90_000})

    by_robot = reader.json("/api/v1/yield", **HOUR, cell="cell-21", group_by="robot")["rows"]
    assert [row["robot"] for row in by_robot] == ["left", "right"]
    for row in by_robot:
        assert set(row) == {"robot"} | set(expected_yield_row([]))
        assert kpis(row) == approx_row(expected_yield_row([r for r in records if r["robot"] == row["robot"]]))

    by_hour = reader.json("/api/v1/yield", **HOUR, cell="cell-21", group_by="hour,cell")["rows"]
    assert [(row["bucket_start"], row["cell"]) for row in by_hour] == [("2026-11-20T06:00:00.000Z", "cell-21")]
    assert kpis(by_hour[0]) == approx_row(expected_yield_row(records))

    # Days in Berlin start at 23:00 UTC in November.
    berlin = reader.json("/api/v1/yield", cell="cell-21", group_by="day", tz="Europe/Berlin",
                         **{"from": "2026-11-19T23:00:00Z", "to": "2026-11-20T23:00:00Z"})["rows"]
    assert [row["bucket_start"] for row in berlin] == ["2026-11-19T23:00:00.000Z"]
    utc = reader.json("/api/v1/yield", cell="cell-21", group_by="day",
                      **{"from": "2026-11-20T00:00:00Z", "to": "2026-11-21T00:00:00Z"})["rows"]
    assert [row["bucket_start"] for row in utc] == ["2026-11-20T00:00:00.000Z"]

    # `to` is exclusive and applies to ended_at: stop just after the 5th cycle ended.
    fifth_end = records[4]["ended_at"]
    rows = reader.json("/api/v1/yield", cell="cell-21", **{"from": HOUR["from"], "to": fifth_end})["rows"]
    assert rows[0]["cycles"] == 4
    empty = reader.json("/api/v1/yield", cell="cell-21",
                        **{"from": "2026-11-20T08:00:00Z", "to": "2026-11-20T09:00:00Z"})
    assert all(row["cycles"] == 0 and row["yield"] is None and row["cycle_ms_p50"] is None for row in empty["rows"])


def test_pareto_numbers_match_the_hand_computed_ones(rest, shift_hour):
    records, _ = shift_hour
    bars = rest["read"].json("/api/v1/failures/pareto", **HOUR, cell="cell-21")["failures"]
    assert bars == [approx_row(bar) for bar in expected_pareto(records)]
    # grip_slip 2 of 4; then estop and spline_misaligned 1 each, ties by code.
    assert bars == [approx_row(b) for b in (
        {"failure_code": "grip_slip", "count": 2, "share": 0.5, "cumulative_share": 0.5},
        {"failure_code": "estop", "count": 1, "share": 0.25, "cumulative_share": 0.75},
        {"failure_code": "spline_misaligned", "count": 1, "share": 0.25, "cumulative_share": 1.0})]


def test_oee_numbers_match_the_hand_computed_ones(rest, shift_hour):
    records, _ = shift_hour
    rows = rest["read"].json("/api/v1/oee", **HOUR, cell="cell-21")["rows"]
    assert len(rows) == 1
    # Window 3600 s − planned stop 600 s = 3000 s planned; downtime: fault 300 s + blocked 300 s
    # (clipped at 07:00) = 600 s; run 2400 s. total = ok + nok = 9, good = 6, takt 76 s.
    planned_s, downtime_s = 3600 - 600, 300 + 300
    run_s = planned_s - downtime_s
    availability = run_s / planned_s
    performance = min(1.0, 76_000 * 9 / (run_s * 1000))
    quality = 6 / 9
    assert rows[0] == approx_row({
        "availability": availability, "performance": performance, "quality": quality,
        "oee": availability * performance * quality, "planned_time_s": float(planned_s), "run_time_s": float(run_s),
        "downtime_s": float(downtime_s), "ideal_cycle_ms": 76_000, "total_count": 9, "good_count": 6})
    assert availability == 0.8 and performance == pytest.approx(0.285)
    hourly = rest["read"].json("/api/v1/oee", **HOUR, cell="cell-21", group_by="hour")["rows"]
    assert len(hourly) == 1 and hourly[0]["bucket_start"] == "2026-11-20T06:00:00.000Z"
    assert {k: v for k, v in hourly[0].items() if k != "bucket_start"} == rows[0]


def test_cycles_page_newest_first_and_stay_stable_under_inserts(rest, shift_hour):
    records, _ = shift_hour
    reader = rest["read"]
    newest_first = sorted(records, key=lambda r: r["ended_at"], reverse=True)
    pages = []
    first = reader.json("/api/v1/cycles", cell="cell-21", limit=3)
    pages.append(first["cycles"])
    # New records, newer than everything, arrive between page requests: the pages still to come
    # do not shift (keyset paging).
    later = [cycle(SHIFT_START + timedelta(hours=1, seconds=80 * i), 70_000, cell="cell-21") for i in range(3)]
    assert rest["write"].post_cycles(later).status_code == 200
    token = first["next_page_token"]
    while token:
        page = reader.json("/api/v1/cycles", cell="cell-21", limit=3, page_token=token)
        pages.append(page["cycles"])
        token = page.get("next_page_token")
        assert len(pages) < 10, "paging does not end"
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    assert [c["cycle_id"] for p in pages for c in p] == [r["cycle_id"] for r in newest_first]
    for sent, stored in zip(newest_first, (c for p in pages for c in p)):
        same_record(sent, stored)
    everything, count = reader.all_cycles(limit=10_000, cell="cell-21")
    assert count == 1 and len(everything) == 13
    filtered = reader.json("/api/v1/cycles", cell="cell-21", outcome="nok", failure_code="grip_slip", **HOUR)["cycles"]
    assert sorted(c["cycle_id"] for c in filtered) == sorted(
        r["cycle_id"] for r in records if r["outcome"] == "nok" and r["failure_code"] == "grip_slip")
    assert reader.json("/api/v1/cycles", cell="cell-21", robot="right", **HOUR)["cycles"] == [
        c for c in (c for p in pages for c in p) if c["robot"] == "right"]


def test_csv_export_has_every_matching_record(rest, shift_hour):
    records, _ = shift_hour
    response = rest["read"].get("/api/v1/cycles.csv", cell="cell-21", **HOUR)
    assert response.status_code == 200, f"HTTP {response.status_code} {response.text[:300]}"
    assert response.headers["Content-Type"].replace(" ", "").lower() == "text/csv;charset=utf-8"
    lines = response.text.splitlines()
    assert lines[0] == ",".join(CYCLE_FIELDS)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    json_rows = rest["read"].json("/api/v1/cycles", cell="cell-21", limit=100, **HOUR)["cycles"]
    assert [row["cycle_id"] for row in rows] == [row["cycle_id"] for row in json_rows]
    assert sorted(row["cycle_id"] for row in rows) == sorted(r["cycle_id"] for r in records)
    by_id = {r["cycle_id"]: r for r in records}
    for row in rows:
        sent = by_id[row["cycle_id"]]
        assert row["ended_at"] == rfc3339(datetime.fromisoformat(sent["ended_at"].replace("Z", "+00:00")))
        assert int(row["cycle_ms"]) == sent["cycle_ms"] and row["outcome"] == sent["outcome"]
        assert row["failure_code"] == sent["failure_code"] and int(row["attempts"]) == sent["attempts"]
        assert row["part_serial"] == (sent["part_serial"] or "")
        assert (float(row["torque_nm"]) if row["torque_nm"] else None) == approx(sent["torque_nm"])
    only_aborted = rest["read"].get("/api/v1/cycles.csv", cell="cell-21", outcome="aborted")
    aborted = list(csv.DictReader(io.StringIO(only_aborted.text)))
    assert [row["cycle_id"] for row in aborted] == [r["cycle_id"] for r in records if r["outcome"] == "aborted"]


def test_cells_lists_what_reported(rest, shift_hour):
    records, _ = shift_hour
    cells = {c["cell"]: c for c in rest["read"].json("/api/v1/cells")["cells"]}
    cell = cells["cell-21"]
    assert (cell["plant"], cell["line"], cell["robots"], cell["stations"]) == ("leipzig", "final-2", ["left", "right"],
                                                                              ["nut_install"])
    newest = max(datetime.fromisoformat(r["ended_at"].replace("Z", "+00:00")) for r in records)
    assert datetime.fromisoformat(cell["last_cycle_at"].replace("Z", "+00:00")) >= newest


def test_inputs_in_other_offsets_and_uppercase_ids_are_normalised(rest):
    record = cycle(SHIFT_START, 70_000, cell="cell-25", cycle_id=str(uuid.uuid4()).upper())
    record["started_at"] = "2026-11-20T07:00:00+01:00"
    record["ended_at"] = "2026-11-20T07:01:10+01:00"
    response = rest["write"].post_cycles([record])
    assert (response.status_code, response.json()) == (200, {"accepted": 1, "duplicates": 0}), response.text
    stored = rest["read"].json("/api/v1/cycles", cell="cell-25")["cycles"]
    assert len(stored) == 1
    assert stored[0]["cycle_id"] == record["cycle_id"].lower()
    assert (stored[0]["started_at"], stored[0]["ended_at"]) == ("2026-11-20T06:00:00.000Z", "2026-11-20T06:01:10.000Z")
    lower = {**record, "cycle_id": record["cycle_id"].lower()}
    response = rest["write"].post_cycles([lower])
    assert response.json() == {"accepted": 0, "duplicates": 1}


# --- shift calendar ---------------------------------------------------------------------------------

EARLY_AND_LATE = {"from": "2026-11-20T05:00:00Z", "to": "2026-11-20T21:00:00Z"}


def test_shift_calendar_buckets_and_plans_breaks(tmp_path, backend):
    plant_file = tmp_path / "plant.yaml"
    plant_file.write_text(PLANT_FILE_BERLIN)
    server = YieldServer(tmp_path, extra=["--plant-config", str(plant_file), *backend])
    try:
        writer = RestClient(server.base_url, server.tokens.write)
        reader = RestClient(server.base_url, server.tokens.read)
        early = ten_cycles("cell-31")  # 06:00 UTC = 07:00 in Berlin
        late_start = datetime(2026, 11, 20, 13, 30, tzinfo=timezone.utc)  # 14:30 in Berlin
        late = [cycle(late_start + timedelta(seconds=80 * i), 70_000 + 3_000 * i, cell="cell-31") for i in range(3)]
        assert writer.post_cycles(early + late).json() == {"accepted": 13, "duplicates": 0}
        fault = state_event("cell-31", "fault", SHIFT_START + timedelta(minutes=10),
                            SHIFT_START + timedelta(minutes=15))
        assert writer.post_state_events([fault]).json() == {"accepted": 1, "duplicates": 0}

        rows = reader.json("/api/v1/yield", **EARLY_AND_LATE, cell="cell-31", group_by="shift")["rows"]
        assert [(row["bucket_start"], row["shift"]) for row in rows] == [
            ("2026-11-20T05:00:00.000Z", "early"), ("2026-11-20T13:00:00.000Z", "late")]
        assert kpis(rows[0]) == approx_row(expected_yield_row(early))
        assert kpis(rows[1]) == approx_row(expected_yield_row(late))

        oee = reader.json("/api/v1/oee", **EARLY_AND_LATE, cell="cell-31", group_by="shift,cell")["rows"]
        assert [(row["shift"], row["cell"]) for row in oee] == [("early", "cell-31"), ("late", "cell-31")]
        # Planned: 8 h minus the breaks (45 min early, 30 min late); the 5 min fault is downtime.
        for row, planned_s, downtime_s, records in ((oee[0], 8 * 3600 - 45 * 60, 300, early),
                                                    (oee[1], 8 * 3600 - 30 * 60, 0, late)):
            judged = [r for r in records if r["outcome"] != "aborted"]
            good = sum(1 for r in records if r["outcome"] == "ok")
            run_s = planned_s - downtime_s
            availability, performance = run_s / planned_s, min(1.0, 76_000 * len(judged) / (run_s * 1000))
            quality = good / len(judged)
            assert {k: v for k, v in row.items() if k not in ("bucket_start", "shift", "cell")} == approx_row({
                "availability": availability, "performance": performance, "quality": quality,
                "oee": availability * performance * quality, "planned_time_s": float(planned_s),
                "run_time_s": float(run_s), "downtime_s": float(downtime_s), "ideal_cycle_ms": 76_000,
                "total_count": len(judged), "good_count": good}), row
    finally:
        code = server.stop()
    assert code == 0, f"yield exited with {code} after SIGTERM\n{server.log()}"


def test_cycles_long_before_and_after_now_are_stored(rest):
    """Backfilled and clock-skewed records land too (PostgreSQL: outside the partitions made ahead)."""
    moments = [datetime(2001, 2, 3, 4, 5, 6, tzinfo=timezone.utc), datetime(2049, 12, 31, 23, 0, tzinfo=timezone.utc)]
    records = [cycle(moment, 70_000, cell="cell-26") for moment in moments]
    response = rest["write"].post_cycles(records)
    assert (response.status_code, response.json()) == (200, {"accepted": 2, "duplicates": 0}), response.text
    for record, moment in zip(records, moments):
        window = {"from": rfc3339(moment), "to": rfc3339(moment + timedelta(days=1))}
        assert [c["cycle_id"] for c in rest["read"].json("/api/v1/cycles", cell="cell-26", **window)["cycles"]] == [
            record["cycle_id"]]
        assert rest["read"].json("/api/v1/yield", cell="cell-26", **window)["rows"][0]["cycles"] == 1


def test_grpc_queries_answer_what_rest_answers(rest, grpc_clients, shift_hour):
    """workcell.yield.v1 offers the same data as REST: rows, Pareto, cells and cycle pages agree."""
    reader, grpc_reader = rest["read"], grpc_clients["read"]
    day = {"from": "2026-11-20T00:00:00Z", "to": "2026-11-21T00:00:00Z"}
    for group_by in ([], ["hour"], ["robot"], ["cell", "station"], ["day", "line", "cell", "robot"]):
        params = {**day, **({"group_by": ",".join(group_by)} if group_by else {})}
        for path, call in (("/api/v1/yield", grpc_reader.query_yield), ("/api/v1/oee", grpc_reader.query_oee)):
            rest_rows = reader.json(path, **params)["rows"]
            grpc_rows = call(day["from"], day["to"], group_by).rows
            assert rest_rows and len(grpc_rows) == len(rest_rows), (path, group_by, rest_rows)
            for rest_row, grpc_row in zip(rest_rows, grpc_rows):
                assert message_as_json(grpc_row, rest_row) == approx_row(rest_row), (path, group_by)
    rest_bars = reader.json("/api/v1/failures/pareto", **day)["failures"]
    assert rest_bars
    grpc_bars = grpc_reader.query_pareto(day["from"], day["to"]).failures
    assert [message_as_json(bar, rest_bars[0]) for bar in grpc_bars] == [approx_row(bar) for bar in rest_bars]
    rest_cells = reader.json("/api/v1/cells")["cells"]
    assert [message_as_json(cell, rest_cells[0]) for cell in grpc_reader.list_cells().cells] == rest_cells

    rest_cycles, _ = reader.all_cycles(limit=4, cell="cell-21")
    grpc_cycles, token = [], ""
    for _ in range(len(rest_cycles)):
        page = grpc_reader.list_cycles(cell="cell-21", limit=4, page_token=token)
        grpc_cycles += [message_as_json(c, CYCLE_FIELDS) for c in page.cycles]
        token = page.next_page_token
        if not token:
            break
    for rest_cycle in rest_cycles:  # proto3 has no null string: REST's null part_serial is "" here
        rest_cycle["part_serial"] = rest_cycle["part_serial"] or ""
    assert grpc_cycles == [approx_row(c) for c in rest_cycles]
