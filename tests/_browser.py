"""Headless Chromium driven over the DevTools protocol (websocket-client), for the audit report:
open a file, record every console message, exception and network request, evaluate expressions,
take a screenshot or print to PDF.

No WebDriver: the protocol is Chromium's own, spoken over one WebSocket, so nothing is
downloaded and nothing but the Debian packages ``chromium`` is needed. Each browser gets a fresh
profile in a temporary folder and the flags that stop it reaching out on its own (component
updates, sync, background networking), so any request recorded is the page's doing.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Page:
    """One tab: the events it produced, and calls into it."""

    def __init__(self, socket: Any, session: str):
        self._socket = socket
        self._session = session
        self._next = 0
        self.console: list[tuple[str, str]] = []  # (level, text)
        self.exceptions: list[str] = []
        self.requests: list[str] = []  # every URL the page asked for
        self.loaded = False

    def call(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        message = {"id": ident, "method": method, "params": params, "sessionId": self._session}
        self._socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._receive(deadline)
            if reply is not None and reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
        raise TimeoutError(f"{method}: no answer within {timeout} s")

    def _receive(self, deadline: float) -> dict[str, Any] | None:
        self._socket.settimeout(max(0.05, deadline - time.monotonic()))
        message: dict[str, Any] = json.loads(self._socket.recv())
        method = message.get("method")
        params = message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.console.append((params["type"], text))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            self.console.append((entry["level"], entry["text"]))
        elif method == "Runtime.exceptionThrown":
            self.exceptions.append(json.dumps(params["exceptionDetails"]))
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Page.loadEventFired":
            self.loaded = True
        return message if "id" in message else None

    def settle(self, seconds: float) -> None:
        """Keep recording events for a while (late requests, late console messages)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self._receive(deadline)
            except Exception as exc:  # websocket timeout: nothing more came
                if type(exc).__name__ != "WebSocketTimeoutException":
                    raise

    def open(self, url: str, timeout: float = 30.0) -> None:
        self.loaded = False
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while not self.loaded:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load within {timeout} s")
            self._receive(deadline)
        self.settle(0.5)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, width: int = 1280, height: int = 900) -> bytes:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        data = self.call("Page.captureScreenshot", format="png")["data"]
        return base64.b64decode(data)

    def pdf(self) -> bytes:
        return base64.b64decode(self.call("Page.printToPDF", timeout=60.0)["data"])


@contextmanager
def browser(binary: str) -> Iterator[Page]:
    """A fresh headless Chromium with one page whose events are recorded."""
    import websocket  # websocket-client

    profile = tempfile.mkdtemp(prefix="aims-chromium-")
    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + 60
        while True:
            if os.path.exists(port_file):
                with open(port_file, encoding="utf-8") as handle:
                    lines = handle.read().split("\n")
                if len(lines) >= 2 and lines[1]:
                    break
            if process.poll() is not None:
                raise RuntimeError(f"{binary} exited with {process.returncode} at start")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{binary} did not open its DevTools port within 60 s")
            time.sleep(0.05)
        url = f"ws://127.0.0.1:{lines[0].strip()}{lines[1].strip()}"
        socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        try:
            socket.send(
                json.dumps(
                    {"id": 1, "method": "Target.createTarget", "params": {"url": "about:blank"}}
                )
            )
            target = _answer(socket, 1)["targetId"]
            socket.send(
                json.dumps(
                    {
                        "id": 2,
                        "method": "Target.attachToTarget",
                        "params": {"targetId": target, "flatten": True},
                    }
                )
            )
            page = Page(socket, _answer(socket, 2)["sessionId"])
            page._next = 10
            for domain in ("Page", "Runtime", "Log", "Network"):
                page.call(f"{domain}.enable")
            yield page
        finally:
            socket.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _answer(socket: Any, ident: int) -> dict[str, Any]:
    while True:
        message = json.loads(socket.recv())
        if message.get("id") == ident:
            if "error" in message:
                raise RuntimeError(str(message["error"]))
            result: dict[str, Any] = message["result"]
            return result
