"""The fault suite (issue #20 item 3; docs/reliability.md, "The fault suite").

The fleet runs as a plant splits it — every service its own `workcell serve --target <service>`
process, cell-sim as the world and its PLCs on the wall clock, one robot, yield on PostgreSQL —
and produces. Yield lives in a network namespace of its own, joined to the rest by a veth pair
this script creates (the test's own private /30; nothing leaves the machine), so the link between
the cell and the plant server can be cut. Then, one after the other:

* each service (policy, perception, control, plc-bridge, cell, yield) is killed with SIGKILL mid-
  cycle and restarted after a while;
* PostgreSQL is restarted (fast shutdown: yield's sessions are cut);
* the cell is cut off from yield (the veth's far end goes down: packets vanish, no reset) and the
  link comes back.

For each fault it records what the cell did (the cycle in flight, whether the robot held or
faulted), the NOK records the fault itself caused (there should be none: an outage is downtime,
not bad parts), whether the cell came back by itself or needed the operator's Start (control and
plc-bridge are safety events, docs/cell.md), and how long production was interrupted. At the
end every record the cell logged ("cycle recorded", "... stored as aborted (cell_restart)") is
looked up in PostgreSQL: none lost, none twice.

    python Tests/Interop/chaos.py --bin-dir .build/release --postgres-dsn DSN [--short] [--report F]
    scripts/chaos.sh             # builds, starts PostgreSQL, runs it, rewrites docs/reliability.md's table

Needs root (network namespaces) and the interop venv (grpcio, grpcio-tools).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import compile_workcell_api  # noqa: E402
from test_cell_command import wait_for  # noqa: E402
from test_health_interop import CHANNEL_OPTIONS, FLEET_ORDER, HOST, free_port_bases, free_ports  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# The failure codes a NOK record would carry if the fault itself had made it (an outage turned into
# a bad part); yield, PostgreSQL and the partition are not in a cycle's path, so any NOK there
# is the cycle's own. NOKs in a fault's window with other codes are listed apart.
CAUSED_CODES = {"policy": {"policy_timeout"}, "perception": {"vision_lost"}, "control": {"control_fault"},
                "plc-bridge": {"plc_fault", "estop", "feeder_timeout", "fixture_timeout"}, "cell": {"cell_restart"}}
STATUS_DEADLINE_S = 10


class ChaosError(Exception):
    """The suite could not set up or drive the fleet (not a finding about the fleet)."""


def run(*argv: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if check and done.returncode != 0:
        raise ChaosError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip() or done.stdout.strip()}")
    return done


class PlantLink:
    """A network namespace for the plant server (yield), joined to the host by a veth pair with
    a private /30 of its own. `cut()` takes the far end down: packets to yield vanish (no RST, as
    when a switch between cell and server fails); `heal()` brings it back."""

    def __init__(self) -> None:
        tag = f"{os.getpid() % 100000}"
        self.namespace, self.near, self.far = f"wc-chaos-{tag}", f"wcc{tag}a", f"wcc{tag}b"
        octet = 16 + os.getpid() % 200
        self.near_ip, self.far_ip = f"10.213.{octet}.1", f"10.213.{octet}.2"

    def __enter__(self) -> "PlantLink":
        run("ip", "netns", "add", self.namespace)
        try:
            run("ip", "link", "add", self.near, "type", "veth", "peer", "name", self.far)
            run("ip", "link", "set", self.far, "netns", self.namespace)
            run("ip", "addr", "add", f"{self.near_ip}/30", "dev", self.near)
            run("ip", "link", "set", self.near, "up")
            self.inside("ip", "addr", "add", f"{self.far_ip}/30", "dev", self.far)
            self.inside("ip", "link", "set", self.far, "up")
            self.inside("ip", "link", "set", "lo", "up")
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_) -> None:
        run("ip", "link", "del", self.near, check=False)
        run("ip", "netns", "del", self.namespace, check=False)

    def inside(self, *argv: str) -> subprocess.CompletedProcess:
        return run("ip", "netns", "exec", self.namespace, *argv)

    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.namespace]

    def cut(self) -> None:
        self.inside("ip", "link", "set", self.far, "down")

    def heal(self) -> None:
        self.inside("ip", "link", "set", self.far, "up")


@dataclass
class FaultResult:
    fault: str
    injected_at_s: float
    down_s: float
    in_flight: str = ""              # the cycle under way when it struck: its record, or "none"
    robot: str = ""                  # what the robot did meanwhile: held / faulted / produced on
    nok_caused: int = 0              # NOK records in the fault's window with the code the fault would cause
    nok_other: list[str] = field(default_factory=list)  # other NOK records' codes in the window (the cycles' own)
    aborted: list[str] = field(default_factory=list)  # aborted records' failure codes in the window
    cycles_during: int = 0           # records of cycles that started while the fault lasted
    back_by: str = ""                # "itself" or "operator Start"
    recovered_s: float | None = None  # from the repair (or the operator's Start) to the next cycle under way
    backlog_cleared_s: float | None = None  # from the same moment until yield holds every record
    notes: list[str] = field(default_factory=list)


class ChaosFleet:
    """Seven `workcell serve --target X` processes on one port plan; yield in `link`'s namespace."""

    def __init__(self, work: Path, bin_dir: Path, postgres_dsn: str, link: PlantLink, api) -> None:
        self.work, self.bin_dir, self.link, self.api = work, bin_dir, link, api
        grpc_base, http_base = free_port_bases(len(FLEET_ORDER), 2)
        plc_base, bus_port = free_ports(2)
        self.address = {name: f"{HOST}:{grpc_base + FLEET_ORDER.index(name)}" for name in FLEET_ORDER}
        self.address["yield"] = f"{link.far_ip}:{grpc_base + FLEET_ORDER.index('yield')}"
        self.yield_http = f"http://{link.far_ip}:{http_base + FLEET_ORDER.index('yield')}"
        self.env = {
            **os.environ, "WORKCELL_SIM_PLC_PORT_BASE": str(plc_base), "WORKCELL_SIM_JOINT_BUS_PORT": str(bus_port),
            "WORKCELL_SIM_SIDES": "left", "WORKCELL_YIELD_POSTGRES_DSN": postgres_dsn,
            "WORKCELL_CELL_OUTBOX": str(work / "outbox.sqlite"), "WORKCELL_CELL_EPISODES": "off",
            "WORKCELL_POLICY_PLANNER": "scripted", "WORKCELL_CELL_POLICY": self.address["policy"],
            "WORKCELL_POLICY_MODEL": str(REPO / "models" / "policy" / "wc-mlp-2.safetensors"),
            "WORKCELL_CELL_PERCEPTION": self.address["perception"], "WORKCELL_CELL_PLC_BRIDGE": self.address["plc-bridge"],
            "WORKCELL_CELL_YIELD": self.address["yield"], "WORKCELL_CELL_SIM": self.address["cell-sim"],
            "WORKCELL_CELL_ROBOTS": "left=left", "WORKCELL_CELL_CONTROL": f"left={self.address['control']}",
            "WORKCELL_PERCEPTION_SENSORS": self.address["cell-sim"],
            # What `workcell serve` wires when these share a process: control on cell-sim's joint
            # bus and fed the safety chain by plc-bridge, plc-bridge on cell-sim's simulated PLCs.
            "WORKCELL_CONTROL_JOINT_BUS": f"{HOST}:{bus_port}", "WORKCELL_CONTROL_PLC_BRIDGE": self.address["plc-bridge"],
            "WORKCELL_PLC_FEEDERS": f"left={HOST}:{plc_base}/1", "WORKCELL_PLC_FIXTURES": f"left={HOST}:{plc_base}/2"}
        self.base = ["serve", "--grpc-port-base", str(grpc_base), "--http-port-base", str(http_base), "--log-format", "json"]
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, object] = {}
        self.started = time.monotonic()

    # --- processes -------------------------------------------------------------------------------

    def log_path(self, name: str) -> Path:
        return self.work / f"{name}.log"

    def start(self, name: str) -> None:
        argv = [str(self.bin_dir / "workcell"), *self.base, "--target", name]
        env = dict(self.env)
        if name == "yield":
            # The plant server, in its own namespace: its address is the veth's far end (plaintext
            # on purpose here — docs/security.md; --insecure is what development runs take).
            argv = self.link.prefix() + argv + ["--host", self.link.far_ip]
            env["WORKCELL_INSECURE"] = "1"
        else:
            argv += ["--host", HOST]
        log = self.logs.get(name) or open(self.log_path(name), "ab")
        self.logs[name] = log
        self.processes[name] = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                                env=env, cwd=self.work)

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def start_all(self) -> None:
        for name in FLEET_ORDER:
            self.start(name)
        self.wait(lambda: self.status() is not None, "the cell answering status", 60)
        import grpc

        with grpc.insecure_channel(self.address["cell-sim"], options=CHANNEL_OPTIONS) as channel:
            sim = self.api.sim_pb2_grpc.SimControlStub(channel)
            deadline = time.monotonic() + 60
            while True:
                try:
                    sim.Reset(self.api.sim_pb2.ResetRequest(seed=7, config=self.api.sim_pb2.SimConfig(
                        robot_count=1, target_real_time_factor=1.0)), timeout=30)
                    break
                except grpc.RpcError as error:
                    if time.monotonic() > deadline:
                        raise ChaosError(f"cell-sim Reset failed: {error}") from error
                    time.sleep(0.5)

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for log in self.logs.values():
            log.close()

    # --- the cell, as an operator sees it ------------------------------------------------------------

    def cell(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin_dir / "workcell"), "cell", *args, "--address", self.address["cell"]],
                              capture_output=True, text=True, timeout=STATUS_DEADLINE_S + 5, stdin=subprocess.DEVNULL)

    def status(self) -> dict | None:
        try:
            done = self.cell("status", "--json")
        except subprocess.TimeoutExpired:
            return None
        if done.returncode != 0:
            return None
        try:
            return json.loads(done.stdout)["robots"][0]
        except (ValueError, KeyError, IndexError):
            return None

    def operator_start(self, deadline_s: float = 60) -> None:
        """The operator's Start, pressed again while the cell refuses it (e.g. the safety chain
        not reported closed yet after a restart)."""
        end = time.monotonic() + deadline_s
        while True:
            done = self.cell("start")
            if done.returncode == 0:
                return
            if time.monotonic() > end:
                raise ChaosError(f"workcell cell start refused for {deadline_s:g} s: {done.stderr}{done.stdout}")
            time.sleep(1)

    @staticmethod
    def wait(check, what: str, deadline_s: float):
        try:
            return wait_for(check, what, deadline_s)
        except AssertionError as error:
            raise ChaosError(str(error).strip()) from None

    def cycle_under_way(self, after: set[str]) -> dict | None:
        """The robot's status once it works on a cycle past the feeder that is not in `after`."""
        robot = self.status()
        if robot and robot.get("run_state") == "running" and robot.get("cycle_id") and robot["cycle_id"] not in after \
                and robot.get("step") not in ("", "request_part"):
            return robot
        return None

    # --- records ---------------------------------------------------------------------------------------

    def cell_records(self) -> list[dict]:
        """Every record the cell kept, from its log: cycles it finished and interrupted ones it stored."""
        records = []
        for line in self.log_path("cell").read_text(errors="replace").splitlines():
            if '"cycle_id"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            message, meta = entry.get("msg", ""), entry.get("metadata", entry)
            if message == "cycle recorded":
                records.append({"cycle_id": meta["cycle_id"], "outcome": meta["outcome"],
                                "failure_code": meta.get("failure_code", "")})
            elif message.startswith("cycle interrupted by a restart"):
                records.append({"cycle_id": meta["cycle_id"], "outcome": "aborted", "failure_code": "cell_restart"})
        return records


class Postgres:
    """psql against the suite's database (over its Unix socket, as yield reaches it)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    def rows(self, sql: str) -> list[list[str]]:
        done = run("psql", "-X", "-q", "-tA", "-F", "\t", self.dsn, "-c", sql, check=False)
        if done.returncode != 0:
            return []
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def cycles(self) -> dict[str, tuple[str, str]]:
        return {r[0]: (r[1], r[2]) for r in self.rows(
            "select cycle_id, outcome, coalesce(failure_code, '') from cycles")}


def control_stop(fleet: ChaosFleet, since: datetime) -> str:
    """From control's log after `since`: how long after it lost plc-bridge's safety stream its
    stop began and the robot stood still (the log's millisecond stamps; a tick is 1 ms)."""
    lost = began = still = None
    for line in fleet.log_path("control").read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
            at = datetime.fromisoformat(entry["ts"].replace("Z", "+00:00"))
        except (ValueError, KeyError):
            continue
        if at < since:
            continue
        if lost is None and entry.get("msg", "").startswith("safety input lost"):
            lost = at
        elif lost and began is None and entry.get("msg") == "mode changed" and entry.get("to") == "stopping":
            began = at
        elif began and still is None and entry.get("msg") == "mode changed" and entry.get("to") == "stopped":
            still = at
    if not (lost and began):
        return "control's log shows no stop after the safety stream was lost"
    ms = lambda a, b: round((b - a).total_seconds() * 1000)  # noqa: E731
    return (f"control began its category-1 stop {ms(lost, began)} ms after losing plc-bridge's safety stream"
            + (f", standstill after {ms(lost, still)} ms" if still else "") + " (its log's ms stamps)")


def inject(fleet: ChaosFleet, db: Postgres, fault: str, down_s: float, restart_postgres) -> FaultResult:
    """One fault, from a cycle under way to production again; returns what happened."""
    before = db.cycles()
    under_way = fleet.wait(lambda: fleet.cycle_under_way(set()), "a cycle under way before the fault", 90)
    result = FaultResult(fault=fault, injected_at_s=round(time.monotonic() - fleet.started, 1), down_s=down_s)
    in_flight = under_way["cycle_id"]
    struck, struck_at = time.monotonic(), datetime.now(timezone.utc) - timedelta(milliseconds=5)
    if fault in ("policy", "perception", "control", "plc-bridge", "cell", "yield"):
        fleet.kill(fault)
    elif fault == "postgres":
        restart_postgres()
    elif fault == "partition":
        fleet.link.cut()
    else:
        raise ChaosError(f"unknown fault {fault}")

    # While it lasts: what does the robot do?
    seen_states, started_during, holding = set(), set(), False
    while time.monotonic() - struck < down_s:
        robot = fleet.status() if fault != "cell" else None
        if robot:
            seen_states.add(robot.get("run_state", ""))
            holding = holding or "unavailable" in json.dumps(robot.get("safety", {}))
            if robot.get("cycle_id") and robot["cycle_id"] != in_flight:
                started_during.add(robot["cycle_id"])
        time.sleep(0.3)
    repaired = time.monotonic()
    if fault in ("policy", "perception", "control", "plc-bridge", "cell", "yield"):
        fleet.start(fault)
    elif fault == "partition":
        fleet.link.heal()
    if fault == "cell":
        result.robot = "process gone"
    elif "faulted" in seen_states:
        result.robot = "faulted (safety stop)"
    elif holding and not started_during:
        result.robot = "held (no new part)"
    else:
        result.robot = "produced on" + (f" ({len(started_during)} cycles started)" if started_during else "")

    # Back in production: by itself, or after the operator's Start (then timed from the Start).
    # A robot that produced on through the fault never stopped: nothing to recover.
    fleet.wait(lambda: fleet.status() is not None, "the cell answering after the repair", 60)
    known = set(before) | {in_flight} | started_during
    produced_on = result.robot.startswith("produced on")
    if produced_on:
        known = set(before) | {in_flight}
    try:
        resumed = fleet.wait(lambda: fleet.cycle_under_way(known), "production by itself", 20)
        result.back_by = "itself"
        since = repaired
    except ChaosError:
        since = time.monotonic()
        fleet.operator_start()
        resumed = fleet.wait(lambda: fleet.cycle_under_way(known), "production after the operator's Start", 60)
        result.back_by = "operator Start"
    result.recovered_s = 0.0 if produced_on else round(time.monotonic() - since, 1)
    if produced_on:
        result.back_by = "never stopped"

    # Every record of the cycles before the next one is in yield.
    next_cycle = resumed["cycle_id"]
    def delivered():
        stored = db.cycles()
        mine = {r["cycle_id"] for r in fleet.cell_records()}
        return stored if mine <= set(stored) else None
    after = fleet.wait(delivered, "yield holding every record the cell kept", 90)
    result.backlog_cleared_s = round(time.monotonic() - since, 1)
    new = {cid: v for cid, v in after.items() if cid not in before and cid != next_cycle}
    result.in_flight = "/".join(v for v in after.get(in_flight, ("no record", "")) if v)
    result.cycles_during = len(started_during)
    caused = CAUSED_CODES.get(fault, set())
    result.nok_caused = sum(1 for outcome, code in new.values() if outcome == "nok" and code in caused)
    result.nok_other = sorted(code for outcome, code in new.values() if outcome == "nok" and code not in caused)
    result.aborted = sorted(code for outcome, code in new.values() if outcome == "aborted")
    if fault == "plc-bridge":
        result.notes.append(control_stop(fleet, struck_at))
    return result


def run_suite(bin_dir: Path, postgres_dsn: str, pg_dir: str | None, faults: list[str], down_s: float,
              partition_s: float, work: Path, report: Path | None) -> dict:
    (work / "stubs").mkdir(exist_ok=True)
    api = compile_workcell_api(work / "stubs")
    # A database of the run's own: yield's records are exactly this shift's.
    name = f"chaos_{os.getpid()}_{int(time.time())}"
    run("psql", "-X", "-q", postgres_dsn, "-c", f"CREATE DATABASE {name}")
    parts = urllib.parse.urlsplit(postgres_dsn)
    postgres_dsn = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    db = Postgres(postgres_dsn)

    def restart_postgres():
        argv = ["bash", str(REPO / "scripts" / "test-db.sh"), "restart"] + (["--dir", pg_dir] if pg_dir else [])
        run(*argv, timeout=90)

    results: list[FaultResult] = []
    with PlantLink() as link:
        fleet = ChaosFleet(work, bin_dir, postgres_dsn, link, api)
        try:
            fleet.start_all()
            fleet.operator_start()
            fleet.wait(lambda: fleet.cycle_under_way(set()), "the first cycle", 90)
            for fault in faults:
                lasting = partition_s if fault == "partition" else down_s
                print(f"chaos: {fault} for {lasting:g} s …", flush=True)
                result = inject(fleet, db, fault, lasting, restart_postgres)
                print(f"chaos: {fault}: {json.dumps(asdict(result))}", flush=True)
                results.append(result)
            # Let the last cycles land, then compare what the cell kept with what yield holds.
            fleet.cell("stop")
            with contextlib.suppress(ChaosError):
                fleet.wait(lambda: {r["cycle_id"] for r in fleet.cell_records()} <= set(db.cycles())
                           and (fleet.status() or {}).get("run_state") != "running",
                           "the last records in yield after the Stop", 60)
        finally:
            fleet.close()
        kept = fleet.cell_records()
    stored = db.cycles()
    ids = [r["cycle_id"] for r in kept]
    summary = {
        "cell_records": len(kept), "yield_records": len(stored),
        "lost": sorted(set(ids) - set(stored)), "unknown_to_cell": sorted(set(stored) - set(ids)),
        "logged_twice": sorted({i for i in ids if ids.count(i) > 1}),
        "outcomes": {o: sum(1 for v in stored.values() if v[0] == o) for o in ("ok", "nok", "aborted")},
        "faults": [asdict(r) for r in results],
    }
    if report:
        report.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


TABLE_BEGIN, TABLE_END = "<!-- chaos:begin (scripts/chaos.sh writes this table) -->", "<!-- chaos:end -->"
FAULT_NAMES = {
    "policy": "policy killed (SIGKILL)", "perception": "perception killed", "control": "control killed",
    "plc-bridge": "plc-bridge killed", "cell": "cell killed", "yield": "yield killed",
    "postgres": "PostgreSQL restarted (fast)", "partition": "cell cut off from yield (veth down)"}


def down(fault: dict) -> str:
    """How long the fault lasted, as the table shows it (a restart has no set length)."""
    return "—" if fault["fault"] == "postgres" else f"{fault['down_s']:g} s"


def render_table(summary: dict, when: str) -> str:
    """The fault table of docs/reliability.md, from a run's summary."""
    lines = [
        f"Run {when}: {summary['cell_records']} records kept by the cell, {summary['yield_records']} in yield; "
        f"lost {len(summary['lost'])}, unknown to the cell {len(summary['unknown_to_cell'])}, "
        f"logged twice {len(summary['logged_twice'])}.",
        "",
        "| fault | down | cycle in flight | robot meanwhile | NOK from the fault | other NOK in the window | back in production | next cycle after | yield complete after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in summary["faults"]:
        lines.append(
            f"| {FAULT_NAMES.get(f['fault'], f['fault'])} | {down(f)} | {f['in_flight'] or '—'} | {f['robot']} | "
            f"{f['nok_caused']} | {', '.join(f['nok_other']) or '—'} | {f['back_by']} | {f['recovered_s']} s | "
            f"{f['backlog_cleared_s']} s |")
    notes = [f"- {FAULT_NAMES.get(f['fault'], f['fault'])}: {note}" for f in summary["faults"] for note in f["notes"]]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def write_table(path: Path, table: str) -> None:
    text = path.read_text()
    if TABLE_BEGIN not in text or TABLE_END not in text:
        raise ChaosError(f"{path} has no {TABLE_BEGIN} … {TABLE_END} markers")
    head, rest = text.split(TABLE_BEGIN, 1)
    _, tail = rest.split(TABLE_END, 1)
    path.write_text(head + TABLE_BEGIN + "\n" + table + TABLE_END + tail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", type=Path, default=Path(os.environ.get("WORKCELL_BIN_DIR", REPO / ".build/release")))
    parser.add_argument("--postgres-dsn", required=True, help="yield's DSN; a Unix-socket one (host=/dir) so yield "
                        "reaches it from its namespace (scripts/test-db.sh start --unix-socket)")
    parser.add_argument("--postgres-dir", help="the --dir the test database was started with (for its restart)")
    parser.add_argument("--faults", default="policy,perception,control,plc-bridge,cell,yield,postgres,partition")
    parser.add_argument("--down-s", type=float, default=10, help="how long a killed service stays down (default 10)")
    parser.add_argument("--partition-s", type=float, default=60, help="how long the cell is cut off from yield (default 60)")
    parser.add_argument("--report", type=Path, help="write the results as JSON here")
    parser.add_argument("--table", type=Path, help="rewrite the fault table between the chaos markers of this file "
                        "(docs/reliability.md)")
    parser.add_argument("--work", type=Path, help="logs and files (default a new temporary directory)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("chaos: needs root for its network namespace (ip netns)", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="workcell-chaos-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"chaos: logs in {work}", flush=True)
    try:
        summary = run_suite(args.bin_dir.resolve(), args.postgres_dsn, args.postgres_dir, args.faults.split(","), args.down_s,
                            args.partition_s, work, args.report)
    except ChaosError as error:
        print(f"chaos: {error}", file=sys.stderr)
        return 1
    print(json.dumps({k: v for k, v in summary.items() if k != "faults"}, indent=2))
    if args.table:
        write_table(args.table, render_table(summary, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
        print(f"chaos: table written to {args.table}")
    broken = summary["lost"] or summary["logged_twice"] or any(f["nok_caused"] for f in summary["faults"])
    return 3 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
