"""Open one local HTML file in headless Chromium, inside a network namespace that has only `lo`, and report what the
page did (see test_report.py):

    unshare -rn sh -c 'ip link set lo up && exec python3 tests/headless_run.py'   (a JSON request on stdin)

The request: {"page": "/path/report.html", "screenshot": "/path/shot.png", "pdf": "/path/report.pdf",
"profile": "/fresh/dir", "bait_port": N or absent}. With `bait_port`, a listener on 127.0.0.1:N records every
connection (a page that fetches anything there is caught). Chromium runs with the flags the project's CI uses and is
driven over the DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in, fd 4 out, NUL-separated JSON): no port
is opened. It prints {"text": the page's innerText, "requests": every URL the page asked for (Network.
requestWillBeSent), "blocked": the requests refused (loadingFailed with a reason), "bait_hits": the connections the
listener saw, "pages": the PDF's page count}.
"""

import base64
import fcntl
import json
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--remote-debugging-pipe", "--window-size=1400,1000"]
DEADLINE = 60  # seconds for the whole visit


def bait(port: int, hits: list) -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(8)

    def accept():
        while True:
            conn, _ = listener.accept()
            conn.settimeout(2)
            try:
                hits.append(conn.recv(4096).decode("latin-1").split("\r\n", 1)[0])
            except OSError:
                hits.append("(connection)")
            conn.close()

    threading.Thread(target=accept, daemon=True).start()


class DevTools:
    """The DevTools protocol over Chromium's pipe: send a command, wait for its answer, keep the events."""

    def __init__(self, request: dict):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w)]

        def child_fds():  # dup2 leaves the copies inheritable; every other descriptor of ours is not (PEP 446)
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.process = subprocess.Popen(["chromium", *FLAGS, f"--user-data-dir={request['profile']}", "about:blank"],
                                        preexec_fn=child_fds, close_fds=False, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        for fd in (to_chrome_r, from_chrome_w, *high):
            os.close(fd)
        self.out, self.inp = to_chrome_w, from_chrome_r
        self.buffer, self.events, self.next_id = b"", [], 0
        self.deadline = time.monotonic() + DEADLINE

    def _read(self) -> dict:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            ready, _, _ = select.select([self.inp], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.inp, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed its pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict = None, session: str = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.out, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str) -> dict:
        seen = next((e for e in self.events if e.get("method") == method), None)
        while seen is None:
            event = self._read()
            self.events.append(event)
            seen = event if event.get("method") == method else None
        return seen

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def main() -> None:
    request = json.load(sys.stdin)
    hits: list = []
    if request.get("bait_port"):
        bait(request["bait_port"], hits)
    tools = DevTools(request)
    try:
        target = tools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Network.enable", "Page.enable"):
            tools.send(domain, session=session)
        tools.events.clear()
        tools.send("Page.navigate", {"url": "file://" + request["page"]}, session=session)
        tools.wait_for("Page.loadEventFired")
        text = tools.send("Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True},
                          session=session)["result"].get("value", "")
        size = tools.send("Runtime.evaluate", {"expression": "[document.documentElement.scrollWidth, "
                                               "document.documentElement.scrollHeight]", "returnByValue": True},
                          session=session)["result"]["value"]
        tools.send("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": min(int(size[1]), 4000),
                                                          "deviceScaleFactor": 1, "mobile": False}, session=session)
        shot = tools.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
        with open(request["screenshot"], "wb") as handle:
            handle.write(base64.b64decode(shot))
        pdf = base64.b64decode(tools.send("Page.printToPDF", {"printBackground": True}, session=session)["data"])
        with open(request["pdf"], "wb") as handle:
            handle.write(pdf)
        requests = [e["params"]["request"]["url"] for e in tools.events
                    if e.get("method") == "Network.requestWillBeSent"]
        blocked = [e["params"].get("blockedReason") or e["params"].get("errorText") for e in tools.events
                   if e.get("method") == "Network.loadingFailed"]
    finally:
        tools.close()
    print(json.dumps({"text": text, "requests": requests, "blocked": blocked, "bait_hits": hits,
                      "pages": len(re.findall(rb"/Type\s*/Page\b", pdf))}))


if __name__ == "__main__":
    main()
