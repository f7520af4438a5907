"""Run one CLI scenario inside a network namespace that has only `lo` (see test_hostile_probe.py).

    unshare -rn sh -c 'ip link set lo up && exec python3 tests/netns_run.py'   (the scenario as JSON on stdin)

Starts the scenario's listeners on 127.0.0.1 / ::1 (`record`: answer 200 and keep the raw request; `trickle`:
send a status line one byte at a time, forever; `flood`: headers without end), a fake API server holding the
scenario's objects (`"{port:NAME}"` in them becomes that listener's port), runs `kubectl reach ARGS` in-process,
and prints {"code", "out", "err", "requests": {listener: [raw request, ...]}, "seconds"} as JSON. Nothing here
can reach anything but loopback: the namespace has no other interface.
"""

import contextlib
import io
import json
import re
import socket
import sys
import tempfile
import threading
import time


def serve(kind: str, family: int, address: str, port: int, seen: list) -> int:
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(16)

    def handle(conn):
        with conn:
            conn.settimeout(5)
            if kind == "record":
                data = b""
                try:
                    while b"\r\n\r\n" not in data and len(data) < 65536:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    time.sleep(0.2)  # a smuggled second request would have arrived by now
                    conn.settimeout(0.2)
                    data += conn.recv(65536)
                except OSError:
                    pass
                seen.append(data.decode("latin-1"))
                with contextlib.suppress(OSError):
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            elif kind == "trickle":
                with contextlib.suppress(OSError):
                    for byte in b"HTTP/1.1 200 OK\r\nX: " + b"y" * 10000:
                        conn.sendall(bytes([byte]))
                        time.sleep(0.05)
            elif kind == "flood":
                with contextlib.suppress(OSError):
                    conn.sendall(b"HTTP/1.1 200 OK\r\n")
                    for _ in range(100000):
                        conn.sendall(b"X-Flood: " + b"z" * 1000 + b"\r\n")

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def main() -> None:
    scenario = json.load(sys.stdin)
    ports, requests = {}, {}
    for name, spec in scenario.get("listeners", {}).items():
        family = socket.AF_INET6 if ":" in spec.get("address", "127.0.0.1") else socket.AF_INET
        requests[name] = []
        ports[name] = serve(spec["kind"], family, spec.get("address", "127.0.0.1"), spec.get("port", 0), requests[name])
    text = re.sub(r'"\{port:(\w+)\}"', lambda m: str(ports[m.group(1)]), json.dumps(scenario["objects"]))
    text = re.sub(r"\{port:(\w+)\}", lambda m: str(ports[m.group(1)]), text)

    from kubectl_expose_ext.cli import run
    from kubectl_expose_ext.demo.apiserver import FakeAPIServer, FakeCluster

    with FakeAPIServer(FakeCluster(json.loads(text))) as server, tempfile.NamedTemporaryFile("w", suffix=".yaml") as kc:
        kc.write(server.kubeconfig(namespace=scenario.get("namespace", "default")))
        kc.flush()
        out, err = io.StringIO(), io.StringIO()
        started = time.monotonic()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run([*scenario["args"], "--kubeconfig", kc.name])
        seconds = time.monotonic() - started
    time.sleep(0.3)  # let the recording listeners finish
    print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(), "requests": requests,
                      "seconds": seconds, "ports": ports}))


if __name__ == "__main__":
    main()
