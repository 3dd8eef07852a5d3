"""`workcell demo --serve` (issue #22, item 3; docs/yield.md, "The page").

A one-cycle demo prints the yield page's address during the shift (its own line and the progress
line), prints its report, then keeps its yield serving the page and the API on the same port, with
the shift's cycles, until SIGINT; the page shows them in Chromium.

    venv=$(scripts/python-env.sh)
    WORKCELL_BIN_DIR=$(swift build --show-bin-path) "$venv/bin/python" -m pytest -q Tests/Interop/test_demo_serve.py
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from browser import Browser, chromium_binary
from demo_run import REPO
from test_health_interop import BIN_DIR, BIN_DIR_ENV, free_port_bases
from test_yield_page import OUTPUT_DIR
from yield_client import executable

pytestmark = pytest.mark.skipif(
    not BIN_DIR, reason=f"{BIN_DIR_ENV} is not set (point it at `swift build --show-bin-path`)")

SHIFT_DEADLINE_S = 600


def wait_for_line(path: Path, text: str, process: subprocess.Popen, deadline_s: float) -> str:
    end = time.monotonic() + deadline_s
    while True:
        content = path.read_text(errors="replace") if path.exists() else ""
        for line in content.splitlines():
            if text in line:
                return line
        assert process.poll() is None, f"the demo exited ({process.returncode}) before {text!r}:\n{content[-3000:]}"
        assert time.monotonic() < end, f"no {text!r} within {deadline_s:g} s:\n{content[-3000:]}"
        time.sleep(0.2)


def test_demo_serve_keeps_the_page_after_the_shift(tmp_path):
    (grpc_base,) = free_port_bases(span=20, count=1)
    (http_port,) = free_port_bases(span=1, count=1)
    url = f"http://127.0.0.1:{http_port}/"
    stderr_path = tmp_path / "demo.stderr"
    stdout_path = tmp_path / "demo.stdout"
    with open(stderr_path, "wb") as stderr, open(stdout_path, "wb") as stdout:
        demo = subprocess.Popen(
            [executable("workcell"), "demo", "--cycles", "1", "--robots", "1", "--seed", "4", "--planner", "scripted",
             "--report", "json", "--episodes", "off", "--run-directory", str(tmp_path / "run"),
             "--grpc-port-base", str(grpc_base), "--serve", "--yield-http-port", str(http_port)],
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
    try:
        wait_for_line(stderr_path, f"yield page: {url}", demo, 120)
        progress = wait_for_line(stderr_path, f"page {url}", demo, SHIFT_DEADLINE_S)
        assert progress.startswith("[demo] sim "), progress
        serving = wait_for_line(stderr_path, "serving the yield page at", demo, SHIFT_DEADLINE_S)
        assert url in serving
        report = json.loads(stdout_path.read_text().strip().splitlines()[-1])
        assert report["cell"]["cycles"] >= 1

        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "<title>Workcell yield</title>" in page.text
        assert requests.get(url + "readyz", timeout=10).status_code == 200
        cycles = requests.get(url + "api/v1/cycles", params={"limit": 1000}, timeout=10).json()["cycles"]
        assert len(cycles) == report["cell"]["cycles"], "the served database holds the shift's cycles"

        binary = chromium_binary()
        if binary is not None:
            browser = Browser(binary, tmp_path / "chromium.log")
            try:
                tab = browser.page()
                tab.navigate(url)
                tab.wait_for("document.querySelectorAll('#cycles-table tbody tr').length === "
                             f"{min(len(cycles), 25)} && document.getElementById('fig-yield').textContent !== '—'",
                             timeout_s=20, what="the shift's cycles on the page")
                tab.screenshot(OUTPUT_DIR / "demo-serve-1280.png")
            finally:
                browser.close()

        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=15) == 0, stderr_path.read_text()[-3000:]
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(timeout=10)
