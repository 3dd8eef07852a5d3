"""The yield page at `/` in a real browser (issue #22; docs/yield.md, "The page").

Debian's headless Chromium (browser.py, DevTools protocol on a pipe) loads the page of a `yield`
executable holding a known data set (SQLite, tokens on) and checks:

* a read without a token shows the token prompt and no data; a wrong token is refused; the read
  token shows the plant;
* every figure shown (yield, first-pass yield, takt compliance, OEE; plant, cell and robot) is the
  API's number for the page's own window, and is printed as that number;
* the Pareto's bars are in the API's order with non-increasing lengths; the latest cycles, the
  cycle-time histogram, the model-version table and the CSV link agree with the API;
* a cycle posted during the test appears without a reload (Server-Sent Events);
* the page's HTML (served, and as rendered) parses with html5lib in strict mode; ids are unique and
  every label names a control; at 1280 and 390 px wide nothing overflows sideways; every visible
  text meets WCAG 2.1 AA contrast (4.5:1, 3:1 for large text), measured on the rendered colours;
* with its database unreachable the page says so plainly, and SIGTERM ends a service with an open
  event stream promptly.

Screenshots (PNG) and the page's load figures go to $WORKCELL_TEST_OUTPUT_DIR/yield-page (default
`.build/test-output/yield-page`).

    venv=$(scripts/python-env.sh)
    WORKCELL_BIN_DIR=$(swift build --show-bin-path) "$venv/bin/python" -m pytest -q Tests/Interop/test_yield_page.py
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import html5lib
import pytest
import requests

from browser import Browser, Page, chromium_binary
from test_health_interop import BIN_DIR, BIN_DIR_ENV, HOST, ServiceProcess, free_port_bases
from yield_client import REPO_ROOT, RestClient, YieldServer, backend_args, cycle, executable, parse_time

pytestmark = pytest.mark.skipif(
    not BIN_DIR, reason=f"{BIN_DIR_ENV} is not set (point it at `swift build --show-bin-path`)")

OUTPUT_DIR = Path(os.environ.get("WORKCELL_TEST_OUTPUT_DIR", REPO_ROOT / ".build" / "test-output")) / "yield-page"
START = datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc)
# Failures with distinct counts (and one aborted e-stop), so the Pareto's order is fixed by count alone.
FAILURES = {"spline_misaligned": 6, "grip_slip": 4, "magnetic_pull_off": 3, "nut_not_seated": 2}


def dataset() -> list[dict[str, Any]]:
    """Two cells, three robots, two model versions, 3 hours: ok cycles at 1 and 2 attempts, some
    over takt, nok cycles with the failures above and one aborted e-stop."""
    records: list[dict[str, Any]] = []
    moment = START
    plan: list[tuple[str, int, str]] = []
    for index in range(40):
        plan.append(("ok", 1 if index % 4 else 2, ""))
    for code, count in FAILURES.items():
        plan.extend(("nok", 1, code) for _ in range(count))
    plan.append(("aborted", 1, "estop"))
    robots = [("cell-07", "left"), ("cell-07", "right"), ("cell-08", "left")]
    for index, (outcome, attempts, code) in enumerate(plan):
        cell, robot = robots[index % 3]
        cycle_ms = 60_000 + (index * 3_700) % 26_000  # 60–86 s around the 76 s takt
        model = "act-2026-11-20-a" if index < 30 else "act-2026-12-01-b"
        records.append(cycle(moment, cycle_ms, outcome, attempts, code, cell=cell, robot=robot, model_version=model))
        moment += timedelta(seconds=200)
    return records


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = chromium_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/test.sh installs Debian's chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    instance = Browser(binary, tmp_path_factory.mktemp("chromium") / "chromium.log")
    yield instance
    instance.close()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    """yield holding the data set, on SQLite and (with WORKCELL_TEST_POSTGRES_DSN) on PostgreSQL."""
    stack = contextlib.ExitStack()
    request.addfinalizer(stack.close)
    service = YieldServer(tmp_path_factory.mktemp("yield-page"), extra=backend_args(request.param, stack))
    writer = RestClient(service.base_url, service.tokens.write)
    posted = writer.post_cycles(dataset())
    assert posted.status_code == 200 and posted.json()["accepted"] == len(dataset()), posted.text
    yield service
    assert service.stop() == 0, service.log()


@pytest.fixture(scope="module")
def reader(server) -> RestClient:
    return RestClient(server.base_url, server.tokens.read)


@pytest.fixture(scope="module")
def page(browser, server):
    """A tab showing the plant with the read token entered."""
    tab = browser.page()
    tab.navigate(server.base_url + "/")
    tab.wait_for("!document.getElementById('token-form').hidden", what="the token prompt")
    enter_token(tab, server.tokens.read)
    wait_for_figures(tab)
    yield tab
    tab.close()


def enter_token(tab: Page, token: str) -> None:
    tab.evaluate(f"document.getElementById('token-input').value = {json.dumps(token)};"
                 "document.getElementById('token-form').requestSubmit(); true")


def wait_for_figures(tab: Page) -> None:
    tab.wait_for("document.getElementById('fig-yield').hasAttribute('data-value') && "
                 "document.querySelectorAll('#cycles-table tbody tr').length > 0", what="the figures")


def shown(tab: Page) -> dict[str, Any]:
    """What the page shows now: the window, the figures (number and text), the Pareto's bars."""
    return tab.evaluate("""(() => {
      const figure = (id) => { const node = document.getElementById(id);
        return { value: node.hasAttribute('data-value') ? Number(node.getAttribute('data-value')) : null, text: node.textContent }; };
      const label = document.getElementById('window-label');
      return {
        from: label.dataset.from, to: label.dataset.to,
        yield: figure('fig-yield'), fpy: figure('fig-fpy'), takt: figure('fig-takt'), oee: figure('fig-oee'),
        pareto: [...document.querySelectorAll('#pareto-chart rect[data-code]')].map((bar) =>
          ({ code: bar.dataset.code, count: Number(bar.dataset.count), width: Number(bar.getAttribute('width')) })),
        histogram: [...document.querySelectorAll('#histogram-chart rect[data-count]')].reduce((sum, bar) => sum + Number(bar.dataset.count), 0),
        cycles: [...document.querySelectorAll('#cycles-table tbody tr')].map((row) => row.dataset.cycleId),
        models: [...document.querySelectorAll('#model-table tbody tr')].map((row) =>
          [row.dataset.model, ...[...row.cells].slice(1).map((cell) => cell.textContent)]),
        csv: document.getElementById('csv-link').href,
      };
    })()""")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def check_figures(view: dict[str, Any], totals: dict[str, Any], oee: dict[str, Any]) -> None:
    for key, api_key, row in [("yield", "yield", totals), ("fpy", "first_pass_yield", totals),
                              ("takt", "takt_compliance", totals), ("oee", "oee", oee)]:
        assert view[key]["value"] == row[api_key], f"{key}: page {view[key]} vs API {row[api_key]}"
        # JavaScript's toFixed and Python's format round the same binary value alike except at exact
        # halves; none of these ratios is one.
        assert view[key]["text"] == percent(row[api_key]), f"{key}: page shows {view[key]['text']!r}"


# --- tests ------------------------------------------------------------------------------------------


def test_no_token_shows_the_prompt_and_no_data(browser, server):
    tab = browser.page()
    try:
        tab.navigate(server.base_url + "/")
        tab.wait_for("!document.getElementById('token-form').hidden", what="the token prompt")
        state = tab.evaluate("""({
          dataHidden: document.getElementById('data').hidden,
          rows: document.querySelectorAll('tbody tr').length,
          bars: document.querySelectorAll('svg rect').length,
          figure: document.getElementById('fig-yield').textContent,
          stored: sessionStorage.getItem('workcell-yield-read-token'),
          live: document.getElementById('live').textContent,
          requests: performance.getEntriesByType('resource').map((entry) => [new URL(entry.name).pathname, entry.responseStatus]),
        })""")
        assert state["dataHidden"] and state["rows"] == 0 and state["bars"] == 0, state
        assert state["figure"] == "—" and state["stored"] is None and state["live"] == "Token needed", state
        # The only request for plant data was the event stream's (refused: the Swift tests check its
        # 401); no API read was made.
        assert "/page/events" in [path for path, _ in state["requests"]], state
        assert not [path for path, _ in state["requests"] if path.startswith("/api/")], state
        tab.screenshot(OUTPUT_DIR / "token-prompt-1280.png")

        enter_token(tab, server.tokens.unknown)
        message = tab.wait_for("!document.getElementById('token-error').hidden && "
                               "document.getElementById('token-error').textContent", what="the refusal")
        assert "not accepted (401)" in message
        assert tab.evaluate("document.getElementById('data').hidden && document.querySelectorAll('tbody tr').length === 0")

        enter_token(tab, server.tokens.write)
        message = tab.wait_for("document.getElementById('token-error').textContent.includes('403') && "
                               "document.getElementById('token-error').textContent", what="403")
        assert "no read scope" in message

        enter_token(tab, server.tokens.read)
        wait_for_figures(tab)
        assert tab.evaluate("sessionStorage.getItem('workcell-yield-read-token')") == server.tokens.read
        # Kept for the tab: a reload shows the data without asking again.
        tab.navigate(server.base_url + "/")
        wait_for_figures(tab)
        assert tab.evaluate("document.getElementById('token-form').hidden")
    finally:
        tab.close()


def test_figures_equal_the_api(page, reader):
    view = shown(page)
    window = {"from": view["from"], "to": view["to"]}
    cells = reader.json("/api/v1/cells")["cells"]
    newest = max(parse_time(cell["last_cycle_at"]) for cell in cells)
    # No calendar: the last shift is the 8 hours up to (and including) the newest cycle.
    assert parse_time(view["to"]) == newest + timedelta(seconds=1)
    assert parse_time(view["to"]) - parse_time(view["from"]) == timedelta(hours=8)
    totals = reader.json("/api/v1/yield", **window)["rows"][0]
    oee = reader.json("/api/v1/oee", **window)["rows"][0]
    assert totals["cycles"] == len(dataset())
    check_figures(view, totals, oee)

    pareto = reader.json("/api/v1/failures/pareto", **window)["failures"]
    assert [bar["code"] for bar in view["pareto"]] == [row["failure_code"] for row in pareto]
    assert [bar["count"] for bar in view["pareto"]] == [row["count"] for row in pareto]
    assert [row["failure_code"] for row in pareto][:4] == list(FAILURES)
    widths = [bar["width"] for bar in view["pareto"]]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1], widths

    cycles = reader.json("/api/v1/cycles", **window, limit=1000)["cycles"]
    assert view["cycles"] == [row["cycle_id"] for row in cycles[:25]]
    assert view["histogram"] == sum(1 for row in cycles if row["outcome"] != "aborted")

    models = reader.json("/api/v1/yield", **window, group_by="model_version")["rows"]
    assert [row[0] for row in view["models"]] == [row["model_version"] for row in models]
    assert [row[1:] for row in view["models"]] == [
        [str(row["cycles"]), percent(row["yield"]), percent(row["first_pass_yield"]), percent(row["takt_compliance"])]
        for row in models]

    csv = reader.session.get(view["csv"], timeout=30)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().split("\r\n")) == 1 + len(cycles)


def test_cell_and_robot_figures_equal_the_api(page, reader):
    try:
        page.evaluate("const select = document.getElementById('cell-select'); select.value = 'cell-07';"
                      "select.dispatchEvent(new Event('change')); true")
        page.wait_for("!document.getElementById('robot-select').disabled && "
                      "document.getElementById('robot-select').options.length === 3", what="cell-07's robots")
        page.wait_for("[...document.querySelectorAll('#cycles-table tbody td:nth-child(2)')].every((cell) => cell.textContent === 'cell-07')",
                      what="cell-07's cycles")
        view = shown(page)
        window = {"from": view["from"], "to": view["to"], "cell": "cell-07"}
        check_figures(view, reader.json("/api/v1/yield", **window)["rows"][0], reader.json("/api/v1/oee", **window)["rows"][0])

        page.evaluate("const robot = document.getElementById('robot-select'); robot.value = 'right';"
                      "robot.dispatchEvent(new Event('change')); true")
        page.wait_for("[...document.querySelectorAll('#cycles-table tbody td:nth-child(3)')].every((cell) => cell.textContent === 'right')",
                      what="the right robot's cycles")
        page.wait_for("document.getElementById('pareto-note').textContent.includes('whole cell')", what="the Pareto's note")
        view = shown(page)
        totals = [row for row in reader.json("/api/v1/yield", **window, group_by="robot")["rows"] if row["robot"] == "right"]
        oee = [row for row in reader.json("/api/v1/oee", **window, group_by="robot")["rows"] if row["robot"] == "right"]
        check_figures(view, totals[0], oee[0])
        right = reader.json("/api/v1/cycles", **window, robot="right", limit=25)["cycles"]
        assert view["cycles"] == [row["cycle_id"] for row in right]
        assert "robot=right" in view["csv"] and "cell=cell-07" in view["csv"]
    finally:
        page.evaluate("for (const id of ['robot-select', 'cell-select']) { const s = document.getElementById(id); s.value = '';"
                      "s.dispatchEvent(new Event('change')); } true")
        page.wait_for("document.getElementById('robot-select').disabled", what="all cells again")


def test_a_posted_cycle_appears_without_a_reload(page, server, reader):
    page.evaluate("window.__sameDocument = 'yes'; true")
    navigations = page.evaluate("performance.getEntriesByType('navigation').length")
    before = shown(page)
    newest = max(parse_time(cell["last_cycle_at"]) for cell in reader.json("/api/v1/cells")["cells"])
    record = cycle(newest + timedelta(seconds=30), 91_000, "nok", 2, "torque_high", cell="cell-08", robot="left",
                   model_version="act-2026-12-01-b")
    posted_at = time.monotonic()
    response = RestClient(server.base_url, server.tokens.write).post_cycles([record])
    assert response.status_code == 200 and response.json()["accepted"] == 1
    page.wait_for(f"document.querySelector('#cycles-table tbody tr').dataset.cycleId === {json.dumps(record['cycle_id'])}",
                  timeout_s=10, what="the posted cycle in the table")
    shown_after_s = time.monotonic() - posted_at
    assert page.evaluate("window.__sameDocument") == "yes"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == navigations
    view = shown(page)
    assert view["to"] != before["to"], "the window moved to the new newest cycle"
    window = {"from": view["from"], "to": view["to"]}
    totals = reader.json("/api/v1/yield", **window)["rows"][0]
    assert totals["cycles"] == len(dataset()) + 1
    page.wait_for(f"Number(document.getElementById('fig-yield').dataset.value) === {totals['yield']!r}", what="the new yield")
    check_figures(shown(page), totals, reader.json("/api/v1/oee", **window)["rows"][0])
    assert "torque_high" in [bar["code"] for bar in view["pareto"]]
    write_figures({"new_cycle_shown_after_s": round(shown_after_s, 3)})


def test_html_validates(page, server):
    served = requests.get(server.base_url + "/", timeout=10)
    assert served.status_code == 200
    assert served.headers["content-type"] == "text/html; charset=utf-8"
    parse_strictly(served.text, "the served page")
    rendered = "<!DOCTYPE html>\n" + page.evaluate("document.documentElement.outerHTML")
    parse_strictly(rendered, "the page as rendered")
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map((node) => node.id)")
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted(i for i in ids if ids.count(i) > 1)}"
    dangling = page.evaluate("[...document.querySelectorAll('label[for]')].filter((label) => "
                             "!document.getElementById(label.htmlFor)).map((label) => label.htmlFor)")
    assert dangling == []
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.evaluate("[...document.querySelectorAll('svg')].every((svg) => svg.getAttribute('role') === 'img' && "
                         "document.getElementById(svg.getAttribute('aria-labelledby')))")


def parse_strictly(text: str, what: str) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parse(text)
    except html5lib.html5parser.ParseError as error:
        line = text.splitlines()
        raise AssertionError(f"{what} is not valid HTML: {error}\n{len(line)} lines") from None


@pytest.mark.parametrize("width", [1280, 390])
def test_layout_at_width_and_text_contrast(page, width):
    page.resize(width, 900)
    try:
        page.wait_for(f"window.innerWidth === {width}", what=f"a {width} px viewport")
        # The charts are redrawn at their frame's width: their 12 px text is not scaled down on a phone.
        page.wait_for("[...document.querySelectorAll('.chart svg')].length === 3 && [...document.querySelectorAll('.chart svg')]"
                      ".every((svg) => Math.abs(svg.getScreenCTM().a - 1) < 0.02)", what=f"charts drawn at {width} px")
        layout = page.evaluate("""(() => {
          const root = document.documentElement;
          // A table wider than a phone scrolls inside its own frame: the frame must fit.
          const boxes = ['fig-yield', 'fig-oee', 'trend-chart', 'pareto-chart', 'histogram-chart', 'cycles-table', 'model-table']
            .map((id) => { const node = document.getElementById(id); const frame = node.closest('.scroll') || node;
              const box = frame.getBoundingClientRect(); return [id, box.left, box.right, box.width]; });
          return { scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, boxes };
        })()""")
        assert layout["scrollWidth"] <= layout["innerWidth"], f"the page scrolls sideways at {width} px: {layout}"
        for name, left, right, box_width in layout["boxes"]:
            assert box_width > 0, f"{name} is not shown at {width} px"
            assert left >= 0 and right <= width + 0.5, f"{name} leaves the viewport at {width} px: {left}..{right}"
        figures = page.evaluate("[...document.querySelectorAll('.figure')].map((f) => f.getBoundingClientRect().width)")
        assert all(w >= 150 for w in figures), f"figures squeezed at {width} px: {figures}"
        page.screenshot(OUTPUT_DIR / f"yield-page-{width}.png")
        check_contrast(page, f"the plant at {width} px")
    finally:
        page.resize(1280, 900)


def check_contrast(tab: Page, what: str) -> None:
    texts = tab.evaluate(CONTRAST_PROBE)
    assert len(texts) > 30, f"{what}: too few text elements measured ({len(texts)})"
    failures = []
    for sample in texts:
        ratio = contrast(parse_colour(sample["color"]), parse_colour(sample["background"]))
        large = sample["size"] >= 24 or (sample["size"] >= 18.66 and sample["weight"] >= 700)
        needed = 3.0 if large else 4.5
        if ratio < needed:
            failures.append(f"{sample['text']!r} ({sample['tag']}): {sample['color']} on {sample['background']} = {ratio:.2f} < {needed}")
    assert not failures, f"{what}: text below WCAG AA contrast:\n" + "\n".join(failures)


# Every visible element with its own text: its colour (an SVG text's fill) and the first opaque
# background behind it.
CONTRAST_PROBE = """(() => {
  const out = [];
  const background = (node) => {
    for (let at = node; at && at.nodeType === 1; at = at.parentElement) {
      const colour = getComputedStyle(at).backgroundColor;
      if (colour && colour !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(colour)) return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  for (const node of document.querySelectorAll('body *')) {
    const own = [...node.childNodes].filter((child) => child.nodeType === 3).map((child) => child.textContent).join('').trim();
    if (!own || node.closest('[hidden]') || node.tagName === 'title' || node.tagName === 'OPTION') continue;
    const box = node.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(node);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const svg = node instanceof SVGElement;
    out.push({ text: own.slice(0, 40), tag: node.tagName, color: svg ? style.fill : style.color, background: background(node),
               size: parseFloat(style.fontSize), weight: Number(style.fontWeight) || 400 });
  }
  return out;
})()"""


def parse_colour(text: str) -> tuple[float, float, float]:
    match = re.fullmatch(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", text.strip())
    assert match, f"cannot read the colour {text!r}"
    assert match.group(4) in (None, "1"), f"a translucent text colour {text!r} cannot be measured"
    return float(match.group(1)), float(match.group(2)), float(match.group(3))


def contrast(first: tuple[float, float, float], second: tuple[float, float, float]) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours (0–255 channels)."""
    def luminance(colour: tuple[float, float, float]) -> float:
        def channel(value: float) -> float:
            value /= 255
            return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4
        red, green, blue = (channel(value) for value in colour)
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_function_against_known_ratios():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 2) == 21.0
    assert round(contrast((119, 119, 119), (255, 255, 255)), 2) == 4.48  # #777 on white: just fails AA
    assert contrast((255, 255, 255), (255, 255, 255)) == 1.0


def test_load_time_and_size(browser, server):
    """A fresh tab with the token in session storage: the time to the first figures and the bytes."""
    tab = browser.page()
    try:
        tab.navigate("about:blank")
        tab.navigate(server.base_url + "/healthz")  # same origin, to seed session storage
        tab.evaluate(f"sessionStorage.setItem('workcell-yield-read-token', {json.dumps(server.tokens.read)}); true")
        started = time.monotonic()
        tab.command("Page.navigate", {"url": server.base_url + "/"})
        tab.wait_for("document.readyState === 'complete' && document.getElementById('fig-yield') && "
                     "document.getElementById('fig-yield').hasAttribute('data-value')", what="the first figures")
        to_figures_s = time.monotonic() - started
        entries = tab.evaluate("""(() => {
          const navigation = performance.getEntriesByType('navigation')[0];
          const resources = performance.getEntriesByType('resource');
          const size = (entry) => entry.decodedBodySize;
          return {
            load_event_ms: navigation.loadEventEnd,
            html_bytes: size(navigation),
            assets_bytes: resources.filter((e) => e.name.includes('/page/') && !e.name.includes('/page/events')).reduce((s, e) => s + size(e), 0),
            api_bytes: resources.filter((e) => e.name.includes('/api/v1/')).reduce((s, e) => s + size(e), 0),
            requests: resources.length,
            foreign: resources.filter((e) => !e.name.startsWith(location.origin)).map((e) => e.name),
          };
        })()""")
        assert entries["foreign"] == [], "the page fetched from another origin"
        assert entries["html_bytes"] > 0 and entries["assets_bytes"] > 0
        assert to_figures_s < 10, f"the figures took {to_figures_s:.1f} s"
        write_figures({"to_first_figures_s": round(to_figures_s, 3), **entries})
    finally:
        tab.close()


def write_figures(figures: dict[str, Any]) -> None:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUTPUT_DIR / "page-figures.json"
    known = json.loads(path.read_text()) if path.exists() else {}
    known.update(figures)
    path.write_text(json.dumps(known, indent=2) + "\n")


def test_database_unreachable_is_said_plainly_and_sigterm_ends_streams(browser, tmp_path):
    """yield on a PostgreSQL address where nothing listens: /readyz fails, the API answers 503."""
    grpc_port, http_port, dead_port = free_port_bases(span=1, count=3)
    argv = [executable("yield"), "--host", HOST, "--grpc-port", str(grpc_port), "--http-port", str(http_port),
            "--log-format", "text", "--postgres", f"postgres://workcell@{HOST}:{dead_port}/workcell"]
    service = ServiceProcess("yield", argv, tmp_path / "yield.log")
    base = f"http://{HOST}:{http_port}"
    tab = None
    try:
        end = time.monotonic() + 20
        while True:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < end and service.proc.poll() is None, service.log()
            time.sleep(0.1)
        ready = requests.get(base + "/readyz", timeout=5)
        assert ready.status_code == 503, ready.text
        # The API's own answer (503 database_unavailable) comes only when PostgreSQL's connection pool
        # gives up (its circuit breaker, ~15–60 s); the page says so from the event stream at once.

        tab = browser.page()
        tab.navigate(base + "/")
        banner = tab.wait_for("!document.getElementById('banner').hidden && document.getElementById('banner').textContent",
                              timeout_s=30, what="the database banner")
        assert banner.startswith("The yield database is unreachable"), banner
        assert "No figures can be shown" in banner
        assert tab.evaluate("document.getElementById('fig-yield').textContent") == "—"
        tab.screenshot(OUTPUT_DIR / "database-unreachable-1280.png")
        check_contrast(tab, "the database banner")

        # An open event stream does not hold the service up on SIGTERM.
        stream = requests.get(base + "/page/events", stream=True, timeout=10)
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        first = b""
        for chunk in stream.iter_content(chunk_size=None):
            first += chunk
            if b"event: notice" in first and first.endswith(b"\n\n"):
                break
        notice = json.loads(first.decode().split("data: ", 1)[1].split("\n", 1)[0])
        assert notice["database"] == "unavailable" and notice["problem"], notice
        tab.close()
        tab = None
        started = time.monotonic()
        code = service.terminate_and_wait(5.0)
        assert code == 0, service.log()
        assert time.monotonic() - started < 4.0
        stream.close()
    finally:
        if tab is not None:
            tab.close()
        service.kill()
