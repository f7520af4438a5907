"""Pure computation of external endpoints: one module per family of exposure methods.

Every function here takes plain API objects (dicts) and returns `Found`: endpoints plus warnings.
Nothing in this package does I/O.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

METHODS = ("hostNetwork", "hostPort", "NodePort", "LoadBalancer", "ExternalIP", "Ingress", "Gateway", "Route")
# Methods whose URL is a virtual host on a shared proxy: the port is left out where it is the scheme's default.
PROXIED = ("Ingress", "Gateway", "Route")
DEFAULT_PORTS = {"http": 80, "https": 443}  # anything else through a proxy is TLS (passthrough): 443


def format_host(host: str) -> str:
    """IPv6 literals are bracketed inside URLs, and only there."""
    return f"[{host}]" if ":" in host else host


def format_url(scheme: str, host: str, port: Optional[int], path: Optional[str] = None) -> str:
    """`scheme://host[:port][path]`; the port is left out for Ingress URLs (port None)."""
    netloc = format_host(host) if port is None else f"{format_host(host)}:{port}"
    return f"{scheme}://{netloc}{path or ''}"


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
    # Set by `--probe` (probe.Probe); in the JSON only then.
    probe: Any = None

    @property
    def url(self) -> str:
        if self.method in PROXIED:
            port = None if DEFAULT_PORTS.get(self.scheme, 443) == self.port else self.port
            return format_url(self.scheme, self.host, port, self.path)  # no path: gRPC, TLS passthrough
        return format_url(self.scheme, self.host, self.port)

    def key(self) -> tuple:
        """Identity for de-duplication across the pods of a workload."""
        return (self.method, self.url, self.node, self.service, self.service_port, self.ingress, self.path, self.via)

    def to_dict(self) -> Dict[str, Any]:
        data = {
            "method": self.method, "url": self.url, "scheme": self.scheme, "host": self.host,
            "port": self.port, "node": self.node, "service": self.service, "servicePort": self.service_port,
            "ingress": self.ingress, "via": self.via, "path": self.path, "warnings": list(self.warnings),
        }
        if self.probe is not None:
            data["probe"] = self.probe.to_dict()
        return data


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
            if endpoint.key() not in seen:
                seen.add(endpoint.key())
                endpoints.append(endpoint)
        return Found(endpoints, list(dict.fromkeys(self.warnings)), list(dict.fromkeys(self.hints)))
