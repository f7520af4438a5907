"""Which address of a node a client outside the cluster should use."""

import ipaddress
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from .objects import condition_true, items

ADDRESS_TYPES = ("ExternalIP", "InternalIP", "Hostname")
AUTO = "auto"


class NodeAddress(NamedTuple):
    host: str
    type: str


FAMILIES = ("IPv4", "IPv6")


def ip_family(address: str) -> Optional[str]:
    """IPv4, IPv6, or None for a name."""
    import ipaddress

    try:
        return f"IPv{ipaddress.ip_address(address).version}"
    except ValueError:
        return None


# Not reachable from the internet: RFC 1918, carrier-grade NAT, loopback, link-local, ULA. The documentation
# ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) count as public: they stand in for it.
_NOT_PUBLIC = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                                                  "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8", "fc00::/7",
                                                  "fe80::/10", "::1/128", "::/128")]


def is_public(address: Any) -> bool:
    """Whether an IP address is routable on the internet (a hostname: unknown, so no)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return _public(ip)


def _public(ip: Any) -> bool:
    return not ip.is_multicast and not any(ip in network for network in _NOT_PUBLIC if network.version == ip.version)


def node_address(node: Any, address_type: str = AUTO, family: Optional[str] = None) -> Optional[NodeAddress]:
    """`auto`: the first ExternalIP, else the first InternalIP, else the Hostname; or the forced type.
    With `family`, only IPs of that family count, and names only on a node that has an IP of that family (or none
    at all): an IPv6-only node's Hostname does not carry an IPv4 single-stack Service.

    None when the node has no address of the wanted type(s).
    """
    return best_address(parsed_addresses(node), address_type, family)


def parsed_addresses(node: Any) -> List[Tuple[Any, str, Any]]:
    """(type, address, IP object or None for a name) of each address of a node, each parsed once."""
    parsed = []
    for entry in items(node, "status", "addresses"):
        value = entry.get("address")
        if isinstance(value, str) and value:
            try:
                ip: Any = ipaddress.ip_address(value)
            except ValueError:
                ip = None
            parsed.append((entry.get("type"), value, ip))
    return parsed


def best_address(parsed: List[Tuple[Any, str, Any]], address_type: str = AUTO,
                 family: Optional[str] = None) -> Optional[NodeAddress]:
    """node_address's rule, on addresses parsed once."""
    wanted = ADDRESS_TYPES if address_type == AUTO else (address_type,)
    families = {f"IPv{ip.version}" for _, _, ip in parsed if ip is not None}
    # A name resolves to the node's own IPs: for a family the node has no IP of, it does not help.
    names_count = family is None or not families or family in families
    for kind in wanted:
        for found_type, value, ip in parsed:
            if found_type == kind and (family is None or (ip is not None and f"IPv{ip.version}" == family)
                                       or (ip is None and names_count)):
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
        self.public: Dict[str, List[str]] = {}  # name -> the node's public ExternalIPs (for the audit)
        self.cordoned: set = set()  # spec.unschedulable: still serves node ports, but the last choice to show
        self._public_hosts: set = set()  # every public IP seen in add(), so the sort parses nothing again
        self._usable: Dict[Optional[str], List[str]] = {}
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
        parsed = parsed_addresses(node)
        address = best_address(parsed, self.address_type)
        public = [value for kind, value, ip in parsed if kind == "ExternalIP" and ip is not None and _public(ip)]
        if public:
            self.public[node_name] = public
        self._public_hosts.update(value for _, value, ip in parsed if ip is not None and _public(ip))
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
            warnings.append(f"NotReady node(s) skipped: {', '.join(not_ready)}")
        missing = [n for n in self.without_address if wanted(n)]
        if missing:
            kind = "usable" if self.address_type == AUTO else self.address_type
            warnings.append(f"node(s) with no {kind} address skipped: {', '.join(missing)}")
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
