"""The desired Service for every from/to pair (pure), checked against the API server's own rules."""

import copy
import json

import pytest

from kubectl_expose_ext.commands.convert import parse_node_port
from kubectl_expose_ext.convert import LBSR_ANNOTATION, UNDO_ANNOTATION
from kubectl_expose_ext.convert.service import (exposure_of, is_noop, parse_node_ports, refuse_unconvertible,
                                                requested_exposure, service_patch, undo_exposure)
from kubectl_expose_ext.demo import rules
from kubectl_expose_ext.errors import UsageError
from kubectl_expose_ext.objects import merge_patch

COMMON_META = {"name": "web", "namespace": "shop", "uid": "0f5e7b1c-4a8d-4a6e-9b3f-2c1d0e9f8a7b",
               "resourceVersion": "4711", "labels": {"app": "web"},
               "annotations": {"team": "payments", "prometheus.io/scrape": "true"}}
COMMON_SPEC = {"selector": {"app": "web"}, "clusterIP": "10.96.7.7", "clusterIPs": ["10.96.7.7"],
               "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster",
               "sessionAffinity": "ClientIP", "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}}}
PORTS = [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP", "appProtocol": "http"},
         {"name": "dns", "port": 53, "targetPort": 5353, "protocol": "UDP"},
         {"name": "dns-tcp", "port": 53, "targetPort": 5353, "protocol": "TCP"}]


def make(kind):
    ports = copy.deepcopy(PORTS)
    spec = {**copy.deepcopy(COMMON_SPEC), "type": kind, "ports": ports}
    meta = copy.deepcopy(COMMON_META)
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec, "status": {"loadBalancer": {}}}
    if kind in ("NodePort", "LoadBalancer"):
        for port, number in zip(ports, (30080, 30053, 30054)):
            port["nodePort"] = number
        spec["externalTrafficPolicy"] = "Local"
    if kind == "LoadBalancer":
        spec.update(healthCheckNodePort=32100, loadBalancerSourceRanges=["203.0.113.0/24"], loadBalancerClass="lbc",
                    allocateLoadBalancerNodePorts=True, loadBalancerIP="198.51.100.5")
        meta["annotations"][LBSR_ANNOTATION] = "203.0.113.0/24"
        svc["status"] = {"loadBalancer": {"ingress": [{"ip": "198.51.100.5", "ipMode": "VIP"}]}}
    return svc


def server_applies(live, patch, taken=frozenset()):
    """What the API server does with the patch: merge, check the resourceVersion, default, validate, allocate."""
    assert patch["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]
    assert patch["metadata"]["uid"] == live["metadata"]["uid"]
    new = merge_patch(live, patch)
    rules.default_service(new["spec"])
    errors = rules.validate_service(live, new) or rules.allocate_node_ports(live, new, set(taken), dry_run=False)
    assert errors == []
    return new


def untouched(before, after):
    """Everything convert must not change is the same."""
    for key in COMMON_SPEC:
        assert after["spec"][key] == before["spec"][key], key
    assert after["metadata"]["labels"] == before["metadata"]["labels"]
    for key in ("team", "prometheus.io/scrape"):
        assert after["metadata"]["annotations"][key] == before["metadata"]["annotations"][key]
    assert [(p["name"], p["port"], p["protocol"], p["targetPort"]) for p in after["spec"]["ports"]] == \
        [(p["name"], p["port"], p["protocol"], p["targetPort"]) for p in before["spec"]["ports"]]
    assert after["spec"]["ports"][0]["appProtocol"] == "http"


def node_ports(svc):
    return [p.get("nodePort") for p in svc["spec"]["ports"]]


LB_FIELDS = ("healthCheckNodePort", "loadBalancerSourceRanges", "loadBalancerClass", "allocateLoadBalancerNodePorts",
             "loadBalancerIP")


@pytest.mark.parametrize("source", ["NodePort", "LoadBalancer"])
def test_to_clusterip_removes_everything_the_api_server_rejects(source):
    live = make(source)
    after = server_applies(live, service_patch(live, requested_exposure(live, "clusterip", {})))
    assert after["spec"]["type"] == "ClusterIP"
    assert node_ports(after) == [None, None, None]
    for key in LB_FIELDS + ("externalTrafficPolicy",):
        assert key not in after["spec"], key
    assert LBSR_ANNOTATION not in after["metadata"]["annotations"]
    untouched(live, after)


def test_to_clusterip_keeps_traffic_policy_when_external_ips_remain():
    live = make("NodePort")
    live["spec"]["externalIPs"] = ["192.0.2.9"]
    after = server_applies(live, service_patch(live, requested_exposure(live, "clusterip", {})))
    assert after["spec"]["externalTrafficPolicy"] == "Local" and after["spec"]["externalIPs"] == ["192.0.2.9"]


def test_loadbalancer_to_nodeport_keeps_node_ports_and_drops_lb_fields():
    live = make("LoadBalancer")
    after = server_applies(live, service_patch(live, requested_exposure(live, "nodeport", {})))
    assert (after["spec"]["type"], node_ports(after)) == ("NodePort", [30080, 30053, 30054])
    assert after["spec"]["externalTrafficPolicy"] == "Local"
    for key in LB_FIELDS:
        assert key not in after["spec"], key
    untouched(live, after)


def test_nodeport_to_loadbalancer_keeps_node_ports_and_policy():
    live = make("NodePort")
    target = requested_exposure(live, "loadbalancer", {"load_balancer_class": "internal", "source_ranges": ["10.0.0.0/8"]})
    after = server_applies(live, service_patch(live, target))
    assert (after["spec"]["type"], node_ports(after)) == ("LoadBalancer", [30080, 30053, 30054])
    assert after["spec"]["loadBalancerClass"] == "internal"
    assert after["spec"]["loadBalancerSourceRanges"] == ["10.0.0.0/8"]
    assert after["spec"]["externalTrafficPolicy"] == "Local" and after["spec"]["allocateLoadBalancerNodePorts"] is True
    untouched(live, after)


@pytest.mark.parametrize("target", ["nodeport", "loadbalancer"])
def test_clusterip_to_exposed_lets_the_server_allocate_unless_asked(target):
    live = make("ClusterIP")
    chosen = parse_node_ports((parse_node_port("http=30007"),), live)
    patch = service_patch(live, requested_exposure(live, target, {"node_ports": chosen, "external_traffic_policy": "Cluster"}))
    assert node_ports(patch) == [30007, None, None]
    after = server_applies(live, patch, taken={30086})
    assert node_ports(after) == [30007, 30087, 30087]  # 53/UDP and 53/TCP share one, as the real allocator does
    assert after["spec"]["externalTrafficPolicy"] == "Cluster"
    untouched(live, after)


def test_same_protocol_pairs_on_one_port_number_stay_distinct():
    live = make("NodePort")
    chosen = parse_node_ports((parse_node_port("53=30555"),), live)  # both 53/UDP and 53/TCP
    patch = service_patch(live, requested_exposure(live, "nodeport", {"node_ports": chosen}))
    assert [(p["port"], p["protocol"], p["nodePort"]) for p in patch["spec"]["ports"]] == [
        (80, "TCP", 30080), (53, "UDP", 30555), (53, "TCP", 30555)]


@pytest.mark.parametrize("source", ["ClusterIP", "NodePort", "LoadBalancer"])
@pytest.mark.parametrize("to", ["clusterip", "nodeport", "loadbalancer"])
def test_round_trip_convert_then_undo_restores_the_spec(source, to):
    live = make(source)
    target = requested_exposure(live, to, {})
    if is_noop(live, target):
        return
    converted = server_applies(live, service_patch(live, target))
    converted["metadata"]["resourceVersion"] = "4712"
    restored = server_applies(converted, service_patch(converted, undo_exposure(converted)))
    expected = copy.deepcopy(live)
    rules.default_service(expected["spec"])
    assert restored["spec"] == expected["spec"]
    assert json.loads(restored["metadata"]["annotations"][UNDO_ANNOTATION])["type"] == converted["spec"]["type"]
    assert restored["metadata"]["annotations"].get(LBSR_ANNOTATION) == live["metadata"]["annotations"].get(LBSR_ANNOTATION)


def test_exposure_record_is_compact_json():
    record = json.loads(exposure_of(make("NodePort")).to_annotation())
    assert record == {"type": "NodePort", "node_ports": {"80/TCP": 30080, "53/UDP": 30053, "53/TCP": 30054},
                      "external_traffic_policy": "Local"}


@pytest.mark.parametrize("args, message", [
    ((("30080",), "has 3 ports: use --node-port PORT=NODEPORT")),
    ((("nope=30080",), 'has no port "nope"')),
    ((("http=x",), "must be a number")),
])
def test_node_port_arguments(args, message):
    with pytest.raises(UsageError, match=message):
        parse_node_ports([parse_node_port(a) for a in args], make("ClusterIP"))


def test_flag_combinations_that_make_no_sense():
    with pytest.raises(UsageError, match="do not apply to --to clusterip"):
        requested_exposure(make("NodePort"), "clusterip", {"node_ports": {"80/TCP": 30001}})
    with pytest.raises(UsageError, match="apply only to --to loadbalancer"):
        requested_exposure(make("ClusterIP"), "nodeport", {"load_balancer_class": "x"})
    with pytest.raises(UsageError, match="loadBalancerClass to change"):
        requested_exposure(make("LoadBalancer"), "loadbalancer", {"load_balancer_class": "other"})
    with pytest.raises(UsageError, match="--external-traffic-policy applies only"):
        requested_exposure(make("ClusterIP"), "clusterip", {"external_traffic_policy": "Local"})


def test_external_name_and_headless_are_refused():
    with pytest.raises(UsageError, match="ExternalName"):
        refuse_unconvertible({"metadata": {"name": "x"}, "spec": {"type": "ExternalName", "externalName": "a.b"}})
    with pytest.raises(UsageError, match="headless"):
        refuse_unconvertible({"metadata": {"name": "x"}, "spec": {"clusterIP": "None"}})


def test_undo_needs_our_annotation():
    with pytest.raises(UsageError, match="nothing to undo"):
        undo_exposure(make("NodePort"))
    broken = make("NodePort")
    broken["metadata"]["annotations"][UNDO_ANNOTATION] = "{not json"
    with pytest.raises(UsageError, match="not valid"):
        undo_exposure(broken)
