"""The fake API server fixture: a real HTTP server on 127.0.0.1 and a kubeconfig that points at it."""

import os
import pathlib
from dataclasses import dataclass

import pytest

from kubectl_expose_ext.cli import run
from kubectl_expose_ext.demo.apiserver import FakeAPIServer, FakeCluster

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


@dataclass
class Outcome:
    code: int
    out: str
    err: str


class Api:
    """A running fake API server, its cluster (objects + request log) and a kubeconfig file."""

    def __init__(self, server: FakeAPIServer, kubeconfig: str, capsys):
        self.server, self.cluster, self.kubeconfig, self._capsys = server, server.cluster, kubeconfig, capsys

    def reach(self, *args: str) -> Outcome:
        """Run `kubectl reach ARGS` in-process, through the real client, over HTTP."""
        self._capsys.readouterr()
        code = run([*args, "--kubeconfig", self.kubeconfig])
        captured = self._capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    def env(self) -> dict:
        """An environment for subprocesses (kubectl, the installed entry point) that uses this server."""
        return {**os.environ, "KUBECONFIG": self.kubeconfig}


@pytest.fixture
def api_factory(tmp_path, capsys):
    servers = []

    def start(*fixture_files: str, objects=(), namespace: str = "default", cluster=None) -> Api:
        cluster = cluster or FakeCluster(objects)
        for name in fixture_files:
            cluster.load_yaml((FIXTURES / name).read_text())
        server = FakeAPIServer(cluster).start()
        servers.append(server)
        kubeconfig = tmp_path / f"kubeconfig-{len(servers)}"
        kubeconfig.write_text(server.kubeconfig(namespace=namespace))
        return Api(server, str(kubeconfig), capsys)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def realworld(api_factory) -> Api:
    """EKS/GKE/kubeadm shapes; the Gateway API CRDs are installed (no Gateway yet), OpenShift's are not."""
    api = api_factory("realworld.yaml", namespace="shop")
    api.cluster.absent_groups.add("route.openshift.io")
    return api


@pytest.fixture
def demo_api(api_factory) -> Api:
    from kubectl_expose_ext.demo import demo_cluster

    return api_factory(cluster=demo_cluster())


