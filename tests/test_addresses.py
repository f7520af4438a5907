import pytest

from kubectl_expose_ext.addresses import NodeAddress, NodeTable, address_warning, node_address, node_is_ready
from builders import node

FULL = node("n", ("InternalIP", "10.0.0.1"), ("ExternalIP", "203.0.113.1"), ("Hostname", "n.local"))


@pytest.mark.parametrize("address_type, expected", [
    ("auto", NodeAddress("203.0.113.1", "ExternalIP")),
    ("ExternalIP", NodeAddress("203.0.113.1", "ExternalIP")),
    ("InternalIP", NodeAddress("10.0.0.1", "InternalIP")),
    ("Hostname", NodeAddress("n.local", "Hostname")),
])
def test_address_type_choice(address_type, expected):
    assert node_address(FULL, address_type) == expected


@pytest.mark.parametrize("addresses, expected", [
    ([("InternalIP", "10.0.0.1"), ("Hostname", "h")], NodeAddress("10.0.0.1", "InternalIP")),
    ([("Hostname", "h")], NodeAddress("h", "Hostname")),
    ([("InternalIP", "2001:db8::1"), ("InternalIP", "10.0.0.1")], NodeAddress("2001:db8::1", "InternalIP")),
    ([("ExternalIP", "198.51.100.1"), ("ExternalIP", "198.51.100.2")], NodeAddress("198.51.100.1", "ExternalIP")),
    ([("InternalDNS", "ip-10.ec2.internal")], None),
    ([], None),
])
def test_auto_prefers_external_then_internal_then_hostname(addresses, expected):
    assert node_address(node("n", *addresses)) == expected


def test_forced_type_missing_gives_none():
    assert node_address(node("n", ("InternalIP", "10.0.0.1")), "ExternalIP") is None


@pytest.mark.parametrize("bad", [{}, {"status": None}, {"status": {"addresses": None}},
                                 {"status": {"addresses": [None, "x", {"type": "ExternalIP"}]}}])
def test_partial_nodes_have_no_address(bad):
    assert node_address(bad) is None


@pytest.mark.parametrize("ready, expected", [("True", True), ("False", False), ("Unknown", False), (None, True)])
def test_readiness(ready, expected):
    assert node_is_ready(node("n", ready=ready)) is expected


def test_address_warnings():
    assert address_warning(NodeAddress("1.2.3.4", "ExternalIP")) is None
    assert "InternalIP" in address_warning(NodeAddress("10.0.0.1", "InternalIP"))
    assert "Hostname" in address_warning(NodeAddress("h", "Hostname"))


def test_node_table_sorts_external_first_and_records_skips():
    table = NodeTable.complete([
        node("a-internal", ("InternalIP", "10.0.0.1")),
        node("b-external", ("ExternalIP", "203.0.113.2")),
        node("c-down", ("ExternalIP", "203.0.113.3"), ready="False"),
        node("d-none", ("InternalDNS", "x")),
    ])
    assert table.usable() == ["b-external", "a-internal"]
    assert table.not_ready == ["c-down"] and table.without_address == ["d-none"]
    assert table.lookup("c-down") == (None, "node c-down is NotReady")
    assert table.lookup("zzz") == (None, "node zzz not found")
    assert table.skipped_warnings() == ["NotReady node(s) skipped: c-down",
                                        "node(s) with no usable address skipped: d-none"]
    assert table.skipped_warnings(only={"b-external"}) == []


def test_node_table_forced_type_names_the_type():
    table = NodeTable.complete([node("a", ("InternalIP", "10.0.0.1"))], "ExternalIP")
    assert table.skipped_warnings() == ["node(s) with no ExternalIP address skipped: a"]
