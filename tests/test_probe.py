"""--probe against real listeners on 127.0.0.1: a TCP server, an HTTP server, HTTPS servers with certificates
made here (trusted through a test CA, self-signed, for the wrong name), a closed port and a silent server."""

import json
import socket
import ssl
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kubectl_expose_ext.endpoints import Endpoint
from kubectl_expose_ext.probe import Certificate, Probe, Target, certificate_problems, parse_certificate, probe, probe_all
from builders import node, service
from pki import make_ca, make_leaf, make_self_signed, openssl, requires_openssl


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.seen.append((self.path, dict(self.headers.items())))
        if self.path == "/slow":
            time.sleep(3)
        status = 301 if self.path == "/moved" else 200
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "http://elsewhere.example.com/")
        self.send_header("Set-Cookie", "session=abc")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # probes hang up early on purpose


def serve(tls: ssl.SSLContext = None):
    server = Server(("127.0.0.1", 0), Handler)
    server.seen = []
    if tls:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def tls_context(pki, name):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / f"{name}.crt", pki / f"{name}.key")
    return context


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("probe-pki")
    make_ca(d)
    make_leaf(d, "good", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    make_leaf(d, "wrong", "/CN=other.example.com", "subjectAltName=DNS:other.example.com")
    make_self_signed(d, "self", "/CN=Kubernetes Ingress Controller Fake Certificate/O=Acme Co", "DNS:ingress.local")
    return d


@pytest.fixture
def servers(pki):
    started = {"http": serve(), **{name: serve(tls_context(pki, name)) for name in ("good", "wrong", "self")}}
    yield started
    for server in started.values():
        server.shutdown()
        server.server_close()


@pytest.fixture
def tcp_port():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                listener.accept()[0].close()
            except OSError:
                pass
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


@pytest.fixture
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def port(server):
    return server.server_address[1]


# --- certificates: our DER reader against openssl's own reading ------------------------------------------

@requires_openssl
def test_certificate_fields_agree_with_openssl(pki):
    for name in ("good", "self", "wrong"):
        der = ssl.PEM_cert_to_DER_cert((pki / f"{name}.crt").read_text())
        cert = parse_certificate(der)
        end = openssl(pki, "x509", "-in", f"{name}.crt", "-noout", "-enddate").strip().split("=", 1)[1]
        assert cert.not_after == datetime.strptime(end, "%b %d %H:%M:%S %Y GMT").replace(tzinfo=timezone.utc)
        subject = openssl(pki, "x509", "-in", f"{name}.crt", "-noout", "-subject", "-nameopt", "sep_comma_plus_space")
        assert subject.strip() == f"subject={cert.subject}"
    good = parse_certificate(ssl.PEM_cert_to_DER_cert((pki / "good.crt").read_text()))
    assert (good.dns_names, good.ip_addresses, good.issuer) == (["localhost"], ["127.0.0.1"], "CN=fake-ca")
    assert parse_certificate(b"\x30\x03\x02\x01") == Certificate()  # truncated: nothing, no exception


def test_certificate_description_counts_the_days_left():
    cert = Certificate(subject="CN=a", not_after=datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert cert.describe(datetime(2026, 11, 25, tzinfo=timezone.utc)) == "certificate CN=a, expires 2026-12-01 (in 6 days)"
    assert cert.describe(datetime(2026, 1, 1, tzinfo=timezone.utc)) == "certificate CN=a, expires 2026-12-01"
    assert Certificate().describe() == "certificate (no subject)"


def test_certificate_problems():
    cert = Certificate(subject="CN=a", dns_names=["*.example.com"], not_after=datetime(2026, 1, 1, tzinfo=timezone.utc))
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    assert certificate_problems(cert, "a.example.com", now) == ["expired on 2026-01-01"]
    assert certificate_problems(cert, "a.b.example.com", now)[1] == "not valid for a.b.example.com (valid for *.example.com)"
    assert certificate_problems(cert, "a.example.com", datetime(2025, 1, 1, tzinfo=timezone.utc)) == []
    many = Certificate(dns_names=[f"{n}.example.org" for n in "abcde"])
    assert certificate_problems(many, "x.example.com") == [
        "not valid for x.example.com (valid for a.example.org, b.example.org, c.example.org and 2 more)"]


# --- one probe ---------------------------------------------------------------------------------------------

def test_tcp_and_closed_port(tcp_port, closed_port):
    answer = probe(Target("tcp", "127.0.0.1", tcp_port), allow_local=True)
    assert (answer.status, answer.detail) == ("ok", "TCP connection accepted") and answer.latency_ms >= 0
    refused = probe(Target("tcp", "127.0.0.1", closed_port), allow_local=True)
    assert (refused.status, refused.detail) == ("refused", "connection refused: nothing listens there")
    assert probe(Target("http", "127.0.0.1", closed_port), allow_local=True).status == "refused"


def test_http_sends_no_credentials_and_follows_no_redirect(servers):
    http = servers["http"]
    assert probe(Target("http", "127.0.0.1", port(http), "/"), allow_local=True).detail == "HTTP 200"
    moved = probe(Target("http", "127.0.0.1", port(http), "/moved"), allow_local=True)
    assert (moved.status, moved.detail) == ("ok", "HTTP 301 -> http://elsewhere.example.com/ (not followed)")
    assert [path for path, _ in http.seen] == ["/", "/moved"]  # one request each, nothing followed
    headers = http.seen[0][1]
    assert set(headers) == {"Host", "User-Agent", "Accept", "Connection"}
    assert headers["Host"] == f"127.0.0.1:{port(http)}"


def test_https_trusted_certificate_is_ok(servers, pki, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "ca.crt"))  # OpenSSL's default trust store, for this test
    answer = probe(Target("https", "127.0.0.1", port(servers["good"])), allow_local=True)
    assert answer.status == "ok"
    assert answer.detail.startswith("HTTP 200; certificate CN=localhost, expires 20")
    assert answer.detail.endswith(" (in 1 day)") or answer.detail.endswith(" (in 2 days)")  # made for 2 days
    certificate = answer.to_dict()["certificate"]
    assert (certificate["subject"], certificate["issuer"], certificate["names"], certificate["verified"]) == \
           ("CN=localhost", "CN=fake-ca", ["localhost", "127.0.0.1"], True)
    assert certificate["not_after"].endswith("Z")


def test_https_self_signed_is_a_tls_error_that_still_says_what_answered(servers):
    answer = probe(Target("https", "127.0.0.1", port(servers["self"])), allow_local=True)
    assert answer.status == "tls-error"
    assert answer.detail.startswith("certificate CN=Kubernetes Ingress Controller Fake Certificate, O=Acme Co, expires ")
    assert "self-signed certificate" in answer.detail
    assert "not valid for 127.0.0.1 (valid for ingress.local)" in answer.detail
    assert answer.detail.endswith("HTTP 200 without verification")
    assert answer.certificate["verified"] is False


def test_https_certificate_for_another_name(servers, pki, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "ca.crt"))
    answer = probe(Target("https", "127.0.0.1", port(servers["wrong"])), allow_local=True)
    assert answer.status == "tls-error"
    assert answer.detail.startswith("certificate CN=other.example.com, expires ")
    assert ": not valid for 127.0.0.1 (valid for other.example.com); HTTP 200 without verification" in answer.detail
    assert "mismatch" not in answer.detail  # OpenSSL's own wording says less: ours names the valid hosts


def test_tls_passthrough_checks_the_certificate_only(servers, pki, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(pki / "ca.crt"))
    answer = probe(Target("tls", "127.0.0.1", port(servers["good"])), allow_local=True)
    assert (answer.status, answer.detail.split(";")[0]) == ("ok", "handshake completed")
    assert [path for path, _ in servers["good"].seen] == []  # no HTTP sent through a TLS passthrough


def test_https_to_a_plain_http_server(servers):
    answer = probe(Target("https", "127.0.0.1", port(servers["http"])), allow_local=True)
    assert answer.status == "tls-error" and answer.detail.startswith("TLS handshake failed")


def test_timeout_is_a_deadline_for_the_whole_probe(servers):
    started = time.monotonic()
    answer = probe(Target("http", "127.0.0.1", port(servers["http"]), "/slow"), timeout=0.3, allow_local=True)
    assert (answer.status, answer.detail) == ("timeout", "no answer within 0.3s")
    assert time.monotonic() - started < 1.5


def test_unresolvable_virtual_host_is_tried_at_its_proxy(servers):
    target = Target("http", "shop.invalid", port(servers["http"]), "/cart", fallback="127.0.0.1")
    answer = probe(target, allow_local=True)
    assert answer.status == "ok"
    assert answer.detail == "HTTP 200; shop.invalid does not resolve: reached through 127.0.0.1"
    assert servers["http"].seen[-1][0] == "/cart"
    assert servers["http"].seen[-1][1]["Host"] == f"shop.invalid:{port(servers['http'])}"
    alone = probe(Target("http", "shop.invalid", 80))
    assert alone.status == "error" and alone.detail.startswith("shop.invalid does not resolve")


def test_what_is_not_probed():
    assert probe(Target("udp", "127.0.0.1", 53)).status == "skipped"
    assert probe(Target("https", "*.example.com", 443)).detail == "wildcard host: no single name to try"


def test_probe_all_tries_each_target_once_within_the_parallelism():
    calls, running, peak = [], [0], [0]
    lock = threading.Lock()

    def attempt(target, timeout, allow_local):
        with lock:
            calls.append(target)
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return Probe("ok", 1)
    endpoints = [Endpoint("NodePort", "http", "203.0.113.1", 30000 + i % 10, node=f"n{i}") for i in range(30)]
    probes = probe_all(endpoints, 1.0, parallelism=4, attempt=attempt)
    assert len(calls) == 10 and peak[0] == 4
    assert all(probes[e.key()].status == "ok" for e in endpoints)


# --- through the CLI --------------------------------------------------------------------------------------

@pytest.fixture
def local(api_factory, servers, tcp_port, closed_port):
    """A node whose address is 127.0.0.1, and Services whose node ports are the listeners above."""
    objects = [{"kind": "Node", **node("local", ("ExternalIP", "127.0.0.1"))},
               {"kind": "Service", **service("web", {"name": "http", "port": 80, "nodePort": port(servers["http"])},
                                             {"name": "db", "port": 5432, "nodePort": tcp_port},
                                             {"name": "metrics", "port": 9100, "nodePort": closed_port},
                                             type="NodePort")},
               {"kind": "Service", **service("secure", {"name": "https", "port": port(servers["self"])},
                                             type="LoadBalancer", lb=[{"ip": "127.0.0.1"}],
                                             allocateLoadBalancerNodePorts=False)},
               {"kind": "Service", **service("down", {"name": "http", "port": 80, "nodePort": closed_port},
                                             type="NodePort")}]
    return api_factory(objects=objects)


def test_cli_probe_table_json_and_exit_codes(local, servers, tcp_port, closed_port):
    out = local.reach("svc/web", "--probe", "--probe-allow-local")
    assert out.code == 0
    rows = [line.split(None, 4) for line in out.out.splitlines()]
    assert rows[0][:4] == ["METHOD", "URL", "PROBE", "NODE"]
    by_url = {row[1]: row for row in rows[1:]}
    assert by_url[f"http://127.0.0.1:{port(servers['http'])}"][2] == "ok"
    assert by_url[f"tcp://127.0.0.1:{tcp_port}"][2] == "ok"
    assert by_url[f"tcp://127.0.0.1:{closed_port}"][2:4] == ["refused", "local"]

    doc = json.loads(local.reach("svc/web", "--probe", "--probe-allow-local", "-o", "json").out)
    probes = {e["url"]: e["probe"] for e in doc["endpoints"]}
    assert probes[f"tcp://127.0.0.1:{closed_port}"] == {"status": "refused", "latency_ms": probes[
        f"tcp://127.0.0.1:{closed_port}"]["latency_ms"], "detail": "connection refused: nothing listens there"}
    assert probes[f"http://127.0.0.1:{port(servers['http'])}"]["detail"] == "HTTP 200"
    assert "probe" not in json.loads(local.reach("svc/web", "-o", "json").out)["endpoints"][0]  # only when asked

    assert local.reach("svc/web", "--probe", "--probe-allow-local", "-o", "url").out.split() == [
        f"http://127.0.0.1:{port(servers['http'])}", f"tcp://127.0.0.1:{tcp_port}"]  # what answered

    secure = local.reach("svc/secure", "--probe", "--probe-allow-local", "-o", "json")
    assert secure.code == 3  # the only endpoint fails certificate verification
    assert json.loads(secure.out)["endpoints"][0]["probe"]["status"] == "tls-error"
    down = local.reach("svc/down", "--probe", "--probe-allow-local")
    assert down.code == 3 and "refused" in down.out


def test_cli_probe_flags(local):
    bad = local.reach("svc/web", "--probe", "--probe-allow-local", "--timeout", "soon")
    assert (bad.code, bad.err) == (1, 'error: invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"\n')
    zero = local.reach("svc/web", "--probe", "--probe-allow-local", "--timeout", "0")
    assert zero.err.startswith('error: invalid --timeout "0": a probe needs a time limit')


def test_cli_probe_reaches_a_gateway_host_without_dns_through_the_gateway_address(api_factory, servers):
    http = servers["http"]
    parent = {"name": "edge", "namespace": "infra"}
    objects = [{"kind": "Service", **service("web", {"name": "http", "port": 80})},
               {"kind": "Gateway", "metadata": {"name": "edge", "namespace": "infra"},
                "spec": {"listeners": [{"name": "web", "protocol": "HTTP", "port": port(http),
                                        "allowedRoutes": {"namespaces": {"from": "All"}}}]},
                "status": {"addresses": [{"type": "IPAddress", "value": "127.0.0.1"}]}},
               {"kind": "HTTPRoute", "metadata": {"name": "web"},
                "spec": {"parentRefs": [parent], "hostnames": ["shop.invalid"],
                         "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/cart"}}],
                                    "backendRefs": [{"name": "web", "port": 80}]}]},
                "status": {"parents": [{"parentRef": parent, "conditions": [{"type": "Accepted", "status": "True"}]}]}}]
    api = api_factory(objects=objects)
    out = api.reach("httproute/web", "--probe", "--probe-allow-local", "-o", "json")
    assert out.code == 0
    (endpoint,) = json.loads(out.out)["endpoints"]
    assert endpoint["url"] == f"http://shop.invalid:{port(http)}/cart"
    assert endpoint["probe"]["detail"] == "HTTP 200; shop.invalid does not resolve: reached through 127.0.0.1"
    assert http.seen[-1][0] == "/cart" and http.seen[-1][1]["Host"] == f"shop.invalid:{port(http)}"
