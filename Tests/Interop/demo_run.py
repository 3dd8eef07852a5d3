"""Runs `workcell demo` and `workcell episodes export` for the episode and canary tests."""
import json
import subprocess
import sys
from pathlib import Path

from yield_client import executable

REPO = Path(__file__).resolve().parents[2]
DEMO_DEADLINE_S = 600
EXPORT_DEADLINE_S = 120


def demo(run: Path, *flags: str, port_base: int) -> dict:
    """A short demo in `run` (2 robots, 2 cycles each, seed 4, scripted planner); its JSON report."""
    out = subprocess.run(
        [executable("workcell"), "demo", "--cycles", "2", "--robots", "2", "--seed", "4", "--planner", "scripted",
         "--report", "json", "--run-directory", str(run), "--grpc-port-base", str(port_base), *flags],
        cwd=REPO, capture_output=True, text=True, timeout=DEMO_DEADLINE_S)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def export(source: Path, target: Path, *flags: str) -> subprocess.CompletedProcess:
    """`workcell episodes export` with this interpreter (which has pyarrow and pandas)."""
    return subprocess.run(
        [executable("workcell"), "episodes", "export", "--from", str(source), "--to", str(target),
         "--python", sys.executable, *flags],
        cwd=REPO, capture_output=True, text=True, timeout=EXPORT_DEADLINE_S)
