"""Loading the connection the way kubectl does: kubeconfig lists, contexts, in-cluster service accounts."""

import pytest

from kubectl_expose_ext import kube
from kubectl_expose_ext.errors import ConfigError

TWO_CONTEXTS = """apiVersion: v1
kind: Config
current-context: dev
clusters:
- {name: dev, cluster: {server: 'http://127.0.0.1:1'}}
- {name: prod, cluster: {server: 'https://prod.example.com:6443', insecure-skip-tls-verify: true}}
users:
- {name: dev, user: {token: dev-token}}
- {name: prod, user: {token: prod-token}}
contexts:
- {name: dev, context: {cluster: dev, user: dev, namespace: team-a}}
- {name: prod, context: {cluster: prod, user: prod}}
"""


def test_context_namespace_and_credentials(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text(TWO_CONTEXTS)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    dev = kube.Connection.load(str(path))
    assert (dev.context, dev.namespace, dev.configuration.host) == ("dev", "team-a", "http://127.0.0.1:1")
    prod = kube.Connection.load(str(path), "prod")
    assert (prod.namespace, prod.configuration.host, prod.configuration.verify_ssl) == (
        "default", "https://prod.example.com:6443", False)
    assert kube.Kube(prod)._headers()["Authorization"] == "Bearer prod-token"


def test_kubeconfig_path_list_is_merged_first_wins(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_text("apiVersion: v1\nkind: Config\ncurrent-context: prod\n")
    second.write_text(TWO_CONTEXTS)
    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'missing'}:{second}")
    assert kube.Connection.load().context == "prod"


def test_in_cluster_service_account(tmp_path, monkeypatch):
    (tmp_path / "token").write_text("sa-token")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    (tmp_path / "namespace").write_text("monitoring\n")
    monkeypatch.setattr(kube, "_SA_DIR", str(tmp_path))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nothing-here"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    connection = kube.Connection.load()
    assert (connection.namespace, connection.configuration.host) == ("monitoring", "https://10.96.0.1:443")
    assert kube.Kube(connection)._headers()["Authorization"].lower() == "bearer sa-token"  # scheme is case-insensitive


def test_no_configuration_at_all(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nothing-here"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(ConfigError, match="no kubeconfig found"):
        kube.Connection.load()


def test_resource_paths():
    assert kube.resource_path("pods", "ns", "p") == "/api/v1/namespaces/ns/pods/p"
    assert kube.resource_path("nodes", "ignored", "n") == "/api/v1/nodes/n"
    assert kube.resource_path("ingresses", None) == "/apis/networking.k8s.io/v1/ingresses"


def test_request_timeout_bounds_the_retries_too(demo_api):
    """A 503 asking to come back in 10 s: client-go's deadline covers the whole request, retries included."""
    import time

    demo_api.cluster.inject(method="GET", path="/services/influxdb", status=503, retry_after="10", times=10)
    started = time.monotonic()
    out = demo_api.reach("svc/influxdb", "--request-timeout", "2s")
    assert (out.code, out.err) == (1, "error: injected fault: ServiceUnavailable\n")
    assert time.monotonic() - started < 4  # it used to wait 10 s before its first retry


def test_a_socks5_proxy_without_python_socks_is_one_clear_error(monkeypatch):
    import sys

    from kubectl_expose_ext.kubeconfig import Access

    monkeypatch.setitem(sys.modules, "python_socks", None)  # not installed
    with pytest.raises(ConfigError, match=r"proxy-url socks5://127.0.0.1:1080 is a SOCKS5 proxy, which needs the "
                                          r"python-socks package: pip install 'kubectl-reach\[socks\]'"):
        kube._pool(Access(host="https://h", proxy="socks5://127.0.0.1:1080"), 5.0, None)


def test_exchanges_reuse_their_threads_and_a_late_one_holds_no_caller():
    """Kube._send's exchanges run on kept worker threads (a thread started per request cost 20 contexts at once
    ~0.15 s of CPU): one worker serves requests made one after another; a caller past its deadline gets None at once
    while the worker finishes, then that worker is reused."""
    import threading

    workers = kube.Workers()
    first = [workers.run(threading.get_ident, 5)["response"] for _ in range(5)]
    assert len(set(first)) == 1
    release, started = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return threading.get_ident()

    assert workers.run(slow, 0.05) is None
    assert started.wait(5)
    assert workers.run(threading.get_ident, 5)["response"] != first[0]  # the busy one is not taken
    release.set()
    failed = workers.run(lambda: 1 / 0, 5)
    assert isinstance(failed["error"], ZeroDivisionError)
