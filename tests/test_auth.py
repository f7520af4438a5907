"""Credentials and TLS against an HTTPS fake API server, on every Python the suite runs on (3.9 to 3.13).

TLS verification stays on unless the kubeconfig says insecure-skip-tls-verify, accepts what Go's crypto/x509 accepts
(a CA without keyUsage, an intermediate as the anchor) and refuses what it refuses, naming the problem; tokens never
show in errors or logs.
"""

import base64
import ssl
import subprocess
import sys
import time

import pytest

from kubectl_expose_ext.demo import demo_cluster
from kubectl_expose_ext.demo.apiserver import FakeAPIServer
from pki import make_ca, make_leaf, requires_openssl, serving

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
    assert out.stderr.splitlines()[-1].startswith(f"error: TLS handshake with {https.url} failed: certificate verify "
                                                  "failed: ")  # and why
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


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    """CAs as clusters make them: without keyUsage (openssl's default, older kubeadm, k3s), with it, an intermediate;
    server certificates: good, expired, for another name."""
    d = tmp_path_factory.mktemp("variants")
    make_ca(d, "plain-ca", key_usage=False, ec=True)
    make_ca(d, "strict-ca", key_usage=True, ec=True)
    make_leaf(d, "inter", "/CN=intermediate", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign",
              ca="strict-ca", ec=True)
    make_leaf(d, "plain", "/CN=x", "subjectAltName=IP:127.0.0.1", ca="plain-ca", ec=True)
    make_leaf(d, "via-inter", "/CN=x", "subjectAltName=IP:127.0.0.1", ca="inter", ec=True)
    make_leaf(d, "other-name", "/CN=x", "subjectAltName=DNS:elsewhere.invalid", ca="strict-ca", ec=True)
    make_leaf(d, "expired", "/CN=x", "subjectAltName=IP:127.0.0.1", ca="strict-ca", ec=True, days=0)
    time.sleep(1.1)
    return d


@pytest.mark.parametrize("server, ca, says", [
    ("plain", "plain-ca", None),  # Python 3.13's VERIFY_X509_STRICT refuses it; Go and we do not
    ("via-inter", "inter", None),  # the kubeconfig's CA is an anchor even when it is not a root (Go's CertPool)
    ("plain", "strict-ca", "certificate verify failed: unable to get local issuer certificate"),
    ("other-name", "strict-ca", "certificate verify failed: IP address mismatch, certificate is not valid for '127.0.0.1'."),
    ("expired", "strict-ca", "certificate verify failed: certificate has expired"),
])
def test_tls_accepts_what_go_accepts_and_names_what_it_refuses(variants, tmp_path, server, ca, says):
    with FakeAPIServer(demo_cluster(), tls=serving(variants, server, "strict-ca")) as api:
        config = kubeconfig(tmp_path, api, f"certificate-authority: {variants / (ca + '.crt')}", f"token: {TOKEN}")
        out = reach(config, "svc/influxdb")
    if says is None:
        assert out.returncode == 0, out.stderr
        assert api.httpd.requests_seen[-1]["authorization"] == f"Bearer {TOKEN}"
    else:
        assert out.stderr == f"error: TLS handshake with {api.url} failed: {says}\n"
        assert api.httpd.requests_seen == []


def test_the_verification_flags_are_gos_on_this_python():
    import ssl

    from kubectl_expose_ext.kubeconfig import Access
    from kubectl_expose_ext.kube import tls_context

    context = tls_context(Access(host="https://h"), None)
    assert not context.verify_flags & ssl.VERIFY_X509_STRICT
    assert context.verify_flags & getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0x80000)
    assert context.check_hostname and not context.hostname_checks_common_name
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_a_legacy_auth_provider_through_the_official_client(https, pki, tmp_path):
    """An `auth-provider: oidc` user (removed from kubectl in 1.26) is loaded by the official client and converted once
    into our connection settings (kube.from_official_client): its id-token is sent, over the kubeconfig's TLS."""
    import json

    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    token = f"{part({'alg': 'none'})}.{part({'exp': int(time.time()) + 3600, 'sub': 'alice'})}.c2ln"
    user = (f"auth-provider: {{name: oidc, config: {{id-token: '{token}', client-id: reach, "
            f"idp-issuer-url: 'https://issuer.invalid'}}}}")
    config = kubeconfig(tmp_path, https, f"certificate-authority: {pki / 'ca.crt'}", user)
    out = reach(config, "svc/influxdb")
    assert out.returncode == 0, out.stderr
    assert https.httpd.requests_seen[-1]["authorization"] == f"Bearer {token}"
    assert token not in out.stderr


@pytest.mark.parametrize("host, proxy, tls", [("http://h", None, False), ("http://h", "http://p:3128", False),
                                              ("http://h", "https://p:3128", True), ("https://h", None, True)])
def test_a_tls_context_only_where_a_handshake_can_happen(host, proxy, tls):
    """The system's roots cost ~20 ms to load, per context: not for an http server (unless its proxy is https)."""
    from kubectl_expose_ext.kubeconfig import Access
    from kubectl_expose_ext.kube import _pool

    pool = _pool(Access(host=host, proxy=proxy), None, None)
    assert ("ssl_context" in pool.connection_pool_kw) is tls
