"""Load balancers and front doors as their controllers really build them (issue 28): internal load balancers and
Ingresses, TLS at the load balancer, the load balancer's own status, Gateway listener admission, OpenShift admission
per router. The rules are table-driven on the real object shapes of tests/fixtures/loadbalancers.yaml (pure), and
the same fixture is loaded into both API servers for the end-to-end half: the real one accepts every object."""

import json

import pytest

from builders import fixture_objects
from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.audit import assess
from kubectl_expose_ext.doors.gateway import refusal, selector_matches
from kubectl_expose_ext.loadbalancers import LOAD_BALANCERS, markdown, read, status_reason
from kubectl_expose_ext.reach import Snapshot, reach_target

OBJECTS = fixture_objects("loadbalancers.yaml")
LBC_DEFAULT = "AWS Load Balancer Controller default, no service.beta.kubernetes.io/aws-load-balancer-scheme"


def snapshot(*, namespaces="read"):
    by_kind = {}
    for obj in OBJECTS:
        by_kind.setdefault(obj["kind"], []).append(obj)
    return Snapshot(nodes=NodeTable.complete(by_kind["Node"]), services=by_kind["Service"],
                    ingresses=by_kind["Ingress"], ingress_classes=by_kind["IngressClass"], gateways=by_kind["Gateway"],
                    gateway_routes=by_kind["HTTPRoute"], openshift_routes=by_kind["Route"],
                    namespaces=by_kind["Namespace"] if namespaces == "read" else None)


def obj(kind, name):
    return next(o for o in OBJECTS if o["kind"] == kind and o["metadata"]["name"] == name)


def answer(kind, name, world=None):
    found = reach_target(kind, obj(kind, name), [], world or snapshot()).found
    return [(e.url, e.internal) for e in found.endpoints], found


# --- load balancers: internal, TLS, status ------------------------------------------------------------------------

@pytest.mark.parametrize("name, endpoints", [
    # EKS with the AWS Load Balancer Controller's defaults: class service.k8s.aws/nlb, no scheme: internal
    ("eks-nlb", [("http://k8s-lb-eksnlb-1a2b3c4d5e-0123456789abcdef.elb.us-east-1.amazonaws.com:80", LBC_DEFAULT)]),
    # aws-load-balancer-type: external, internet-facing, TLS on the port named in ssl-ports only
    ("nlb-public-tls", [("http://k8s-lb-nlbpubli-2b3c4d5e6f-1234567890abcdef.elb.us-east-1.amazonaws.com:80", None),
                        ("https://k8s-lb-nlbpubli-2b3c4d5e6f-1234567890abcdef.elb.us-east-1.amazonaws.com:9443", None)]),
    ("nlb-ip-legacy", [("http://k8s-lb-nlbipleg-3c4d5e6f7a-2345678901abcdef.elb.us-east-1.amazonaws.com:80",
                        LBC_DEFAULT)]),
    # in-tree: any aws-load-balancer-internal value but "false"; ssl-ports "*" is every port
    ("in-tree-elb", [("https://internal-a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6-1234567890.us-east-1.elb.amazonaws.com:80",
                      "service.beta.kubernetes.io/aws-load-balancer-internal: 0.0.0.0/0")]),
    # the LBC's scheme annotation on an in-tree Service: not read there (a warning, below)
    ("in-tree-scheme", [("http://a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4-2109876543.us-east-1.elb.amazonaws.com:80", None)]),
    ("azure-internal", [("http://10.240.0.7:80", "service.beta.kubernetes.io/azure-load-balancer-internal: true")]),
    ("gke-internal", [("http://10.128.0.9:80", "loadBalancerClass: networking.gke.io/l4-regional-internal")]),
    ("oci-nlb", [("http://10.0.10.5:80", "oci-network-load-balancer.oraclecloud.com/internal: true")]),
    ("oci-lb-tls", [("https://198.51.100.31:8080", None)]),  # ssl-ports 8080: https whatever the backend speaks
    ("do-tls", [("http://198.51.100.32:80", None), ("https://198.51.100.32:9000", None)]),
    # Hetzner: the private network IP in the status works only inside that network; every service https
    ("hetzner", [("https://198.51.100.40:8080", None), ("https://[2001:db8:1::40]:8080", None),
                 ("https://10.0.0.3:8080", "private address 10.0.0.3")]),
    ("alibaba-intranet", [
        ("http://172.16.1.20:80", "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type: intranet"),
        ("https://172.16.1.20:8443", "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type: intranet")]),
    ("tencent-internal", [("https://10.0.1.8:9443",
                           "service.kubernetes.io/qcloud-loadbalancer-internal-subnetid: subnet-3kv8x6p2")]),
    ("openstack-internal", [("http://10.0.0.42:80", "service.beta.kubernetes.io/openstack-internal-load-balancer: true")]),
    ("metallb-lan", [("http://192.168.1.240:80", "private address 192.168.1.240")]),
    ("kind-lb", [("http://172.18.0.5:80", "private address 172.18.0.5")]),
    ("ranges-annotation", [("http://198.51.100.70:80", None)]),
])
def test_load_balancer_urls_say_internal_and_tls(name, endpoints):
    assert answer("Service", name)[0] == endpoints


def test_the_load_balancer_status_is_shown_where_it_decides():
    _, found = answer("Service", "port-error")
    plain, broken = found.endpoints
    assert (plain.url, plain.dead) == ("http://198.51.100.60:80", None)
    assert broken.dead == "the load balancer reports an error on port 443/TCP: cloud.example.com/ListenerQuotaExceeded"
    assert broken.warnings[0] == broken.dead and any(broken.dead in w for w in found.warnings)
    hetzner = answer("Service", "hetzner")[1].endpoints
    assert all("ipMode Proxy: the load balancer proxies connections" in " ".join(e.warnings) for e in hetzner)
    assert all(e.warnings[-2] == "TLS ends at the load balancer (load-balancer.hetzner.cloud/protocol: https)"
               for e in hetzner)
    [ranged] = answer("Service", "ranges-annotation")[1].endpoints
    assert ranged.warnings == ["load balancer accepts only 10.0.0.0/8, 192.168.0.0/16 "
                               "(service.beta.kubernetes.io/load-balancer-source-ranges)"]
    assert answer("Service", "nlb-public-tls")[1].endpoints[0].warnings == ["load balancer accepts only 198.51.100.0/24"]


@pytest.mark.parametrize("name, warning", [
    ("in-tree-scheme", "service in-tree-scheme: service.beta.kubernetes.io/aws-load-balancer-scheme is read by the AWS "
                       "Load Balancer Controller only"),
    ("nlb-star", "service nlb-star: service.beta.kubernetes.io/aws-load-balancer-ssl-ports names no port of the Service "
                 "(*): the AWS Load Balancer Controller refuses it"),
])
def test_what_the_controller_does_not_read_or_refuses_is_said(name, warning):
    assert any(w.startswith(warning) for w in answer("Service", name)[1].warnings)


def lb_service(annotations=None, cls=None, ports=None):
    spec = {"type": "LoadBalancer", "ports": ports or [{"name": "http", "port": 80, "protocol": "TCP"}]}
    if cls:
        spec["loadBalancerClass"] = cls
    return {"metadata": {"name": "s", "namespace": "lb", "annotations": annotations or {}}, "spec": spec}


AWS = "service.beta.kubernetes.io/aws-load-balancer-"


@pytest.mark.parametrize("annotations, cls, internal", [
    # the in-tree AWS controller: aws-load-balancer-internal, any value but "false"
    ({AWS + "internal": "true"}, None, "service.beta.kubernetes.io/aws-load-balancer-internal: true"),
    ({AWS + "internal": "false"}, None, None),
    ({AWS + "scheme": "internal"}, None, None),  # the LBC's annotation: not read in-tree
    # the AWS Load Balancer Controller (and EKS Auto Mode): internal unless said otherwise
    ({}, "service.k8s.aws/nlb", LBC_DEFAULT),
    ({AWS + "scheme": "internet-facing"}, "service.k8s.aws/nlb", None),
    ({AWS + "internal": "false"}, "service.k8s.aws/nlb", None),  # the deprecated form, a boolean
    ({AWS + "scheme": "internal", AWS + "internal": "false"}, "service.k8s.aws/nlb",
     "service.beta.kubernetes.io/aws-load-balancer-scheme: internal"),  # the scheme wins ties
    ({AWS + "type": "external", AWS + "nlb-target-type": "ip"}, None, LBC_DEFAULT),
    ({AWS + "type": "external"}, None, None),  # no target type: neither controller takes it (a warning)
    ({}, "eks.amazonaws.com/nlb",
     "EKS Auto Mode default, no service.beta.kubernetes.io/aws-load-balancer-scheme"),
    # a class no row knows: the cloud controllers leave the Service alone, their annotations mean nothing
    ({"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}, "io.cilium/bgp-control-plane", None),
    ({"networking.gke.io/load-balancer-type": "Internal"}, None, "networking.gke.io/load-balancer-type: Internal"),
    ({"cloud.google.com/load-balancer-type": "internal"}, None, "cloud.google.com/load-balancer-type: internal"),
    ({}, "networking.gke.io/l4-regional-external", None),
    ({"service.beta.kubernetes.io/oci-load-balancer-internal": "True"}, None,
     "service.beta.kubernetes.io/oci-load-balancer-internal: True"),  # Go's ParseBool
    ({"service.beta.kubernetes.io/oci-load-balancer-internal": "yes"}, None, None),
    ({"oci-network-load-balancer.oraclecloud.com/internal": "true"}, None, None),  # an NLB's, on a load balancer
    ({"service.beta.kubernetes.io/do-loadbalancer-network": "INTERNAL"}, None,
     "service.beta.kubernetes.io/do-loadbalancer-network: INTERNAL"),
    ({"load-balancer.hetzner.cloud/disable-public-network": "true"}, None,
     "load-balancer.hetzner.cloud/disable-public-network: true"),
    ({"service.beta.kubernetes.io/alicloud-loadbalancer-address-type": "intranet"}, None,
     "service.beta.kubernetes.io/alicloud-loadbalancer-address-type: intranet"),  # the legacy prefix
    ({"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type": "intranet"}, "alibabacloud.com/nlb",
     "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type: intranet"),
    ({"service.beta.kubernetes.io/cce-load-balancer-internal-vpc": "true"}, None,
     "service.beta.kubernetes.io/cce-load-balancer-internal-vpc: true"),
    ({"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "private"}, None,
     "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type: private"),
    ({"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": "public"}, None, None),
])
def test_internal_by_each_controllers_rule(annotations, cls, internal):
    assert read(lb_service(annotations, cls)).internal == internal


PORTS = [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "api", "port": 8443, "protocol": "TCP"},
         {"name": "dns", "port": 53, "protocol": "UDP"}]
CERT = {AWS + "ssl-cert": "arn:aws:acm:us-east-1:123456789012:certificate/1b2c3d4e"}
DO = "service.beta.kubernetes.io/do-loadbalancer-"


@pytest.mark.parametrize("annotations, cls, tls, warned", [
    (CERT, None, [80, 8443], False),  # in-tree: every port but UDP
    ({**CERT, AWS + "ssl-ports": "80, 8443"}, None, [80], False),  # in-tree: split, not trimmed (" 8443")
    ({**CERT, AWS + "ssl-ports": "api"}, None, [8443], False),
    ({AWS + "ssl-ports": "api"}, None, [], False),  # no certificate: no TLS
    ({**CERT, AWS + "ssl-ports": "80, api"}, "service.k8s.aws/nlb", [80, 8443], False),  # the LBC trims
    ({**CERT}, "service.k8s.aws/nlb", [80, 8443], False),
    ({**CERT, AWS + "ssl-ports": "*"}, "service.k8s.aws/nlb", [], True),
    ({DO + "certificate-id": "c"}, None, [], False),  # 443 would be https: there is none
    ({DO + "protocol": "https", DO + "certificate-id": "c"}, None, [80, 8443], False),
    ({DO + "protocol": "https", DO + "certificate-id": "c", DO + "http-ports": "80"}, None, [8443], False),
    ({DO + "tls-ports": "8443, 80", DO + "certificate-id": "c"}, None, [], True),  # strict port lists
    ({"service.beta.kubernetes.io/oci-load-balancer-ssl-ports": "80, 8443"}, None, [80, 8443], False),
    ({"service.beta.kubernetes.io/oci-load-balancer-ssl-ports": "80",
      "oci.oraclecloud.com/load-balancer-type": "nlb"}, None, [], False),  # NLBs pass TLS through
    ({"load-balancer.hetzner.cloud/protocol": "https"}, None, [80, 8443], False),
    ({"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-protocol-port": "https:8443,http:80"}, None, [8443], False),
    ({"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-protocol-port": "tcpssl:80"}, "alibabacloud.com/nlb",
     [80], False),
    ({"service.cloud.tencent.com/specify-protocol": '{"80": {"protocol": ["HTTPS"], "tls": "s"}}'}, None, [80], False),
    ({"service.cloud.tencent.com/specify-protocol": "HTTPS:80"}, None, [], True),
    ({"loadbalancer.openstack.org/default-tls-container-ref": "https://kms/v1/containers/1"}, None, [80, 8443], False),
])
def test_tls_ends_at_the_load_balancer_on_the_ports_each_controller_says(annotations, cls, tls, warned):
    reading = read(lb_service(annotations, cls, PORTS))
    assert sorted(port for port, _ in reading.tls) == tls
    assert bool(reading.warnings) is warned


@pytest.mark.parametrize("address, reason", [
    ("10.0.0.3", "private address 10.0.0.3"), ("100.64.1.1", "private address 100.64.1.1"),
    ("fd00::5", "private address fd00::5"), ("198.51.100.7", None), ("2001:db8::1", None),
    ("internal-shop-1234567890.us-east-1.elb.amazonaws.com", "AWS internal-... DNS name"),
    ("internal-k8s-a-b-1.elb.cn-north-1.amazonaws.com.cn", "AWS internal-... DNS name"),
    ("k8s-lb-eksnlb-1a2b3c4d5e-0123456789abcdef.elb.us-east-1.amazonaws.com", None),
    ("internal.example.com", None),
])
def test_what_a_status_address_says(address, reason):
    assert status_reason(address) == reason


def test_every_row_names_its_source_and_the_docs_table_is_current():
    assert all(row.source.startswith("https://") for row in LOAD_BALANCERS)
    names = " ".join(row.name for row in LOAD_BALANCERS)
    for provider in ("AWS (in-tree", "AWS Load Balancer Controller", "Azure", "GKE", "OCI load balancer",
                     "OCI network load balancer", "DigitalOcean", "Hetzner", "Alibaba", "Tencent", "OpenStack", "Baidu",
                     "IBM", "MetalLB", "kube-vip", "k3s ServiceLB", "cloud-provider-kind"):
        assert provider in names
    from support import ROOT

    assert markdown() in (ROOT / "docs" / "rules.md").read_text(), "docs/rules.md is stale: paste loadbalancers.markdown()"


# --- Ingress --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, endpoints", [
    ("alb-default", [("http://shop.internal.example.com/",
                      "AWS Load Balancer Controller default, no alb.ingress.kubernetes.io/scheme")]),
    ("alb-public", [("http://shop.example.com/", None)]),
    ("gce-internal", [("http://10.128.0.20/", "GKE class gce-internal")]),
])
def test_internal_ingresses(name, endpoints):
    assert answer("Ingress", name)[0] == endpoints


def test_an_alb_whose_scheme_may_come_from_elsewhere_says_so():
    ingress = json.loads(json.dumps(obj("Ingress", "alb-default")))
    ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/group.name"] = "shop"
    world = snapshot()
    world.ingress_classes = [{"metadata": {"name": "alb"}, "spec": {
        "controller": "ingress.k8s.aws/alb",
        "parameters": {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": "shop-params"}}}]
    [endpoint] = reach_target("Ingress", ingress, [], world).found.endpoints
    assert endpoint.internal == ("AWS Load Balancer Controller default, no alb.ingress.kubernetes.io/scheme, unless its "
                                 "IngressClassParams shop-params sets spec.scheme, unless another Ingress of group shop "
                                 "sets it")


# --- Gateway API: listener admission ---------------------------------------------------------------------------------

def listener(allowed=None, protocol="HTTP"):
    return {"name": "l", "protocol": protocol, "port": 80, **({"allowedRoutes": allowed} if allowed else {})}


GATEWAY = {"metadata": {"name": "g", "namespace": "infra"}}
ROUTE = {"kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "lb"}}
LABELS = {"lb": {"team": "shop", "env": "prod"}}


@pytest.mark.parametrize("allowed, namespaces, refused, unchecked", [
    (None, LABELS, "it admits routes from namespace infra only", None),  # Same, by default
    ({"namespaces": {"from": "Same"}}, LABELS, "it admits routes from namespace infra only", None),
    ({"namespaces": {"from": "All"}}, LABELS, None, None),
    ({"namespaces": {"from": "Selector", "selector": {"matchLabels": {"env": "prod"}}}}, LABELS, None, None),
    ({"namespaces": {"from": "Selector", "selector": {"matchLabels": {"env": "dev"}}}}, LABELS,
     "it admits namespaces matching env=dev only, and namespace lb (labels env=prod,team=shop) does not match", None),
    ({"namespaces": {"from": "Selector", "selector": {"matchExpressions": [
        {"key": "team", "operator": "NotIn", "values": ["shop"]}]}}}, LABELS,
     "it admits namespaces matching team notin (shop) only, and namespace lb (labels env=prod,team=shop) does not "
     "match", None),
    ({"namespaces": {"from": "Selector", "selector": {"matchExpressions": [
        {"key": "env", "operator": "Exists"}, {"key": "legacy", "operator": "DoesNotExist"}]}}}, LABELS, None, None),
    ({"namespaces": {"from": "Selector", "selector": {}}}, LABELS, None, None),  # an empty selector: every namespace
    # the labels could not be read: the name label is known anyway, any other is not (the status is then trusted)
    ({"namespaces": {"from": "Selector", "selector": {"matchLabels": {"kubernetes.io/metadata.name": "lb"}}}}, None,
     None, None),
    ({"namespaces": {"from": "Selector", "selector": {"matchLabels": {"kubernetes.io/metadata.name": "other"}}}}, None,
     "it admits namespaces matching kubernetes.io/metadata.name=other only, and namespace lb (labels <none>) does not "
     "match", None),
    ({"namespaces": {"from": "Selector", "selector": {"matchLabels": {"env": "prod"}}}}, None, None,
     "namespace lb's labels could not be read: listener l of gateway infra/g admits namespaces by selector "
     "(env=prod), not checked"),
    ({"namespaces": {"from": "All"}, "kinds": [{"kind": "GRPCRoute"}]}, LABELS, "it admits only GRPCRoute", None),
    ({"namespaces": {"from": "All"}, "kinds": [{"group": "example.com", "kind": "HTTPRoute"}]}, LABELS,
     "it admits only HTTPRoute", None),  # another group's HTTPRoute
    ({"namespaces": {"from": "All"}, "kinds": [{"kind": "HTTPRoute"}]}, LABELS, None, None),  # group defaulted
])
def test_listener_admission_as_the_spec_defines_it(allowed, namespaces, refused, unchecked):
    assert refusal(listener(allowed), ROUTE, GATEWAY, namespaces) == (refused, unchecked)


@pytest.mark.parametrize("selector, labels, matches", [
    ({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "In", "values": ["2", "3"]}]},
     {"a": "1", "b": "3"}, True),
    ({"matchExpressions": [{"key": "b", "operator": "In", "values": ["2"]}]}, {}, False),
    ({"matchExpressions": [{"key": "b", "operator": "NotIn", "values": ["2"]}]}, {}, True),
    ({"matchExpressions": [{"key": "b", "operator": "Gt", "values": ["2"]}]}, {"b": "3"}, False),
])
def test_label_selectors(selector, labels, matches):
    assert selector_matches(selector, labels) is matches


def test_a_route_attaches_only_to_the_listeners_that_admit_it():
    urls, found = answer("HTTPRoute", "shop")
    assert urls == [("https://shop.example.com/", None)] and found.warnings == []  # not the platform or gRPC listener
    urls, found = answer("HTTPRoute", "shop-platform")
    assert urls == []
    assert found.warnings[0] == (
        "httproute/shop-platform is refused by gateway infra/shared listener http-platform: it admits namespaces "
        "matching team in (platform) only, and namespace lb (labels env=prod,team=shop) does not match")
    assert answer("HTTPRoute", "private")[0] == [("http://private.example.com/", "GKE internal GatewayClass gke-l7-rilb")]


def test_without_the_namespace_labels_the_route_status_is_trusted_and_the_gap_said():
    urls, found = answer("HTTPRoute", "shop-platform", snapshot(namespaces="unread"))
    assert urls == [("http://platform.example.com/", None)]
    assert found.warnings == ["namespace lb's labels could not be read: listener http-platform of gateway infra/shared "
                              "admits namespaces by selector (team in (platform)), not checked"]


# --- OpenShift Routes ------------------------------------------------------------------------------------------------

def test_each_admitting_router_serves_its_own_host_and_each_refusal_is_said():
    _, found = answer("Route", "shop")
    assert [(e.url, e.via, e.address) for e in found.endpoints] == [
        ("https://shop.apps.example.com/", "route/shop on router default", "router-default.apps.example.com"),
        ("https://shop.apps.internal.example.com/", "route/shop on router internal",
         "router-internal.apps.internal.example.com")]
    assert found.warnings == ["route shop is not admitted by router sharded: route shop-old already exposes "
                              "shop.apps.sharded.example.com and is older"]


def test_a_target_port_the_service_lacks_is_named_from_the_service_side():
    _, found = answer("Service", "web")
    assert "route metrics: spec.port.targetPort metrics names no port of service web (its ports: http:8080): the " \
           "router sends it nothing" in found.warnings
    assert "route metrics routes to port metrics of service web, which has no such port" in \
        answer("Route", "metrics")[1].warnings


# --- the audit: internal and public exposure from the same table ------------------------------------------------------

def test_the_audit_counts_internal_and_public_exposure_from_the_same_table():
    exposures = {a.answer.name: a for a in assess(snapshot()) if a.answer.kind == "Service"}
    open_lb = sorted(n for n, a in exposures.items() if any(f.check == "open-lb" for f in a.findings))
    # public, accepting everyone: not the internal ones, not those with source ranges (in either form)
    assert open_lb == ["do-tls", "hetzner", "in-tree-scheme", "nlb-star", "oci-lb-tls", "port-error"]
    internal = sorted(n for n, a in exposures.items() if a.exposure == "internal")
    assert internal == ["alibaba-intranet", "azure-internal", "eks-nlb", "gke-internal", "in-tree-elb", "kind-lb",
                        "metallb-lan", "nlb-ip-legacy", "oci-nlb", "openstack-internal", "tencent-internal"]
    assert exposures["hetzner"].exposure == "public"  # its public addresses; the private one is noted per URL


# --- end to end, on both API servers ---------------------------------------------------------------------------------

@pytest.fixture
def lb(api_factory):
    return api_factory("loadbalancers.yaml", namespace="lb")


@pytest.mark.both_backends
def test_on_eks_with_the_controller_defaults_the_nlb_url_is_said_internal(lb):
    out = lb.reach("svc/eks-nlb")
    assert out.code == 0, out.err
    row = out.out.splitlines()[1]
    assert row.split()[:2] == ["LoadBalancer",
                               "http://k8s-lb-eksnlb-1a2b3c4d5e-0123456789abcdef.elb.us-east-1.amazonaws.com:80"]
    assert row.endswith(f"internal ({LBC_DEFAULT}): not reachable from the internet")
    [endpoint] = json.loads(lb.reach("svc/eks-nlb", "-o", "json").out)["endpoints"]
    assert endpoint["internal"] == LBC_DEFAULT


@pytest.mark.both_backends
def test_the_listing_and_the_audit_read_the_same_table(lb):
    listing = json.loads(lb.reach("-o", "json").out)["items"]
    internal = {i["target"]["name"]: [e["internal"] for e in i["endpoints"]] for i in listing}
    assert internal["hetzner"] == [None, None, "private address 10.0.0.3"]
    assert internal["alb-default"] == ["AWS Load Balancer Controller default, no alb.ingress.kubernetes.io/scheme"]
    audit = json.loads(lb.reach("audit", "-o", "json").out)
    # 27 exposing objects: 14 reachable only from inside a network, 12 publicly, httproute/shop-platform not at all
    assert {k: audit["summary"][k] for k in ("exposed", "public", "internal")} == \
        {"exposed": 27, "public": 12, "internal": 14}
    table = lb.reach("audit").out
    assert "http://10.0.0.42:80 (internal)" in table and "open-lb" in table


@pytest.mark.both_backends
def test_a_dead_listener_is_left_out_of_url_output(lb):
    out = lb.reach("svc/port-error", "-o", "url")
    assert out.out == "http://198.51.100.60:80\n"
    assert "Warning: URL not printed: https://198.51.100.60:443: the load balancer reports an error on port 443/TCP: " \
           "cloud.example.com/ListenerQuotaExceeded" in out.err


@pytest.mark.both_backends
def test_the_route_namespace_is_read_once_for_a_selector(lb):
    def namespace_reads(since):
        return [(r.method, r.path) for r in lb.log(since) if r.path in ("/api/v1/namespaces/lb", "/api/v1/namespaces")]

    before = len(lb.log())
    out = lb.reach("httproute/shop-platform", "-o", "json")
    assert json.loads(out.out)["endpoints"] == []
    assert namespace_reads(before) == [("GET", "/api/v1/namespaces/lb")]
    before = len(lb.log())
    assert lb.reach("-A", "-o", "json").code == 0
    assert namespace_reads(before) == [("GET", "/api/v1/namespaces/lb")]  # every route is in lb


@pytest.mark.both_backends
def test_namespaces_hidden_by_rbac_degrade_with_a_warning(lb):
    lb.forbid("get", "namespaces")
    out = lb.reach("httproute/shop-platform", "-o", "json")
    assert out.code == 0, out.err
    doc = json.loads(out.out)
    assert [e["url"] for e in doc["endpoints"]] == ["http://platform.example.com/"]
    assert doc["warnings"] == ["namespace lb's labels could not be read: listener http-platform of gateway "
                               "infra/shared admits namespaces by selector (team in (platform)), not checked"]
