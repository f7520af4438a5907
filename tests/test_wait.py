"""--wait: until the target can be reached, woken by the API's watch (both servers: the load balancer's status is
written during the wait), and the fake's watch streams themselves (resourceVersion, 410, bookmarks, timeouts)."""

import json
import threading
import time

import pytest

from kubectl_expose_ext.demo.apiserver import WATCH_WINDOW, FakeCluster

NODE = {"kind": "Node", "metadata": {"name": "node-1"}, "status": {
    "conditions": [{"type": "Ready", "status": "True"}], "addresses": [{"type": "ExternalIP", "address": "203.0.113.7"}]}}
LB = {"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
      "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "nodePort": 30080}]}}


def give_address(api, ip):
    """What a cloud controller does: write the load balancer's address into the Service's status."""
    api.set_status("Service", "web", {"loadBalancer": {"ingress": [{"ip": ip}]}})


@pytest.mark.both_backends
def test_waits_for_the_load_balancer_by_watching(api_factory):
    api = api_factory(objects=[NODE, LB])
    before = len(api.log())
    timer = threading.Timer(1.5, give_address, (api, "198.51.100.40"))
    timer.start()
    started = time.monotonic()
    out = api.reach("svc/web", "--wait=30s", "-o", "url")
    elapsed = time.monotonic() - started
    timer.join()
    assert out.code == 0, out.err
    assert "http://198.51.100.40" in out.out and 1.4 < elapsed < 15
    sent = api.log(before)
    starts = {r.path.rsplit("/", 1)[-1] for r in sent if r.query.get("limit") == "1"}
    assert starts >= {"services", "endpointslices", "ingresses"}  # each watch's version: a one-item LIST
    if api.backend == "fake":  # (the real server's audit log records a watch when it ends)
        watches = [r for r in sent if r.query.get("watch") == "true"]
        assert {r.path.rsplit("/", 1)[-1] for r in watches} >= {"services", "endpointslices", "ingresses"}
        assert all(r.query.get("resourceVersion") for r in watches)  # from that LIST's version, not "any"


@pytest.mark.both_backends
def test_a_timeout_says_what_is_missing(api_factory):
    api = api_factory(objects=[NODE, LB])
    started = time.monotonic()
    out = api.reach("svc/web", "--wait=2s", "-o", "url")
    assert out.code == 1 and 1.9 < time.monotonic() - started < 10
    assert out.out == ""
    assert out.err.splitlines()[-2:] == ["Warning: svc/web: load balancer pending (no address in its status yet)",
                                         "error: timed out waiting for the condition on svc/web"]


def test_a_nodeport_is_ready_at_once_and_bare_wait_takes_no_value(api_factory):
    nodeport = {**LB, "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}}
    api = api_factory(objects=[NODE, nodeport])
    started = time.monotonic()
    out = api.reach("--wait", "svc/web", "-o", "json")  # --wait alone: 5m; `svc/web` stays the target
    assert out.code == 0 and time.monotonic() - started < 5
    assert [e["url"] for e in json.loads(out.out)["endpoints"]] == ["http://203.0.113.7:30080"]
    assert not [r for r in api.log() if r.query.get("watch")]  # nothing to wait for: no watch at all


def test_a_server_that_refuses_watch_is_polled(api_factory):
    api = api_factory(objects=[NODE, LB])
    for resource in ("services", "endpointslices", "ingresses"):
        api.forbid("watch", resource)
    timer = threading.Timer(1.0, give_address, (api, "198.51.100.41"))
    timer.start()
    out = api.reach("svc/web", "--wait=20s", "-o", "url")
    timer.join()
    assert out.code == 0 and "http://198.51.100.41" in out.out


def test_wait_needs_a_target_and_a_duration(demo_api):
    assert demo_api.reach("--wait=1m").err == "error: --wait needs a target: kubectl reach svc/NAME --wait=5m\n"
    assert demo_api.reach("svc/influxdb", "--wait=soon").err == \
        'error: invalid argument "soon" for "--wait" flag: time: invalid duration "soon"\n'
    assert demo_api.reach("svc/influxdb", "--wait", "5m").err == (
        'error: --wait takes its value after "=": --wait=5m (a bare --wait means 5m; a word after a space is a target: '
        'write TYPE/5m for one)\n')
    assert demo_api.cluster.log == []  # all of it before any request


def test_the_fake_streams_watch_events(api_factory):
    """The fake's watch as the API server's: from a version, each later change; ADDED first without one; 410 for
    a version older than it keeps; BOOKMARKs when asked; the stream ends at timeoutSeconds."""
    import urllib3

    cluster = FakeCluster([NODE, LB])
    cluster.bookmark_interval = 0.2
    api = api_factory(cluster=cluster)
    http = urllib3.PoolManager()
    headers = {"Authorization": "Bearer fake-token"}
    version = cluster.resource_version

    def later():
        time.sleep(0.3)
        give_address(api, "198.51.100.42")

    threading.Thread(target=later).start()
    started = time.monotonic()
    answer = http.request("GET", f"{api.url}/api/v1/namespaces/default/services?watch=true&resourceVersion={version}"
                                 "&timeoutSeconds=1&allowWatchBookmarks=true", headers=headers)
    assert 0.9 < time.monotonic() - started < 3
    events = [json.loads(line) for line in answer.data.splitlines()]
    changes = [e for e in events if e["type"] != "BOOKMARK"]
    assert [e["type"] for e in changes] == ["MODIFIED"]
    assert changes[0]["object"]["status"]["loadBalancer"]["ingress"][0]["ip"] == "198.51.100.42"
    assert "BOOKMARK" in [e["type"] for e in events]
    everything = http.request("GET", f"{api.url}/api/v1/namespaces/default/services?watch=true&timeoutSeconds=0.2",
                              headers=headers)
    initial = [json.loads(line) for line in everything.data.splitlines()]
    assert {e["type"] for e in initial} == {"ADDED"} and "web" in [e["object"]["metadata"]["name"] for e in initial]
    for i in range(2 * WATCH_WINDOW + 1):  # the window moves past `version`
        cluster.add({**LB, "metadata": {"name": f"s{i}", "namespace": "default"}})
    stale = http.request("GET", f"{api.url}/api/v1/namespaces/default/services?watch=true&resourceVersion={version}"
                                "&timeoutSeconds=1", headers=headers)
    event = json.loads(stale.data.splitlines()[0])
    assert (event["type"], event["object"]["code"], event["object"]["reason"]) == ("ERROR", 410, "Expired")


def test_the_client_reads_events_and_is_told_gone(api_factory):
    from kubectl_expose_ext.errors import Gone
    from kubectl_expose_ext.kube import Connection, Kube

    cluster = FakeCluster([NODE, LB])
    api = api_factory(cluster=cluster)
    kube = Kube(Connection.load(api.kubeconfig), 10)
    version = cluster.resource_version
    threading.Timer(0.3, give_address, (api, "198.51.100.43")).start()
    events = [(kind, obj["metadata"].get("name")) for kind, obj in kube.watch("services", "default", version, None, 1)]
    assert ("MODIFIED", "web") in events and all(kind in ("MODIFIED", "BOOKMARK") for kind, _ in events)
    for i in range(2 * WATCH_WINDOW + 1):
        cluster.add({**LB, "metadata": {"name": f"s{i}", "namespace": "default"}})
    with pytest.raises(Gone, match="too old resource version"):
        list(kube.watch("services", "default", version, None, 1))


def test_watch_prints_the_urls_gained_and_lost_until_ctrl_c(api_factory):
    """Each change once its watches have reached the server, each line awaited (events, not sleeps)."""
    from test_watch_bounds import Watching

    api = api_factory(objects=[NODE, LB])
    target = Watching(api, "svc/web")
    target.watching("services")
    listing = Watching(api, "-o", "json")
    listing.watching("services")
    give_address(api, "198.51.100.50")
    assert target.next_change()[0] == "+ svc/web  LoadBalancer  http://198.51.100.50:80"
    first = json.loads(listing.next_change()[0])
    give_address(api, "198.51.100.51")
    assert [target.next_change()[0] for _ in range(2)] == ["+ svc/web  LoadBalancer  http://198.51.100.51:80",
                                                           "- svc/web  LoadBalancer  http://198.51.100.50:80"]
    lines = [first] + [json.loads(listing.next_change()[0]) for _ in range(2)]
    assert [(e["type"], e["endpoint"]["url"]) for e in lines] == [
        ("ADDED", "http://198.51.100.50:80"), ("ADDED", "http://198.51.100.51:80"),
        ("DELETED", "http://198.51.100.50:80")]
    target.stop()  # Ctrl-C: exit code 0
    listing.stop()
    assert api.reach("svc/web", "-w", "-o", "name").err == "error: --watch prints table, wide, url or json lines: not -o name\n"


def test_a_terminal_sees_one_status_line_that_updates(api_factory):
    from support import on_terminal

    api = api_factory(objects=[NODE, LB])
    code, text = on_terminal(api, ["svc/web", "--wait=2s", "-o", "url"], b"")
    assert code == 1
    assert text.count("waiting for svc/web: load balancer pending") >= 2  # rewritten in place as the clock ticks
    assert "\r\x1b[K" in text and text.rstrip().endswith("error: timed out waiting for the condition on svc/web")


def test_a_dumb_terminal_gets_no_cursor_escape(api_factory):
    """TERM=dumb (Emacs shells, CI log viewers) cannot erase a line: no status line, no escape, the same result."""
    from support import on_terminal

    api = api_factory(objects=[NODE, LB])
    code, text = on_terminal(api, ["svc/web", "--wait=1s", "-o", "url"], b"", env_extra={"TERM": "dumb"})
    assert code == 1 and "\x1b" not in text and "\r" not in text.replace("\r\n", "\n")
    assert "waiting for svc/web" not in text
    assert text.rstrip().endswith("error: timed out waiting for the condition on svc/web")
