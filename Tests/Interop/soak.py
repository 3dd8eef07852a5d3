"""The soak (issue #20 item 6; docs/reliability.md, "Soak").

A simulated shift of `workcell demo` (default 3 hours, 2 robots, the whole fleet in one process,
yield's REST on a known port) with an MES load beside it: a client asking yield's REST API at a
fixed rate (default 50 queries/s), a mix of the pages an MES dashboard reads — yield by hour,
OEE, the failure Pareto, the newest cycles, the cells. Meanwhile it samples the fleet process's
resident memory and open file descriptors from /proc. At the end it checks:

* memory and descriptors: the largest sample after start-up is at most 10 % above start-up
  (start-up = the first sample once the first cycles are in yield and the load runs, i.e. after
  `--warm-up-s`);
* the queries' p95 latency while cycles are ingested is at most 50 ms, and none failed;
* fleet.log holds no warning or error line (nothing in the run is meant to cause one).

It writes the figures as JSON and the curves as a PNG (memory and descriptors over time, query
p50/p95 per window).

    python Tests/Interop/soak.py --bin-dir .build/release --hours 3 --report docs/figures/soak.json \
        --plot docs/figures/soak.png
    scripts/soak.sh [--short]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_health_interop import free_port_bases, free_ports  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# Warnings `workcell demo` causes on purpose: a development fleet without the plant's tokens file
# and plant file (docs/yield.md, docs/deploy.md). Any other warning or error line is a finding.
ON_PURPOSE = ("no --tokens-file: authentication is OFF", "no --plant-config: no shift calendar")


def proc_sample(pid: int) -> tuple[int, int] | None:
    """(resident set in KiB, open descriptors) of `pid`, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, AttributeError):
        return None


class MesLoad:
    """Queries yield's REST at `rate` per second from one thread per 10 q/s, each on its own session."""

    def __init__(self, base: str, rate: float) -> None:
        self.base, self.rate = base, rate
        self.samples: list[tuple[float, str, float, int]] = []  # (t, page, ms, status)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        now = datetime.now(timezone.utc)
        window = {"from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(days=2)).isoformat()}
        self.pages = [
            ("yield_by_hour", "/api/v1/yield", {**window, "group_by": "hour"}),
            ("yield", "/api/v1/yield", window),
            ("oee", "/api/v1/oee", window),
            ("pareto", "/api/v1/failures/pareto", window),
            ("cycles", "/api/v1/cycles", {"limit": "100"}),
            ("cells", "/api/v1/cells", {}),
        ]
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(max(1, round(rate / 10)))]

    def start(self) -> None:
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()

    def run(self, index: int) -> None:
        session = requests.Session()
        period = len(self.threads) / self.rate
        rng = random.Random(index)
        due = time.monotonic() + rng.random() * period
        while not self.stop.is_set():
            name, path, params = rng.choice(self.pages)
            began = time.monotonic()
            try:
                status = session.get(self.base + path, params=params, timeout=5).status_code
            except requests.RequestException:
                status = 0
            took_ms = (time.monotonic() - began) * 1000
            with self.lock:
                self.samples.append((began - self.started, name, took_ms, status))
            due += period
            pause = due - time.monotonic()
            if pause > 0:
                self.stop.wait(pause)
            else:
                due = time.monotonic()  # behind: do not burst to catch up

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def soak(bin_dir: Path, hours: float, rate: float, warm_up_s: float, work: Path, seed: int) -> dict:
    grpc_base = free_port_bases(12, 1)[0]
    (http_port,) = free_ports(1)
    argv = [str(bin_dir / "workcell"), "demo", "--hours", str(hours), "--robots", "2", "--seed", str(seed),
            "--grpc-port-base", str(grpc_base), "--yield-http-port", str(http_port), "--run-directory", str(work),
            "--episodes", "off", "--report", "json"]
    out = open(work / "demo.out", "wb")
    err = open(work / "demo.err", "wb")
    demo = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=REPO)
    base = f"http://127.0.0.1:{http_port}"
    started = time.monotonic()
    memory: list[tuple[float, int, int]] = []
    load = MesLoad(base, rate)
    try:
        while time.monotonic() - started < 120:
            try:
                if requests.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if demo.poll() is not None:
                raise RuntimeError(f"the demo ended before yield's REST answered: {(work / 'demo.err').read_text()[-2000:]}")
            time.sleep(0.5)
        else:
            raise RuntimeError("yield's REST did not answer /readyz within 120 s")
        load.start()
        while demo.poll() is None:
            sample = proc_sample(demo.pid)
            if sample:
                memory.append((time.monotonic() - started, *sample))
            time.sleep(2)
    finally:
        load.finish()
        if demo.poll() is None:
            demo.terminate()
            demo.wait(timeout=30)
        out.close()
        err.close()
    wall_s = time.monotonic() - started
    lines = (work / "demo.out").read_text().strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}

    # Start-up: the first sample after the warm-up; growth: the largest after it.
    after = [m for m in memory if m[0] >= warm_up_s]
    start_rss, start_fds = (after[0][1], after[0][2]) if after else (0, 0)
    peak_rss = max((m[1] for m in after), default=0)
    peak_fds = max((m[2] for m in after), default=0)
    # Queries answered while yield served: the unanswered run at the very end is the demo
    # shutting yield down after its shift, not a failure.
    samples = sorted(load.samples)
    tail = len(samples)
    while tail > 0 and samples[tail - 1][3] == 0:
        tail -= 1
    after_shutdown = len(samples) - tail
    samples = samples[:tail]
    latencies = [s[2] for s in samples]
    failed = [s for s in samples if s[3] != 200]
    log_lines = (work / "fleet.log").read_text(errors="replace").splitlines() if (work / "fleet.log").exists() else []
    flagged = [line for line in log_lines if re.search(r'"level":"(warning|error|critical)"', line)]
    on_purpose = [line for line in flagged if any(text in line for text in ON_PURPOSE)]
    noisy = [line for line in flagged if line not in on_purpose]
    per_page = {name: {"n": len(v), "p50_ms": round(percentile(v, 0.5), 2), "p95_ms": round(percentile(v, 0.95), 2)}
                for name in sorted({s[1] for s in samples})
                for v in [[s[2] for s in samples if s[1] == name]]}
    return {
        "hours_simulated": hours, "wall_s": round(wall_s, 1), "seed": seed,
        "cycles": report.get("cell", {}).get("cycles"), "yield": report.get("cell", {}).get("yield"),
        "demo_exit": demo.returncode,
        "rss_kib": {"start": start_rss, "peak": peak_rss, "growth": round(peak_rss / start_rss - 1, 4) if start_rss else None},
        "fds": {"start": start_fds, "peak": peak_fds, "growth": round(peak_fds / start_fds - 1, 4) if start_fds else None},
        "queries": {"n": len(latencies), "rate_per_s": round(len(latencies) / max(wall_s, 1e-9), 1),
                    "p50_ms": round(percentile(latencies, 0.5), 2), "p95_ms": round(percentile(latencies, 0.95), 2),
                    "p99_ms": round(percentile(latencies, 0.99), 2), "failed": len(failed),
                    "failed_statuses": sorted({s[3] for s in failed}), "after_yield_stopped": after_shutdown,
                    "per_page": per_page},
        "log_warnings_or_errors": len(noisy), "log_examples": noisy[:5], "log_warnings_on_purpose": len(on_purpose),
        "warm_up_s": warm_up_s,
        "memory_samples": memory,
        "query_windows": windows(samples, 30),
    }


def windows(samples: list[tuple[float, str, float, int]], width_s: float) -> list[tuple[float, float, float]]:
    """(window start s, p50 ms, p95 ms) per `width_s` of the load."""
    by: dict[int, list[float]] = {}
    for t, _, ms, _ in samples:
        by.setdefault(int(t // width_s), []).append(ms)
    return [(k * width_s, round(percentile(v, 0.5), 2), round(percentile(v, 0.95), 2)) for k, v in sorted(by.items())]


def verdict(summary: dict) -> list[str]:
    """What the soak's bars say, one line per bar missed."""
    missed = []
    if summary["demo_exit"] != 0:
        missed.append(f"the demo exited {summary['demo_exit']}")
    for what in ("rss_kib", "fds"):
        growth = summary[what]["growth"]
        if growth is None or growth > 0.10:
            missed.append(f"{what}: {summary[what]['start']} → {summary[what]['peak']} (growth {growth}) > +10 %")
    if not summary["queries"]["p95_ms"] <= 50:
        missed.append(f"query p95 {summary['queries']['p95_ms']} ms > 50 ms")
    if summary["queries"]["failed"]:
        missed.append(f"{summary['queries']['failed']} queries failed")
    if summary["log_warnings_or_errors"]:
        missed.append(f"{summary['log_warnings_or_errors']} warning/error lines in fleet.log, e.g. {summary['log_examples'][:2]}")
    return missed


def plot(summary: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    memory = summary["memory_samples"]
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
    t = [m[0] for m in memory]
    axes[0].plot(t, [m[1] / 1024 for m in memory], color="tab:blue")
    axes[0].axhline(summary["rss_kib"]["start"] * 1.1 / 1024, color="tab:red", ls="--", lw=1, label="start-up + 10 %")
    axes[0].set_ylabel("resident memory (MiB)")
    axes[0].legend(loc="lower right")
    axes[1].plot(t, [m[2] for m in memory], color="tab:green")
    axes[1].axhline(summary["fds"]["start"] * 1.1, color="tab:red", ls="--", lw=1)
    axes[1].set_ylabel("open descriptors")
    w = summary["query_windows"]
    axes[2].plot([x[0] for x in w], [x[1] for x in w], label="p50")
    axes[2].plot([x[0] for x in w], [x[2] for x in w], label="p95")
    axes[2].axhline(50, color="tab:red", ls="--", lw=1, label="50 ms")
    axes[2].set_ylabel("MES query (ms)")
    axes[2].set_xlabel("wall time (s)")
    axes[2].legend(loc="upper right")
    for ax in axes:
        ax.axvline(summary["warm_up_s"], color="grey", lw=0.8)
    fig.suptitle(f"Soak: {summary['hours_simulated']:g} h simulated shift (seed {summary['seed']}, 2 robots), "
                 f"{summary['queries']['rate_per_s']} MES queries/s")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", type=Path, default=Path(os.environ.get("WORKCELL_BIN_DIR", REPO / ".build/release")))
    parser.add_argument("--hours", type=float, default=3.0, help="simulated hours of the shift (default 3)")
    parser.add_argument("--rate", type=float, default=50, help="MES queries per second (default 50)")
    parser.add_argument("--warm-up-s", type=float, default=30, help="wall seconds before start-up is sampled (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", type=Path, help="write the figures as JSON here")
    parser.add_argument("--plot", type=Path, help="write the curves as a PNG here")
    parser.add_argument("--work", type=Path, help="the demo's run directory (default a new temporary directory)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="workcell-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"soak: {args.hours:g} h simulated, {args.rate:g} queries/s; run directory {work}", flush=True)
    summary = soak(args.bin_dir.resolve(), args.hours, args.rate, args.warm_up_s, work, args.seed)
    if args.report:
        args.report.write_text(json.dumps(summary) + "\n")
    if args.plot:
        plot(summary, args.plot)
    shown = {k: v for k, v in summary.items() if k not in ("memory_samples", "query_windows")}
    print(json.dumps(shown, indent=2))
    missed = verdict(summary)
    for line in missed:
        print(f"soak: missed: {line}", file=sys.stderr)
    return 3 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
