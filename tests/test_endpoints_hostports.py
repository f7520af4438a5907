"""hostNetwork and hostPort rules."""

from kubectl_expose_ext.addresses import NodeAddress
from kubectl_expose_ext.endpoints.hostports import host_network_endpoints, host_port_endpoints
from builders import pod

EXTERNAL = NodeAddress("203.0.113.1", "ExternalIP")
V6 = NodeAddress("2001:db8::1", "InternalIP")


def test_host_network_uses_node_address_and_every_declared_port():
    p = pod("db", [{"name": "http", "containerPort": 8086, "hostPort": 8086}, {"containerPort": 8088}],
            node="node-a", host_network=True)
    found = host_network_endpoints(p, EXTERNAL)
    assert [(e.method, e.url, e.node) for e in found.endpoints] == [
        ("hostNetwork", "http://203.0.113.1:8086", "node-a"), ("hostNetwork", "tcp://203.0.113.1:8088", "node-a")]
    assert host_port_endpoints(p, EXTERNAL).endpoints == []  # not listed twice


def test_host_network_without_declared_ports_warns():
    found = host_network_endpoints(pod("db", [], node="node-a", host_network=True), EXTERNAL)
    assert found.endpoints == [] and "declares no containerPort" in found.warnings[0]


def test_host_network_ipv6_node_is_bracketed_in_url_only():
    found = host_network_endpoints(pod("db", [{"containerPort": 443}], node="n", host_network=True), V6)
    assert found.endpoints[0].url == "https://[2001:db8::1]:443" and found.endpoints[0].host == "2001:db8::1"
    assert "InternalIP" in found.endpoints[0].warnings[0]


def test_host_port_uses_node_address_or_its_own_host_ip():
    p = pod("db", [{"containerPort": 8086, "hostPort": 18086},
                   {"containerPort": 9000, "hostPort": 9000, "hostIP": "192.0.2.7"},
                   {"containerPort": 9001, "hostPort": 9001, "hostIP": "0.0.0.0"},
                   {"containerPort": 7000}], node="node-a")
    found = host_port_endpoints(p, EXTERNAL)
    assert [e.url for e in found.endpoints] == ["tcp://203.0.113.1:18086", "tcp://192.0.2.7:9000",
                                                "tcp://203.0.113.1:9001"]
    assert found.endpoints[0].target_port == 8086


def test_host_port_scheme_from_container_port():
    found = host_port_endpoints(pod("web", [{"containerPort": 80, "hostPort": 30001}], node="n"), EXTERNAL)
    assert found.endpoints[0].url == "http://203.0.113.1:30001"


def test_unscheduled_pod_and_unusable_node_warn():
    p = pod("db", [{"containerPort": 8086, "hostPort": 8086}])
    found = host_port_endpoints(p, None)
    assert found.endpoints == [] and "not scheduled" in found.warnings[0]
    p = pod("db", [{"containerPort": 8086, "hostPort": 8086}], node="node-down")
    found = host_port_endpoints(p, None, "node node-down is NotReady")
    assert found.warnings == ["pod db uses hostPort but node node-down is NotReady"]


def test_pods_without_host_ports_have_nothing_and_say_nothing():
    found = host_port_endpoints(pod("web", [{"containerPort": 80}], node="n"), EXTERNAL)
    assert found.endpoints == [] and found.warnings == []
    assert host_network_endpoints({"metadata": {}}, EXTERNAL).warnings == []
