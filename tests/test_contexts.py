"""Several clusters at once (--context a,b,c and --all-contexts): concurrent, one output, failures on their own
line; 20 fake API servers take about as long as the slowest one."""

import json
import time

import pytest

from kubectl_expose_ext.demo import demo_cluster
from kubectl_expose_ext.demo.apiserver import Fault, FakeAPIServer
from support import run_installed


@pytest.fixture
def fleet(tmp_path):
    """N demo clusters on fake API servers, and a kubeconfig with a context per server plus one that is down."""
    servers = []

    def make(count, delay=0.0):
        for _ in range(count):
            cluster = demo_cluster()
            if delay:
                cluster.faults.append(Fault(path="/api/v1/namespaces/default/services/influxdb-lb", times=100,
                                            delay=delay))
            servers.append(FakeAPIServer(cluster).start())
        lines = ["apiVersion: v1", "kind: Config", "current-context: c0", "clusters:"]
        lines += [f"- {{name: c{i}, cluster: {{server: '{s.url}'}}}}" for i, s in enumerate(servers)]
        lines += ["- {name: down, cluster: {server: 'http://127.0.0.1:1'}}", "users:", "- {name: u, user: {token: fake-token}}",
                  "contexts:"]
        lines += [f"- {{name: c{i}, context: {{cluster: c{i}, user: u, namespace: default}}}}" for i in range(len(servers))]
        lines += ["- {name: down, context: {cluster: down, user: u}}"]
        path = tmp_path / "kubeconfig"
        path.write_text("\n".join(lines) + "\n")
        return str(path)

    yield make
    for server in servers:
        server.stop()


def reach(kubeconfig, *args):
    return run_installed(["kubectl-reach", *args, "--kubeconfig", kubeconfig, "--request-timeout", "5s"])


def test_one_table_one_document_and_a_failing_context_on_its_own_line(fleet):
    config = fleet(2)
    table = reach(config, "svc/influxdb-lb", "--context", "c0,c1")
    assert table.returncode == 0, table.stderr
    rows = [line.split()[:3] for line in table.stdout.splitlines()]
    assert rows[0] == ["CONTEXT", "TARGET", "METHOD"] and {r[0] for r in rows[1:]} == {"c0", "c1"}
    assert "[c1] Warning: service influxdb-lb: NotReady node(s) skipped: node-c" in table.stderr
    doc = json.loads(reach(config, "svc/influxdb-lb", "--context", "c0,c1", "-o", "json").stdout)
    assert list(doc) == ["c0", "c1"] and doc["c1"]["target"]["name"] == "influxdb-lb"
    everything = reach(config, "--all-contexts", "-o", "json")
    assert everything.returncode == 1  # one context is down: said, and the exit code says it
    doc = json.loads(everything.stdout)
    assert set(doc) == {"c0", "c1", "down"} and "refused" in doc["down"]["error"] and doc["c0"]["items"]
    assert everything.stderr.splitlines()[-1].startswith('error: context "down": the connection to the server')
    audit = reach(config, "audit", "--context", "c0,c1", "--fail-on", "high")
    assert audit.returncode == 4 and audit.stdout.splitlines()[0].split()[:2] == ["CONTEXT", "TARGET"]


def test_one_context_commands_refuse_several(fleet):
    config = fleet(1)
    for args in (["convert", "svc/influxdb", "--to", "clusterip", "--context", "c0,down"],
                 ["svc/influxdb", "--wait=1s", "--context", "c0,down"], ["svc/influxdb", "-o", "name", "--all-contexts"]):
        done = reach(config, *args)
        assert done.returncode == 1 and done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1, args


def test_twenty_clusters_take_about_as_long_as_the_slowest(fleet):
    config = fleet(20, delay=1.0)  # each target GET takes a second: one after the other would be 20 s
    started = time.monotonic()
    assert reach(config, "svc/influxdb-lb", "--context", "c0", "-o", "url").returncode == 0
    slowest = time.monotonic() - started
    started = time.monotonic()
    done = reach(config, "svc/influxdb-lb", "--context", ",".join(f"c{i}" for i in range(20)), "-o", "json")
    together = time.monotonic() - started
    assert done.returncode == 0 and len(json.loads(done.stdout)) == 20
    assert together < 1.5 * slowest + 1.0, (together, slowest)
    print(f"20 contexts: {together:.2f} s; the slowest alone: {slowest:.2f} s")
