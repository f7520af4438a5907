"""The API server fixtures: the fake one (kubectl_expose_ext.demo.apiserver) and a real one (tests/realcluster/).

Tests take `api_factory`, `demo_api` or `realworld` and talk to either through one interface (`Api`): `reach(...)`
runs the CLI in-process over HTTP; `get`, `add`, `delete` read and change objects; `log()` lists the requests the
CLI sent (the fake server's own log; on the real server, its audit log); `forbid` denies a verb (the fake's switch;
RBAC on the real server). A module marked `pytest.mark.both_backends` runs each of its tests against both, except
those marked `fake_only` (fault injection, intercepted requests: a real server cannot be made to misbehave).
"""

import json
import os
import pathlib
import tempfile
from dataclasses import dataclass
from typing import List, Optional
from urllib.parse import parse_qs, urlsplit

import pytest

from kubectl_expose_ext.cli import run
from kubectl_expose_ext.demo.apiserver import BY_KIND, FakeAPIServer, FakeCluster, Request, type_of
from support import OTHER_DOOR_GROUPS, IN_CI, needs

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
HOW_TO_ENABLE = ("build it once with `python tests/realcluster/controlplane.py --build` (needs Go; ~6 minutes, "
                 "~3 GB of Go caches)")


@dataclass
class Outcome:
    code: int
    out: str
    err: str


Logged = Request  # one record of a request the CLI sent, as either server saw it


class Api:
    """A running fake API server, its cluster (objects + request log) and a kubeconfig file."""

    backend = "fake"

    def __init__(self, server: FakeAPIServer, kubeconfig: str, capsys):
        self.server, self.cluster, self.kubeconfig, self._capsys = server, server.cluster, kubeconfig, capsys
        self.url = server.url

    def reach(self, *args: str) -> Outcome:
        """Run `kubectl reach ARGS` in-process, through the real client, over HTTP, with its own streams (run's
        injected Streams): nothing it prints may reach the process's stdout or stderr."""
        import io

        from kubectl_expose_ext.streams import Streams

        self._capsys.readouterr()
        streams = Streams(out=io.StringIO(), err=io.StringIO(), input=io.StringIO())
        code = run([*args, "--kubeconfig", self.kubeconfig], streams)
        leaked = self._capsys.readouterr()
        assert (leaked.out, leaked.err) == ("", ""), f"printed around the injected streams: {leaked}"
        return Outcome(code, streams.out.getvalue(), streams.err.getvalue())

    def env(self) -> dict:
        """An environment for subprocesses (kubectl, the installed entry point) that uses this server."""
        return {**os.environ, "KUBECONFIG": self.kubeconfig}

    def get(self, kind: str, name: str, namespace: str = "default") -> Optional[dict]:
        return self.cluster.get(kind, name, namespace)

    def add(self, obj: dict) -> None:
        """Create or replace an object, as a write by someone else."""
        self.cluster.add(obj)

    def set_status(self, kind: str, name: str, status: dict, namespace: str = "default") -> None:
        """What a controller does: write an object's status (the fake keeps it with the object)."""
        obj = self.get(kind, name, namespace)
        assert obj is not None, (kind, name, namespace)
        obj["status"] = status
        self.add(obj)

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        rtype = BY_KIND[kind]
        self.cluster.objects.pop((rtype.key, namespace if rtype.namespaced else "", name))

    def log(self, since: int = 0) -> List[Logged]:
        return self.cluster.log[since:]

    def names(self, kind: str, namespace: str = "") -> List[str]:
        """The names of every object of a kind the server holds (in one namespace, for namespaced kinds)."""
        rtype = BY_KIND[kind]
        return sorted(n for (resource, ns, n) in self.cluster.objects
                      if resource == rtype.key and (ns == namespace or not rtype.namespaced))

    def forbid(self, verb: str, resource: str) -> None:
        self.cluster.forbid(verb, resource)

    def allow_all(self) -> None:
        self.cluster.forbidden.clear()


class RealApi(Api):
    """The same interface on the real control plane: objects loaded by tests/realcluster/loader.py."""

    backend = "real"

    def __init__(self, plane, loader, kubeconfig: str, namespace: str, capsys):
        self.plane, self.loader, self.kubeconfig, self.namespace, self._capsys = plane, loader, kubeconfig, namespace, capsys
        self.url = plane.url
        self.forbidden: set = set()
        self._start = plane.mark()
        self._write_kubeconfig("admin")

    def _write_kubeconfig(self, user: str) -> None:
        pathlib.Path(self.kubeconfig).write_text(self.plane.kubeconfig(user, namespace=self.namespace))

    def _path(self, kind: str, name: str = "", namespace: str = "default") -> str:
        from realcluster.loader import path_of

        return path_of(BY_KIND[kind], namespace, name)

    def get(self, kind: str, name: str, namespace: str = "default") -> Optional[dict]:
        status, obj = self.loader.client.request("GET", self._path(kind, name, namespace))
        if status == 404:
            return None
        assert status == 200, obj
        obj.setdefault("kind", kind)
        obj["metadata"].pop("managedFields", None)
        return obj

    def set_status(self, kind: str, name: str, status: dict, namespace: str = "default") -> None:
        """What a controller does: write an object's status, through its status subresource."""
        path = self._path(kind, name, namespace)
        obj = self.loader.client.must("GET", path)
        obj["status"] = status
        self.loader.client.must("PUT", path + "/status", obj)

    def add(self, obj: dict) -> None:
        obj = json.loads(json.dumps(obj))
        rtype = type_of(obj)
        meta = obj.setdefault("metadata", {})
        namespace = meta.setdefault("namespace", "default") if rtype.namespaced else ""
        existing = self.get(obj["kind"], meta["name"], namespace)
        if existing is None:
            self.loader.load([obj])
            return
        meta["resourceVersion"] = existing["metadata"]["resourceVersion"]
        self.loader.client.must("PUT", self._path(obj["kind"], meta["name"], namespace), obj)

    def delete(self, kind: str, name: str, namespace: str = "default") -> None:
        query = "?gracePeriodSeconds=0" if kind == "Pod" else ""
        self.loader.client.must("DELETE", self._path(kind, name, namespace) + query, ok=(200, 202))

    def log(self, since: int = 0) -> List[Logged]:
        logged = []
        for event in self.plane.requests_since(self._start):
            parts = urlsplit(event["requestURI"])
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            method = {"get": "GET", "list": "GET", "watch": "GET", "create": "POST", "update": "PUT",
                      "patch": "PATCH", "delete": "DELETE", "deletecollection": "DELETE"}[event["verb"]]
            logged.append(Logged(method, parts.path, query, None, event.get("requestObject")))  # no content type
        return logged[since:]

    def names(self, kind: str, namespace: str = "") -> List[str]:
        listing = self.loader.client.must("GET", self._path(kind, namespace=namespace))
        return sorted(item["metadata"]["name"] for item in listing["items"])

    def forbid(self, verb: str, resource: str) -> None:
        """RBAC: the kubeconfig's user becomes `nobody`, bound to every verb on every kind but the forbidden ones."""
        self.forbidden.add((verb, resource))
        self.loader.grant_all_but("nobody", self.forbidden)
        self._write_kubeconfig("nobody")

    def allow_all(self) -> None:
        self.forbidden.clear()
        self._write_kubeconfig("admin")


# --- backend selection ---------------------------------------------------------------------------------

def pytest_configure(config):
    config.addinivalue_line("markers", "both_backends: run each test against the fake and the real API server")
    config.addinivalue_line("markers", "fake_only(reason): a test of a both_backends module that only the fake can run")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_backends") and \
            not metafunc.definition.get_closest_marker("fake_only")
        if both:
            metafunc.parametrize("backend", ["fake", "real"], indirect=True)


def pytest_collection_modifyitems(config, items):
    """Without the control plane binaries the real tier is left out (one line says how to enable it); under
    CI=true it stays in and fails."""
    from realcluster.controlplane import binaries

    if IN_CI or binaries() is not None:
        return
    real = [item for item in items if "control_plane" in getattr(item, "fixturenames", ())
            or (getattr(item, "callspec", None) and item.callspec.params.get("backend") == "real")]
    if real:
        config.hook.pytest_deselected(items=real)
        items[:] = [item for item in items if item not in real]
        config._reach_real_left_out = len(real)


def pytest_terminal_summary(terminalreporter, config):
    left_out = getattr(config, "_reach_real_left_out", 0)
    if left_out:
        terminalreporter.write_line(f"{left_out} tests of the real-cluster tier were left out: {HOW_TO_ENABLE}")


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "fake")


@pytest.fixture(scope="session")
def control_plane():
    """One real control plane for the session (started on first use, ~4 s); tests clear it and load their objects."""
    from realcluster.controlplane import ControlPlane, binaries
    from realcluster.loader import Loader

    bin_dir = binaries()
    needs(bin_dir is not None, f"no control plane binaries for the real-cluster tier: {HOW_TO_ENABLE}")
    plane = ControlPlane(pathlib.Path(tempfile.mkdtemp(prefix="reach-realcluster-"))).start(bin_dir)
    try:
        yield plane, Loader(plane)
    finally:
        plane.stop()


@pytest.fixture
def api_factory(tmp_path, capsys, backend, request):
    servers = []

    def start(*fixture_files: str, objects=(), namespace: str = "default", cluster=None, absent=()) -> Api:
        if backend == "real":
            return start_real(fixture_files, objects, namespace, cluster, absent)
        cluster = cluster or FakeCluster(objects)
        for name in fixture_files:
            cluster.load_yaml((FIXTURES / name).read_text())
        cluster.absent_groups.update(absent)
        server = FakeAPIServer(cluster).start()
        servers.append(server)
        kubeconfig = tmp_path / f"kubeconfig-{len(servers)}"
        kubeconfig.write_text(server.kubeconfig(namespace=namespace))
        return Api(server, str(kubeconfig), capsys)

    def start_real(fixture_files, objects, namespace, cluster, absent) -> Api:
        from builders import fixture_objects
        from realcluster.loader import CRD_GROUPS

        assert not servers, "one real cluster per test"
        plane, loader = request.getfixturevalue("control_plane")
        everything = list(objects)
        if cluster is not None:
            everything += [o for o in cluster.objects.values()  # not what the server creates itself
                           if not (o["kind"] == "Namespace" and not o["metadata"].get("labels"))
                           and not (o["kind"] == "Service" and o["metadata"]["name"] == "kubernetes"
                                    and o["metadata"]["namespace"] == "default")]
            absent = set(absent) | cluster.absent_groups
        for name in fixture_files:
            everything += fixture_objects(name)
        # a cluster without a CRD cannot hold its objects (the fake keeps them, unserved)
        everything = [o for o in everything if type_of(o).group not in absent]
        loader.clear()
        loader.serve(set(CRD_GROUPS) - set(absent))
        loader.load(everything)
        servers.append(plane)
        return RealApi(plane, loader, str(tmp_path / "kubeconfig-real"), namespace, capsys)

    yield start
    for server in servers:
        if isinstance(server, FakeAPIServer):
            server.stop()


@pytest.fixture
def realworld(api_factory) -> Api:
    """EKS/GKE/kubeadm shapes; the Gateway API CRDs are installed (no Gateway yet), OpenShift's and the other front
    doors' (Traefik, Istio, Contour, NGINX) are not."""
    return api_factory("realworld.yaml", namespace="shop", absent=("route.openshift.io", *OTHER_DOOR_GROUPS))



@pytest.fixture
def demo_api(api_factory) -> Api:
    from kubectl_expose_ext.demo import demo_cluster

    return api_factory(cluster=demo_cluster())
