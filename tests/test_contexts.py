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
        lines += ["- {name: down, cluster: {server: 'http://127.0.0.1:1'}}", "users:", "- {name: u, user: {}}",
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


@pytest.fixture
def silent():
    """A server that accepts connections (the kernel's backlog) and never answers."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def with_silent_context(config: str, url: str) -> str:
    """The fleet's kubeconfig plus a context `silent` on `url`."""
    import pathlib

    text = pathlib.Path(config).read_text()
    text = text.replace("clusters:\n", f"clusters:\n- {{name: silent, cluster: {{server: '{url}'}}}}\n", 1)
    text = text.replace("contexts:\n", "contexts:\n- {name: silent, context: {cluster: silent, user: u}}\n", 1)
    pathlib.Path(config).write_text(text)
    return config


def test_a_silent_context_costs_one_request_timeout_and_the_others_print_as_they_finish(fleet, silent):
    """It used to cost four (a timed-out read was retried three times), with nothing printed meanwhile."""
    import os
    import subprocess

    from support import outside_checkout, plugin_path

    config = with_silent_context(fleet(2), silent)
    started = time.monotonic()
    process = subprocess.Popen([os.path.join(plugin_path(), "kubectl-reach"), "svc/influxdb-lb", "-o", "url",
                                "--context", "silent,c0,c1", "--request-timeout", "4s", "--kubeconfig", config],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=outside_checkout())
    first = process.stdout.readline()
    first_at = time.monotonic() - started
    # the rest through the same reader: communicate() reads the pipe itself and would lose what readline() buffered
    rest, err = process.stdout.read(), process.stderr.read()
    process.wait(timeout=60)
    elapsed = time.monotonic() - started
    assert first.startswith("http://") and first_at < 3.5, (first, first_at)  # before the silent one gave up
    assert process.returncode == 1
    assert err.splitlines()[-1] == (f'error: context "silent": the server {silent} did not answer within 4s (use '
                                    "--request-timeout to wait longer)")
    assert 4 <= elapsed < 8, elapsed
    lines = (first + rest).splitlines()
    assert len(lines) >= 2 and len(lines) % 2 == 0  # c0's URLs and c1's, the same demo cluster's


def test_a_terminal_sees_which_contexts_are_still_pending(fleet, silent):
    from support import on_terminal

    class Kubeconfig:
        def __init__(self, path):
            self.path = path

        def env(self):
            import os

            return {**os.environ, "KUBECONFIG": self.path}

    config = with_silent_context(fleet(2), silent)
    code, text = on_terminal(Kubeconfig(config), ["svc/influxdb-lb", "--context", "c0,silent,c1",
                                                  "--request-timeout", "2s"], b"")
    assert code == 1
    assert "waiting for 1 of 3 contexts: silent" in text and "\r\x1b[K" in text
    table = text[text.rindex("\r\x1b[K") + len("\r\x1b[K"):]  # the status line is gone before the table
    assert table.lstrip().startswith("CONTEXT") and 'error: context "silent"' in table
