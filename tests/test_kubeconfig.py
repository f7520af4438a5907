"""The plain kubeconfig reader (no official client): kubectl's merge rules, paths, data, refusals, wrongly typed
fields, and Go's proxy rules. tests/test_kubectl_parity.py checks the same rules against kubectl itself; these are
the fast, table-driven cases."""

import base64
import subprocess
import sys

import pytest

from kubectl_expose_ext import kubeconfig
from kubectl_expose_ext.errors import ConfigError


def write(path, text):
    path.write_text(text)
    return str(path)


def one_context(tmp_path, cluster="{server: 'https://h'}", user="{token: t}", context="{cluster: c, user: c}"):
    return write(tmp_path / "c", f"""
current-context: c
clusters: [{{name: c, cluster: {cluster}}}]
users: [{{name: c, user: {user}}}]
contexts: [{{name: c, context: {context}}}]
""")


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
    assert access.ssl_ca_cert == str(tmp_path / "a" / "ca.crt") and access.credential.header() == "Bearer file-token"
    access, namespace, _ = kubeconfig.load([first, second], "other")
    assert (access.host, namespace, access.credential.header()) == ("https://o", "default", "Basic dTpw")


def test_inline_data_and_the_token_as_written(tmp_path):
    data = base64.b64encode(b"-----BEGIN CERTIFICATE-----\n").decode()
    config = one_context(tmp_path, f"{{server: 'https://h', certificate-authority-data: {data}, "
                                   "insecure-skip-tls-verify: false, tls-server-name: api.internal}",
                         f"{{client-certificate-data: {data}, client-key-data: {data}, token: 'tok en'}}")
    access, _, _ = kubeconfig.load([config], None)
    assert access.ca_cert_data == "-----BEGIN CERTIFICATE-----\n" and access.verify_ssl is True
    assert access.tls_server_name == "api.internal" and access.credential.header() == "Bearer tok en"
    assert open(access.cert_file).read() == "-----BEGIN CERTIFICATE-----\n"


def test_legacy_auth_providers_go_to_the_official_client(tmp_path):
    assert kubeconfig.load([one_context(tmp_path, user="{auth-provider: {name: oidc}}")], None) is None


def test_credentials_are_never_read_for_an_http_server_and_a_warning_says_so(tmp_path):
    (tmp_path / "plugin").write_text("#!/bin/sh\necho ran > " + str(tmp_path / "ran") + "\n")
    (tmp_path / "plugin").chmod(0o755)
    for user in ("{token: t}", "{tokenFile: missing}", "{username: u, password: p}",
                 "{exec: {command: ./plugin, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}}"):
        access, _, _ = kubeconfig.load([one_context(tmp_path, "{server: 'http://h:8080'}", user)], None)
        assert access.credential is None and access.cert_file is None
        assert access.warnings == ['Warning: the credentials of user "c" are not sent to http://h:8080: it is not '
                                   "https (kubectl sends them only over TLS)"]
    assert not (tmp_path / "ran").exists()
    access, _, _ = kubeconfig.load([one_context(tmp_path, "{server: 'http://h:8080'}", "{as: alice}")], None)
    assert access.warnings == [] and access.impersonation == {"Impersonate-User": ["alice"]}  # no secret in it


@pytest.mark.parametrize("user, header", [
    ("{token: t, tokenFile: tok}", "Bearer from-file"),  # the file wins (NewBearerAuthWithRefreshRoundTripper)
    ("{username: admin}", "Basic YWRtaW46"),  # an empty password
    ("{password: secret}", None),  # no username: nothing to send
    ("{token: t, exec: {command: ./x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}}", "Bearer t"),
    ("{tokenFile: tok, as: bob}", "Bearer from-file"),
])
def test_which_credential_as_client_go_chooses(tmp_path, user, header):
    (tmp_path / "tok").write_text("  from-file\n")
    access, _, _ = kubeconfig.load([one_context(tmp_path, user=user)], None)
    assert (access.credential.header() if access.credential else None) == header


@pytest.mark.parametrize("user, says", [
    ("{token: t, username: a, password: b}", "more than one authentication method found for c; found [token basicAuth], "
                                             "only one is allowed"),
    ("{tokenFile: tok, username: a}", "username/password or bearer token may be set, but not both"),
    ("{client-certificate: crt, client-certificate-data: Y2VydA==, client-key: crt}",
     "client-cert-data and client-cert are both specified for c. client-cert-data will override."),
    ("{client-certificate: crt}", "client-key-data or client-key must be specified for c to use the clientCert "
                                  "authentication method."),
    ("{client-certificate: nope.crt, client-key: crt}", "unable to read client-cert {dir}/nope.crt for c due to open "
                                                        "{dir}/nope.crt: no such file or directory"),
    ("{token: t, as-groups: [g]}", "requesting uid, groups or user-extra for c without impersonating a user"),
    ("{exec: {command: x, apiVersion: client.authentication.k8s.io/v1}}",
     "interactiveMode must be specified for c to use exec authentication plugin"),
    ("{exec: {apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}}",
     "command must be specified for c to use exec authentication plugin"),
    ("{exec: {command: x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Sometimes}}",
     'invalid interactiveMode for c: "Sometimes"'),
    ("{tokenFile: missing}", "open {dir}/missing: no such file or directory"),
    ('{token: "a\\nb"}', 'invalid configuration: the token of user "c" contains a line break or control character'),
])
def test_kubectl_refusals_in_its_words(tmp_path, user, says):
    (tmp_path / "tok").write_text("t")
    (tmp_path / "crt").write_text("x")
    with pytest.raises(ConfigError) as caught:
        kubeconfig.load([one_context(tmp_path, user=user)], None)
    assert str(caught.value) == says.format(dir=tmp_path)


@pytest.mark.parametrize("cluster, says", [
    ("{server: 'https://h', certificate-authority: ca, certificate-authority-data: Q0E=}",
     "certificate-authority-data and certificate-authority are both specified for c. certificate-authority-data will "
     "override."),
    ("{server: 'https://h', certificate-authority: ca, insecure-skip-tls-verify: true}",
     "specifying a root certificates file with the insecure flag is not allowed"),
    ("{server: 'https://h', proxy-url: '::::'}", "invalid 'proxy-url' \"::::\" for cluster \"c\": could not parse: ::::"),
    ("{server: 'https://h', proxy-url: 'ftp://p:21'}",
     "invalid 'proxy-url' \"ftp://p:21\" for cluster \"c\": unsupported scheme \"ftp\", must be http, https, or socks5"),
    ("{server: 'https://h', certificate-authority: nope}", "unable to read certificate-authority {dir}/nope for c due "
                                                           "to open {dir}/nope: no such file or directory"),
])
def test_cluster_refusals_in_kubectls_words(tmp_path, cluster, says):
    (tmp_path / "ca").write_text("CA")
    with pytest.raises(ConfigError) as caught:
        kubeconfig.load([one_context(tmp_path, cluster=cluster)], None)
    assert str(caught.value) == says.format(dir=tmp_path)


@pytest.mark.parametrize("field, value, says", [
    ("user", "hello", "cannot unmarshal string into Go struct field NamedAuthInfo.users.user of type v1.AuthInfo"),
    ("context", "{cluster: c, namespace: [a]}", "cannot unmarshal array into Go struct field Context.contexts.context."
                                                "namespace of type string"),
    ("user", "{token: 12345}", "cannot unmarshal number into Go struct field AuthInfo.users.user.token of type string"),
    ("user", "{exec: {command: x, args: 'a b'}}", "cannot unmarshal string into Go struct field ExecConfig.users.user."
                                                  "exec.args of type []string"),
    ("user", "{exec: {command: x, env: {A: b}}}", "cannot unmarshal object into Go struct field ExecConfig.users.user."
                                                  "exec.env of type []v1.ExecEnvVar"),
    ("user", "{as-user-extra: {scopes: view}}", "cannot unmarshal string into Go struct field AuthInfo.users.user."
                                                "as-user-extra of type []string"),
    ("user", "{exec: run-me}", "cannot unmarshal string into Go struct field AuthInfo.users.user.exec of type "
                               "v1.ExecConfig"),
    ("cluster", "{server: [a]}", "cannot unmarshal array into Go struct field Cluster.clusters.cluster.server of type "
                                 "string"),
    ("cluster", "{server: 'https://h', insecure-skip-tls-verify: 'false'}",
     "cannot unmarshal string into Go struct field Cluster.clusters.cluster.insecure-skip-tls-verify of type bool"),
    ("cluster", "{server: 'https://h', extensions: {a: b}}",
     "cannot unmarshal object into Go struct field Cluster.clusters.cluster.extensions of type []v1.NamedExtension"),
    ("cluster", "{server: 'https://h', certificate-authority-data: '%%%'}",
     "illegal base64 data in clusters.cluster.certificate-authority-data"),
])
def test_a_wrongly_typed_field_is_one_error_naming_it_as_kubectl_does(tmp_path, field, value, says):
    kinds = {"cluster": "{server: 'https://h'}", "user": "{token: t}", "context": "{cluster: c, user: c}"}
    kinds[field] = value
    path = one_context(tmp_path, kinds["cluster"], kinds["user"], kinds["context"])
    with pytest.raises(ConfigError) as caught:
        kubeconfig.load([path], None)
    assert str(caught.value) == f'error loading config file "{path}": json: {says}' or \
        str(caught.value) == f'error loading config file "{path}": {says}'


@pytest.mark.parametrize("text, message", [
    ("current-context: x\ncontexts: []\n", 'context "x" does not exist'),
    ("contexts: [{name: x, context: {cluster: nope}}]\ncurrent-context: x\n", 'cluster "nope" not found'),
    ("- a list\n", "is not a kubeconfig"),
    ("a: [unclosed\n", "is not valid YAML"),
    ("current-context: [c]\n", "cannot unmarshal array into Go struct field Config.current-context of type string"),
    ("clusters: {c: {server: x}}\n", "cannot unmarshal object into Go struct field Config.clusters of type "
                                     r"\[\]v1.NamedCluster"),
    ("clusters: [{name: c, cluster: {server: 'https://a'}}, {name: c, cluster: {server: 'https://b'}}]\n",
     'duplicate name "c" in clusters'),
])
def test_broken_kubeconfigs(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        kubeconfig.load([write(tmp_path / "c", text)], None)


def test_a_date_looking_token_is_a_string_and_tilde_is_not_home(tmp_path):
    (tmp_path / "~").mkdir()
    (tmp_path / "~" / "ca.crt").write_text("CA")
    access, _, _ = kubeconfig.load([one_context(tmp_path, "{server: 'https://h', certificate-authority: ~/ca.crt}",
                                                "{token: 2024-01-01}")], None)
    assert access.credential.header() == "Bearer 2024-01-01" and access.ssl_ca_cert == str(tmp_path / "~" / "ca.crt")


def test_exec_cluster_info_holds_only_the_exec_extension_and_the_ca_files_data(tmp_path):
    (tmp_path / "ca.crt").write_bytes(b"PEM")
    config = one_context(tmp_path, "{server: 'https://h', certificate-authority: ca.crt, tls-server-name: api, "
                                   "extensions: [{name: client.authentication.k8s.io/exec, extension: {audience: a}}, "
                                   "{name: other, extension: {secret: s}}]}",
                         "{exec: {command: /bin/true, apiVersion: client.authentication.k8s.io/v1, "
                         "interactiveMode: Never, provideClusterInfo: true}}")
    access, _, _ = kubeconfig.load([config], None)
    assert access.credential.cluster == {"server": "https://h", "tls-server-name": "api",
                                         "certificate-authority-data": base64.b64encode(b"PEM").decode(),
                                         "config": {"audience": "a"}}


def test_impersonation_extra_keys_are_escaped_as_client_go_escapes_them():
    headers = kubeconfig.impersonation({"as": "u", "as-user-extra": {"reason/why": ["x"], "scopes": ["a", "b"],
                                                                     "ü": ["y"]}})
    assert headers == {"Impersonate-User": ["u"], "Impersonate-Extra-reason%2Fwhy": ["x"],
                       "Impersonate-Extra-scopes": ["a", "b"], "Impersonate-Extra-%C3%BC": ["y"]}


# --- proxies: golang.org/x/net/http/httpproxy -------------------------------------------------------------

@pytest.fixture
def no_proxy_variables(monkeypatch):
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("variables, server, proxy", [
    ({"HTTPS_PROXY": "http://p:3128"}, "https://api.example.com:6443", "http://p:3128"),
    ({"HTTPS_PROXY": "http://p:3128"}, "https://127.0.0.1:6443", None),  # loopback: never
    ({"HTTPS_PROXY": "http://p:3128"}, "https://[::1]:6443", None),
    ({"HTTPS_PROXY": "http://p:3128"}, "https://localhost:6443", None),
    ({"HTTPS_PROXY": "http://p:3128"}, "http://api.example.com", None),  # an http server: HTTP_PROXY
    ({"HTTP_PROXY": "http://p:3128"}, "http://api.example.com", "http://p:3128"),
    ({"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"}, "https://a.example", "http://upper:2"),
    ({"https_proxy": "http://lower:1"}, "https://a.example", "http://lower:1"),
    ({"HTTPS_PROXY": "p.corp:3128"}, "https://a.example", "http://p.corp:3128"),  # no scheme: http
    ({"HTTPS_PROXY": "socks5://p:1080"}, "https://a.example", "socks5://p:1080"),
    ({"HTTPS_PROXY": ":::"}, "https://a.example", None),  # unparsable: no proxy, as Go
])
def test_proxy_from_the_environment_as_go_reads_it(no_proxy_variables, variables, server, proxy):
    for name, value in variables.items():
        no_proxy_variables.setenv(name, value)
    assert kubeconfig.proxy_from_environment(server) == proxy


@pytest.mark.parametrize("no_proxy, server, bypassed", [
    ("*", "https://api.example.com", True),
    ("example.com", "https://api.example.com:6443", True),  # a domain covers its subdomains
    ("example.com", "https://example.com", True),
    (".example.com", "https://example.com", False),  # a leading dot: only the subdomains
    (".example.com", "https://api.example.com", True),
    ("*.example.com", "https://example.com", False),
    ("*.example.com", "https://api.example.com", True),
    ("example.com", "https://notexample.com", False),
    ("10.0.0.0/8", "https://10.1.2.3:6443", True),  # a CIDR
    ("10.0.0.0/8", "https://192.0.2.1:6443", False),
    ("192.0.2.1", "https://192.0.2.1:6443", True),
    ("api.example.com:6443", "https://api.example.com:6443", True),  # with a port: only that port
    ("api.example.com:443", "https://api.example.com:6443", False),
    ("api.example.com:443", "https://api.example.com", True),  # https's default port
    ("[2001:db8::1]:6443", "https://[2001:db8::1]:6443", True),
    ("2001:db8::1", "https://[2001:db8::1]:6443", True),
    ("other.invalid, API.EXAMPLE.COM", "https://api.example.com", True),
    ("", "https://api.example.com", False),
])
def test_no_proxy_as_go_reads_it(no_proxy_variables, no_proxy, server, bypassed):
    no_proxy_variables.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    no_proxy_variables.setenv("no_proxy", no_proxy)
    assert (kubeconfig.proxy_from_environment(server) is None) is bypassed


def test_http_proxy_is_refused_in_a_cgi_environment(no_proxy_variables):
    no_proxy_variables.setenv("HTTP_PROXY", "http://p:3128")
    no_proxy_variables.setenv("REQUEST_METHOD", "GET")
    with pytest.raises(ConfigError, match="refusing to use HTTP_PROXY value in CGI environment"):
        kubeconfig.proxy_from_environment("http://api.example.com")


def test_proxy_url_is_used_for_every_server_loopback_included(tmp_path, no_proxy_variables):
    no_proxy_variables.setenv("NO_PROXY", "*")
    access, _, _ = kubeconfig.load([one_context(tmp_path, "{server: 'https://127.0.0.1:6443', "
                                                          "proxy-url: 'socks5://127.0.0.1:1080'}")], None)
    assert access.proxy == "socks5://127.0.0.1:1080"


def test_a_plain_kubeconfig_never_imports_the_official_client(demo_api):
    code = ("import sys; from kubectl_expose_ext.cli import run; "
            f"rc = run(['svc/influxdb', '-o', 'url', '--kubeconfig', {demo_api.kubeconfig!r}]); "
            "print(rc, 'kubernetes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines()[-1] == "0 False", out.stderr


def test_an_auth_provider_over_http_needs_no_official_client_and_sends_nothing(tmp_path):
    access, _, _ = kubeconfig.load([one_context(tmp_path, "{server: 'http://h'}", "{auth-provider: {name: oidc}}")],
                                   None)
    assert access.credential is None and access.warnings[0].startswith('Warning: the credentials of user "c"')


def test_contexts_connecting_at_once_read_the_files_once(tmp_path, monkeypatch):
    """20 contexts at once connect in 20 threads: the first reads the kubeconfig, the others wait for its answer
    instead of each parsing it again (quadratic in the contexts). The first read waits for a second one to start:
    without the lock, one does."""
    import threading

    path = one_context(tmp_path)
    reads, second = [], threading.Event()
    read = kubeconfig._read

    def counted(name):
        reads.append(name)
        if len(reads) > 1:
            second.set()
        second.wait(0.5)
        return read(name)

    monkeypatch.setattr(kubeconfig, "_read", counted)
    monkeypatch.setattr(kubeconfig, "_merged", {})
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(kubeconfig.merged([path])[1])) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reads == [path] and answers == ["c"] * 4
