"""NodePort, LoadBalancer and ExternalIP rules, through the pure layer."""

from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.endpoints.service import is_exposed, service_endpoints
from builders import node, service

NODES = NodeTable.complete([
    node("node-a", ("InternalIP", "10.0.0.1"), ("ExternalIP", "203.0.113.1")),
    node("node-b", ("InternalIP", "10.0.0.2")),
    node("node-v6", ("InternalIP", "2001:db8::7")),
    node("node-down", ("ExternalIP", "203.0.113.9"), ready="False"),
])
HTTP = {"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"}
METRICS = {"name": "metrics", "port": 9100, "targetPort": 9100, "nodePort": 30910, "protocol": "TCP"}


def compute(svc, nodes=NODES, ready_nodes=None):
    return service_endpoints(svc, svc["spec"]["ports"], nodes, ready_nodes)


def urls(found):
    return [e.url for e in found.endpoints]


def test_nodeport_one_endpoint_per_ready_node_and_port_best_address_first():
    found = compute(service("web", HTTP, METRICS, type="NodePort"))
    # ExternalIP first; then the InternalIPs, a public one before a private one
    assert urls(found) == ["http://203.0.113.1:30080", "http://[2001:db8::7]:30080", "http://10.0.0.2:30080",
                           "tcp://203.0.113.1:30910", "tcp://[2001:db8::7]:30910", "tcp://10.0.0.2:30910"]
    first = found.endpoints[0].to_dict()
    assert first == {"method": "NodePort", "url": "http://203.0.113.1:30080", "scheme": "http", "host": "203.0.113.1",
                     "port": 30080, "node": "node-a", "service": "web", "servicePort": 80, "ingress": None,
                     "via": None, "path": None, "internal": None, "warnings": []}
    assert found.endpoints[1].host == "2001:db8::7"  # no brackets outside the URL
    assert "InternalIP" in found.endpoints[1].warnings[0]
    assert found.warnings == ["service web: NotReady node(s) skipped: node-down"]


def test_forced_address_type_skips_nodes_without_it():
    table = NodeTable.complete([node("node-a", ("ExternalIP", "203.0.113.1")), node("node-b", ("InternalIP", "10.0.0.2"))],
                               "ExternalIP")
    found = compute(service("web", HTTP, type="NodePort"), table)
    assert urls(found) == ["http://203.0.113.1:30080"]
    assert found.warnings == ["service web: node(s) with no ExternalIP address skipped: node-b"]
    assert found.endpoints[0].warnings == []


def test_external_traffic_policy_local_keeps_only_nodes_with_ready_endpoints():
    svc = service("web", HTTP, type="NodePort", externalTrafficPolicy="Local")
    found = compute(svc, ready_nodes={"node-b"})
    assert urls(found) == ["http://10.0.0.2:30080"]
    assert "only on the 1 node(s) hosting a ready endpoint (2 other node(s) skipped)" in found.warnings[0]


def test_external_traffic_policy_local_without_ready_endpoint():
    found = compute(service("web", HTTP, type="NodePort", externalTrafficPolicy="Local"), ready_nodes=set())
    assert urls(found) == []
    assert "its NodePort answers on no node" in found.warnings[0]


def test_external_traffic_policy_local_with_unknown_slices_lists_all_and_says_so():
    found = compute(service("web", HTTP, type="NodePort", externalTrafficPolicy="Local"), ready_nodes=None)
    assert len(found.endpoints) == 3
    assert "EndpointSlices are unavailable" in found.warnings[0]


def test_local_only_warns_about_notready_nodes_that_matter():
    svc = service("web", HTTP, type="NodePort", externalTrafficPolicy="Local")
    assert not any("NotReady" in w for w in compute(svc, ready_nodes={"node-a"}).warnings)
    assert any("node-down" in w for w in compute(svc, ready_nodes={"node-a", "node-down"}).warnings)


def test_loadbalancer_ip_and_hostname_plus_its_node_ports():
    svc = service("web", HTTP, type="LoadBalancer",
                  lb=[{"ip": "198.51.100.7", "ipMode": "VIP"}, {"hostname": "abc-123.us-east-1.elb.amazonaws.com"}])
    found = compute(svc)
    lb = [e.url for e in found.endpoints if e.method == "LoadBalancer"]
    assert lb == ["http://198.51.100.7:80", "http://abc-123.us-east-1.elb.amazonaws.com:80"]
    assert [e.method for e in found.endpoints].count("NodePort") == 3


def test_loadbalancer_pending():
    found = compute(service("web", HTTP, type="LoadBalancer", lb=[]))
    assert "load balancer pending" in found.warnings[-1]
    assert all(e.method == "NodePort" for e in found.endpoints)


def test_loadbalancer_without_node_ports_and_with_source_ranges():
    port = {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP"}
    svc = service("web", port, type="LoadBalancer", lb=[{"ip": "198.51.100.7"}], allocateLoadBalancerNodePorts=False,
                  loadBalancerSourceRanges=["10.0.0.0/8"])
    found = compute(svc)
    assert urls(found) == ["https://198.51.100.7:443"]
    assert found.endpoints[0].warnings == ["load balancer accepts only 10.0.0.0/8"]


def test_external_ips_on_a_clusterip_service():
    svc = service("legacy", {"port": 8443, "protocol": "TCP"}, externalIPs=["192.0.2.50", "2001:db8::50"])
    assert urls(compute(svc)) == ["https://192.0.2.50:8443", "https://[2001:db8::50]:8443"]
    assert is_exposed(svc)


def test_clusterip_and_external_name_are_not_exposed():
    assert urls(compute(service("c", HTTP))) == []
    assert not is_exposed(service("c", HTTP))
    assert not is_exposed(service("e", type="ExternalName", externalName="db.example.com", externalIPs=["1.2.3.4"]))


def test_unknown_node_list_is_said():
    table = NodeTable([])
    table.unavailable = "forbidden"
    found = compute(service("web", HTTP, type="NodePort"), table)
    assert urls(found) == [] and "node list unavailable (forbidden)" in found.warnings[0]


def test_missing_and_null_fields_do_not_crash():
    for svc in ({"metadata": {"name": "x"}}, {"metadata": {"name": "x"}, "spec": None},
                {"metadata": {"name": "x"}, "spec": {"type": "NodePort", "ports": [None, {"nodePort": "x"}, {}]}},
                {"metadata": {"name": "x"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 70000}]},
                 "status": {"loadBalancer": {"ingress": [None, {}]}}}):
        found = service_endpoints(svc, [p for p in (svc.get("spec") or {}).get("ports") or [] if isinstance(p, dict)],
                                  NODES, None)
        assert found.endpoints == []


def test_single_stack_services_use_node_addresses_of_their_family():
    dual = NodeTable.complete([
        node("dual", ("InternalIP", "10.0.0.1"), ("InternalIP", "2001:db8::1"), ("ExternalIP", "203.0.113.1")),
        node("v4-only", ("ExternalIP", "203.0.113.2")),
    ])
    v6 = compute(service("web", HTTP, type="NodePort", ipFamilies=["IPv6"], ipFamilyPolicy="SingleStack"), dual)
    assert urls(v6) == ["http://[2001:db8::1]:30080"]
    assert v6.warnings == ["service web is IPv6 single-stack: 1 node(s) with no IPv6 address skipped"]
    v4 = compute(service("web", HTTP, type="NodePort", ipFamilies=["IPv4"]), dual)
    assert urls(v4) == ["http://203.0.113.1:30080", "http://203.0.113.2:30080"] and v4.warnings == []
    both = compute(service("web", HTTP, type="NodePort", ipFamilies=["IPv4", "IPv6"]), dual)
    assert urls(both) == urls(v4)  # dual-stack: the best address of each node, whatever its family
