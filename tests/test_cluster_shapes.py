"""Round 2 of real cluster shapes (issue 15): each rule with the object shapes a real cluster serves (`kubectl get -o
yaml`, trimmed to the fields that matter), checked in the target view, the listing and the audit alike."""


import pytest

from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.audit import assess
from kubectl_expose_ext.reach import Snapshot, reach_target
from builders import reach_everything


def node(name, *addresses, unschedulable=False, ready="True"):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "spec": {"podCIDR": "10.244.0.0/24", **({"unschedulable": True} if unschedulable else {})},
            "status": {"addresses": [{"type": t, "address": a} for t, a in addresses],
                       "conditions": [{"type": "Ready", "status": ready, "reason": "KubeletReady"}]}}


NODES = [node("node-a", ("InternalIP", "10.0.0.1"), ("ExternalIP", "203.0.113.1"), ("Hostname", "node-a")),
         node("node-b", ("InternalIP", "10.0.0.2"), ("ExternalIP", "203.0.113.2"), ("Hostname", "node-b"))]


def svc(name, *ports, type="ClusterIP", families=("IPv4",), **spec):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "resourceVersion": "100"},
            "spec": {"type": type, "clusterIP": "10.96.10.1", "clusterIPs": ["10.96.10.1"], "ipFamilies": list(families),
                     "ipFamilyPolicy": "SingleStack" if len(families) == 1 else "RequireDualStack",
                     "ports": list(ports) or [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
                     "selector": {"app": name}, "sessionAffinity": "None", **spec},
            "status": {"loadBalancer": {}}}


def pod(name, app, node_name="node-a", phase="Running", ready="True", ports=(), init=(), host_network=False,
        **metadata):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": {"app": app}, **metadata},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "ports": list(ports)}],
                     "initContainers": list(init), **({"nodeName": node_name} if node_name else {}),
                     **({"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"} if host_network else {})},
            "status": {"phase": phase, "conditions": [{"type": "Ready", "status": ready}],
                       **({"hostIP": "10.0.0.1", "podIP": "10.244.0.5"} if node_name else {})}}


def slice_of(service, *endpoints):
    """endpoints: (node, ready, serving, terminating)."""
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": f"{service}-abcde", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": service}},
            "endpoints": [{"addresses": ["10.244.0.5"], "nodeName": n,
                           "conditions": {"ready": r, "serving": s, "terminating": t}} for n, r, s, t in endpoints]}


def world(*objects, nodes=NODES):
    by_kind = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    return Snapshot(nodes=NodeTable.complete(nodes), services=by_kind.get("Service", []), pods=by_kind.get("Pod", []),
                    ingresses=by_kind.get("Ingress", []), slices=by_kind.get("EndpointSlice", []),
                    ingress_classes=by_kind.get("IngressClass"), gateways=by_kind.get("Gateway", []),
                    gateway_routes=[r for k in ("HTTPRoute", "GRPCRoute", "TCPRoute") for r in by_kind.get(k, [])],
                    openshift_routes=by_kind.get("Route", []))


def target(kind, obj, snapshot, pods=()):
    answer = reach_target(kind, obj, list(pods), snapshot)
    return [e.url for e in answer.found.endpoints], answer.found.warnings + answer.found.hints, answer


# --- Services and nodes ---------------------------------------------------------------------------------------

def test_external_ips_of_another_family_are_not_programmed():
    """kube-proxy filters a Service's externalIPs by its IP families (pkg/proxy/servicechangetracker)."""
    v4 = svc("web", externalIPs=["192.0.2.10", "2001:db8::10"])
    urls, warnings, _ = target("Service", v4, world(v4))
    assert urls == ["http://192.0.2.10:80"]
    assert "service web is IPv4: its externalIPs 2001:db8::10 of another IP family are not programmed" in warnings
    dual = svc("web", families=("IPv4", "IPv6"), externalIPs=["192.0.2.10", "2001:db8::10"])
    assert target("Service", dual, world(dual))[0] == ["http://192.0.2.10:80", "http://[2001:db8::10]:80"]
    # the audit names only what is programmed
    [finding] = [f for f in assess(world(v4))[0].findings if f.check == "external-ips"]
    assert finding.message.startswith("externalIPs 192.0.2.10: ")


def test_headless_service_gets_no_external_ip():
    headless = svc("db", clusterIP="None", clusterIPs=["None"], externalIPs=["192.0.2.20"])
    urls, warnings, _ = target("Service", headless, world(headless))
    assert urls == []
    assert "service db is headless (clusterIP: None): kube-proxy does not program its externalIPs (192.0.2.20)" in warnings
    assert [f.check for a in assess(world(headless)) for f in a.findings if f.check == "external-ips"] == []


@pytest.mark.parametrize("container_protocol, reached", [("TCP", True), ("UDP", False)])
def test_named_target_port_matches_name_and_protocol(container_protocol, reached):
    service = svc("dns", {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": "dns", "nodePort": 30053},
                  type="NodePort")
    p = pod("dns-0", "dns", ports=[{"name": "dns", "containerPort": 53, "protocol": container_protocol}])
    urls, warnings, _ = target("Pod", p, world(service, p))
    assert bool(urls) is reached
    assert any("no port targets it" in w for w in warnings) is not reached


def test_native_sidecar_ports_count():
    """initContainers with restartPolicy: Always (Kubernetes 1.28+) run beside the app: FindPort sees their ports."""
    sidecar = {"name": "proxy", "image": "envoy:1.31", "restartPolicy": "Always",
               "ports": [{"name": "proxy", "containerPort": 15001, "protocol": "TCP"}]}
    init_job = {"name": "migrate", "image": "migrate:1", "ports": [{"name": "job", "containerPort": 9999}]}
    service = svc("mesh", {"name": "proxy", "port": 80, "protocol": "TCP", "targetPort": "proxy", "nodePort": 30081},
                  type="NodePort")
    p = pod("mesh-0", "mesh", init=[sidecar, init_job])
    assert target("Pod", p, world(service, p))[0] == ["http://203.0.113.1:30081", "http://203.0.113.2:30081"]
    host = pod("agent", "agent", host_network=True, init=[sidecar, init_job])
    assert target("Pod", host, world(host))[0] == ["tcp://203.0.113.1:15001"]  # not the one-shot init container's


def test_local_policy_reaches_a_pod_only_through_its_node():
    service = svc("api", {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080},
                  type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=31000)
    service["status"] = {"loadBalancer": {"ingress": [{"ip": "198.51.100.5", "ipMode": "VIP"}]}}
    a, b = pod("api-a", "api", "node-a"), pod("api-b", "api", "node-b")
    slices = slice_of("api", ("node-a", True, True, False), ("node-b", True, True, False))
    snapshot = world(service, a, b, slices)
    urls, warnings, answer = target("Pod", b, snapshot)
    assert urls == ["http://203.0.113.2:30080", "http://198.51.100.5:80"]
    assert all("reaches pod api-b only through its node node-b" in " ".join(e.warnings) for e in answer.found.endpoints)
    # the Service, and the workload of both pods, are reached on both nodes
    assert target("Service", service, snapshot)[0][:2] == ["http://203.0.113.1:30080", "http://203.0.113.2:30080"]
    deploy = {"kind": "Deployment", "metadata": {"name": "api", "namespace": "default"},
              "spec": {"selector": {"matchLabels": {"app": "api"}}}}
    assert target("Deployment", deploy, snapshot, [a, b])[0][:2] == ["http://203.0.113.1:30080", "http://203.0.113.2:30080"]
    assert target("Deployment", deploy, snapshot, [a])[0][:1] == ["http://203.0.113.1:30080"]


def test_serving_terminating_endpoints_are_the_fallback_only():
    service = svc("web", {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080},
                  type="NodePort", externalTrafficPolicy="Local")
    rolling = slice_of("web", ("node-a", False, True, True), ("node-b", True, True, False))
    assert target("Service", service, world(service, rolling))[0] == ["http://203.0.113.2:30080"]
    draining = slice_of("web", ("node-a", False, True, True), ("node-b", False, False, True))
    urls, warnings, _ = target("Service", service, world(service, draining))
    assert urls == ["http://203.0.113.1:30080"]
    assert any("only terminating pods still serve it" in w for w in warnings)


def test_publish_not_ready_addresses_sends_traffic_to_unready_pods():
    service = svc("peers", {"name": "gossip", "port": 7946, "protocol": "TCP", "targetPort": 7946, "nodePort": 30946},
                  type="NodePort", publishNotReadyAddresses=True)
    p = pod("peers-0", "peers", ready="False")
    assert not any("is not Ready" in w for w in target("Pod", p, world(service, p))[1])
    service["spec"]["publishNotReadyAddresses"] = False
    assert any("is not Ready" in w for w in target("Pod", p, world(service, p))[1])


def test_mixed_protocol_load_balancer_is_two_endpoints():
    service = svc("quic", {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 8443, "nodePort": 30443},
                  {"name": "h3", "port": 443, "protocol": "UDP", "targetPort": 8443, "nodePort": 30443}, type="LoadBalancer")
    service["status"] = {"loadBalancer": {"ingress": [{"ip": "198.51.100.7"}]}}
    urls = target("Service", service, world(service))[0]
    assert "https://198.51.100.7:443" in urls and "udp://198.51.100.7:443" in urls


def test_the_listing_shows_a_schedulable_public_node():
    nodes = [node("a-cordoned", ("ExternalIP", "203.0.113.1"), unschedulable=True),
             node("b-private", ("ExternalIP", "10.1.0.2")), node("c-public", ("ExternalIP", "203.0.113.3"))]
    service = svc("web", {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080},
                  type="NodePort")
    [answer] = reach_everything(world(service, nodes=nodes))
    assert [e.url for e in answer.found.endpoints] == ["http://203.0.113.3:30080"]


def test_internal_load_balancer_is_labelled_on_its_row():
    service = svc("private", type="LoadBalancer", allocateLoadBalancerNodePorts=False)
    service["metadata"]["annotations"] = {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}
    service["status"] = {"loadBalancer": {"ingress": [{"hostname": "internal-a1b2.elb.us-east-1.amazonaws.com"}]}}
    [lb] = reach_target("Service", service, [], world(service)).found.endpoints
    # the in-tree AWS controller does not read aws-load-balancer-scheme; the ELB's internal- DNS name says it all
    assert lb.internal == "AWS internal-... DNS name"
    assert lb.warnings == ["internal (AWS internal-... DNS name): not reachable from the internet"]


def test_forced_address_type_on_a_single_stack_service_names_the_type():
    nodes = [node("v6", ("InternalIP", "fd00::1"), ("ExternalIP", "203.0.113.9"))]
    service = svc("web", {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": 30080},
                  type="NodePort", families=("IPv6",))
    snapshot = Snapshot(nodes=NodeTable.complete(nodes, "ExternalIP"), services=[service], slices=[])
    warnings = reach_target("Service", service, [], snapshot).found.warnings
    assert "service web is IPv6 single-stack: 1 node(s) with no IPv6 ExternalIP address skipped" in warnings


# --- pods and workloads ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("phase, reason", [("Failed", "Evicted"), ("Succeeded", None)])
def test_ended_pods_have_no_host_urls_anywhere(phase, reason):
    p = pod("agent", "agent", phase=phase, ready="False", host_network=True,
            ports=[{"name": "metrics", "containerPort": 9100, "hostPort": 9100}])
    if reason:
        p["status"]["reason"] = reason
    urls, warnings, _ = target("Pod", p, world(p))
    assert urls == [] and warnings[0].startswith(f"pod agent has ended (phase {phase}")
    assert not any("port-forward" in w for w in warnings)
    assert reach_everything(world(p)) == [] and assess(world(p)) == []


def test_pending_unscheduled_pod_no_url_and_no_port_forward():
    p = pod("api-0", "api", node_name=None, phase="Pending", ready="False", ports=[{"containerPort": 8080, "hostPort": 8080}])
    urls, warnings, _ = target("Pod", p, world(p))
    assert urls == [] and "pod api-0 is Pending and not scheduled to a node yet: nothing reaches it" in warnings
    assert not any("port-forward" in w for w in warnings)
    assert [f.check for a in assess(world(p)) for f in a.findings] == []


def test_terminating_pod_is_warned():
    p = pod("web-0", "web", deletionTimestamp="2026-12-01T10:00:00Z", deletionGracePeriodSeconds=30)
    assert any("pod web-0 is terminating" in w for w in target("Pod", p, world(p))[1])


def test_loopback_host_port_is_not_external():
    p = pod("debug", "debug", ports=[{"containerPort": 6060, "hostPort": 6060, "hostIP": "127.0.0.1"}])
    urls, warnings, _ = target("Pod", p, world(p))
    assert urls == []
    assert "pod debug: hostPort 6060 is bound to the node's loopback (hostIP 127.0.0.1): reachable only from node " \
           "node-a itself" in warnings
    assert reach_everything(world(p)) == [] and assess(world(p)) == []


def test_no_port_forward_hint_for_a_service_without_selector():
    alias = {"kind": "Service", "metadata": {"name": "db", "namespace": "default"},
             "spec": {"type": "ExternalName", "externalName": "db.example.com"}}
    manual = svc("legacy")
    del manual["spec"]["selector"]
    for service in (alias, manual):
        assert not any("port-forward" in w for w in target("Service", service, world(service))[1])


# --- Ingress ---------------------------------------------------------------------------------------------------

def test_ingress_to_an_external_name_service():
    alias = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext", "namespace": "default"},
             "spec": {"type": "ExternalName", "externalName": "api.partner.example.com", "sessionAffinity": "None"}}
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "partner", "namespace": "default"},
           "spec": {"ingressClassName": "nginx", "rules": [{"host": "partner.example.com", "http": {"paths": [
               {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "ext", "port": {"number": 443}}}}]}}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.30"}]}}}
    classes = {"kind": "IngressClass", "metadata": {"name": "nginx"}, "spec": {"controller": "k8s.io/ingress-nginx"}}
    snapshot = world(alias, ing, classes)
    urls, warnings, _ = target("Service", alias, snapshot)
    assert urls == ["http://partner.example.com/"]
    ingress_urls, ingress_warnings, _ = target("Ingress", ing, snapshot)
    assert ingress_urls == ["http://partner.example.com/"]
    assert not any("no such port" in w for w in ingress_warnings)


def ingress_with(annotations, tls=None, class_name="alb", controller="ingress.k8s.aws/alb", host="shop.example.com"):
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
           "metadata": {"name": "shop", "namespace": "default", "annotations": annotations},
           "spec": {"ingressClassName": class_name, "rules": [{"host": host, "http": {"paths": [
               {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}],
                    **({"tls": tls} if tls else {})},
           "status": {"loadBalancer": {"ingress": [{"hostname": "k8s-default-shop-1a2b3c.us-east-1.elb.amazonaws.com"}]}}}
    classes = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": class_name},
               "spec": {"controller": controller}}
    web = svc("web")
    return target("Ingress", ing, world(web, ing, classes))


ARN = "arn:aws:acm:us-east-1:123456789012:certificate/1b2c3d4e-aaaa-bbbb-cccc-1234567890ab"


@pytest.mark.parametrize("annotations, tls, urls", [
    ({}, None, ["http://shop.example.com/"]),  # ALB default: HTTP:80
    ({}, [{"hosts": ["shop.example.com"], "secretName": "unused"}], ["http://shop.example.com/"]),  # spec.tls: no listener
    ({"alb.ingress.kubernetes.io/certificate-arn": ARN}, None, ["https://shop.example.com/"]),  # default HTTPS:443
    ({"alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
      "alb.ingress.kubernetes.io/certificate-arn": ARN}, None, ["http://shop.example.com/", "https://shop.example.com/"]),
    ({"alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
      "alb.ingress.kubernetes.io/certificate-arn": ARN, "alb.ingress.kubernetes.io/ssl-redirect": "443"}, None,
     ["https://shop.example.com/"]),  # HTTP only redirects
    ({"alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS": 8443}]'}, None, ["https://shop.example.com:8443/"]),
])
def test_aws_alb_listeners_come_from_annotations(annotations, tls, urls):
    assert ingress_with(annotations, tls)[0] == urls


def test_alb_redirect_is_noted_and_bad_listen_ports_said():
    _, _, answer = ingress_with({"alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
                                 "alb.ingress.kubernetes.io/ssl-redirect": "443",
                                 "alb.ingress.kubernetes.io/scheme": "internet-facing"})
    assert answer.found.endpoints[0].warnings == ["http:// redirects to https:// (port 443)"]
    urls, warnings, _ = ingress_with({"alb.ingress.kubernetes.io/listen-ports": "HTTP:80"})
    assert urls == ["http://shop.example.com/"]
    assert any("listen-ports is not a list" in w for w in warnings)


TLS = [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]


@pytest.mark.parametrize("annotations, tls, urls", [
    ({}, TLS, ["https://shop.example.com/", "http://shop.example.com/"]),  # GCE serves http beside https
    ({"kubernetes.io/ingress.allow-http": "false"}, TLS, ["https://shop.example.com/"]),
    ({"kubernetes.io/ingress.allow-http": "false"}, None, []),
])
def test_gke_allow_http(annotations, tls, urls):
    assert ingress_with(annotations, tls, class_name="gce", controller="k8s.io/ingress-gce")[0] == urls


@pytest.mark.parametrize("annotations, tls, urls", [
    ({}, TLS, ["https://shop.example.com/"]),  # ssl-redirect defaults to true with TLS
    ({"nginx.ingress.kubernetes.io/ssl-redirect": "false"}, TLS, ["https://shop.example.com/", "http://shop.example.com/"]),
    ({}, None, ["http://shop.example.com/"]),
])
def test_ingress_nginx_ssl_redirect(annotations, tls, urls):
    assert ingress_with(annotations, tls, class_name="nginx", controller="k8s.io/ingress-nginx")[0] == urls


def test_ingress_nginx_notes():
    _, _, answer = ingress_with({"nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
                                 "nginx.ingress.kubernetes.io/backend-protocol": "GRPC"},
                                class_name="nginx", controller="k8s.io/ingress-nginx")
    assert answer.found.endpoints[0].warnings == ["backend protocol GRPC",
                                                  "http:// redirects to https:// (force-ssl-redirect)"]


# --- Gateway API and OpenShift Routes ------------------------------------------------------------------------

GATEWAY_V1 = "gateway.networking.k8s.io/v1"


def gateway(listener_conditions=None):
    listeners = [{"name": "https", "protocol": "HTTPS", "port": 443, "hostname": "*.shop.example.com",
                  "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": "shop-cert"}]}},
                 {"name": "http", "protocol": "HTTP", "port": 80, "hostname": "*.shop.example.com"}]
    status_listeners = [{"name": "https", "attachedRoutes": 1, "supportedKinds": [{"kind": "HTTPRoute"}],
                         "conditions": listener_conditions or [{"type": "Programmed", "status": "True"},
                                                               {"type": "ResolvedRefs", "status": "True"}]},
                        {"name": "http", "attachedRoutes": 1, "conditions": [{"type": "Programmed", "status": "True"}]}]
    return {"apiVersion": GATEWAY_V1, "kind": "Gateway", "metadata": {"name": "public", "namespace": "default"},
            "spec": {"gatewayClassName": "eg", "listeners": listeners},
            "status": {"addresses": [{"type": "IPAddress", "value": "198.51.100.40"}], "listeners": status_listeners,
                       "conditions": [{"type": "Programmed", "status": "True"}]}}


def http_route(*backends, name="web"):
    parent = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "public"}
    return {"apiVersion": GATEWAY_V1, "kind": "HTTPRoute", "metadata": {"name": name, "namespace": "default"},
            "spec": {"parentRefs": [parent], "hostnames": ["www.shop.example.com"],
                     "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                                "backendRefs": [{"group": "", "kind": "Service", **b} for b in backends]}]},
            "status": {"parents": [{"parentRef": parent, "controllerName": "gateway.envoyproxy.io/gatewayclass-controller",
                                    "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted"},
                                                   {"type": "ResolvedRefs", "status": "True"}]}]}}


def test_a_listener_whose_certificate_does_not_resolve_serves_nothing():
    bad = gateway([{"type": "Programmed", "status": "False", "reason": "Invalid"},
                   {"type": "ResolvedRefs", "status": "False", "reason": "InvalidCertificateRef",
                    "message": "Secret default/shop-cert does not exist"}])
    web, route = svc("web"), http_route({"name": "web", "port": 80})
    urls, warnings, _ = target("Service", web, world(web, bad, route))
    assert urls == ["http://www.shop.example.com/"]
    assert "gateway default/public listener https is not serving (Programmed False: Invalid)" in warnings
    assert target("Service", web, world(web, gateway(), route))[0] == ["https://www.shop.example.com/",
                                                                        "http://www.shop.example.com/"]


def test_gateway_backend_weights():
    web, canary = svc("web"), svc("canary")
    route = http_route({"name": "web", "port": 80, "weight": 90}, {"name": "canary", "port": 80, "weight": 10})
    _, _, answer = target("Service", web, world(web, canary, gateway(), route))
    assert answer.found.endpoints[0].warnings == ["90% of the rule's traffic (weight 90 of 100)"]
    dark = http_route({"name": "web", "port": 80}, {"name": "canary", "port": 80, "weight": 0})
    urls, warnings, _ = target("Service", canary, world(web, canary, gateway(), dark))
    assert urls == [] and "httproute/web: backend canary:80 has weight 0: it receives no traffic" in warnings
    listing = {a.ref: [e.service for e in a.found.endpoints] for a in reach_everything(world(web, canary, gateway(), dark))}
    assert set(listing["httproute/web"]) == {"web"}


def openshift_route(to, *alternates, target_port=8080):
    return {"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"host": "web-default.apps.ocp.example.com", "to": {"kind": "Service", **to},
                     "alternateBackends": [{"kind": "Service", **a} for a in alternates],
                     "port": {"targetPort": target_port}, "tls": {"termination": "edge"}, "wildcardPolicy": "None"},
            "status": {"ingress": [{"host": "web-default.apps.ocp.example.com", "routerName": "default",
                                    "routerCanonicalHostname": "router-default.apps.ocp.example.com",
                                    "conditions": [{"type": "Admitted", "status": "True",
                                                    "lastTransitionTime": "2026-11-30T10:00:00Z"}]}]}}


def test_openshift_route_weights():
    web, canary = svc("web"), svc("canary")
    split = openshift_route({"name": "web", "weight": 75}, {"name": "canary", "weight": 25})
    _, _, answer = target("Service", web, world(web, canary, split))
    assert answer.found.endpoints[0].warnings == ["75% of the route's requests (weight 75 of 100)"]
    dark = openshift_route({"name": "web"}, {"name": "canary", "weight": 0})
    urls, warnings, _ = target("Service", canary, world(web, canary, dark))
    assert urls == [] and "route web: backend canary has weight 0: it receives no requests" in warnings


def test_route_target_port_matches_the_endpoints_port_number():
    """The router looks spec.port.targetPort up among the endpoints' ports, by name or number: a Service port whose
    targetPort is a *name* resolves to the number only in its EndpointSlice."""
    web = svc("web", {"name": "web", "port": 80, "protocol": "TCP", "targetPort": "http"})
    slices = slice_of("web", ("node-a", True, True, False))
    slices["ports"] = [{"name": "web", "port": 8080, "protocol": "TCP"}]
    route = openshift_route({"name": "web"}, target_port=8080)
    snapshot = world(web, slices, route)
    assert target("Service", web, snapshot)[0] == ["https://web-default.apps.ocp.example.com/"]
    urls, warnings, answer = target("Route", route, snapshot)
    assert urls == ["https://web-default.apps.ocp.example.com/"] and not any("no such port" in w for w in warnings)
    endpoint = answer.found.endpoints[0]
    assert (endpoint.service, endpoint.service_port, endpoint.target_port) == ("web", 80, "http")  # web:80 -> http


def test_headless_service_with_a_type_gets_no_node_port():
    """The API server refuses `type: NodePort` with `clusterIP: None`; a server that does not is not believed."""
    odd = svc("db", {"name": "pg", "port": 5432, "protocol": "TCP", "targetPort": 5432, "nodePort": 30432},
              type="NodePort", clusterIP="None")
    urls, warnings, _ = target("Service", odd, world(odd))
    assert urls == [] and any("headless (clusterIP: None): kube-proxy programs no node port" in w for w in warnings)
