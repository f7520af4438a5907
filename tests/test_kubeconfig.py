"""The plain kubeconfig reader (no official client): kubectl's merge rules, paths, data, fallbacks."""

import base64
import subprocess
import sys

import pytest

from kubectl_expose_ext import kubeconfig
from kubectl_expose_ext.errors import ConfigError


def write(path, text):
    path.write_text(text)
    return str(path)


def test_first_file_wins_and_relative_paths_follow_their_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ca.crt").write_text("CA")
    (tmp_path / "a" / "token").write_text("file-token\n")
    first = write(tmp_path / "a" / "config", """
current-context: dev
clusters: [{name: dev, cluster: {server: 'https://dev:6443', certificate-authority: ca.crt}}]
users: [{name: dev, user: {tokenFile: token}}]
contexts: [{name: dev, context: {cluster: dev, user: dev, namespace: team}}]
""")
    second = write(tmp_path / "config2", """
current-context: other
clusters: [{name: dev, cluster: {server: 'https://ignored'}}, {name: o, cluster: {server: 'https://o'}}]
users: [{name: o, user: {username: u, password: p}}]
contexts: [{name: other, context: {cluster: o, user: o}}]
""")
    access, namespace, name = kubeconfig.load([first, second], None)
    assert (name, namespace, access.host) == ("dev", "team", "https://dev:6443")
    assert access.ssl_ca_cert == str(tmp_path / "a" / "ca.crt") and access.token == "file-token"
    access, namespace, _ = kubeconfig.load([first, second], "other")
    assert (access.host, namespace, access.username, access.password, access.auth_settings()) == (
        "https://o", "default", "u", "p", {})


def test_inline_data_and_insecure(tmp_path):
    data = base64.b64encode(b"-----BEGIN CERTIFICATE-----\n").decode()
    config = write(tmp_path / "c", f"""
current-context: c
clusters: [{{name: c, cluster: {{server: 'https://h', certificate-authority-data: {data}, insecure-skip-tls-verify: false,
            tls-server-name: api.internal}}}}]
users: [{{name: c, user: {{client-certificate-data: {data}, client-key-data: {data}, token: ' t '}}}}]
contexts: [{{name: c, context: {{cluster: c, user: c}}}}]
""")
    access, _, _ = kubeconfig.load([config], None)
    assert access.ca_cert_data == "-----BEGIN CERTIFICATE-----\n" and access.verify_ssl is True
    assert access.tls_server_name == "api.internal" and access.token == "t"
    assert open(access.cert_file).read() == "-----BEGIN CERTIFICATE-----\n"


@pytest.mark.parametrize("user", ["{auth-provider: {name: oidc}}"])
def test_legacy_auth_providers_go_to_the_official_client(tmp_path, user):
    config = write(tmp_path / "c", f"""
current-context: c
clusters: [{{name: c, cluster: {{server: 'https://h'}}}}]
users: [{{name: c, user: {user}}}]
contexts: [{{name: c, context: {{cluster: c, user: c}}}}]
""")
    assert kubeconfig.load([config], None) is None


@pytest.mark.parametrize("text, message", [
    ("current-context: x\ncontexts: []\n", 'context "x" does not exist'),
    ("contexts: [{name: x, context: {cluster: nope}}]\ncurrent-context: x\n", 'cluster "nope" not found'),
    ("- a list\n", "is not a kubeconfig"),
    ("a: [unclosed\n", "is not valid YAML"),
    ("current-context: c\nclusters: [{name: c, cluster: {server: 'https://h', certificate-authority-data: '%%%'}}]\n"
     "contexts: [{name: c, context: {cluster: c}}]\n", "not valid base64"),
    ("current-context: c\nclusters: [{name: c, cluster: {server: 'https://h', certificate-authority: /no/ca.crt}}]\n"
     "contexts: [{name: c, context: {cluster: c}}]\n", "no such file: /no/ca.crt"),
])
def test_broken_kubeconfigs(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        kubeconfig.load([write(tmp_path / "c", text)], None)


def test_proxy_from_environment_unless_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example.com")
    assert kubeconfig._proxy_for("https://api.example.com:6443", None) == "http://proxy:3128"
    assert kubeconfig._proxy_for("https://internal.example.com:6443", None) is None
    assert kubeconfig._proxy_for("https://api.example.com", "socks5://p:1080") == "socks5://p:1080"


@pytest.mark.parametrize("no_proxy, server, bypassed", [
    ("*", "https://api.example.com", True),
    ("example.com", "https://api.example.com:6443", True),  # a domain covers its subdomains
    (".example.com", "https://example.com", True),
    ("example.com", "https://notexample.com", False),
    ("10.0.0.0/8", "https://10.1.2.3:6443", True),  # a CIDR, as Go reads it
    ("10.0.0.0/8", "https://192.0.2.1:6443", False),
    ("api.example.com:6443", "https://api.example.com:6443", True),  # with a port: only that port
    ("api.example.com:443", "https://api.example.com:6443", False),
    ("[::1]:6443", "https://[::1]:6443", True),
    ("::1", "https://[::1]:6443", True),
    ("other.invalid, API.EXAMPLE.COM", "https://api.example.com", True),
    ("", "https://api.example.com", False),
])
def test_no_proxy_as_kubectl_reads_it(monkeypatch, no_proxy, server, bypassed):
    for name in ("https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert (kubeconfig._proxy_for(server, None) is None) is bypassed


def test_a_plain_kubeconfig_never_imports_the_official_client(demo_api):
    code = ("import sys; from kubectl_expose_ext.cli import run; "
            f"rc = run(['svc/influxdb', '-o', 'url', '--kubeconfig', {demo_api.kubeconfig!r}]); "
            "print(rc, 'kubernetes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines()[-1] == "0 False", out.stderr


def test_a_v1_exec_plugin_needs_an_interactive_mode_as_kubectl_says(tmp_path):
    config = write(tmp_path / "c", """
current-context: c
clusters: [{name: c, cluster: {server: 'https://h'}}]
users: [{name: c, user: {exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}}}]
contexts: [{name: c, context: {cluster: c, user: c}}]
""")
    with pytest.raises(ConfigError, match="interactiveMode must be specified"):
        kubeconfig.load([config], None)
