"""convert and undo end to end against the fake API server: dry run, apply, conflict, undo, refusals."""

import json

import pytest
import yaml

from kubectl_expose_ext.convert import CREATED_ANNOTATION, UNDO_ANNOTATION
from support import on_terminal

pytestmark = pytest.mark.both_backends


def mutations(api, since=0):
    return [r for r in api.log(since) if r.mutating]


def spec_of(api, kind, name, namespace="default"):
    return api.get(kind, name, namespace)["spec"]


def test_dry_run_sends_only_dry_run_requests_and_persists_nothing(demo_api):
    before = demo_api.get("Service", "influxdb")
    mark = len(demo_api.log())
    out = demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--dry-run")
    assert out.code == 0, out.err
    writes = mutations(demo_api, mark)
    assert [(r.method, r.dry_run) for r in writes] == [("PATCH", True)]
    if demo_api.backend == "fake":  # an audit event does not record the content type
        assert writes[0].content_type == "application/merge-patch+json"
    assert demo_api.get("Service", "influxdb") == before
    lines = out.out.splitlines()
    assert lines[:2] == ["--- svc/influxdb (live)", "+++ svc/influxdb (after)"]
    assert "-    nodePort: 30000" in lines and "-  type: NodePort" in lines and "+  type: ClusterIP" in lines
    assert lines[-3:] == ["URLs removed:", "  - http://203.0.113.10:30000", "  - http://203.0.113.11:30000"]
    assert "Dry run: nothing was changed" in out.err


def test_apply_changes_exactly_the_exposure_fields(demo_api):
    before = demo_api.get("Service", "influxdb-lb")
    out = demo_api.reach("convert", "svc/influxdb-lb", "--to", "nodeport", "--yes")
    assert out.code == 0, out.err
    writes = mutations(demo_api)
    assert [w.dry_run for w in writes] == [True, False]
    assert writes[0].body == writes[1].body  # the applied request is the one that was previewed
    assert writes[1].body["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    after = demo_api.get("Service", "influxdb-lb")
    changed = {k for k in set(before["spec"]) | set(after["spec"]) if before["spec"].get(k) != after["spec"].get(k)}
    assert changed == {"type", "allocateLoadBalancerNodePorts"}
    assert after["spec"]["ports"][0]["nodePort"] == 31086  # existing clients keep working
    assert after["status"]["loadBalancer"] == {}
    assert out.out.splitlines()[-3:] == ["External URLs now:", "  http://203.0.113.10:31086", "  http://203.0.113.11:31086"]
    assert "leaves LoadBalancer" in out.err


def test_undo_restores_the_previous_exposure_and_toggles(demo_api):
    original = spec_of(demo_api, "Service", "influxdb")
    assert demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--yes").code == 0
    assert spec_of(demo_api, "Service", "influxdb")["type"] == "ClusterIP"
    out = demo_api.reach("undo", "svc/influxdb", "--yes")
    assert out.code == 0, out.err
    assert spec_of(demo_api, "Service", "influxdb") == original
    assert "http://203.0.113.10:30000" in out.out
    assert demo_api.reach("convert", "svc/influxdb", "--undo", "--yes").code == 0  # undo of the undo
    assert spec_of(demo_api, "Service", "influxdb")["type"] == "ClusterIP"


def after_dry_run(cluster, concurrent_edit):
    """Make `concurrent_edit(cluster)` happen right after the server answers our dry-run PATCH."""
    original_handle = cluster.handle

    def handle(method, url, headers, raw):
        answer = original_handle(method, url, headers, raw)
        if method == "PATCH" and "dryRun=All" in url:
            concurrent_edit(cluster)
        return answer

    cluster.handle = handle


@pytest.mark.fake_only("a concurrent edit injected between two requests")
def test_conflict_changes_nothing(demo_api):
    """Someone edits the service between our dry run and our apply: the apply must fail, clobbering nothing."""
    cluster = demo_api.cluster

    def edit(cluster):
        theirs = cluster.get("Service", "influxdb")
        theirs["metadata"]["labels"] = {"edited": "by-someone-else"}
        theirs["spec"]["sessionAffinity"] = "ClientIP"
        cluster.add(theirs)

    after_dry_run(cluster, edit)
    out = demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--yes")
    assert out.code == 1
    assert out.err.splitlines()[-1] == ('error: services "influxdb" has been modified since it was read; '
                                        "nothing was changed: run the command again")
    now = cluster.get("Service", "influxdb")
    assert now["spec"]["type"] == "NodePort" and now["spec"]["sessionAffinity"] == "ClientIP"
    assert now["metadata"]["labels"] == {"edited": "by-someone-else"}
    assert UNDO_ANNOTATION not in (now["metadata"].get("annotations") or {})


def test_no_terminal_and_no_yes_refuses_after_the_preview(demo_api):
    out = demo_api.reach("convert", "svc/influxdb", "--to", "loadbalancer")
    assert out.code == 1 and "refusing to change svc/influxdb without confirmation: add --yes" in out.err
    assert all(r.dry_run for r in mutations(demo_api))
    assert spec_of(demo_api, "Service", "influxdb")["type"] == "NodePort"


def test_to_loadbalancer_dry_run_shows_placeholders_not_fake_ports(realworld):
    out = realworld.reach("convert", "svc/internal-only", "--to", "loadbalancer", "--dry-run")
    assert out.code == 0, out.err
    assert "+    nodePort: <allocated on apply>" in out.out.splitlines()
    assert "32769" not in out.out
    assert "http://198.51.100.1:<allocated on apply>" in out.out or "tcp://198.51.100.1:<allocated on apply>" in out.out
    assert "appears once a cloud controller provisions it" in out.err


def test_output_json_prints_the_object_after_the_change(demo_api):
    out = demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--dry-run", "-o", "json")
    after = json.loads(out.out)
    assert after["spec"]["type"] == "ClusterIP" and "nodePort" not in after["spec"]["ports"][0]
    out = demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--dry-run", "-o", "yaml")
    assert yaml.safe_load(out.out)["spec"]["type"] == "ClusterIP"


def test_requested_node_ports_and_the_servers_reasons(demo_api):
    out = demo_api.reach("convert", "svc/influxdb-lb", "--to", "nodeport", "--node-port", "30000", "--dry-run")
    assert out.code == 1
    assert out.err.strip().endswith('Service "influxdb-lb" is invalid: spec.ports[0].nodePort: Invalid value: 30000: '
                                    "provided port is already allocated")
    out = demo_api.reach("convert", "svc/influxdb-lb", "--to", "nodeport", "--node-port", "40000", "--yes")
    assert out.code == 1
    assert "outside the default range 30000-32767" in out.err  # the dry run passes, as on a real server...
    assert out.err.strip().endswith("provided port is not in the valid range. The range of valid ports is 30000-32767")
    assert spec_of(demo_api, "Service", "influxdb-lb")["type"] == "LoadBalancer"
    out = demo_api.reach("convert", "svc/influxdb-lb", "--to", "nodeport", "--node-port", "30005", "--yes")
    assert out.code == 0 and spec_of(demo_api, "Service", "influxdb-lb")["ports"][0]["nodePort"] == 30005


def test_nothing_to_change(demo_api):
    out = demo_api.reach("convert", "svc/influxdb", "--to", "nodeport")
    assert (out.code, out.err) == (0, "svc/influxdb is already NodePort: nothing to change.\n")
    assert mutations(demo_api) == []


@pytest.mark.parametrize("args, message", [
    (["convert", "svc/influxdb"], "--to is required"),
    (["convert", "svc/influxdb", "--to", "hostport"], 'cannot convert a Service to "hostport"'),
    (["convert", "deploy/x", "--to", "nodeport"], 'cannot convert a Deployment to "nodeport"'),
    (["convert", "influxdb", "--to", "nodeport"], "give the target with its type"),
    (["convert", "svc/influxdb", "--to", "nodeport", "--node-port", "abc"], 'invalid --node-port "abc"'),
    (["convert", "svc/influxdb", "--to", "nodeport", "--node-port", "70000"], 'invalid --node-port "70000"'),
    (["convert", "svc/influxdb", "--to", "loadbalancer", "--source-range", "10.0.0.300/8"], "invalid --source-range"),
    (["convert", "svc/influxdb", "--to", "ingress"], "needs --host"),
    (["convert", "svc/influxdb", "--to", "ingress", "--host", "Bad_Host"], 'invalid --host "Bad_Host"'),
    (["convert", "svc/influxdb", "--to", "ingress", "--host", "10.0.0.1"], "not an IP address"),
    (["convert", "svc/influxdb", "--to", "ingress", "--host", "a.example.com", "--path", "api"], 'invalid --path "api"'),
    (["convert", "svc/influxdb", "--to", "nodeport", "--external-traffic-policy", "Nearest"], "use Cluster or Local"),
    (["convert", "svc/influxdb", "--to", "nodeport", "-o", "wide"], "allowed formats are: json,yaml"),
    (["convert", "svc/influxdb", "--to", "nodeport", "--host", "a.b.c"], "--host applies only to --to ingress"),
    (["convert", "deploy/x", "--to", "hostport", "--port", "80=x"], 'invalid --port "80=x"'),
    (["undo", "svc/influxdb", "--to", "nodeport"], "No such option"),
])
def test_usage_errors_before_any_request(demo_api, args, message):
    out = demo_api.reach(*args)
    assert out.code == 1 and out.err.startswith("error: ") and message in out.err, out.err
    assert demo_api.log() == []


def test_refusals_that_need_the_object(api_factory):
    api = api_factory(objects=[
        {"kind": "Service", "metadata": {"name": "alias"}, "spec": {"type": "ExternalName", "externalName": "db.example.com"}},
        {"kind": "Service", "metadata": {"name": "headless"}, "spec": {"clusterIP": "None", "ports": [{"port": 80}]}}])
    assert "is ExternalName" in api.reach("convert", "svc/alias", "--to", "nodeport").err
    assert "is headless (clusterIP: None)" in api.reach("convert", "svc/headless", "--to", "nodeport").err
    assert "nothing to undo" in api.reach("undo", "svc/headless").err
    assert mutations(api) == []


def test_a_bare_pod_is_refused_with_its_owner_named(realworld):
    out = realworld.reach("convert", "pod/api-7d4b9c8f6-x2x7q", "--to", "hostport")
    assert out.err.strip() == ("error: pod api-7d4b9c8f6-x2x7q cannot be changed in place (a Pod's spec is immutable): "
                               "convert its owner instead: kubectl reach convert -n shop deploy/api --to hostport")
    assert mutations(realworld) == []


# --- Ingress ----------------------------------------------------------------------------------------

def test_create_ingress_with_tls_then_undo_deletes_it(demo_api):
    args = ["convert", "svc/influxdb-lb", "--to", "ingress", "--host", "metrics.example.com", "--tls-secret", "m-tls"]
    out = demo_api.reach(*args, "--dry-run")
    assert out.code == 0, out.err
    assert demo_api.get("Ingress", "influxdb-lb") is None
    assert out.out.splitlines()[:2] == ["--- ingress/influxdb-lb (live)", "+++ ingress/influxdb-lb (after)"]
    assert "  + https://metrics.example.com/" in out.out.splitlines()
    out = demo_api.reach(*args, "--yes")
    assert out.code == 0, out.err
    created = demo_api.get("Ingress", "influxdb-lb")
    assert created["spec"] == {"ingressClassName": "nginx", "rules": [{"host": "metrics.example.com", "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "influxdb-lb", "port": {"name": "http"}}}}]}}],
        "tls": [{"hosts": ["metrics.example.com"], "secretName": "m-tls"}]}
    assert created["metadata"]["annotations"][CREATED_ANNOTATION] == "svc/influxdb-lb"
    urls = demo_api.reach("svc/influxdb-lb", "-o", "url")  # no controller has given the new Ingress an address yet
    assert "Warning: URL not printed: https://metrics.example.com/: no address yet" in urls.err
    assert "https://metrics.example.com/" in [e["url"] for e in json.loads(
        demo_api.reach("svc/influxdb-lb", "-o", "json").out)["endpoints"]]
    out = demo_api.reach("undo", "ingress/influxdb-lb", "--yes")
    assert out.code == 0, out.err
    assert demo_api.get("Ingress", "influxdb-lb") is None
    assert "not created by kubectl reach" in demo_api.reach("undo", "ingress/influxdb", "--yes").err


def test_ingress_refusals(demo_api):
    out = demo_api.reach("convert", "svc/influxdb-lb", "--to", "ingress", "--host", "influxdb.example.com")
    assert out.code == 1 and "ingress influxdb already routes influxdb.example.com/ to service influxdb" in out.err
    out = demo_api.reach("convert", "svc/influxdb", "--to", "ingress", "--host", "influxdb.example.com")
    assert out.code == 0 and "nothing to do" in out.err
    out = demo_api.reach("convert", "svc/influxdb", "--to", "ingress", "--host", "other.example.com")
    assert out.code == 1 and 'an Ingress named "influxdb" already exists: choose another name with --ingress-name' in out.err
    out = demo_api.reach("convert", "svc/influxdb-lb", "--to", "ingress", "--host", "x.example.com", "--class", "haproxy")
    assert out.code == 1 and 'IngressClass "haproxy" not found (available: nginx)' in out.err
    assert mutations(demo_api) == []


# --- workloads ---------------------------------------------------------------------------------------

def test_deployment_to_hostport_then_undo(realworld):
    before = realworld.get("Deployment", "api", "shop")
    out = realworld.reach("convert", "deploy/api", "--to", "hostport", "--port", "8080=18080", "--dry-run")
    assert out.code == 0, out.err
    assert "+          hostPort: 18080" in out.out.splitlines()
    assert "  + http://198.51.100.1:18080" in out.out.splitlines() and "  + http://10.0.1.5:18080" in out.out.splitlines()
    assert "RollingUpdate" in out.err
    assert realworld.get("Deployment", "api", "shop") == before
    assert realworld.reach("convert", "deploy/api", "--to", "hostport", "--port", "8080=18080", "--yes").code == 0
    ports = spec_of(realworld, "Deployment", "api", "shop")["template"]["spec"]["containers"][0]["ports"]
    assert ports == [{"name": "http-api", "containerPort": 8080, "protocol": "TCP", "hostPort": 18080}]
    assert realworld.reach("undo", "deploy/api", "--yes").code == 0
    assert spec_of(realworld, "Deployment", "api", "shop") == before["spec"]


def test_host_network_sets_dns_policy_and_warns_about_pod_security(realworld):
    namespace = realworld.get("Namespace", "shop", "")
    namespace["metadata"]["labels"] = {"pod-security.kubernetes.io/enforce": "baseline"}
    realworld.add(namespace)
    out = realworld.reach("convert", "deploy/api", "--to", "hostnetwork", "--yes")
    assert out.code == 0, out.err
    template = spec_of(realworld, "Deployment", "api", "shop")["template"]["spec"]
    assert (template["hostNetwork"], template["dnsPolicy"]) == (True, "ClusterFirstWithHostNet")
    assert 'namespace shop enforces Pod Security "baseline", which forbids host namespaces' in out.err
    assert 'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)' in out.err  # server's
    assert "http://198.51.100.1:8080" in out.out


# --- every Service type pair, end to end ---------------------------------------------------------------

SERVICE_TYPES = {"ClusterIP": "clusterip", "NodePort": "nodeport", "LoadBalancer": "loadbalancer"}


@pytest.mark.parametrize("source, to", [(s, t) for s in ("ClusterIP", "NodePort", "LoadBalancer")
                                        for t in ("clusterip", "nodeport", "loadbalancer") if SERVICE_TYPES[s] != t])
def test_every_service_pair_dry_run_apply_undo(api_factory, source, to):
    spec = {"type": source, "selector": {"app": "web"}, "clusterIP": "10.96.1.1",
            "ports": [{"name": "http", "port": 80, "targetPort": 8080}, {"name": "dns", "port": 53, "protocol": "UDP"}]}
    if source != "ClusterIP":
        spec["ports"][0]["nodePort"], spec["ports"][1]["nodePort"] = 30080, 30053
        spec["externalTrafficPolicy"] = "Cluster"
    if source == "LoadBalancer":
        spec.update(allocateLoadBalancerNodePorts=True, loadBalancerSourceRanges=["203.0.113.0/24"])
    api = api_factory(objects=[{"kind": "Service", "metadata": {"name": "web", "labels": {"team": "a"}}, "spec": spec},
                               {"kind": "Node", "metadata": {"name": "n1"},
                                "status": {"addresses": [{"type": "ExternalIP", "address": "203.0.113.1"}]}}])
    original = api.get("Service", "web")
    assert api.reach("convert", "svc/web", "--to", to, "--dry-run").code == 0
    assert api.get("Service", "web") == original and all(r.dry_run for r in mutations(api))
    out = api.reach("convert", "svc/web", "--to", to, "--yes")
    assert out.code == 0, out.err
    converted = api.get("Service", "web")
    assert converted["spec"]["type"] == {v: k for k, v in SERVICE_TYPES.items()}[to]
    assert converted["metadata"]["labels"] == {"team": "a"} and converted["spec"]["selector"] == {"app": "web"}
    if source != "ClusterIP" and to != "clusterip":
        assert [p["nodePort"] for p in converted["spec"]["ports"]] == [30080, 30053]
    if to == "clusterip":
        assert all("nodePort" not in p for p in converted["spec"]["ports"])
    assert api.reach("undo", "svc/web", "--yes").code == 0
    restored = api.get("Service", "web")
    assert restored["spec"] == original["spec"]


@pytest.mark.fake_only("a concurrent edit injected between two requests")
def test_workload_conflict_changes_nothing(realworld):
    cluster = realworld.cluster

    def scale(cluster):
        theirs = cluster.get("Deployment", "api", "shop")
        theirs["spec"]["replicas"] = 5
        cluster.add(theirs)

    after_dry_run(cluster, scale)
    out = realworld.reach("convert", "deploy/api", "--to", "hostnetwork", "--yes")
    assert out.code == 1 and 'deployments "api" has been modified since it was read' in out.err
    now = cluster.get("Deployment", "api", "shop")
    assert now["spec"]["replicas"] == 5 and "hostNetwork" not in now["spec"]["template"]["spec"]


# --- on a terminal: the question, and colours ----------------------------------------------------------

def test_terminal_confirmation_yes_and_no(demo_api):
    code, text = on_terminal(demo_api, ["convert", "svc/influxdb", "--to", "clusterip"], b"n\n")
    assert code == 1 and "Apply this change to svc/influxdb? [y/N]" in text and "cancelled: nothing was changed" in text
    assert "\x1b[32m+  type: ClusterIP" in text  # coloured diff on a terminal
    assert demo_api.get("Service", "influxdb")["spec"]["type"] == "NodePort"
    code, text = on_terminal(demo_api, ["convert", "svc/influxdb", "--to", "clusterip"], b"y\n", {"NO_COLOR": ""})
    assert code == 0 and "svc/influxdb changed." in text and "\x1b[" not in text
    assert demo_api.get("Service", "influxdb")["spec"]["type"] == "ClusterIP"
