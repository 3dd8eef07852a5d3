"""The yield service's OpenAPI 3.1 document against the live service (issue #3, item 4).

* the served /openapi.yaml is byte for byte Services/yield/YieldService/openapi.yaml and is valid
  OpenAPI 3.1 (openapi-spec-validator) describing every path of docs/yield-api.md;
* every documented operation answers on the live server with a documented status and media type;
* responses over a seeded data set (every group_by dimension, paging, errors) validate against
  their schemas (jsonschema, draft 2020-12 as OpenAPI 3.1 uses);
* schemathesis (its CLI, as a subprocess, bounded examples per operation) finds no 5xx, no
  undocumented status or media type and no schema violation.

    venv=$(scripts/python-env.sh)
    WORKCELL_BIN_DIR=$(swift build --show-bin-path) "$venv/bin/python" -m pytest -q Tests/Interop/test_yield_openapi.py
"""

from __future__ import annotations

import contextlib
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from test_health_interop import BIN_DIR, BIN_DIR_ENV
from yield_client import (
    CYCLE_FIELDS, FAILURE_CODES, OPENAPI_PATH, PLANT_FILE_BERLIN, RestClient, YieldServer, backend_args, cycle,
    rfc3339, state_event,
)

pytestmark = pytest.mark.skipif(
    not BIN_DIR, reason=f"{BIN_DIR_ENV} is not set (point it at `swift build --show-bin-path`)")

# The contract's paths (docs/yield-api.md, the operational endpoints included).
CONTRACT_OPERATIONS = {
    ("post", "/api/v1/cycles"), ("get", "/api/v1/cycles"), ("post", "/api/v1/state-events"),
    ("get", "/api/v1/cells"), ("get", "/api/v1/yield"), ("get", "/api/v1/oee"),
    ("get", "/api/v1/failures/pareto"), ("get", "/api/v1/cycles.csv"), ("get", "/openapi.yaml"),
    ("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics"),
}
ERROR_CODES = {
    "invalid_json", "invalid_record", "batch_too_large", "body_too_large", "unknown_parameter", "invalid_parameter",
    "invalid_range",
    "malformed_page_token", "unauthenticated", "forbidden", "not_found", "database_unavailable", "internal",
}
GROUP_KEYS = {"hour": {"bucket_start"}, "day": {"bucket_start"}, "shift": {"bucket_start", "shift"},
              "cell": {"cell"}, "robot": {"robot"}, "station": {"station"}, "line": {"line"}}
YIELD_KPIS = {"cycles", "ok", "nok", "aborted", "yield", "first_pass_yield", "takt_compliance", "cycle_ms_p50",
              "cycle_ms_p95", "cycle_ms_max"}
OEE_KPIS = {"availability", "performance", "quality", "oee", "planned_time_s", "run_time_s", "downtime_s",
            "ideal_cycle_ms", "total_count", "good_count"}

SEED_START = datetime(2026, 11, 20, 20, 0, tzinfo=timezone.utc)
WINDOW = {"from": "2026-11-20T00:00:00Z", "to": "2026-11-23T00:00:00Z"}
SCHEMATHESIS_MAX_EXAMPLES = 50
SCHEMATHESIS_DEADLINE_S = 300


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(OPENAPI_PATH.read_text())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request):
    with contextlib.ExitStack() as stack:
        yield backend_args(request.param, stack)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, backend):
    """A running service (SQLite, then PostgreSQL) holding a small plant: 2 lines, 3 cells, 2 robots,
    2 stations, 2 days, and a Berlin shift calendar."""
    work_dir = tmp_path_factory.mktemp("yield-openapi")
    plant_file = work_dir / "plant.yaml"
    plant_file.write_text(PLANT_FILE_BERLIN)  # shift rows with names, and a null row for the night gap
    server = YieldServer(work_dir, extra=["--plant-config", str(plant_file), *backend])
    try:
        writer = RestClient(server.base_url, server.tokens.write)
        rng = random.Random(20261125)
        records, events = [], []
        for index in range(60):
            cell = ["cell-07", "cell-08", "cell-09"][index % 3]
            outcome = rng.choice(["ok", "ok", "ok", "nok", "aborted"])
            records.append(cycle(
                SEED_START + timedelta(minutes=37 * index), rng.randrange(60_000, 90_000), outcome,
                attempts=rng.choice([1, 1, 2, 3]), failure_code="" if outcome == "ok" else rng.choice(FAILURE_CODES),
                cell=cell, line="final-2" if cell != "cell-09" else "final-3", robot=rng.choice(["left", "right"]),
                station=rng.choice(["nut_install", "front_logo"]),
                part_serial=f"WBA-{index:05d}" if index % 2 else None,
                torque_nm=None if outcome == "aborted" else round(rng.uniform(10, 14), 2),
                angle_deg=None if outcome == "aborted" else round(rng.uniform(380, 430), 1)))
        for cell in ("cell-07", "cell-08"):
            events.append(state_event(cell, "fault", SEED_START + timedelta(hours=1),
                                      SEED_START + timedelta(hours=1, minutes=9), reason="feeder_jam"))
            events.append(state_event(cell, "planned_stop", SEED_START + timedelta(hours=4),
                                      SEED_START + timedelta(hours=4, minutes=30), reason="shift_break"))
            events.append(state_event(cell, "starved", SEED_START + timedelta(hours=7),
                                      SEED_START + timedelta(hours=7, minutes=3), robot="left", reason="no_body"))
        response = writer.post_cycles(records)
        assert response.status_code == 200, f"seeding cycles: HTTP {response.status_code} {response.text[:1000]}"
        response = writer.post_state_events(events)
        assert response.status_code == 200, f"seeding state events: HTTP {response.status_code} {response.text[:1000]}"
        yield server, records
    finally:
        code = server.stop()
    assert code == 0, f"yield exited with {code} after SIGTERM\n{server.log()}"


# --- helpers ----------------------------------------------------------------------------------------


def validator(spec: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A draft 2020-12 validator for `schema`, with the document's components reachable by $ref."""
    return Draft202012Validator({**schema, "components": spec["components"]},
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        parts = node["$ref"].removeprefix("#/").split("/")
        node = spec
        for part in parts:
            node = node[part]
    return node


def operation_responses(spec: dict[str, Any], method: str, path: str) -> dict[str, dict[str, Any]]:
    return {status: resolve(spec, response) for status, response in spec["paths"][path][method]["responses"].items()}


def check_response(spec: dict[str, Any], method: str, path: str, response: requests.Response) -> Any:
    """The status and media type are documented and a JSON body matches its schema; returns the body."""
    what = f"{method.upper()} {path} ({response.request.url})"
    documented = operation_responses(spec, method, path)
    status = str(response.status_code)
    assert status in documented, (
        f"{what}: HTTP {status} is not documented ({sorted(documented)}): {response.text[:500]}")
    content = documented[status].get("content", {})
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if not content:
        return None
    assert media_type in content, f"{what}: HTTP {status} with Content-Type {media_type!r}, documented {list(content)}"
    for name, header in documented[status].get("headers", {}).items():
        if header.get("required"):
            assert name in response.headers, f"{what}: HTTP {status} without the required header {name}"
            errors = sorted(validator(spec, header["schema"]).iter_errors(response.headers[name]), key=str)
            assert not errors, f"{what}: header {name}: {errors[0].message}"
    if media_type != "application/json":
        return response.text
    body = response.json()
    errors = sorted(validator(spec, content[media_type]["schema"]).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, (f"{what}: HTTP {status} body does not match its schema: "
                        + "; ".join(f"at {list(e.absolute_path)}: {e.message}" for e in errors[:5])
                        + f"\nbody: {response.text[:1500]}")
    return body


# --- the document -----------------------------------------------------------------------------------


def test_document_is_openapi_31_and_covers_the_contract(spec):
    validate_openapi(spec)
    assert spec["openapi"].startswith("3.1."), spec["openapi"]
    documented = {(method, path) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert documented == CONTRACT_OPERATIONS, (
        f"missing {sorted(CONTRACT_OPERATIONS - documented)}, extra {sorted(documented - CONTRACT_OPERATIONS)}")
    error_codes = spec["components"]["schemas"]["ErrorResponse"]["properties"]["error"]["properties"]["code"]["enum"]
    assert set(error_codes) == ERROR_CODES
    assert spec["components"]["schemas"]["FailureCode"]["enum"] == FAILURE_CODES
    assert spec["components"]["schemas"]["Cycle"]["required"] == CYCLE_FIELDS
    assert list(spec["components"]["schemas"]["Cycle"]["properties"]) == CYCLE_FIELDS
    for method, path in sorted(CONTRACT_OPERATIONS):
        operation = spec["paths"][path][method]
        for status, response in operation_responses(spec, method, path).items():
            for media_type, content in response.get("content", {}).items():
                if "example" in content and media_type == "application/json":
                    errors = list(validator(spec, content["schema"]).iter_errors(content["example"]))
                    assert not errors, f"{method} {path} {status}: example: {errors[0].message}"
        if "requestBody" in operation:
            content = operation["requestBody"]["content"]["application/json"]
            errors = list(validator(spec, content["schema"]).iter_errors(content["example"]))
            assert not errors, f"{method} {path} request example: {errors[0].message}"
        if path.startswith("/api/v1/"):
            scope = "write" if method == "post" else "read"
            assert operation.get("security", spec["security"]) == [{"bearerAuth": [scope]}], (method, path)
            assert {"400", "401", "403", "500", "503"} <= set(operation["responses"]), (method, path)
        elif path in ("/healthz", "/readyz"):
            assert operation["security"] == [], path
        else:
            assert {} in operation["security"] and {"bearerAuth": ["read"]} in operation["security"], path


def test_served_document_is_the_repo_file(seeded):
    server, _ = seeded
    response = requests.get(f"{server.base_url}/openapi.yaml", timeout=10)
    assert response.status_code == 200, f"/openapi.yaml: HTTP {response.status_code}"
    assert response.headers.get("Content-Type", "").split(";")[0] == "application/yaml", response.headers
    assert response.content == OPENAPI_PATH.read_bytes(), "the served /openapi.yaml differs from the repo's file"


# --- the live server --------------------------------------------------------------------------------


def example_request(spec: dict[str, Any], method: str, path: str) -> tuple[dict[str, str], Any]:
    """Query parameters (required ones only, from their examples) and the documented example body."""
    operation = spec["paths"][path][method]
    params = {}
    for parameter in (resolve(spec, p) for p in operation.get("parameters", [])):
        if parameter.get("required"):
            params[parameter["name"]] = parameter["example"]
    body = None
    if "requestBody" in operation:
        body = operation["requestBody"]["content"]["application/json"]["example"]
    return params, body


def test_every_documented_operation_answers(spec, seeded):
    server, _ = seeded
    client = RestClient(server.base_url, server.tokens.read_write)
    for path, item in spec["paths"].items():
        for method in item:
            params, body = example_request(spec, method, path)
            if method == "get":
                response = client.get(path, **params)
            else:
                response = client.post(path, body)
            check_response(spec, method, path, response)
            assert response.status_code == 200, (
                f"{method.upper()} {path}: HTTP {response.status_code} {response.text[:500]}")


def test_seeded_responses_match_their_schemas(spec, seeded):
    server, records = seeded
    client = RestClient(server.base_url, server.tokens.read)

    def get(path: str, **params: Any) -> Any:
        response = client.get(path, **params)
        body = check_response(spec, "get", path, response)
        assert response.status_code == 200, f"GET {path} {params}: HTTP {response.status_code} {response.text[:500]}"
        return body

    cells = get("/api/v1/cells")["cells"]
    assert sorted(c["cell"] for c in cells) == ["cell-07", "cell-08", "cell-09"]

    groupings = [[], ["hour"], ["day"], ["cell"], ["robot"], ["station"], ["line"], ["cell", "robot"],
                 ["day", "cell", "station"], ["line", "cell", "robot", "station"]]
    groupings += [["shift"], ["shift", "cell"], ["shift", "hour"], ["shift", "day", "line"]]
    shifts = {row["shift"] for row in get("/api/v1/yield", **WINDOW, group_by="shift")["rows"]}
    assert shifts == {"early", "late", None}, shifts  # None: the cycles between 22:00 and 06:00 in Berlin
    for group_by in groupings:
        params = {**WINDOW, **({"group_by": ",".join(group_by)} if group_by else {})}
        keys = set().union(*(GROUP_KEYS[g] for g in group_by))
        for path, kpis, field in (("/api/v1/yield", YIELD_KPIS, "rows"), ("/api/v1/oee", OEE_KPIS, "rows")):
            rows = get(path, **params)[field]
            # Without a shift calendar OEE has no shift buckets; every other grouping has rows.
            assert rows or (path == "/api/v1/oee" and "shift" in group_by), f"GET {path} {params}: no rows"
            for row in rows:
                assert set(row) == keys | kpis, (
                    f"GET {path} {params}: row keys {sorted(row)}, expected {sorted(keys | kpis)}")
    for tz in ("Europe/Berlin", "America/Chicago", "Asia/Kolkata"):
        get("/api/v1/yield", **WINDOW, group_by="day", tz=tz)
        get("/api/v1/oee", **WINDOW, group_by="hour", tz=tz)
    get("/api/v1/yield", **WINDOW, cell="no-such-cell")
    get("/api/v1/oee", **WINDOW, line="final-3")

    pareto = get("/api/v1/failures/pareto", **WINDOW)["failures"]
    assert sum(bar["count"] for bar in pareto) == sum(1 for r in records if r["outcome"] != "ok")
    get("/api/v1/failures/pareto", **WINDOW, cell="cell-08", station="front_logo")

    seen, token = [], None
    for _ in range(len(records)):
        page = get("/api/v1/cycles", limit=7, **WINDOW, **({"page_token": token} if token else {}))
        seen += page["cycles"]
        token = page.get("next_page_token")
        if token is None:
            break
    assert sorted(c["cycle_id"] for c in seen) == sorted(r["cycle_id"] for r in records)
    get("/api/v1/cycles", cell="cell-09", robot="left", station="nut_install", outcome="nok",
        failure_code="grip_slip", limit=10000)
    csv_text = get("/api/v1/cycles.csv", **WINDOW)
    assert csv_text.splitlines()[0] == ",".join(CYCLE_FIELDS)
    assert len(csv_text.splitlines()) == len(records) + 1


def test_error_responses_match_their_schema(spec, seeded):
    server, _ = seeded
    reader = RestClient(server.base_url, server.tokens.read)
    writer = RestClient(server.base_url, server.tokens.write)
    anonymous = RestClient(server.base_url, None)
    stranger = RestClient(server.base_url, server.tokens.unknown)
    good = cycle(SEED_START, 70_000)
    cases = [
        # (client, method, path, params or body, status, code)
        (reader, "get", "/api/v1/yield", {"to": WINDOW["to"]}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/oee", {"from": WINDOW["from"]}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/failures/pareto", {}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/yield", {"from": WINDOW["to"], "to": WINDOW["from"]}, 400, "invalid_range"),
        (reader, "get", "/api/v1/oee", {"from": WINDOW["from"], "to": WINDOW["from"]}, 400, "invalid_range"),
        (reader, "get", "/api/v1/failures/pareto", {"from": "2025-01-01T00:00:00Z", "to": "2026-02-06T00:00:00Z"},
         400, "invalid_range"),
        (reader, "get", "/api/v1/cycles", {"from": WINDOW["to"], "to": WINDOW["from"]}, 400, "invalid_range"),
        (reader, "get", "/api/v1/yield", {**WINDOW, "colour": "red"}, 400, "unknown_parameter"),
        (reader, "get", "/api/v1/cycles", {"cel": "cell-07"}, 400, "unknown_parameter"),
        (reader, "get", "/api/v1/cells", {"limit": "3"}, 400, "unknown_parameter"),
        (reader, "get", "/api/v1/yield", {**WINDOW, "group_by": "week"}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/yield", {**WINDOW, "tz": "Mars/Olympus_Mons"}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/yield", {"from": "yesterday", "to": WINDOW["to"]}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/cycles", {"limit": "0"}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/cycles", {"limit": "10001"}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/cycles", {"outcome": "good"}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/cycles.csv", {"failure_code": "gremlins"}, 400, "invalid_parameter"),
        (reader, "get", "/api/v1/cycles", {"page_token": "not-a-token"}, 400, "malformed_page_token"),
        (anonymous, "get", "/api/v1/cycles", {}, 401, "unauthenticated"),
        (stranger, "get", "/api/v1/yield", WINDOW, 401, "unauthenticated"),
        (anonymous, "post", "/api/v1/cycles", {"cycles": [good]}, 401, "unauthenticated"),
        (writer, "get", "/api/v1/cells", {}, 403, "forbidden"),
        (reader, "post", "/api/v1/cycles", {"cycles": [good]}, 403, "forbidden"),
        (reader, "post", "/api/v1/state-events", {"events": []}, 403, "forbidden"),
        (writer, "post", "/api/v1/cycles", {"cycles": [{**good, "cycle_ms": -5}]}, 400, "invalid_record"),
        (writer, "post", "/api/v1/cycles", {"records": [good]}, 400, "invalid_json"),
        (writer, "post", "/api/v1/cycles", [good], 400, "invalid_json"),
        (writer, "post", "/api/v1/state-events",
         {"events": [state_event("cell-07", "lunch", SEED_START, SEED_START)]}, 400, "invalid_record"),
    ]
    for client, method, path, payload, status, code in cases:
        response = client.get(path, **payload) if method == "get" else client.post(path, payload)
        what = f"{method.upper()} {path} {payload if method == 'get' else ''}".strip()
        assert response.status_code == status, (
            f"{what}: HTTP {response.status_code} (expected {status}) {response.text[:500]}")
        body = check_response(spec, method, path, response)
        assert body["error"]["code"] == code, f"{what}: error code {body['error']['code']!r}, expected {code!r}"
        assert body["error"]["message"], f"{what}: empty message"
        assert ("details" in body["error"]) == (code == "invalid_record"), (
            f"{what}: details only on invalid_record: {body}")
    response = writer.session.post(f"{server.base_url}/api/v1/cycles", data=b"{not json",
                                   headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 400, f"HTTP {response.status_code} {response.text[:500]}"
    assert check_response(spec, "post", "/api/v1/cycles", response)["error"]["code"] == "invalid_json"


def test_protected_metrics_and_openapi(spec, tmp_path):
    server = YieldServer(tmp_path, extra=["--protect-metrics", "--protect-openapi"])
    try:
        for path in ("/metrics", "/openapi.yaml"):
            for token, status in ((None, 401), (server.tokens.unknown, 401), (server.tokens.write, 403),
                                  (server.tokens.read, 200), (server.tokens.read_write, 200)):
                response = RestClient(server.base_url, token).get(path)
                assert response.status_code == status, f"GET {path} with {token}: HTTP {response.status_code}"
                check_response(spec, "get", path, response)
        for path in ("/healthz", "/readyz"):
            response = RestClient(server.base_url, None).get(path)
            assert response.status_code == 200, f"GET {path}: HTTP {response.status_code}"
            check_response(spec, "get", path, response)
    finally:
        code = server.stop()
    assert code == 0, f"yield exited with {code} after SIGTERM\n{server.log()}"


# --- schemathesis -----------------------------------------------------------------------------------


def test_schemathesis_finds_no_server_errors_or_schema_violations(seeded, tmp_path):
    server, _ = seeded
    executable = Path(sys.executable).parent / "schemathesis"
    assert executable.is_file(), f"{executable} missing: is Tests/Interop/requirements.txt installed?"
    argv = [
        str(executable), "run", f"{server.base_url}/openapi.yaml",
        # Not checked: positive_data_acceptance (cross-field rules such as ended_at >= started_at
        # are not expressible in the schema), negative_data_rejection (an empty query value counts
        # as absent, e.g. `to=`), unsupported_method (the router answers 404, not 405, to TRACE).
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                    "response_headers_conformance,response_schema_conformance,ignored_auth",
        "--header", f"Authorization: Bearer {server.tokens.read_write}",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(SCHEMATHESIS_MAX_EXAMPLES),
        "--seed", "20261125",
        "--workers", "1",
        "--request-timeout", "30",
        "--generation-database", "none",
        "--report", "junit", "--report-dir", str(tmp_path / "report"),
        "--no-color",
    ]
    try:
        run = subprocess.run(argv, cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=SCHEMATHESIS_DEADLINE_S)
    except subprocess.TimeoutExpired as error:
        raise AssertionError(f"schemathesis ran longer than {SCHEMATHESIS_DEADLINE_S} s\n{error.stdout}") from None
    output = run.stdout + run.stderr
    assert run.returncode == 0, (
        f"schemathesis exited with {run.returncode}\n{output[-15000:]}\n--- yield log ---\n{server.log()}")
    assert server.process.proc.poll() is None, f"yield died during the schemathesis run\n{server.log()}"
    # Every operation was exercised (schemathesis leaves out the document's own GET /openapi.yaml).
    reports = list((tmp_path / "report").glob("junit*.xml"))
    assert len(reports) == 1, f"no JUnit report from schemathesis\n{output[-3000:]}"
    suite = ElementTree.parse(reports[0]).getroot()
    tested = {case.get("name") for case in suite.iter("testcase")}
    expected = {f"{method.upper()} {path}" for method, path in CONTRACT_OPERATIONS} - {"GET /openapi.yaml"}
    assert tested == expected, f"schemathesis tested {sorted(tested)}"
    assert suite.get("failures") == "0" and suite.get("errors") == "0", output[-15000:]
