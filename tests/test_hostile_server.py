"""Broken or hostile API servers and kubeconfigs, through the CLI: every case ends in one `error:` line, bounded.

The fake API server injects what it can (endless continue tokens, empty and absurd bodies); raw-socket servers on
127.0.0.1 do what it cannot (a body trickled byte by byte, a gzip bomb).
"""

import gzip
import json
import socket
import threading
import time

import pytest

from kubectl_expose_ext.cli import run
from support import kubeconfig_file

NODE_PORT_SERVICE = {"kind": "Service", "metadata": {"name": "web"},
                     "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}}


def one_error(out, *fragments):
    assert out.code == 1, (out.out, out.err)
    assert len(out.err.splitlines()) == 1 and out.err.startswith("error: ") and "internal error" not in out.err, out.err
    for fragment in fragments:
        assert fragment in out.err, out.err


@pytest.fixture
def api(api_factory):
    return api_factory(objects=[NODE_PORT_SERVICE])


@pytest.mark.parametrize("token, says", [("same", "continue token repeats"), (["x"], "is not a string"),
                                         ({"a": 1}, "is not a string")])
def test_a_list_whose_continue_token_never_ends_is_an_error_not_a_loop(api, token, says):
    page = {"kind": "NodeList", "apiVersion": "v1", "metadata": {"continue": token}, "items": []}
    api.cluster.inject(path="/api/v1/nodes", body=json.dumps(page).encode(), times=100_000)
    started, before = time.monotonic(), len(api.cluster.log)
    one_error(api.reach("svc/web"), "broken LIST of nodes", says)
    node_requests = [r for r in api.cluster.log[before:] if r.path == "/api/v1/nodes"]
    assert len(node_requests) <= 2 and time.monotonic() - started < 5


@pytest.mark.parametrize("body, says", [(b"", "an empty body"), (b"[" * 200_000, "not a JSON object"),
                                        (b"null", "not a JSON object")])
def test_empty_deep_or_null_bodies_are_errors_not_empty_answers(api, body, says):
    api.cluster.inject(path="/api/v1/namespaces/default/services/web", body=body)
    one_error(api.reach("svc/web"), "invalid response to GET /api/v1/namespaces/default/services/web", says)


def test_a_retry_after_with_non_ascii_digits_is_ignored(api):
    api.cluster.inject(path="/services/web", status=503, retry_after="\u00b2")
    out = api.reach("svc/web", "-o", "url")
    assert out.code == 3 and out.out == "" and "error" not in out.err, out.err  # retried, then answered: no node


def raw_server(answer):
    """A one-purpose HTTP server on 127.0.0.1: `answer(conn)` writes whatever it likes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=answer, args=(conn,), daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    return listener, stop


def kubeconfig_for(tmp_path, url):
    return kubeconfig_file(tmp_path / "kubeconfig", f"{{server: '{url}'}}")


def cli(capsys, *args):
    capsys.readouterr()
    code = run(list(args))
    captured = capsys.readouterr()

    class Out:
        pass
    out = Out()
    out.code, out.out, out.err = code, captured.out, captured.err
    return out


def test_request_timeout_is_a_deadline_for_the_whole_request(tmp_path, capsys):
    def trickle(conn):
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                for _ in range(100000):
                    conn.sendall(b" ")
                    time.sleep(0.05)
            except OSError:
                pass
    listener, stop = raw_server(trickle)
    try:
        config = kubeconfig_for(tmp_path, f"http://127.0.0.1:{listener.getsockname()[1]}")
        started = time.monotonic()
        out = cli(capsys, "svc/web", "--kubeconfig", config, "--request-timeout", "1s")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
    one_error(out, "did not answer within 1s")
    assert "attempts" not in out.err and elapsed < 1 + 2  # one 1 s deadline (a timed-out read is not retried)


def test_a_gzip_bomb_is_refused_before_it_fills_memory(tmp_path, capsys):
    bomb = gzip.compress(b'{"kind": "Service", "metadata": {"name": "' + b"a" * (100 * 2 ** 20) + b'"}}', 9)
    assert len(bomb) < 200_000

    def answer(conn):
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
                             b"Content-Length: " + str(len(bomb)).encode() + b"\r\n\r\n" + bomb)
            except OSError:
                pass
    listener, stop = raw_server(answer)
    try:
        config = kubeconfig_for(tmp_path, f"http://127.0.0.1:{listener.getsockname()[1]}")
        out = cli(capsys, "svc/web", "--kubeconfig", config)
    finally:
        stop.set()
        listener.close()
    one_error(out, "is larger than 64 MiB: refused")


# --- kubeconfigs -------------------------------------------------------------------------------------------

def kubeconfig(tmp_path, cluster: str, user: str = "{}") -> str:
    return kubeconfig_file(tmp_path / "kc", cluster, user)


@pytest.mark.parametrize("cluster, says", [
    ("{server: 'https://127.0.0.1:9', insecure-skip-tls-verify: 'false'}",
     "cannot unmarshal string into Go struct field Cluster.clusters.cluster.insecure-skip-tls-verify of type bool"),
    ("{server: 'https://127.0.0.1:9', insecure-skip-tls-verify: true, certificate-authority-data: 'eA=='}",
     "specifying a root certificates file with the insecure flag is not allowed"),
    ("{server: 'example.com:6443'}", "is not an http(s) URL with a host"),
    ("{server: 6443}", "cannot unmarshal number into Go struct field Cluster.clusters.cluster.server of type string"),
])
def test_kubeconfig_values_kubectl_would_refuse_are_errors(tmp_path, capsys, cluster, says):
    out = cli(capsys, "svc/web", "--kubeconfig", kubeconfig(tmp_path, cluster))
    one_error(out, says)


def test_a_password_in_the_server_url_is_masked_in_errors_and_logs(tmp_path, capsys):
    config = kubeconfig(tmp_path, "{server: 'http://admin:s3cr3t-pass@127.0.0.1:9'}")
    out = cli(capsys, "svc/web", "--kubeconfig", config, "-v", "8")
    assert out.code == 1 and "s3cr3t-pass" not in out.err + out.out and "admin:" not in out.err
    assert "http://<masked>@127.0.0.1:9" in out.err


# --- checked before any request ------------------------------------------------------------------------------

@pytest.mark.parametrize("args, says", [
    (["svc/web", "-n", "Bad_NS"], 'invalid namespace "Bad_NS"'),
    (["svc/web", "-n", "a/b"], 'invalid namespace "a/b"'),
    (["audit", "-n", "x" * 64], "invalid namespace"),
    (["convert", "svc/web", "--to", "clusterip", "--node-port", "30080"], "--node-port does not apply to --to clusterip"),
    (["convert", "svc/web", "--to", "nodeport", "--node-port", "\u00b2"], 'invalid --node-port "\u00b2"'),
    (["convert", "svc/web", "--to", "ingress", "--host", "a.example.com", "--ingress-name", "Bad_Name"],
     'invalid --ingress-name "Bad_Name"'),
    (["convert", "svc/web", "--to", "ingress", "--host", "a.example.com", "--tls-secret", "x/y"], 'invalid --tls-secret'),
    (["convert", "svc/web", "--to", "ingress", "--host", "a.example.com", "--class", "NGINX"], 'invalid --class "NGINX"'),
    (["convert", "svc/web", "--to", "loadbalancer", "--lb-class", "a b"], 'invalid --lb-class "a b"'),
    (["convert", "svc/web", "--to", "nodeport", "--lb-class", "x"], "--lb-class applies only to --to loadbalancer"),
])
def test_flags_are_checked_locally_before_any_request(api, args, says):
    one_error(api.reach(*args), says)
    assert api.cluster.log == []


def test_kubeconfig_flag_is_one_path_and_never_falls_back_to_in_cluster(api, tmp_path, capsys, monkeypatch):
    joined = f"{api.kubeconfig}:{api.kubeconfig}"
    out = cli(capsys, "svc/web", "--kubeconfig", joined)
    one_error(out, f'kubeconfig "{joined}" not found')
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")  # as inside a pod
    out = cli(capsys, "svc/web", "--kubeconfig", str(tmp_path / "missing"))
    one_error(out, "not found")
    out = cli(capsys, "svc/web", "--kubeconfig", str(tmp_path))  # a directory is no kubeconfig
    one_error(out, "not found")


def test_client_key_files_do_not_survive_a_sigterm(tmp_path):
    """ssl loads client keys from files only: the temporary copy must go when the command is terminated."""
    import base64
    import os
    import signal
    import subprocess

    from support import outside_checkout, plugin_path

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts, never answers: the command waits until it is terminated
    from pki import make_self_signed

    make_self_signed(tmp_path, "client", "/CN=client", "DNS:client.invalid")  # (over https only: kubectl's rule)
    cert, key = (base64.b64encode((tmp_path / f"client.{ext}").read_bytes()).decode() for ext in ("crt", "key"))
    config = kubeconfig(tmp_path, f"{{server: 'https://127.0.0.1:{silent.getsockname()[1]}'}}",
                        f"{{client-certificate-data: {cert}, client-key-data: {key}}}")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    process = subprocess.Popen([os.path.join(plugin_path(), "kubectl-reach"), "svc/web", "--kubeconfig", config, "--request-timeout", "60s"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=outside_checkout())
    try:
        deadline = time.monotonic() + 20
        while not list(temp.glob("kubectl-reach-*.pem")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(temp.glob("kubectl-reach-*.pem")), "the key file was never written"
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    finally:
        silent.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143
    assert list(temp.glob("kubectl-reach-*.pem")) == []


def test_proxy_credentials_become_a_proxy_authorization_header_and_stay_masked(tmp_path, capsys):
    import base64

    seen = []

    def proxy(conn):
        with conn:
            try:
                seen.append(conn.recv(65536).decode("latin-1"))
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
    listener, stop = raw_server(proxy)
    try:
        port = listener.getsockname()[1]
        config = kubeconfig(tmp_path, f"{{server: 'http://api.invalid:6443', proxy-url: 'http://ops:pr%40xy-pass@127.0.0.1:{port}'}}")
        out = cli(capsys, "svc/web", "--kubeconfig", config, "-v", "8")
    finally:
        stop.set()
        listener.close()
    target = [r for r in seen if r.startswith("GET http://api.invalid:6443/api/v1/namespaces/default/services/web")]
    assert target  # (the front doors are read beside it: they may come first)
    expected = base64.b64encode(b"ops:pr@xy-pass").decode()
    for request in seen:
        headers = {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip()
                   for line in request.split("\r\n")[1:] if ":" in line}
        assert headers["proxy-authorization"] == f"Basic {expected}"
    assert "pr@xy-pass" not in out.err + out.out and "pr%40xy-pass" not in out.err + out.out


# --- objects of the wrong shape ------------------------------------------------------------------------------

def test_one_object_of_the_wrong_shape_does_not_take_the_answer_down(api_factory):
    """A list where a name belongs, a string port: the field is ignored with a warning naming the object, and the
    rest of the answer is given (it used to be an internal error for the whole namespace or cluster)."""
    node = {"kind": "Node", "metadata": {"name": "n1"}, "status": {
        "addresses": [{"type": "ExternalIP", "address": "203.0.113.1"}], "conditions": [{"type": "Ready", "status": "True"}]}}
    good = {"kind": "Service", "metadata": {"name": "good"}, "spec": {"type": "NodePort", "selector": {"app": "a"},
                                                                     "ports": [{"port": 80, "nodePort": 30080}]}}
    bad_selector = {"kind": "Service", "metadata": {"name": "bad"}, "spec": {
        "type": "NodePort", "selector": ["app", "a"], "ports": [{"port": "80", "nodePort": 30081}]}}
    pod = {"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "a"}},
           "spec": {"nodeName": ["n1"], "hostNetwork": True, "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}}
    ingress = {"kind": "Ingress", "metadata": {"name": "i"}, "spec": {"rules": [{"host": "a.example.com", "http": {
        "paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": ["good"], "port": {"number": 80}}}}]}}]}}
    eps = {"kind": "EndpointSlice", "metadata": {"name": "good-x", "labels": {"kubernetes.io/service-name": "good"}},
           "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"], "nodeName": {"n": 1}, "conditions": {"ready": "yes"}}]}
    api = api_factory(objects=[node, good, bad_selector, pod, ingress, eps])
    for args in (["-A"], ["audit", "-A"], ["-o", "json"], ["svc/good"], ["svc/bad"], ["pod/p"]):
        out = api.reach(*args)
        assert out.code == 0 and "internal error" not in out.err, (args, out.err)
    listing = api.reach("-A")
    assert "http://203.0.113.1:30080" in listing.out  # the well-formed Service is still there
    for warning in ("svc/bad (namespace default): spec.selector is a list, expected map of strings: ignored",
                    "svc/bad (namespace default): spec.ports[0].port is a string, expected integer: ignored",
                    "pod/p (namespace default): spec.nodeName is a list, expected string: ignored",
                    "ingress/i (namespace default): spec.rules[0].http.paths[0].backend.service.name is a list, "
                    "expected string: ignored",
                    "endpointslice/good-x (namespace default): endpoints[0].nodeName is a map, expected string: ignored"):
        assert f"Warning: {warning}" in listing.err, listing.err


def test_a_credential_echoed_by_the_server_is_masked_in_errors_and_tracebacks(api):
    """A buggy or hostile server (or webhook) that echoes the bearer token: one mask (errors.redact) for every line."""
    token = "fake-token"  # held, though not sent over the fake's plain http
    api.cluster.user = f"system:serviceaccount:default:reach token={token}"
    api.cluster.forbid("get", "services")
    out = api.reach("svc/web", "-v", "8", "--token", token)
    assert out.code == 1 and token not in out.err and token not in out.out
    assert 'User "system:serviceaccount:default:reach token=<masked>"' in out.err
