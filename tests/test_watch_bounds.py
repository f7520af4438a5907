"""--wait and -w against hostile watch servers (issue 24) and what -w sees (issue 25): requests and CPU counted, not
timed. Each case runs the installed `kubectl-reach` against the fake API server, whose faults answer every watch
request the same hostile way; the server's log counts the requests, the process's own rusage its CPU.

A LoadBalancer Service whose load balancer never comes waits its whole --wait: the window in which requests are
counted. The bound (waiting.py): at most BURST requests, then REQUESTS_PER_SECOND a second, plus one computation's.
"""

import json
import os
import queue
import subprocess
import threading
import time

import pytest

from kubectl_expose_ext.waiting import BURST, RECOMPUTES_PER_SECOND, REQUESTS_PER_SECOND
from support import outside_checkout, plugin_path

NODE = {"kind": "Node", "metadata": {"name": "node-1"}, "status": {
    "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "2026-01-01T00:00:00Z"}],
    "addresses": [{"type": "ExternalIP", "address": "203.0.113.7"}]}}
PENDING_LB = {"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
              "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "nodePort": 30080}]}}
WAIT = 4  # seconds of --wait: the window the requests are counted in
TARGET = "/api/v1/namespaces/default/services/web"


def reach(api, *args):
    """(exit code, stdout, stderr, CPU seconds) of the installed kubectl-reach: its CPU is what the children reaped
    meanwhile used (only it: the fake API server runs in threads of this process)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([os.path.join(plugin_path(), "kubectl-reach"), *args], env=api.env(), capture_output=True,
                          text=True, timeout=120, cwd=outside_checkout())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return done.returncode, done.stdout, done.stderr, cpu


def bound(seconds: float) -> int:
    # + the first computation (made before the watches start) and one more (charged after it): ~20 requests each
    # where every front door's API is served
    return int(BURST + REQUESTS_PER_SECOND * seconds) + 40


ERROR_410 = b'{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","code":410,' \
            b'"reason":"Expired","message":"too old resource version: 1 (2)"}}\n'


@pytest.mark.parametrize("fault", [{"status": 410}, {"body": ERROR_410}, {"body": b""}, {"reset": True},
                                   {"status": 500}, {"body": b"not a watch event\n"}],
                         ids=["410", "410-event", "empty-200", "closed", "500", "garbage"])
def test_a_hostile_watch_server_is_backed_off_not_hammered(api_factory, fault):
    """Every watch answered with a 410, an ERROR event, an empty 200, a closed connection, a 500 or garbage: the
    watches back off with jitter (it was ~9,000 requests in 8 s), the wait ends at its deadline with its one error."""
    api = api_factory(objects=[NODE, PENDING_LB])
    api.cluster.inject(method="GET", query="watch", times=10 ** 6, **fault)
    before = len(api.log())
    started = time.monotonic()
    code, out, err, cpu = reach(api, "svc/web", f"--wait={WAIT}s", "-o", "url")
    seconds = time.monotonic() - started
    assert code == 1 and err.splitlines()[-1] == "error: timed out waiting for the condition on svc/web", err
    sent = api.log(before)
    assert len(sent) <= bound(seconds), len(sent)
    watches: dict = {}
    for request in sent:
        if request.query.get("watch"):
            watches[request.path] = watches.get(request.path, 0) + 1
    assert watches and max(watches.values()) <= 5, watches  # 0.8-1.6 s, then 1.6-3.2 s, ...: a handful in 4 s
    assert cpu < seconds / 2, (cpu, seconds)


def flood(kind: str, objects) -> bytes:
    """One watch answer: MODIFIED events, one per object, back to back."""
    return b"".join(json.dumps({"type": "MODIFIED", "object": o}).encode() + b"\n" for o in objects)


def test_a_flood_of_unrelated_events_computes_nothing(api_factory):
    """20,000 events that change nothing the answer reads (another Service's EndpointSlices; a node's heartbeats):
    not one computation more (the answer was read again on every event, each time with a dozen LISTs)."""
    api = api_factory(objects=[NODE, PENDING_LB])
    other = [{"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
              "metadata": {"name": f"other-{i}", "namespace": "default", "resourceVersion": str(5000 + i),
                           "labels": {"kubernetes.io/service-name": "other"}},
              "endpoints": [{"addresses": [f"10.0.{i // 250}.{i % 250}"], "conditions": {"ready": i % 2 == 0}}]}
             for i in range(10_000)]
    heartbeats = [{**NODE, "metadata": {"name": "node-1", "resourceVersion": str(20000 + i)},
                   "status": {**NODE["status"], "conditions": [
                       {"type": "Ready", "status": "True", "lastHeartbeatTime": f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z"}]}}
                  for i in range(10_000)]
    api.cluster.inject(method="GET", path="/endpointslices", query="watch", body=flood("EndpointSlice", other))
    api.cluster.inject(method="GET", path="/api/v1/nodes", query="watch", body=flood("Node", heartbeats))
    before = len(api.log())
    started = time.monotonic()
    code, out, err, cpu = reach(api, "svc/web", f"--wait={WAIT}s", "-o", "url")
    seconds = time.monotonic() - started
    assert code == 1, err
    sent = api.log(before)
    floods = [f for f in api.cluster.faults if f.hits]
    assert len(floods) == 2  # both floods were delivered
    gets = [r for r in sent if r.path == TARGET]
    assert len(gets) <= 3, len(gets)  # the first answer, once for the node's first event, the last at the deadline
    assert len(sent) <= bound(seconds) and cpu < seconds / 2, (len(sent), cpu)


def test_a_flood_of_changes_is_computed_at_most_twice_a_second(api_factory):
    """5,000 changes to the target itself, back to back: computed at most RECOMPUTES_PER_SECOND times a second."""
    api = api_factory(objects=[NODE, PENDING_LB])
    changes = [{**PENDING_LB, "metadata": {**PENDING_LB["metadata"], "resourceVersion": str(5000 + i),
                                           "annotations": {"flood": str(i)}}} for i in range(5_000)]
    api.cluster.inject(method="GET", path="/services", query="watch", body=flood("Service", changes), times=3)
    before = len(api.log())
    started = time.monotonic()
    code, out, err, cpu = reach(api, "svc/web", f"--wait={WAIT}s", "-o", "url")
    seconds = time.monotonic() - started
    assert code == 1, err
    sent = api.log(before)
    gets = [r for r in sent if r.path == TARGET]
    assert 2 <= len(gets) <= 1 + RECOMPUTES_PER_SECOND * seconds + 1, len(gets)
    assert len(sent) <= bound(seconds) and cpu < seconds / 2, (len(sent), cpu)


# --- what -w sees (issue 25) ---------------------------------------------------------------------------------

class Watching:
    """`kubectl-reach ARGS -w` running: its stdout lines as they come, until stop()."""

    def __init__(self, api, *args):
        self.api, self.before = api, len(api.log())  # (what it sends is logged after `before`)
        self.process = subprocess.Popen([os.path.join(plugin_path(), "kubectl-reach"), *args, "-w"], env=api.env(),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=outside_checkout())
        self.lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line.rstrip("\n")) for line in self.process.stdout],
                         daemon=True).start()

    def watching(self, resource: str, timeout: float = 30) -> None:
        """Until its watch of `resource` has reached the server (an event, not a sleep)."""
        deadline = time.monotonic() + timeout
        while not [r for r in self.api.log(self.before) if r.query.get("watch") and r.path.endswith("/" + resource)]:
            assert time.monotonic() < deadline, f"no watch of {resource}"
            time.sleep(0.02)

    def next_change(self, timeout: float = 10) -> tuple:
        """(the next +/- line, seconds it took)."""
        started = time.monotonic()
        while True:
            line = self.lines.get(timeout=timeout)
            if line[:2] in ("+ ", "- ") or line.startswith('{"type": '):
                return line, time.monotonic() - started

    def stop(self) -> str:
        import signal

        self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=10)
        assert self.process.returncode == 0, err
        return err


def node(name, address, ready="True"):
    return {"kind": "Node", "metadata": {"name": name}, "status": {
        "conditions": [{"type": "Ready", "status": ready}], "addresses": [{"type": "ExternalIP", "address": address}]}}


def test_watch_prints_a_node_change_within_a_second(api_factory):
    """Nodes are watched: a node added, turning NotReady, deleted prints its +/- at once (nothing printed until an
    unrelated object changed, before)."""
    nodeport = {**PENDING_LB, "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}}
    api = api_factory(objects=[node("node-1", "203.0.113.7"), nodeport])
    watch = Watching(api, "svc/web")
    watch.watching("nodes")
    api.add(node("node-2", "203.0.113.8"))  # (as it starts: seen by its watch, or by its first computation)
    assert watch.next_change()[0] == "+ svc/web  NodePort  http://203.0.113.8:30080"
    api.add(node("node-2", "203.0.113.8", ready="False"))
    line, seconds = watch.next_change()
    assert line == "- svc/web  NodePort  http://203.0.113.8:30080" and seconds < 1.5, (line, seconds)
    status, _, _ = api.cluster.handle("DELETE", "/api/v1/nodes/node-1", {}, b"")  # as a client deletes it: an event
    assert status == 200
    line, seconds = watch.next_change()
    assert line == "- svc/web  NodePort  http://203.0.113.7:30080" and seconds < 1.5, (line, seconds)
    watch.stop()


def test_watch_reports_every_url_the_table_shows(api_factory):
    """An Ingress URL the table shows before it has an address is in -w too, with why it cannot work yet; when its
    address comes, it is gained without the reason and lost with it (-o json: `unusable` says why)."""
    ingress = {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"ingressClassName": "nginx", "rules": [
        {"host": "shop.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
            "service": {"name": "web", "port": {"number": 80}}}}]}}]}}
    klass = {"kind": "IngressClass", "metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}}
    service = {"kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}
    api = api_factory(objects=[klass, service, ingress])
    table = Watching(api, "ingress/web")
    assert table.lines.get(timeout=30).split()[:2] == ["METHOD", "URL"]
    assert "http://shop.example.com/" in table.lines.get(timeout=30)  # the table shows it, without an address
    table.watching("ingresses")
    lines = Watching(api, "ingress/web", "-o", "json")
    lines.watching("ingresses")
    api.add({**ingress, "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.9"}]}}})
    came, _ = table.next_change()
    gone, _ = table.next_change()
    assert (came, gone) == ("+ ingress/web  Ingress  http://shop.example.com/",
                            "- ingress/web  Ingress  http://shop.example.com/  (no address yet)")
    events = [json.loads(lines.next_change()[0]) for _ in range(2)]
    assert [(e["type"], e["endpoint"]["url"], e.get("unusable")) for e in events] == [
        ("ADDED", "http://shop.example.com/", None), ("DELETED", "http://shop.example.com/", "no address yet")]
    table.stop()
    lines.stop()


def test_a_flood_of_other_pods_computes_nothing_for_a_workload(api_factory):
    """A workload's wait watches its own pods (its selector): 10,000 updates of another app's pods, and its own
    pod's container statuses churning, compute nothing."""
    deployment = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "web", "namespace": "default"},
                  "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
                      "metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web"}]}}}}
    mine = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"nodeName": "node-1", "containers": [{"name": "web", "ports": [{"containerPort": 80}]}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}}
    api = api_factory(objects=[NODE, deployment, mine])
    others = [{**mine, "metadata": {"name": f"other-{i % 50}", "namespace": "default", "labels": {"app": "other"},
                                    "resourceVersion": str(5000 + i)},
               "status": {"phase": "Running", "podIP": f"10.1.0.{i % 250}",
                          "conditions": [{"type": "Ready", "status": "True" if i % 2 else "False"}]}}
              for i in range(10_000)]
    restarts = [{**mine, "metadata": {**mine["metadata"], "resourceVersion": str(20000 + i)},
                 "status": {**mine["status"], "containerStatuses": [{"name": "web", "restartCount": i}]}}
                for i in range(1, 1_000)]
    api.cluster.inject(method="GET", path="/pods", query="watch", body=flood("Pod", others + restarts), times=5)
    before = len(api.log())
    started = time.monotonic()
    code, out, err, cpu = reach(api, "deploy/web", f"--wait={WAIT}s", "-o", "url")
    seconds = time.monotonic() - started
    assert code == 1 and "no ready pod" in err, err
    assert api.cluster.faults[0].hits >= 2  # flooded again after each backoff
    gets = [r for r in api.log(before) if r.path == "/apis/apps/v1/namespaces/default/deployments/web"]
    # the first answer, its selector (one GET), once for its own pod's first event, the last at the deadline
    assert len(gets) <= 4, len(gets)
    assert cpu < seconds / 2, cpu
