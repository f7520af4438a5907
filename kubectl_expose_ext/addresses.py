"""Which address of a node a client outside the cluster should use."""

import functools
import ipaddress
import re
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from .objects import condition_true, items

ADDRESS_TYPES = ("ExternalIP", "InternalIP", "Hostname")
AUTO = "auto"


class NodeAddress(NamedTuple):
    host: str
    type: str


FAMILIES = ("IPv4", "IPv6")

# A dotted quad exactly as ipaddress.IPv4Address reads one: four ASCII decimal octets of at most 255, no leading zero.
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(r"\.".join([_OCTET] * 4))


def parse_ip(address: Any) -> Optional[Tuple[int, int]]:
    """(version, integer value) of an IP address as `ipaddress.ip_address` reads a string, or None (a name).

    The cheapest parse that is still right: a node table parses every address of every node (5,000 nodes, ~4
    addresses each, half of them names), and ipaddress raises and catches two exceptions for each name. IPv4 is
    one regular expression; IPv6 (it has a colon) is left to ipaddress, names never reach it."""
    if not isinstance(address, str):
        return None
    match = _IPV4.fullmatch(address)
    if match is not None:
        a, b, c, d = map(int, match.groups())
        return 4, a << 24 | b << 16 | c << 8 | d
    if ":" not in address:
        return None
    try:
        return 6, int(ipaddress.IPv6Address(address))
    except ValueError:
        return None


def ip_family(address: Any) -> Optional[str]:
    """IPv4, IPv6, or None for a name."""
    parsed = parse_ip(address)
    return None if parsed is None else f"IPv{parsed[0]}"


# Not reachable from the internet: RFC 1918, carrier-grade NAT, loopback, link-local, ULA, multicast
# (`ipaddress`'s is_multicast: 224.0.0.0/4, ff00::/8). The documentation ranges (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24, 2001:db8::/32) count as public: they stand in for it. Per IP version: (first address, netmask).
_NETWORKS = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8",
    "224.0.0.0/4", "fc00::/7", "fe80::/10", "::1/128", "::/128", "ff00::/8")]
_NOT_PUBLIC = {v: [(int(n.network_address), int(n.netmask)) for n in _NETWORKS if n.version == v] for v in (4, 6)}


def is_public(address: Any) -> bool:
    """Whether an IP address is routable on the internet (a hostname: unknown, so no)."""
    parsed = parse_ip(address)
    return parsed is not None and _public(*parsed)


@functools.lru_cache(maxsize=1 << 16)  # more than the nodes of a cluster (5,000 per cluster, the documented limit)
def is_private_ip(address: str) -> bool:
    """An IP address in the ranges above (a name: no). Cached: the URLs of a NodePort repeat each node's address once
    per port (40,000 URLs, 5,000 hosts)."""
    parsed = parse_ip(address)
    return parsed is not None and not _public(*parsed)


def _public(version: int, value: int) -> bool:
    return not any(value & mask == network for network, mask in _NOT_PUBLIC[version])


def node_address(node: Any, address_type: str = AUTO, family: Optional[str] = None) -> Optional[NodeAddress]:
    """`auto`: the first ExternalIP, else the first InternalIP, else the Hostname; or the forced type.
    With `family`, only IPs of that family count, and names only on a node that has an IP of that family (or none
    at all): an IPv6-only node's Hostname does not carry an IPv4 single-stack Service.

    None when the node has no address of the wanted type(s).
    """
    return best_address(parsed_addresses(node), address_type, family)


Parsed = List[Tuple[Any, str, Optional[str], bool]]  # (type, address, IPv4/IPv6/None for a name, public)


def parsed_addresses(node: Any) -> Parsed:
    """Each address of a node, parsed once: (type, address, its family or None for a name, whether public)."""
    parsed = []
    for entry in items(node, "status", "addresses"):
        value = entry.get("address")
        if isinstance(value, str) and value:
            ip = parse_ip(value)
            parsed.append((entry.get("type"), value, None if ip is None else f"IPv{ip[0]}",
                           ip is not None and _public(*ip)))
    return parsed


def best_address(parsed: Parsed, address_type: str = AUTO, family: Optional[str] = None) -> Optional[NodeAddress]:
    """node_address's rule, on addresses parsed once."""
    wanted = ADDRESS_TYPES if address_type == AUTO else (address_type,)
    families = {found for _, _, found, _ in parsed if found is not None}
    # A name resolves to the node's own IPs: for a family the node has no IP of, it does not help.
    names_count = family is None or not families or family in families
    for kind in wanted:
        for found_type, value, found, _ in parsed:
            if found_type == kind and (family is None or found == family or (found is None and names_count)):
                return NodeAddress(value, kind)
    return None


def address_warning(address: NodeAddress) -> Optional[str]:
    """Why a node address may not work from outside (None for an ExternalIP)."""
    if address.type == "InternalIP":
        return "node has no ExternalIP: its InternalIP may be reachable only from the node network"
    if address.type == "Hostname":
        return "node has only a Hostname address: it must resolve from where you are"
    return None


def node_is_ready(node: Any) -> bool:
    """A node counts as ready unless its Ready condition says False or Unknown.

    A node that reports no Ready condition at all (a partial object) is given the benefit of the doubt.
    """
    return condition_true(node, "Ready") is not False


NODES_NAMED = 10  # in one warning; `kubectl get nodes` lists them all


def _some(names: List[str]) -> str:
    """The first NODES_NAMED names, the rest counted: 100 NotReady nodes of 5,000 are one readable line."""
    more = len(names) - NODES_NAMED
    return ", ".join(names[:NODES_NAMED]) + (f" and {more} more (kubectl get nodes)" if more > 0 else "")


class NodeTable:
    """Every node's outside address, computed once per command and shared by all services."""

    def __init__(self, nodes, address_type: str = AUTO):
        self.address_type = address_type
        self.known = False  # True once the full node list was given (needed for NodePort)
        self.unavailable = ""  # why the node list could not be read, when it could not
        self.addresses: Dict[str, NodeAddress] = {}  # name -> NodeAddress, for ready nodes that have one
        self.by_family: Dict[str, Dict[str, NodeAddress]] = {family: {} for family in FAMILIES}  # one IP family's
        self.not_ready: List[str] = []
        self.without_address: List[str] = []
        self.public: Dict[str, List[str]] = {}  # name -> its public ExternalIPs, the first certain (the audit)
        self.cordoned: set = set()  # spec.unschedulable: still serves node ports, but the last choice to show
        self._public_hosts: set = set()  # every public IP seen in add(), so the sort parses nothing again
        self._usable: Dict[Optional[str], List[str]] = {}
        self._facts: Dict[str, Any] = {}  # fact(): what is derived from the whole table, until the next add()
        for node in nodes:
            self.add(node)

    def names(self) -> List[str]:
        """Every node the table was given a name for, usable or not."""
        return [*self.addresses, *self.not_ready, *self.without_address]

    def add(self, node: Any) -> None:
        """One pass over the node's addresses, each parsed once (a 5,000-node table is built per command)."""
        node_name = (node.get("metadata") or {}).get("name") if isinstance(node, dict) else None
        if not node_name:
            return
        self._facts.clear()
        parsed = parsed_addresses(node)
        address = best_address(parsed, self.address_type)
        public = [value for kind, value, _, is_public in parsed if kind == "ExternalIP" and is_public]
        if public:
            self.public[node_name] = public
        self._public_hosts.update(value for _, value, _, is_public in parsed if is_public)
        if (node.get("spec") or {}).get("unschedulable") is True:
            self.cordoned.add(node_name)
        if not node_is_ready(node):
            self.not_ready.append(node_name)
        elif address is None:
            self.without_address.append(node_name)
        else:
            self.addresses[node_name] = address
            for family, table in self.by_family.items():
                in_family = best_address(parsed, self.address_type, family)
                if in_family is not None:
                    table[node_name] = in_family

    def fact(self, name: str, derive: Callable[["NodeTable"], Any]) -> Any:
        """A per-cluster fact derived from the whole table (localclusters: whether every node is a local cluster's),
        derived once per table, not once per answer: `-A` asks it for each of 5,713 answers over 5,000 nodes. A
        node added later (fetch_nodes) derives it again."""
        if name not in self._facts:
            self._facts[name] = derive(self)
        return self._facts[name]

    @classmethod
    def complete(cls, nodes, address_type: str = AUTO) -> "NodeTable":
        """A table built from the whole node list: NodePort endpoints may be computed from it."""
        table = cls(nodes, address_type)
        table.known = True
        return table

    def for_family(self, family: Optional[str] = None) -> dict:
        """name -> NodeAddress: the best address of each usable node, or its best of one IP family."""
        return self.by_family[family] if family in self.by_family else self.addresses

    def usable(self, family: Optional[str] = None) -> list:
        """Names of the usable (Ready) nodes, the likeliest to work from outside first: schedulable before
        cordoned (a cordoned node is often being drained), then by address (ExternalIP, InternalIP, Hostname), a
        public address first, then by name. The listing shows the first one. Sorted once per table."""
        addresses = self.for_family(family)
        if family not in self._usable or len(self._usable[family]) != len(addresses):
            self._usable[family] = sorted(addresses, key=lambda n: (
                n in self.cordoned, ADDRESS_TYPES.index(addresses[n].type), addresses[n].host not in self._public_hosts,
                n))
        return self._usable[family]

    def skipped_warnings(self, only=None) -> list:
        """Warnings for the nodes a NodePort cannot be offered on (within `only`, when given)."""
        wanted = (lambda n: True) if only is None else (lambda n: n in only)
        warnings = []
        not_ready = [n for n in self.not_ready if wanted(n)]
        if not_ready:
            warnings.append(f"NotReady node(s) skipped: {_some(not_ready)}")
        missing = [n for n in self.without_address if wanted(n)]
        if missing:
            kind = "usable" if self.address_type == AUTO else self.address_type
            warnings.append(f"node(s) with no {kind} address skipped: {_some(missing)}")
        return warnings

    def lookup(self, node_name: str):
        """(address, None) for a usable node, else (None, why not)."""
        if node_name in self.addresses:
            return self.addresses[node_name], None
        if node_name in self.not_ready:
            return None, f"node {node_name} is NotReady"
        if node_name in self.without_address:
            kind = "" if self.address_type == AUTO else f" {self.address_type}"
            return None, f"node {node_name} has no{kind} address"
        return None, f"node {node_name} not found"
