"""`kubectl reach explain` end to end, on the fake and the real API server: the demo healthy through every way in,
a broken hop named with its evidence, RBAC degrading a hop to unknown, a constant number of requests, and the
installed executable."""

import json

import pytest

pytestmark = pytest.mark.both_backends

NO_POD = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "orphan", "namespace": "default"},
          "spec": {"type": "NodePort", "selector": {"app": "nothing-has-this"},
                   "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30999}]}}
DENY_ALL = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "deny-all", "namespace": "default"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}


def test_the_demo_is_healthy_through_every_way_in(demo_api):
    result = demo_api.reach("explain", "pod/influxdb")
    assert result.code == 0, result.err
    first = result.out.splitlines()[0]
    assert first.startswith("pod/influxdb in namespace default: ") and first.endswith(" healthy"), first
    count = int(first.split(": ")[1].split()[0])
    assert count >= 9 and f"{count} way(s) in: {count} healthy" in first
    assert "BROKEN" not in result.out and "evidence:" not in result.out  # text: evidence only where not ok
    wide = demo_api.reach("explain", "svc/influxdb-lb", "-o", "wide")
    assert wide.out.count("evidence: ") == wide.out.count("$ kubectl get ") + wide.out.count("$ getent") > 4


def test_the_json_trace(demo_api):
    document = json.loads(demo_api.reach("explain", "svc/influxdb-lb", "-o", "json").out)
    assert document["target"] == {"kind": "Service", "namespace": "default", "name": "influxdb-lb"}
    lb = next(w for w in document["ways"] if w["method"] == "LoadBalancer")
    assert lb["urls"] == ["http://198.51.100.20:8086"] and lb["verdict"] == "healthy" and lb["firstBroken"] is None
    assert [h["hop"] for h in lb["hops"]] == ["load balancer", "service port", "endpoints", "container port",
                                             "network policy"]
    assert set(lb["hops"][0]) == {"hop", "verdict", "detail", "evidence", "command", "vantage"}


def test_the_first_broken_hop_is_named_with_its_evidence(demo_api):
    demo_api.add(NO_POD)
    result = demo_api.reach("explain", "svc/orphan")
    assert result.code == 0, result.err
    assert "NodePort via svc/orphan port 80 (nodePort 30999): broken (first broken hop: endpoints)" in result.out
    assert "BROKEN   endpoints       its selector app=nothing-has-this matches no pod" in result.out
    assert "$ kubectl get pods -n default -l app=nothing-has-this" in result.out


def test_a_network_policy_that_admits_nothing(demo_api):
    demo_api.add(DENY_ALL)
    document = json.loads(demo_api.reach("explain", "svc/influxdb-lb", "-o", "json").out)
    lb = next(w for w in document["ways"] if w["method"] == "LoadBalancer")
    assert (lb["verdict"], lb["firstBroken"]) == ("broken", "network policy")
    assert "networkpolicy/deny-all isolate pod influxdb" in lb["hops"][-1]["detail"]
    assert lb["hops"][-1]["detail"].endswith("(static prediction)")


def test_rbac_makes_a_hop_unknown_not_an_error(demo_api):
    demo_api.forbid("list", "networkpolicies")
    result = demo_api.reach("explain", "svc/influxdb-lb")
    assert result.code == 0, result.err
    assert "unknown  network policy  NetworkPolicies could not be read" in result.out
    assert ": unknown" in result.out.splitlines()[2]


def test_explain_asks_for_a_constant_number_of_requests(demo_api):
    """What `show` sends for the same target, each once, plus one LIST of the namespace's NetworkPolicies (and, for a
    Service, one of the pods it selects): constant, whatever the cluster's size."""
    def sent(*args):
        since = len(demo_api.log())
        assert demo_api.reach(*args).code == 0
        return [(r.method, r.path, tuple(sorted(r.query.items()))) for r in demo_api.log(since)]

    for target, more in (("pod/influxdb", 1), ("svc/influxdb-lb", 2)):
        shown, explained = sent(target), sent("explain", target)
        assert len(set(explained)) == len(explained) == len(shown) + more, (explained, shown)
        assert any(path.endswith("/networkpolicies") for _, path, _ in explained)


def test_usage_errors_are_one_line(demo_api):
    for args, message in [(("explain",), "explain needs one target"),
                          (("explain", "svc/a", "svc/b"), "explain needs one target"),
                          (("explain", "svc/influxdb", "-o", "table"), 'output format "table"'),
                          (("explain", "svc/influxdb", "--probe-allow-local"), "applies only with --probe")]:
        result = demo_api.reach(*args)
        assert result.code == 1 and result.err.count("\n") == 1 and message in result.err, (args, result.err)


def test_the_installed_executable_explains(demo_api):
    from support import run_installed

    done = run_installed(["kubectl-reach", "explain", "ingress/influxdb"], demo_api.env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ingress/influxdb in namespace default: 1 way(s) in: 1 healthy")
    assert "-        name resolution  influxdb.example.com: not tried" in done.stdout


def test_show_holds_the_same_trace_when_asked(demo_api):
    shown = json.loads(demo_api.reach("svc/influxdb-lb", "-o", "json", "--explain").out)
    explained = json.loads(demo_api.reach("explain", "svc/influxdb-lb", "-o", "json").out)
    assert shown["ways"] == explained["ways"] and shown["endpoints"]
    assert "ways" not in json.loads(demo_api.reach("svc/influxdb-lb", "-o", "json").out)  # only when asked for
    refused = demo_api.reach("svc/influxdb-lb", "--explain")
    assert refused.code == 1 and refused.err == ("error: --explain adds explain's trace to -o json or yaml of named "
                                                 "targets: kubectl reach svc/NAME -o json --explain\n")


# --- --probe: this machine's vantage, in a network namespace with only `lo` -------------------------------------------

def test_probe_is_this_machines_vantage_apart_from_the_cluster_state():
    """The cluster's objects say both ways are healthy; from this machine the node port answers, and the Ingress's
    name does not resolve (`.invalid`), though its controller's address answers with the name as Host."""
    from test_hostile_probe import in_netns

    pod = {"kind": "Pod", "metadata": {"name": "web-0", "labels": {"app": "web"}},
           "spec": {"nodeName": "node-a", "containers": [{"name": "web", "ports": [{"containerPort": 8080}]}]},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}
    objects = [
        {"kind": "Node", "metadata": {"name": "node-a"}, "status": {
            "addresses": [{"type": "ExternalIP", "address": "127.0.0.1"}],
            "conditions": [{"type": "Ready", "status": "True"}]}},
        {"kind": "IngressClass", "metadata": {"name": "nginx", "annotations": {
            "ingressclass.kubernetes.io/is-default-class": "true"}}, "spec": {"controller": "k8s.io/ingress-nginx"}},
        {"kind": "Service", "metadata": {"name": "web"}, "spec": {
            "type": "NodePort", "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": "{port:node}"}]}},
        pod,
        {"kind": "EndpointSlice", "metadata": {"name": "web-1", "labels": {"kubernetes.io/service-name": "web"}},
         "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}],
         "endpoints": [{"addresses": ["10.244.0.5"], "nodeName": "node-a", "conditions": {"ready": True}}]},
        {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"rules": [{"host": "shop.invalid", "http": {
            "paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {
                "number": 80}}}}]}}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ports": [{"port": "{port:proxy}",
                                                                               "protocol": "TCP"}]}]}}},
    ]
    ran = in_netns({"listeners": {"node": {"kind": "record", "port": 0}, "proxy": {"kind": "record", "port": 80}},
                    "objects": objects,
                    "args": ["explain", "svc/web", "-o", "json", "--probe", "--probe-allow-local", "--timeout", "3s"]})
    assert ran["code"] == 0, ran["err"]
    ways = {w["method"]: w for w in json.loads(ran["out"])["ways"]}
    node, door = ways["NodePort"], ways["Ingress"]
    assert node["verdict"] == "healthy" and node["vantages"] == {"this machine": "healthy"}
    assert node["hops"][-1]["hop"].startswith("probe http://127.0.0.1:") and node["hops"][-1]["detail"].startswith(
        "ok: HTTP 200")
    resolution = door["hops"][0]
    assert (resolution["hop"], resolution["verdict"], resolution["vantage"]) == ("name resolution", "broken",
                                                                               "this machine")
    assert resolution["detail"].startswith("shop.invalid does not resolve")
    assert door["verdict"] == "healthy" and door["vantages"] == {"this machine": "broken"}
    assert len(ran["requests"]["node"]) == 1 and len(ran["requests"]["proxy"]) == 1


# --- the other vantages: the API server's proxy, a probe pod ---------------------------------------------------------

@pytest.mark.fake_only("the demo's pods have no process behind them on a real cluster")
def test_via_the_api_server_is_its_own_indirect_vantage(demo_api):
    document = json.loads(demo_api.reach("explain", "svc/influxdb-lb", "-o", "json", "--via-apiserver").out)
    lb = next(w for w in document["ways"] if w["method"] == "LoadBalancer")
    proxied = [h for h in lb["hops"] if h["vantage"] == "API server proxy (indirect)"]
    assert [h["hop"] for h in proxied] == ["via the API server"] and proxied[0]["verdict"] == "ok"
    assert proxied[0]["command"] == "kubectl get --raw /api/v1/namespaces/default/services/influxdb-lb:8086/proxy/"
    assert lb["verdict"] == "healthy" and lb["vantages"] == {"API server proxy (indirect)": "healthy"}


def test_via_the_api_server_checks_rbac_first(demo_api):
    demo_api.forbid("get", "services/proxy")
    since = len(demo_api.log())
    result = demo_api.reach("explain", "svc/influxdb-lb", "--via-apiserver")
    assert result.code == 0, result.err
    assert "unknown  via the API server  service default/influxdb-lb port 8086 (http), path /: not allowed to use " \
           "services/proxy in namespace default [API server proxy (indirect)]" in result.out
    assert "$ kubectl auth can-i get services/proxy -n default" in result.out
    assert not any("/proxy" in r.path for r in demo_api.log(since))


def test_from_cluster_shows_the_pod_and_creates_nothing_without_yes(demo_api):
    result = demo_api.reach("explain", "svc/influxdb-lb", "--from-cluster")
    assert result.code == 0, result.err
    assert "The probe pod --from-cluster needs (the API server accepted it in a dry run; nothing was created" in result.err
    assert "automountServiceAccountToken: false" in result.err and "readOnlyRootFilesystem: true" in result.err
    assert "image: curlimages/curl:8.20.0" in result.err
    assert [n for n in demo_api.names("Pod", "default") if n.startswith("kubectl-reach-probe-")] == []


def test_from_cluster_refused_by_rbac_is_one_line_after_the_trace(demo_api):
    demo_api.forbid("create", "pods")
    result = demo_api.reach("explain", "svc/influxdb-lb", "--from-cluster", "--yes")
    assert result.code == 1 and result.out.startswith("svc/influxdb-lb in namespace default: 2 way(s) in")
    assert result.err.count("\n") == 1 and result.err.startswith("error: ") and "pods" in result.err


@pytest.mark.fake_only("the fake's kubelet runs the probe pod")
def test_from_cluster_with_yes_runs_the_pod_deletes_it_and_labels_its_results(demo_api):
    demo_api.cluster.kubelet = lambda pod: ("Succeeded", "".join(
        f"reach-probe {i} 0 200 0.002\n" for i in range(1, 33)))
    result = demo_api.reach("explain", "svc/influxdb-lb", "-o", "json", "--from-cluster", "--yes",
                            "--probe-image", "registry.example/curl:1")
    assert result.code == 0, result.err
    lb = next(w for w in json.loads(result.out)["ways"] if w["method"] == "LoadBalancer")
    from_pod = [h for h in lb["hops"] if h["vantage"] == "in-cluster probe pod"]
    assert from_pod and all(h["verdict"] == "ok" for h in from_pod)
    assert any("http://198.51.100.20:8086" in h["detail"] for h in from_pod)  # its own URL, from inside
    assert any(h["detail"].startswith("service default/influxdb-lb port 8086") for h in from_pod)
    assert lb["vantages"]["in-cluster probe pod"] == "healthy"
    assert [n for n in demo_api.names("Pod", "default") if n.startswith("kubectl-reach-probe-")] == []
    created = [r for r in demo_api.log() if r.method == "POST" and r.path.endswith("/pods")
               and "dryRun" not in r.query]
    assert len(created) == 1 and created[0].body["spec"]["containers"][0]["image"] == "registry.example/curl:1"


def test_vantage_flags_are_checked(demo_api):
    for args, message in [(("--yes",), "--yes and --probe-image apply only with --from-cluster"),
                          (("--probe-image", "x"), "--yes and --probe-image apply only with --from-cluster"),
                          (("--from-cluster", "--probe-image", "a b"), 'invalid --probe-image "a b"')]:
        result = demo_api.reach("explain", "svc/influxdb", *args)
        assert result.code == 1 and message in result.err, (args, result.err)
