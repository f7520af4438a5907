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


def test_many_skipped_nodes_are_named_up_to_ten():
    table = NodeTable.complete([node(f"n{i:02}", ("ExternalIP", f"203.0.113.{i}"), ready="False") for i in range(12)])
    assert table.skipped_warnings() == [
        "NotReady node(s) skipped: n00, n01, n02, n03, n04, n05, n06, n07, n08, n09 and 2 more (kubectl get nodes)"]


def test_node_table_forced_type_names_the_type():
    table = NodeTable.complete([node("a", ("InternalIP", "10.0.0.1"))], "ExternalIP")
    assert table.skipped_warnings() == ["node(s) with no ExternalIP address skipped: a"]


# The cheap parse (addresses.parse_ip: one regular expression for IPv4, no exception per name) against the standard
# library's, on the strings where a hand-written parse goes wrong: leading zeros, out-of-range octets, non-ASCII
# digits, surrounding whitespace, a trailing newline, prefixes, scopes, IPv4-mapped IPv6, names.
TRICKY = ["10.0.0.1", "0.0.0.0", "255.255.255.255", "010.0.0.1", "0.0.0.00", "00.0.0.0", "1.2.3", "1.2.3.4.5",
          "256.1.1.1", "1.2.3.256", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "\u0661.2.3.4", "1.2.3.4/32", "1..2.3",
          "::1", "::", "fe80::1%eth0", "::ffff:10.0.0.1", "::ffff:203.0.113.1", "2001:db8::1", "ff02::1", "fd12::1",
          "fec0::1", "2600::1", "1:2:3:4:5:6:7:8:9", "0:0:0:0:0:0:0:0", "2001:DB8::A", ":", "node-a",
          "ip-10-0-0-1.ec2.internal", "", "224.0.0.1", "239.255.255.255", "223.255.255.255", "100.64.0.1",
          "100.128.0.1", "172.16.0.1", "172.31.255.255", "172.32.0.1", "169.254.1.1", "127.0.0.1", "192.0.2.1",
          "198.51.100.7", "8.8.8.8"]


def _stdlib_public(address):
    """The rule as the standard library states it (ipaddress networks and is_multicast): the reference."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None, False
    networks = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                                                  "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8", "fc00::/7",
                                                  "fe80::/10", "::1/128", "::/128")]
    return f"IPv{ip.version}", not ip.is_multicast and not any(ip in n for n in networks if n.version == ip.version)


@pytest.mark.parametrize("address", TRICKY)
def test_the_cheap_parse_agrees_with_ipaddress(address):
    from kubectl_expose_ext.addresses import ip_family, is_public, parse_ip

    family, public = _stdlib_public(address)
    assert ip_family(address) == family
    assert is_public(address) is public
    if family is not None:
        import ipaddress

        ip = ipaddress.ip_address(address)
        assert parse_ip(address) == (ip.version, int(ip))


@pytest.mark.parametrize("addresses, ready, expected", [
    # (node's addresses, Ready, (auto address, IPv4 address, IPv6 address, public ExternalIPs, usable?))
    ([("InternalIP", "10.0.0.1"), ("ExternalIP", "203.0.113.1"), ("Hostname", "n")], "True",
     (("203.0.113.1", "ExternalIP"), ("203.0.113.1", "ExternalIP"), None, ["203.0.113.1"], True)),  # no IPv6: no name
    ([("InternalIP", "10.0.0.1"), ("InternalIP", "fd00::1"), ("ExternalIP", "2600::1")], "True",
     (("2600::1", "ExternalIP"), ("10.0.0.1", "InternalIP"), ("2600::1", "ExternalIP"), ["2600::1"], True)),
    ([("InternalIP", "010.0.0.1"), ("Hostname", "n")], "True",  # a leading zero: not an IP, so a name
     (("010.0.0.1", "InternalIP"), ("010.0.0.1", "InternalIP"), ("010.0.0.1", "InternalIP"), [], True)),
    ([("ExternalIP", "192.168.1.9"), ("ExternalIP", "224.0.0.1"), ("ExternalIP", "198.51.100.1")], "True",
     (("192.168.1.9", "ExternalIP"), ("192.168.1.9", "ExternalIP"), None, ["198.51.100.1"], True)),
    ([("InternalDNS", "ip-10.ec2.internal")], "True", (None, None, None, [], False)),
    ([("ExternalIP", "203.0.113.9")], "False", (None, None, None, ["203.0.113.9"], False)),
])
def test_node_table_reads_each_address_once_and_right(addresses, ready, expected):
    table = NodeTable.complete([node("n", *addresses, ready=ready)])
    auto, v4, v6, public, usable = expected
    assert table.addresses.get("n") == (NodeAddress(*auto) if auto else None)
    assert table.for_family("IPv4").get("n") == (NodeAddress(*v4) if v4 else None)
    assert table.for_family("IPv6").get("n") == (NodeAddress(*v6) if v6 else None)
    assert table.public.get("n", []) == public
    assert (table.usable() == ["n"]) is usable


def test_a_fact_of_the_table_is_derived_once_and_again_after_a_node_is_added():
    table = NodeTable.complete([node("a", ("InternalIP", "10.0.0.1"))])
    derived = []
    assert table.fact("names", lambda t: derived.append(1) or t.names()) == ["a"]
    assert table.fact("names", lambda t: derived.append(1) or t.names()) == ["a"] and derived == [1]
    table.add(node("b", ("InternalIP", "10.0.0.2")))
    assert table.fact("names", lambda t: derived.append(1) or t.names()) == ["a", "b"] and derived == [1, 1]
