"""The kubectl-parity tier's recorders and runner (tests/test_kubectl_parity.py), run inside a network namespace
that has only `lo`:

    unshare -rn sh -c 'ip link set lo up && exec python3 tests/kubectl_parity_run.py'   (the table as JSON on stdin)

It makes the certificates (openssl: CAs with and without keyUsage, an intermediate, server certificates valid,
CN-only, expired, client-only, a client certificate), starts one recorder per server certificate (HTTPS on
127.0.0.1, recording per connection the SNI, the client certificate, a failed handshake and the request's headers),
a plain HTTP recorder, two HTTP proxies (CONNECT and absolute-form requests recorded; a CONNECT is tunnelled to the
recorder listening on the port asked for, whatever the host name) and a SOCKS5 recorder. Then, for each row, the
same files, kubeconfig, environment, working directory and flags for `kubectl get --raw /api` and for the installed
`kubectl-reach svc/x`, one after the other, each observation being what the recorders and the exec plugins saw.
It prints {row id: {"kubectl": observation, "reach": observation}} as JSON. Nothing here can reach anything but
loopback: the namespace has no other interface, and names under `.invalid` resolve nowhere.
"""

import base64
import contextlib
import json
import os
import pathlib
import select
import shutil
import socket
import ssl
import string
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pki import make_ca, make_leaf

API = json.dumps({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
    {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}).encode()
VERSION = json.dumps({"major": "1", "minor": "32", "gitVersion": "v1.32.0"}).encode()
NOT_FOUND = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": 'services "x" not found',
                        "reason": "NotFound", "code": 404}).encode()
UNAUTHORIZED = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "Unauthorized",
                           "reason": "Unauthorized", "code": 401}).encode()
NAMES = "DNS:localhost,DNS:api.example.invalid,DNS:alt.example.invalid,IP:127.0.0.1,IP:192.0.2.10"
# The server certificates: name -> (issuer, subject, extensions, days)
SERVERS = {
    "srv": ("ca", "/CN=kube-apiserver", f"subjectAltName={NAMES}\nextendedKeyUsage=serverAuth", 2),
    "noku": ("ca-noku", "/CN=kube-apiserver", f"subjectAltName={NAMES}", 2),
    "cnonly": ("ca", "/CN=127.0.0.1", "extendedKeyUsage=serverAuth", 2),
    "expired": ("ca", "/CN=kube-apiserver", f"subjectAltName={NAMES}", 0),
    "clientonly": ("ca", "/CN=kube-apiserver", f"subjectAltName={NAMES}\nextendedKeyUsage=clientAuth", 2),
    "viainter": ("inter", "/CN=kube-apiserver", f"subjectAltName={NAMES}", 2),
}
_events: list = []  # what every recorder saw, in order
_lock = threading.Lock()
rejected_tokens: set = set()  # Authorization values the recorders answer 401


def record(**event) -> None:
    with _lock:
        _events.append(event)


def make_pki(directory: pathlib.Path) -> None:
    make_ca(directory, "ca", key_usage=True, ec=True, subject="/CN=parity-ca")
    make_ca(directory, "ca-noku", key_usage=False, ec=True, subject="/CN=parity-ca-no-keyusage")
    make_ca(directory, "other-ca", key_usage=True, ec=True, subject="/CN=someone-else")
    make_ca(directory, "client-ca", key_usage=True, ec=True, subject="/CN=parity-client-ca")
    make_leaf(directory, "inter", "/CN=parity-intermediate",
              "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign", ca="ca", ec=True)
    for name, (issuer, subject, extensions, days) in SERVERS.items():
        make_leaf(directory, name, subject, extensions, ca=issuer, ec=True, days=days)
    make_leaf(directory, "alice", "/CN=alice/O=system:masters", "extendedKeyUsage=clientAuth", ca="client-ca", ec=True)
    make_leaf(directory, "bob", "/CN=bob", "extendedKeyUsage=clientAuth", ca="client-ca", ec=True)
    time.sleep(1.1)  # `expired` (valid for 0 days) is now past its notAfter


# --- recorders -------------------------------------------------------------------------------------------

def _listen(port: int = 0) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    return listener


def _serve(listener: socket.socket, handle) -> None:
    def accept() -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=_guarded, args=(handle, conn), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()


def _guarded(handle, conn) -> None:
    with contextlib.suppress(OSError, ValueError), conn:
        conn.settimeout(10)
        handle(conn)


def _read_head(conn) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _parse(head: bytes):
    text = head.decode("latin-1").split("\r\n\r\n", 1)[0]
    lines = text.split("\r\n")
    headers: dict = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers.setdefault(key.strip().lower(), []).append(value.strip())
    return lines[0], headers


def _answer(conn, request_line: str, headers: dict, server: str, **seen) -> None:
    wanted = {k: v for k, v in headers.items()
              if k in ("authorization", "accept-encoding") or k.startswith("impersonate-")}
    record(kind="request", server=server, line=request_line, headers=wanted, **seen)
    auth = (headers.get("authorization") or [None])[0]
    path = (request_line.split(" ") + ["", ""])[1].split("?")[0]
    if auth in rejected_tokens:
        status, body = "401 Unauthorized", UNAUTHORIZED
    elif path.endswith("/api"):
        status, body = "200 OK", API
    elif path.endswith("/version"):
        status, body = "200 OK", VERSION
    else:
        status, body = "404 Not Found", NOT_FOUND
    conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                 "Connection: close\r\n\r\n".encode() + body)


def https_recorder(name: str, pki: pathlib.Path) -> int:
    """HTTPS with `name`'s certificate; client certificates of client-ca asked for, not required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    chain = pki / f"{name}.chain.pem"
    chain.write_text((pki / f"{name}.crt").read_text())  # the leaf alone: the intermediate is the client's anchor
    context.load_cert_chain(chain, pki / f"{name}.key")
    context.load_verify_locations(pki / "client-ca.crt")
    context.verify_mode = ssl.CERT_OPTIONAL
    local = threading.local()

    def sni(sslobj, server_name, ctx) -> None:
        local.sni = server_name

    context.sni_callback = sni

    def handle(conn) -> None:
        local.sni = None
        try:
            tls = context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            record(kind="handshake-failed", server=name, sni=local.sni, reason=type(exc).__name__)
            return
        with tls:
            peer = tls.getpeercert() or {}
            cn = dict(x[0] for x in peer.get("subject", ())).get("commonName")
            head = _read_head(tls)
            if not head:
                record(kind="handshake-only", server=name, sni=local.sni, client_cn=cn)
                return
            line, headers = _parse(head)
            _answer(tls, line, headers, name, sni=local.sni, client_cn=cn)

    listener = _listen()
    _serve(listener, handle)
    return listener.getsockname()[1]


def http_recorder() -> int:
    def handle(conn) -> None:
        head = _read_head(conn)
        if head:
            line, headers = _parse(head)
            _answer(conn, line, headers, "http")

    listener = _listen()
    _serve(listener, handle)
    return listener.getsockname()[1]


def _tunnel(client, port: int) -> None:
    """Bytes both ways between a proxied client and the recorder on 127.0.0.1:`port`."""
    upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
    with upstream:
        sockets = [client, upstream]
        while True:
            ready, _, _ = select.select(sockets, [], [], 10)
            if not ready:
                return
            for sock in ready:
                data = sock.recv(65536)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)


def _port_of(target: str) -> int:
    return int(target.rsplit(":", 1)[1])


def http_proxy(name: str) -> int:
    def handle(conn) -> None:
        head = _read_head(conn)
        if not head:
            return
        line, headers = _parse(head)
        method, target = (line.split(" ") + ["", ""])[:2]
        seen = {"proxy_authorization": (headers.get("proxy-authorization") or [None])[0]}
        if method == "CONNECT":
            record(kind="proxy", proxy=name, target=target, **seen)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _tunnel(conn, _port_of(target))
        else:  # absolute-form: an http:// server through the proxy, headers and all
            record(kind="proxy", proxy=name, target=target, **seen)
            _answer(conn, line, headers, f"via-{name}")

    listener = _listen()
    _serve(listener, handle)
    return listener.getsockname()[1]


def socks5_proxy() -> int:
    """RFC 1928, no authentication, CONNECT only: the target (a name, as Go sends it, or an address) recorded."""
    def recv_exact(conn, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def handle(conn) -> None:
        version, count = recv_exact(conn, 2)
        methods = recv_exact(conn, count)
        if version != 5 or 0 not in methods:
            conn.sendall(b"\x05\xff")
            return
        conn.sendall(b"\x05\x00")
        _, command, _, kind = recv_exact(conn, 4)
        if kind == 3:
            host = recv_exact(conn, recv_exact(conn, 1)[0]).decode()
        elif kind == 1:
            host = socket.inet_ntoa(recv_exact(conn, 4))
        else:
            host = "[" + socket.inet_ntop(socket.AF_INET6, recv_exact(conn, 16)) + "]"
        port = int.from_bytes(recv_exact(conn, 2), "big")
        record(kind="proxy", proxy="socks", target=f"{host}:{port}", proxy_authorization=None)
        conn.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + port.to_bytes(2, "big"))
        _tunnel(conn, port)

    listener = _listen()
    _serve(listener, handle)
    return listener.getsockname()[1]


# --- rows ----------------------------------------------------------------------------------------------

PLUGIN = """#!{python}
import json, os, sys
log = {log!r}
runs = sum(1 for _ in open(log)) if os.path.exists(log) else 0
with open(log, "a") as out:
    out.write(json.dumps({{"argv0": os.path.realpath(sys.argv[0]), "args": sys.argv[1:], "cwd": os.getcwd(),
                          "info": json.loads(os.environ.get("KUBERNETES_EXEC_INFO", "null")),
                          "env": {{k: v for k, v in os.environ.items() if k.startswith("PARITY_")}}}}) + "\\n")
if {exit}:
    sys.exit({exit})
status = json.loads({status!r})
if isinstance(status, dict) and "token" in status:
    status["token"] = status["token"].replace("{{run}}", str(runs + 1))
print(json.dumps({{"apiVersion": {api!r}, "kind": "ExecCredential", "status": status}}))
"""


def write_files(row: dict, directory: pathlib.Path, values: dict) -> None:
    for relative, spec in row.get("files", {}).items():
        path = directory / string.Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, dict) and "plugin" in spec:  # an exec plugin that logs how it was run
            plugin = spec["plugin"]
            path.write_text(PLUGIN.format(python=sys.executable, log=str(directory / "plugin.log"),
                                          status=string.Template(json.dumps(plugin.get("status", {"token": "exec-{run}"})))
                                          .substitute(values),
                                          api=plugin.get("apiVersion", "client.authentication.k8s.io/v1"),
                                          exit=plugin.get("exit", 0)))
            path.chmod(0o755)
        elif isinstance(spec, dict) and "copy" in spec:
            shutil.copy(string.Template(spec["copy"]).substitute(values), path)
        elif isinstance(spec, dict) and "bytes" in spec:
            path.write_bytes(base64.b64decode(spec["bytes"]))
        else:
            path.write_text(string.Template(spec).substitute(values))


def observe(run, directory: pathlib.Path) -> dict:
    """Run one client; what the recorders and its exec plugin saw."""
    log = directory / "plugin.log"
    with contextlib.suppress(FileNotFoundError):
        log.unlink()
    with _lock:
        _events.clear()
    started = time.monotonic()
    done = run()
    time.sleep(0.05)  # a recorder thread may still be writing its event
    with _lock:
        events = list(_events)
    plugin = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return {"code": done.returncode, "stderr": done.stderr[-2000:], "events": events, "plugin": plugin,
            "seconds": round(time.monotonic() - started, 2)}


def run_row(row: dict, values: dict, base: pathlib.Path, reach_bin: str) -> dict:
    directory = base / row["id"]
    (directory / "home").mkdir(parents=True)
    (directory / "cwd").mkdir()
    values = {**values, "dir": str(directory), "home": str(directory / "home")}
    write_files(row, directory, values)
    env = {"PATH": os.pathsep.join([os.path.dirname(reach_bin), "/usr/local/bin", "/usr/bin", "/bin"]),
           "HOME": str(directory / "home"), "LANG": "C.UTF-8"}
    env.update({k: string.Template(v).substitute(values) for k, v in row.get("env", {}).items()})
    if "kubeconfig" in row:
        (directory / "config").write_text(string.Template(row["kubeconfig"]).substitute(values))
        env.setdefault("KUBECONFIG", str(directory / "config"))
    args = [string.Template(a).substitute(values) for a in row.get("args", [])]
    cwd = directory / string.Template(row.get("cwd", "cwd")).substitute(values)
    rejected_tokens.clear()
    rejected_tokens.update(row.get("reject", []))

    def client(argv):
        return lambda: subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=60,
                                      stdin=subprocess.DEVNULL)

    return {"kubectl": observe(client(["kubectl", "get", "--raw", "/api", *args, "--request-timeout", "5s"]), directory),
            "reach": observe(client([reach_bin, "svc/x", *args, "--request-timeout", "5s"]), directory)}


def main() -> None:
    table = json.load(sys.stdin)
    base = pathlib.Path(tempfile.mkdtemp(prefix="kubectl-parity-"))
    pki = base / "pki"
    pki.mkdir()
    make_pki(pki)
    values = {"pki": str(pki), "python": sys.executable}
    for name in SERVERS:
        values[f"port_{name}"] = str(https_recorder(name, pki))
    values["port_http"] = str(http_recorder())
    for name in ("proxy1", "proxy2"):
        values[f"port_{name}"] = str(http_proxy(name))
    values["port_socks"] = str(socks5_proxy())
    for name in ("ca", "ca-noku", "other-ca", "inter", "alice", "bob"):
        values[f"{name.replace('-', '_')}_crt"] = str(pki / f"{name}.crt")
        values[f"{name.replace('-', '_')}_data"] = base64.b64encode((pki / f"{name}.crt").read_bytes()).decode()
    for name in ("alice", "bob"):
        values[f"{name}_pem"] = json.dumps((pki / f"{name}.crt").read_text())[1:-1]  # for a JSON string
        values[f"{name}_key_pem"] = json.dumps((pki / f"{name}.key").read_text())[1:-1]
        values[f"{name}_key"] = str(pki / f"{name}.key")
        values[f"{name}_key_data"] = base64.b64encode((pki / f"{name}.key").read_bytes()).decode()
    ports = {values[f"port_{name}"]: name for name in [*SERVERS, "http", "proxy1", "proxy2", "socks"]}
    results = {}
    for row in table["rows"]:
        results[row["id"]] = run_row(row, values, base, table["reach"])
    print(json.dumps({"results": results, "ports": ports}))
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
