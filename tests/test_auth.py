"""Credentials through the official client's kubeconfig handling, against an HTTPS fake API server.

TLS verification stays on unless the kubeconfig says insecure-skip-tls-verify; tokens never show in
errors or logs.
"""

import base64
import ssl
import subprocess
import sys

import pytest

from kubectl_expose_ext.demo import demo_cluster
from kubectl_expose_ext.demo.apiserver import FakeAPIServer
from pki import make_ca, make_leaf, requires_openssl

pytestmark = requires_openssl
TOKEN = "s3cr3t-t0ken-value"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate for CN=alice, made with openssl."""
    d = tmp_path_factory.mktemp("pki")
    make_ca(d)
    make_leaf(d, "server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1")
    make_leaf(d, "client", "/CN=alice/O=system:masters", "extendedKeyUsage=clientAuth")
    return d


@pytest.fixture
def https(pki):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "server.crt", pki / "server.key")
    context.load_verify_locations(pki / "ca.crt")
    context.verify_mode = ssl.CERT_OPTIONAL  # client certificates are one way to authenticate, not the only one
    with FakeAPIServer(demo_cluster(), tls=context) as server:
        yield server


def b64(path):
    return base64.b64encode(path.read_bytes()).decode()


def kubeconfig(tmp_path, server, cluster: str, user: str) -> str:
    path = tmp_path / "config"
    path.write_text(f"""apiVersion: v1
kind: Config
current-context: c
clusters: [{{name: c, cluster: {{server: '{server.url}', {cluster}}}}}]
users: [{{name: c, user: {{{user}}}}}]
contexts: [{{name: c, context: {{cluster: c, user: c}}}}]
""")
    return str(path)


def reach(config, *args):
    return subprocess.run([sys.executable, "-m", "kubectl_expose_ext", *args, "--kubeconfig", config, "-o", "url"],
                          capture_output=True, text=True, timeout=60)


def test_token_over_verified_tls(https, pki, tmp_path):
    config = kubeconfig(tmp_path, https, f"certificate-authority-data: {b64(pki / 'ca.crt')}", f"token: {TOKEN}")
    out = reach(config, "svc/influxdb")
    assert out.returncode == 0, out.stderr
    assert https.httpd.requests_seen[-1]["authorization"] == f"Bearer {TOKEN}"


def test_unknown_certificate_authority_is_refused_without_leaking_the_token(https, tmp_path):
    config = kubeconfig(tmp_path, https, "insecure-skip-tls-verify: false", f"token: {TOKEN}")
    out = reach(config, "svc/influxdb", "-v", "8")
    assert out.returncode == 1
    assert out.stderr.splitlines()[-1] == f"error: TLS handshake with {https.url} failed: certificate verify failed"
    assert TOKEN not in out.stderr + out.stdout and https.httpd.requests_seen == []


def test_insecure_skip_tls_verify_only_when_the_kubeconfig_says_so(https, tmp_path):
    config = kubeconfig(tmp_path, https, "insecure-skip-tls-verify: true", f"token: {TOKEN}")
    assert reach(config, "svc/influxdb").returncode == 0


def test_client_certificate(https, pki, tmp_path):
    config = kubeconfig(tmp_path, https, f"certificate-authority: {pki / 'ca.crt'}",
                        f"client-certificate-data: {b64(pki / 'client.crt')}, client-key-data: {b64(pki / 'client.key')}")
    out = reach(config, "svc/influxdb")
    assert out.returncode == 0, out.stderr
    assert https.httpd.requests_seen[-1]["tls-client-cn"] == "alice"
    assert "authorization" not in https.httpd.requests_seen[-1]


def test_token_file(https, pki, tmp_path):
    (tmp_path / "token").write_text(TOKEN + "\n")
    config = kubeconfig(tmp_path, https, f"certificate-authority: {pki / 'ca.crt'}", f"tokenFile: {tmp_path / 'token'}")
    assert reach(config, "svc/influxdb").returncode == 0
    assert https.httpd.requests_seen[-1]["authorization"] == f"Bearer {TOKEN}"


def test_exec_credential_plugin(https, pki, tmp_path):
    plugin = tmp_path / "get-token"
    plugin.write_text(f"""#!{sys.executable}
import json
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {{"token": "exec-{TOKEN}", "expirationTimestamp": "2099-01-01T00:00:00Z"}}}}))
""")
    plugin.chmod(0o755)
    user = (f"exec: {{apiVersion: client.authentication.k8s.io/v1, command: '{plugin}', "
            "interactiveMode: Never, provideClusterInfo: false}")
    config = kubeconfig(tmp_path, https, f"certificate-authority: {pki / 'ca.crt'}", user)
    out = reach(config, "svc/influxdb", "-v", "8")
    assert out.returncode == 0, out.stderr
    assert https.httpd.requests_seen[-1]["authorization"] == f"Bearer exec-{TOKEN}"
    assert "Bearer <masked>" in out.stderr and TOKEN not in out.stderr


def test_rejected_credentials(https, pki, tmp_path):
    https.cluster.inject(method="GET", path="/services/influxdb", status=401, times=10)
    config = kubeconfig(tmp_path, https, f"certificate-authority: {pki / 'ca.crt'}", f"token: {TOKEN}")
    out = reach(config, "svc/influxdb")
    assert (out.returncode, out.stderr) == (1, "error: You must be logged in to the server (Unauthorized)\n")


def test_missing_certificate_file_is_a_clear_error(https, tmp_path):
    config = kubeconfig(tmp_path, https, f"certificate-authority: {tmp_path / 'nope.crt'}", f"token: {TOKEN}")
    out = reach(config, "svc/influxdb")
    assert out.returncode == 1 and out.stderr.startswith("error: ") and len(out.stderr.splitlines()) == 1
    assert TOKEN not in out.stderr
