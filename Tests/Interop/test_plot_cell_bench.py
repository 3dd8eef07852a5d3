"""scripts/plot_cell_bench.py: the charts of a workcell-bench cell report (issue #19 item 4)."""
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "plot_cell_bench.py"

pytest.importorskip("matplotlib", reason="matplotlib is installed by scripts/python-env.sh (training/requirements.txt)")


def arm(name, ok, nok, first_pass, pareto):
    n = ok + nok
    return {
        "arm": name, "cycles": n, "ok": ok, "nok": nok, "aborted": 0, "yield": ok / n,
        "yield_ci_low": ok / n - 0.01, "yield_ci_high": min(1, ok / n + 0.01),
        "first_pass_yield": first_pass / n, "fpy_ci_low": first_pass / n - 0.01,
        "fpy_ci_high": min(1, first_pass / n + 0.01), "pareto": pareto, "wall_seconds": 10.0,
        "speed_up": 30.0, "records_sha256": "ab", "seeds": [1],
    }


def png_size(path: Path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=120)


def test_charts_beside_the_report(tmp_path):
    report = tmp_path / "cell.json"
    report.write_text(json.dumps({"arms": [
        arm("full", 1980, 20, 1900, {"cross_thread": 12, "nut_not_seated": 8}),
        arm("no-retry", 1900, 100, 1900, {"grip_slip": 70, "nut_not_seated": 20, "cross_thread": 10}),
        arm("vision-only", 2000, 0, 2000, {}),
    ]}))
    result = run(report)
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.split()]
    assert written == [tmp_path / "cell.yield.png", tmp_path / "cell.pareto.png"]
    yield_size, pareto_size = png_size(written[0]), png_size(written[1])
    # Wider with more arms; a Pareto panel per arm.
    assert yield_size[0] >= 600 and pareto_size[0] >= 3 * 300, (yield_size, pareto_size)


def test_a_bad_report_is_refused_with_the_arm_named(tmp_path):
    report = tmp_path / "bad.json"
    broken = arm("full", 10, 0, 10, {})
    del broken["fpy_ci_low"]
    report.write_text(json.dumps({"arms": [broken]}))
    result = run(report)
    assert result.returncode == 1
    assert "arm 'full'" in result.stderr and "fpy_ci_low" in result.stderr
    assert not (tmp_path / "bad.yield.png").exists()
    (tmp_path / "empty.json").write_text(json.dumps({"arms": []}))
    result = run(tmp_path / "empty.json")
    assert result.returncode == 1 and "no arms" in result.stderr
