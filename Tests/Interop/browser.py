"""Headless Chromium driven over the DevTools protocol on a pipe (Tests/Interop/test_yield_page.py).

`--remote-debugging-pipe` speaks the protocol as NUL-terminated JSON on the browser's file
descriptors 3 (commands in) and 4 (answers and events out): no WebSocket library and no port. Debian's
`chromium` package is what CI installs (scripts/test.sh).
"""

from __future__ import annotations

import base64
import fcntl
import itertools
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

COMMAND_TIMEOUT_S = 30.0


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def above_nine(fd: int) -> int:
    """The same pipe end on a descriptor ≥ 10 (the old one closed)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class BrowserError(AssertionError):
    pass


class Browser:
    """One headless Chromium process; `page()` opens a tab with its own session storage."""

    def __init__(self, binary: str, log_path: Path):
        self.profile = tempfile.mkdtemp(prefix="workcell-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # The child's ends move above 9 first, so putting them on 3 and 4 never overwrites one another.
        to_browser_read = above_nine(to_browser_read)
        from_browser_write = above_nine(from_browser_write)
        flags = [
            "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-sync", "--disable-component-update", "--disable-default-apps", "--mute-audio",
            "--hide-scrollbars", "--password-store=basic", "--use-mock-keychain", "--disable-dev-shm-usage",
            f"--user-data-dir={self.profile}", "about:blank",
        ]
        # The browser wants the pipe on fds 3 and 4 exactly: a shell puts them there and execs it.
        script = f'exec "$0" "$@" 3<&{to_browser_read} 4>&{from_browser_write} {to_browser_read}<&- {from_browser_write}>&-'
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(
            ["bash", "-c", script, binary, *flags], pass_fds=(to_browser_read, from_browser_write),
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._ids = itertools.count(1)
        self._answers: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self.events: "queue.Queue[dict[str, Any]]" = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.version = self.send("Browser.getVersion")

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        waiting = self._answers.get(message["id"])
                    if waiting is not None:
                        waiting.put(message)
                else:
                    self.events.put(message)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout_s: float = COMMAND_TIMEOUT_S) -> dict[str, Any]:
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        answer: queue.Queue = queue.Queue()
        with self._lock:
            self._answers[number] = answer
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        try:
            reply = answer.get(timeout=timeout_s)
        except queue.Empty:
            raise BrowserError(f"{method}: no answer from Chromium within {timeout_s:g} s") from None
        finally:
            with self._lock:
                self._answers.pop(number, None)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def page(self, width: int = 1280, height: int = 900) -> "Page":
        target = self.send("Target.createTarget", {"url": "about:blank", "newWindow": True})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        page.command("Page.enable")
        page.command("Runtime.enable")
        page.resize(width, height)
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout_s=5)
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """A tab: navigate, evaluate JavaScript, wait for a condition, take screenshots."""

    def __init__(self, browser: Browser, target: str, session: str):
        self.browser = browser
        self.target = target
        self.session = session

    def command(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def resize(self, width: int, height: int) -> None:
        self.command("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def navigate(self, url: str) -> None:
        result = self.command("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"navigating to {url}: {result['errorText']}")
        self.wait_for("document.readyState === 'complete'", what=f"{url} to load")

    def evaluate(self, expression: str) -> Any:
        result = self.command("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"evaluating {expression[:200]!r}: {text}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float = 15.0, what: str = "") -> Any:
        """Polls `expression` until it is truthy; its value."""
        end = time.monotonic() + timeout_s
        last: Any = None
        while True:
            last = self.evaluate(expression)
            if last:
                return last
            if time.monotonic() > end:
                raise BrowserError(f"waited {timeout_s:g} s for {what or expression!r}; last value {last!r}")
            time.sleep(0.05)

    def screenshot(self, path: Path) -> Path:
        data = self.command("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.browser.send("Target.closeTarget", {"targetId": self.target}, timeout_s=5)
        except BrowserError:
            pass
