"""Pure computation of external endpoints: one module per family of exposure methods.

Every function here takes plain API objects (dicts) and returns `Found`: endpoints plus warnings.
Nothing in this package does I/O.
"""

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Union

from ..objects import port_number

# Methods whose URL is a virtual host on a shared proxy (the front doors': doors/): the port is left out where it is
# the scheme's default, and the ranking takes them as one way in.
PROXIED = ("Ingress", "Gateway", "Route", "IngressRoute", "VirtualService", "HTTPProxy", "VirtualServer")
METHODS = ("hostNetwork", "hostPort", "NodePort", "LoadBalancer", "ExternalIP", *PROXIED)
# A proxied URL leaves its port out only where the scheme has a default one (tls: passthrough, conventionally 443);
# tcp:// and udp:// always carry it.
DEFAULT_PORTS = {"http": 80, "https": 443, "tls": 443}


def format_host(host: str) -> str:
    """IPv6 literals are bracketed inside URLs, and only there."""
    return f"[{host}]" if ":" in host else host


def format_url(scheme: str, host: str, port: Optional[int], path: Optional[str] = None) -> str:
    """`scheme://host[:port][path]`; the port is left out for Ingress URLs (port None)."""
    netloc = format_host(host) if port is None else f"{format_host(host)}:{port}"
    return f"{scheme}://{netloc}{path or ''}"


def slotted(cls: Any) -> Any:
    """A dataclass without a per-instance `__dict__` (`@dataclass(slots=True)`, which Python 3.9 lacks, done as 3.10
    does it: the class made again with `__slots__` and without the fields' class attributes; the defaults live in
    the generated `__init__`). An 8-port NodePort Service on 5,000 nodes is 40,000 endpoints: ~200 bytes each less."""
    names = tuple(f.name for f in fields(cls))
    body = {k: v for k, v in cls.__dict__.items() if k not in (*names, "__dict__", "__weakref__")}
    return type(cls)(cls.__name__, cls.__bases__, {**body, "__slots__": names})


@slotted
@dataclass
class Endpoint:
    """One way in from outside. `to_dict()` is the `-o json` contract."""

    method: str
    scheme: str
    host: str
    port: int
    node: Optional[str] = None
    service: Optional[str] = None
    service_port: Optional[int] = None
    ingress: Optional[str] = None
    path: Optional[str] = None
    warnings: List[str] = field(default_factory=list)
    # Gateway and Route endpoints: the route and the proxy that serves it ("httproute/web on gateway infra/eg").
    via: Optional[str] = None
    # Where the traffic lands in the pod (number or port name): shown in BACKEND, not part of the contract.
    target_port: Optional[Union[int, str]] = None
    namespace: str = ""
    # The proxy's own address, for a virtual host whose DNS name may not resolve yet (probes fall back to it).
    address: Optional[str] = None
    # Why this URL cannot work yet (no controller serves it, no address published): `-o url` leaves it out.
    dead: Optional[str] = None
    # Why this URL works only from inside a private network (an internal load balancer or Ingress, a private
    # address: loadbalancers.py), else None. In the contract as `internal`, and in the row's NOTES (note_internal).
    internal: Optional[str] = None

    @property
    def url(self) -> str:
        if self.method in PROXIED:
            port = None if DEFAULT_PORTS.get(self.scheme) == self.port else self.port
            return format_url(self.scheme, self.host, port, self.path)  # no path: gRPC, TLS passthrough
        return format_url(self.scheme, self.host, self.port)

    def key(self) -> tuple:
        """Identity for de-duplication across the pods of a workload."""
        return (self.method, self.url, self.node, self.service, self.service_port, self.ingress, self.path, self.via)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "method": self.method, "url": self.url, "scheme": self.scheme, "host": self.host,
            "port": self.port, "node": self.node, "service": self.service, "servicePort": self.service_port,
            "ingress": self.ingress, "via": self.via, "path": self.path, "internal": self.internal,
            "warnings": list(self.warnings),
        }

    def note_internal(self, reason: Optional[str]) -> "Endpoint":
        """Mark the URL internal, with the note its row shows first (the JSON has the reason as a field too)."""
        if reason and not self.internal:
            self.internal = reason
            self.warnings.insert(0, f"internal ({reason}): not reachable from the internet")
        return self


@dataclass
class Found:
    """Endpoints and the warnings that explain what is missing or partial."""

    endpoints: List[Endpoint] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    # What does work when nothing external does (port-forward, how to expose): JSON lists them
    # after the warnings; the terminal shows them as hints.
    hints: List[str] = field(default_factory=list)

    def add(self, other: "Found") -> "Found":
        self.endpoints.extend(other.endpoints)
        self.warnings.extend(other.warnings)
        self.hints.extend(other.hints)
        return self

    def warn(self, message: str) -> "Found":
        self.warnings.append(message)
        return self

    def deduplicated(self) -> "Found":
        seen, endpoints = set(), []
        for endpoint in self.endpoints:
            key = endpoint.key()
            if key not in seen:
                seen.add(key)
                endpoints.append(endpoint)
        return Found(endpoints, list(dict.fromkeys(self.warnings)), list(dict.fromkeys(self.hints)))


@dataclass(frozen=True)
class BackendRef:
    """A front door's reference to one port of a Service in its own namespace: the one backend shape that Ingress,
    Gateway route and OpenShift Route rules hand to a `Resolve`.

    `port` is what the front door wrote: a Service port number or name (Ingress, Gateway). A Gateway route's
    backendRef may name a Service in another namespace (`namespace`; a ReferenceGrant there must allow it). An
    OpenShift Route's
    `spec.port.targetPort` (`by_target`) names the pods' side instead: a number is a Service port's targetPort, a
    name a Service port's name, and none at all means the Service's first port (the router's rule)."""

    service: str
    port: Union[int, str, None] = None
    by_target: bool = False
    namespace: str = ""  # the Service's namespace where the front door names one (Gateway API); "": its own

    def port_in(self, ports: Sequence[dict], resolved: Optional[Mapping[str, Set[int]]] = None) -> Optional[dict]:
        """The port of `ports` (a Service's spec.ports) this reference designates."""
        return next(iter(self.matching(ports, resolved)), None)

    def matching(self, ports: Sequence[dict], resolved: Optional[Mapping[str, Set[int]]] = None) -> List[dict]:
        """Every port it designates, in order (53/TCP and 53/UDP share a number): the one owner of
        find-a-port-by-number-or-name. `resolved` (Snapshot.endpoint_ports): the pods' port numbers of each
        Service port, from its EndpointSlices, which an OpenShift router matches a number against (a Service port
        whose targetPort is a name resolves to a number only there)."""
        if self.by_target and self.port in (None, ""):
            return list(ports[:1])
        number = port_number(self.port)
        if number:
            side = "targetPort" if self.by_target else "port"
            return [p for p in ports if port_number(p.get(side, p.get("port"))) == number
                    or (self.by_target and number in (resolved or {}).get(str(p.get("name") or ""), ()))]
        if not isinstance(self.port, str) or not self.port:
            return []
        return [p for p in ports if p.get("name") == self.port or (self.by_target and p.get("targetPort") == self.port)]


# Given a BackendRef, the Service port it reaches on the target, or None when it does not lead to the target.
Resolve = Callable[[BackendRef], Optional[dict]]
