"""The differential tier: kubectl itself is the referee for how a kubeconfig and the environment turn into a
connection. Each row's files, kubeconfig, environment, working directory and flags go to `kubectl get --raw /api`
(Debian's kubectl, /usr/bin/kubectl) and to the installed `kubectl-reach svc/x`, against loopback recorders (HTTPS
with their own CAs, a plain HTTP one, two HTTP proxies, a SOCKS5 proxy: tests/kubectl_parity_run.py), inside a
network namespace with only `lo`. Both must be seen doing the same: the server and SNI connected to, the client
certificate presented, the Authorization, Impersonate-* and Accept-Encoding headers sent, the proxy used and what it
was asked, the exec plugin's runs (its resolved command, its working directory, KUBERNETES_EXEC_INFO), and where
kubectl refuses, a refusal with nothing sent. Each row also states what kubectl does (`expect`), so that a row
whose referee behaves otherwise fails instead of agreeing vacuously.

One run serves every row (about 20 s); the rows reuse the recorders. Under CI=true a missing kubectl, unshare or
openssl is a failure.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import needs, outside_checkout, plugin_path

HERE = Path(__file__).resolve().parent
SRV = "server: 'https://127.0.0.1:${port_srv}', certificate-authority: '${ca_crt}'"
V1 = "apiVersion: client.authentication.k8s.io/v1"


def kc(cluster: str = SRV, user: str = "token: tok", context: str = "cluster: c, user: u", extra: str = "") -> str:
    """A one-context kubeconfig; `cluster`, `user` and `context` are the insides of flow-style YAML maps."""
    return ("apiVersion: v1\nkind: Config\ncurrent-context: c\n"
            f"clusters: [{{name: c, cluster: {{{cluster}}}}}]\n"
            f"users: [{{name: u, user: {{{user}}}}}]\n"
            f"contexts: [{{name: c, context: {{{context}}}}}]\n{extra}")


def plugin(**status) -> dict:
    return {"plugin": {"status": status or {"token": "exec-{run}"}}}


def row(id: str, expect: dict, **spec) -> dict:
    return {"id": id, "expect": expect, **spec}


REFUSED = {"outcome": "nothing sent"}
TLS_REFUSED = {"outcome": "TLS refused"}

ROWS = [
    # --- credentials only over TLS (client_config.go: IsConfigTransportTLS before getUserIdentificationPartialConfig)
    row("http-token", {"server": "http", "auth": None}, kubeconfig=kc("server: 'http://127.0.0.1:${port_http}'")),
    row("http-token-file", {"server": "http", "auth": None}, files={"tok": "file-token\n"},
        kubeconfig=kc("server: 'http://127.0.0.1:${port_http}'", "tokenFile: tok")),
    row("http-basic", {"server": "http", "auth": None},
        kubeconfig=kc("server: 'http://127.0.0.1:${port_http}'", "username: admin, password: secret")),
    row("http-exec-not-run", {"server": "http", "auth": None, "plugin_runs": 0}, files={"plug": plugin()},
        kubeconfig=kc("server: 'http://127.0.0.1:${port_http}'", f"exec: {{{V1}, command: ./plug, interactiveMode: Never}}")),
    row("http-server-flag", {"server": "http", "auth": None}, kubeconfig=kc(),
        args=["-s", "http://127.0.0.1:${port_http}"]),
    row("http-through-proxy", {"server": "via-proxy1", "auth": None, "proxies": [["proxy1", "GET", None]]},
        env={"HTTP_PROXY": "http://127.0.0.1:${port_proxy1}"},
        kubeconfig=kc("server: 'http://api.example.invalid:${port_http}'")),
    # --- identity: which credential, kubectl's precedence and refusals (getUserIdentificationPartialConfig,
    # validation.go validateAuthInfo, transport/round_trippers.go)
    row("token", {"auth": "Bearer tok", "sni": None}, kubeconfig=kc()),
    row("token-and-token-file", {"auth": "Bearer file-token"}, files={"tok": "file-token\n"},
        kubeconfig=kc(user="token: tok, tokenFile: tok")),
    row("token-file-relative", {"auth": "Bearer file-token"}, files={"sub/tok": " file-token \n"},
        kubeconfig=kc(user="tokenFile: sub/tok")),
    row("token-and-exec", {"auth": "Bearer tok", "plugin_runs": 0}, files={"plug": plugin()},
        kubeconfig=kc(user=f"token: tok, exec: {{{V1}, command: ./plug, interactiveMode: Never}}")),
    row("token-flag-over-exec", {"auth": "Bearer flag", "plugin_runs": 0}, files={"plug": plugin()},
        args=["--token", "flag"], kubeconfig=kc(user=f"exec: {{{V1}, command: ./plug, interactiveMode: Never}}")),
    row("token-flag-and-token-file", {"auth": "Bearer file-token"}, files={"tok": "file-token\n"},
        args=["--token", "flag"], kubeconfig=kc(user="tokenFile: tok")),
    row("token-and-basic", REFUSED, kubeconfig=kc(user="token: tok, username: a, password: b")),
    row("token-flag-and-basic", REFUSED, args=["--token", "flag"], kubeconfig=kc(user="username: a, password: b")),
    row("token-file-and-basic", REFUSED, files={"tok": "file-token\n"}, kubeconfig=kc(user="tokenFile: tok, username: a")),
    row("basic", {"auth": "Basic YWRtaW46c2VjcmV0"}, kubeconfig=kc(user="username: admin, password: secret")),
    row("username-without-password", {"auth": "Basic YWRtaW46"}, kubeconfig=kc(user="username: admin")),
    row("client-certificate", {"client_cn": "alice", "auth": None},
        kubeconfig=kc(user="client-certificate: '${alice_crt}', client-key: '${alice_key}'")),
    row("client-certificate-data-and-token", {"client_cn": "alice", "auth": "Bearer tok"},
        kubeconfig=kc(user="client-certificate-data: '${alice_data}', client-key-data: '${alice_key_data}', token: tok")),
    row("client-certificate-and-exec", {"client_cn": "alice", "auth": None, "plugin_runs": 0}, files={"plug": plugin()},
        kubeconfig=kc(user="client-certificate: '${alice_crt}', client-key: '${alice_key}', "
                           f"exec: {{{V1}, command: ./plug, interactiveMode: Never}}")),
    row("client-certificate-flags-and-token", {"client_cn": "bob", "auth": "Bearer tok"},
        args=["--client-certificate", "${bob_crt}", "--client-key", "${bob_key}"], kubeconfig=kc()),
    row("client-certificate-data-and-file", REFUSED,
        kubeconfig=kc(user="client-certificate: '${alice_crt}', client-certificate-data: '${alice_data}', "
                           "client-key: '${alice_key}'")),
    row("client-certificate-without-key", REFUSED, kubeconfig=kc(user="client-certificate: '${alice_crt}'")),
    row("impersonation-flags", {"auth": "Bearer tok", "impersonate": {
        "impersonate-user": ["alice"], "impersonate-group": ["dev", "ops"], "impersonate-uid": ["42"]}},
        args=["--as", "alice", "--as-group", "dev", "--as-group", "ops", "--as-uid", "42"], kubeconfig=kc()),
    row("impersonation-kubeconfig", {"impersonate": {
        "impersonate-user": ["bob"], "impersonate-group": ["viewers"], "impersonate-uid": ["7"],
        "impersonate-extra-scopes": ["view", "list"], "impersonate-extra-reason%2fwhy": ["audit"]}},
        kubeconfig=kc(user="token: tok, as: bob, as-groups: [viewers], as-uid: '7', "
                           "as-user-extra: {scopes: [view, list], reason/why: [audit]}")),
    row("impersonation-flag-over-kubeconfig", {"impersonate": {"impersonate-user": ["carol"], "impersonate-group": ["viewers"]}},
        args=["--as", "carol"], kubeconfig=kc(user="token: tok, as: bob, as-groups: [viewers]")),
    row("impersonation-groups-without-user", REFUSED, kubeconfig=kc(user="token: tok, as-groups: [viewers]")),
    row("impersonation-group-flag-without-as", REFUSED, args=["--as-group", "dev"], kubeconfig=kc()),
    row("token-non-ascii", {"auth": "Bearer t\u00c3\u00b6k\u00e2\u0082\u00ac"}, kubeconfig=kc(user="token: 't\u00f6k\u20ac'")),
    row("token-with-line-break", REFUSED, kubeconfig=kc(user='token: "tok\\nInjected: yes"')),
    row("token-file-binary", REFUSED, files={"tok": {"bytes": "AAECdG9rCgsM"}}, kubeconfig=kc(user="tokenFile: tok")),
    row("token-file-missing", REFUSED, kubeconfig=kc(user="tokenFile: nope")),
    row("token-is-a-number", REFUSED, kubeconfig=kc(user="token: 12345")),
    # --- kubeconfig files: KUBECONFIG merge order, relative paths, `~`, wrong types, duplicates (loader.go)
    row("kubeconfig-merge-first-wins", {"auth": "Bearer first", "client_cn": None},
        files={"a/config": kc(user="token: first"),
               "b/config": kc("server: 'https://127.0.0.1:${port_noku}', certificate-authority: '${ca_noku_crt}'",
                              "token: second").replace("current-context: c", "current-context: other")},
        env={"KUBECONFIG": "${dir}/missing:${dir}/a/config:${dir}/b/config"}),
    row("kubeconfig-merge-current-context-from-first", {"server": "noku", "auth": "Bearer second"},
        files={"a/config": "apiVersion: v1\nkind: Config\ncurrent-context: b\n",
               "b/config": "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                           "clusters: [{name: b, cluster: {server: 'https://127.0.0.1:${port_noku}', certificate-authority: ca.crt}}]\n"
                           "users: [{name: b, user: {token: second}}]\n"
                           "contexts: [{name: b, context: {cluster: b, user: b}}]\n",
               "b/ca.crt": {"copy": "${ca_noku_crt}"}},
        env={"KUBECONFIG": "${dir}/a/config:${dir}/b/config"}),
    row("tilde-is-not-home", {"server": "srv", "auth": "Bearer tok"},
        files={"~/ca.crt": {"copy": "${ca_crt}"}, "home/ca.crt": {"copy": "${other_ca_crt}"}},
        kubeconfig=kc("server: 'https://127.0.0.1:${port_srv}', certificate-authority: ~/ca.crt")),
    row("duplicate-cluster-names", REFUSED,
        kubeconfig=kc().replace("clusters: [", "clusters: [{name: c, cluster: {server: 'https://localhost:${port_srv}'}}, ")),
    row("user-is-a-string", REFUSED, kubeconfig=kc().replace("user: {token: tok}", "user: hello")),
    row("namespace-is-a-list", REFUSED, kubeconfig=kc(context="cluster: c, user: u, namespace: [a]")),
    row("exec-args-a-string", REFUSED, files={"plug": plugin()},
        kubeconfig=kc(user=f"exec: {{{V1}, command: ./plug, args: 'a b', interactiveMode: Never}}")),
    row("insecure-is-a-string", REFUSED, kubeconfig=kc(SRV + ", insecure-skip-tls-verify: 'false'")),
    row("proxy-url-unparsable", REFUSED, kubeconfig=kc(SRV + ", proxy-url: '::::'")),
    row("ca-data-and-file", REFUSED, kubeconfig=kc(SRV + ", certificate-authority-data: '${ca_data}'")),
    row("flags-without-kubeconfig", {"server": "srv", "auth": "Bearer flag"},
        args=["-s", "https://127.0.0.1:${port_srv}", "--token", "flag", "--certificate-authority", "${ca_crt}",
              "--kubeconfig=/dev/null"]),
    # --- exec credential plugins (plugin/pkg/client/auth/exec, clientcmd ResolvePaths)
    row("exec-relative-to-kubeconfig", {"auth": "Bearer exec-1", "plugin_runs": 1, "plugin_command": "plug"},
        files={"plug": plugin(), "cwd/plug": plugin(token="planted")},
        kubeconfig=kc(user=f"exec: {{{V1}, command: ./plug, interactiveMode: Never}}")),
    row("exec-from-path-not-cwd", REFUSED, files={"cwd/get-token": plugin(token="planted")},
        env={"PATH": ".:/usr/bin:/bin"}, args=[],
        kubeconfig=kc(user=f"exec: {{{V1}, command: get-token, interactiveMode: Never}}")),
    row("exec-cluster-info", {"auth": "Bearer exec-1", "plugin_runs": 1}, files={"plug": plugin()},
        kubeconfig=kc(SRV + ", tls-server-name: localhost, extensions: [{name: client.authentication.k8s.io/exec, "
                            "extension: {audience: parity}}, {name: other, extension: {secret: s3cr3t}}]",
                      f"exec: {{{V1}, command: ./plug, interactiveMode: Never, provideClusterInfo: true, "
                      "args: [--region, x], env: [{name: PARITY_ROLE, value: admin}]}")),
    row("exec-v1beta1-default-interactive-mode", {"auth": "Bearer exec-1"},
        files={"plug": {"plugin": {"status": {"token": "exec-{run}"}, "apiVersion": "client.authentication.k8s.io/v1beta1"}}},
        kubeconfig=kc(user="exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./plug}")),
    row("exec-v1-needs-interactive-mode", REFUSED, files={"plug": plugin()},
        kubeconfig=kc(user=f"exec: {{{V1}, command: ./plug}}")),
    row("exec-client-certificate", {"client_cn": "alice", "auth": None, "plugin_runs": 1},
        files={"plug": {"plugin": {"status": {"clientCertificateData": "${alice_pem}", "clientKeyData": "${alice_key_pem}"}}}},
        kubeconfig=kc(user=f"exec: {{{V1}, command: ./plug, interactiveMode: Never}}")),
    row("exec-refreshed-after-401", {"auth": "Bearer exec-2", "plugin_runs": 2}, files={"plug": plugin()},
        reject=["Bearer exec-1"], kubeconfig=kc(user=f"exec: {{{V1}, command: ./plug, interactiveMode: Never}}")),
    row("exec-fails", REFUSED, files={"plug": {"plugin": {"exit": 3}}},
        kubeconfig=kc(user=f"exec: {{{V1}, command: ./plug, interactiveMode: Never}}")),
    # --- proxies (golang.org/x/net/http/httpproxy; clientcmd parseProxyURL)
    row("proxy-never-for-loopback", {"server": "srv", "proxies": []},
        env={"HTTPS_PROXY": "http://127.0.0.1:${port_proxy1}"}, kubeconfig=kc()),
    row("proxy-never-for-localhost", {"server": "srv", "proxies": []},
        env={"HTTPS_PROXY": "http://127.0.0.1:${port_proxy1}"},
        kubeconfig=kc("server: 'https://localhost:${port_srv}', certificate-authority: '${ca_crt}'")),
    row("proxy-for-a-name", {"server": "srv", "auth": "Bearer tok", "sni": "api.example.invalid",
                             "proxies": [["proxy1", "api.example.invalid:${port_srv}", None]]},
        env={"HTTPS_PROXY": "http://127.0.0.1:${port_proxy1}"},
        kubeconfig=kc("server: 'https://api.example.invalid:${port_srv}', certificate-authority: '${ca_crt}'")),
    row("proxy-upper-case-wins", {"proxies": [["proxy2", "api.example.invalid:${port_srv}", None]]},
        env={"https_proxy": "http://127.0.0.1:${port_proxy1}", "HTTPS_PROXY": "http://127.0.0.1:${port_proxy2}"},
        kubeconfig=kc("server: 'https://api.example.invalid:${port_srv}', certificate-authority: '${ca_crt}'")),
    row("proxy-without-scheme", {"proxies": [["proxy1", "api.example.invalid:${port_srv}", None]]},
        env={"HTTPS_PROXY": "127.0.0.1:${port_proxy1}"},
        kubeconfig=kc("server: 'https://api.example.invalid:${port_srv}', certificate-authority: '${ca_crt}'")),
    row("no-proxy-wildcard-domain", {"outcome": "nothing sent", "proxies": []},
        env={"HTTPS_PROXY": "http://127.0.0.1:${port_proxy1}", "NO_PROXY": "*.example.invalid"},
        kubeconfig=kc("server: 'https://api.example.invalid:${port_srv}', certificate-authority: '${ca_crt}'")),
    row("no-proxy-leading-dot-is-subdomains-only", {"proxies": [["proxy1", "api.example.invalid:${port_srv}", None]]},
        env={"HTTPS_PROXY": "http://127.0.0.1:${port_proxy1}", "NO_PROXY": ".api.example.invalid"},
        kubeconfig=kc("server: 'https://api.example.invalid:${port_srv}', certificate-authority: '${ca_crt}'")),
    row("no-proxy-cidr", {"outcome": "nothing sent", "proxies": []},
        env={"HTTPS_PROXY": "http://127.0.0.1:${port_proxy1}", "NO_PROXY": "192.0.2.0/24"},
        kubeconfig=kc("server: 'https://192.0.2.10:${port_srv}', certificate-authority: '${ca_crt}'")),
    row("no-proxy-lower-case-used-when-upper-unset", {"outcome": "nothing sent", "proxies": []},
        env={"HTTPS_PROXY": "http://127.0.0.1:${port_proxy1}", "no_proxy": "example.invalid"},
        kubeconfig=kc("server: 'https://api.example.invalid:${port_srv}', certificate-authority: '${ca_crt}'")),
    row("proxy-url-even-for-loopback", {"server": "srv", "proxies": [["proxy1", "127.0.0.1:${port_srv}", "Basic dTpw"]]},
        env={"NO_PROXY": "*"}, kubeconfig=kc(SRV + ", proxy-url: 'http://u:p@127.0.0.1:${port_proxy1}'")),
    row("proxy-url-socks5", {"server": "srv", "auth": "Bearer tok", "proxies": [["socks", "api.example.invalid:${port_srv}", None]]},
        kubeconfig=kc("server: 'https://api.example.invalid:${port_srv}', certificate-authority: '${ca_crt}', "
                      "proxy-url: 'socks5://127.0.0.1:${port_socks}'")),
    # --- TLS: what Go's crypto/x509 accepts and refuses
    row("ca-without-key-usage", {"server": "noku", "auth": "Bearer tok"},
        kubeconfig=kc("server: 'https://127.0.0.1:${port_noku}', certificate-authority-data: '${ca_noku_data}'")),
    row("intermediate-as-anchor", {"server": "viainter", "auth": "Bearer tok"},
        kubeconfig=kc("server: 'https://127.0.0.1:${port_viainter}', certificate-authority: '${inter_crt}'")),
    row("unknown-authority", TLS_REFUSED,
        kubeconfig=kc("server: 'https://127.0.0.1:${port_srv}', certificate-authority: '${other_ca_crt}'")),
    row("no-ca-system-roots", TLS_REFUSED, kubeconfig=kc("server: 'https://127.0.0.1:${port_srv}'")),
    row("common-name-only", TLS_REFUSED,
        kubeconfig=kc("server: 'https://127.0.0.1:${port_cnonly}', certificate-authority: '${ca_crt}'")),
    row("expired", TLS_REFUSED,
        kubeconfig=kc("server: 'https://127.0.0.1:${port_expired}', certificate-authority: '${ca_crt}'")),
    row("client-auth-only-certificate", TLS_REFUSED,
        kubeconfig=kc("server: 'https://127.0.0.1:${port_clientonly}', certificate-authority: '${ca_crt}'")),
    row("tls-server-name", {"server": "srv", "sni": "alt.example.invalid", "auth": "Bearer tok"},
        kubeconfig=kc(SRV + ", tls-server-name: alt.example.invalid")),
    row("tls-server-name-wrong", TLS_REFUSED, kubeconfig=kc(SRV + ", tls-server-name: wrong.example.invalid")),
    row("server-flag-clears-tls-server-name", {"server": "srv", "sni": None},
        args=["-s", "https://127.0.0.1:${port_srv}"], kubeconfig=kc(SRV + ", tls-server-name: wrong.example.invalid")),
    row("insecure", {"server": "srv", "auth": "Bearer tok"},
        kubeconfig=kc("server: 'https://127.0.0.1:${port_srv}', insecure-skip-tls-verify: true")),
    row("insecure-with-ca", REFUSED, kubeconfig=kc(SRV + ", insecure-skip-tls-verify: true")),
    row("insecure-flag-over-ca", {"server": "srv", "auth": "Bearer tok"}, args=["--insecure-skip-tls-verify"],
        kubeconfig=kc("server: 'https://127.0.0.1:${port_srv}', certificate-authority: '${other_ca_crt}'")),
    row("ca-flag-over-ca-data", {"server": "srv", "auth": "Bearer tok"}, args=["--certificate-authority", "${ca_crt}"],
        kubeconfig=kc("server: 'https://127.0.0.1:${port_srv}', certificate-authority-data: '${other_ca_data}'")),
    row("disable-compression", {"server": "srv", "accept_encoding": None}, kubeconfig=kc(SRV + ", disable-compression: true")),
]


def summary(observation: dict, ports: dict) -> dict:
    """What a client did, in the terms a row states: the outcome; the last request's server, SNI, client
    certificate and headers; the proxies used (which, what target, Proxy-Authorization); the exec plugin's runs."""
    events = observation["events"]
    requests = [e for e in events if e["kind"] == "request"]
    last = requests[-1] if requests else {}
    headers = last.get("headers", {})
    outcome = "request sent" if requests else "TLS refused" if any(
        e["kind"] in ("handshake-failed", "handshake-only") for e in events) else "nothing sent"

    def named(target: str) -> str:
        host, _, port = target.rpartition(":")
        return f"{host}:{ports[port]}" if port in ports else target

    proxies = sorted({(e["proxy"], named(e["target"]) if ":" in e["target"] and not e["target"].startswith("http")
                       else "GET", e["proxy_authorization"]) for e in events if e["kind"] == "proxy"})
    runs = observation["plugin"]
    return {
        "outcome": outcome,
        "server": last.get("server"),
        "sni": last.get("sni"),
        "client_cn": last.get("client_cn"),
        "auth": (headers.get("authorization") or [None])[0],
        "impersonate": {k: v for k, v in headers.items() if k.startswith("impersonate-")},
        "accept_encoding": (headers.get("accept-encoding") or [None])[0],
        "proxies": [list(p) for p in proxies],
        "plugin_runs": len(runs) if outcome != "nothing sent" else min(len(runs), 1),  # kubectl tries once per request
        "plugin_command": os.path.relpath(runs[0]["argv0"], os.path.dirname(runs[0]["cwd"])) if runs else None,
        "plugin_seen": [{k: r[k] for k in ("args", "info", "env")} for r in runs[:1]],
    }


def _run(rows) -> dict:
    needs(shutil.which("kubectl") is not None, "needs kubectl (Debian's kubectl package) for the kubectl-parity tier")
    needs(shutil.which("openssl") is not None, "needs the openssl command")
    needs(shutil.which("unshare") is not None and shutil.which("ip") is not None, "needs unshare and ip")
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    needs(probe.returncode == 0, f"cannot create a network namespace here: {probe.stderr.decode().strip()}")
    command = ["unshare", "-rn", "sh", "-c",
               f'ip link set lo up && exec "{sys.executable}" "{HERE / "kubectl_parity_run.py"}"']
    table = {"rows": rows, "reach": os.path.join(plugin_path(), "kubectl-reach")}
    out = subprocess.run(command, input=json.dumps(table), capture_output=True, text=True, timeout=600,
                         cwd=outside_checkout())
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def observed():
    return _run(ROWS)


def _expected(expect: dict, ports: dict) -> dict:
    text = json.dumps(expect)
    for name in ports.values():
        text = text.replace("${port_" + name + "}", name)
    return json.loads(text)


@pytest.mark.parametrize("case", ROWS, ids=[r["id"] for r in ROWS])
def test_kubectl_reach_connects_as_kubectl_does(observed, case):
    result, ports = observed["results"][case["id"]], observed["ports"]
    kubectl, reach = summary(result["kubectl"], ports), summary(result["reach"], ports)
    expect = _expected(case["expect"], ports)
    if expect.get("outcome") != "nothing sent" and "outcome" not in expect and expect.get("server", "") is not None:
        expect = {"outcome": "request sent", **expect}
    assert {k: kubectl[k] for k in expect} == expect, f"kubectl itself: {result['kubectl']}"
    assert reach == kubectl, f"kubectl-reach: {result['reach']['stderr']}"
    if kubectl["outcome"] == "nothing sent":
        assert result["kubectl"]["code"] != 0 and result["reach"]["code"] != 0
        assert len(result["reach"]["stderr"].strip().splitlines()) == 1 and result["reach"]["stderr"].startswith("error: ")


def test_the_table_is_at_least_forty_rows():
    assert len(ROWS) >= 40 and len({r["id"] for r in ROWS}) == len(ROWS)


if __name__ == "__main__":  # python tests/test_kubectl_parity.py [row ids...]: each row's two observations
    chosen = [r for r in ROWS if not sys.argv[1:] or r["id"] in sys.argv[1:]]
    found = _run(chosen)
    for case in chosen:
        result = found["results"][case["id"]]
        for who in ("kubectl", "reach"):
            print(f"{case['id']:45} {who:8} {json.dumps(summary(result[who], found['ports']))}")
            print(f"{'':45} {'':8} code={result[who]['code']} {result[who]['stderr'].strip()[-300:]!r}")
