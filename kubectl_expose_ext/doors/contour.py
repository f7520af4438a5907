"""The Contour door: HTTPProxy (`projectcontour.io/v1`), a root with a virtual host and the proxies it includes.

The rules, from Contour's API reference (projectcontour.io/docs/main/config/api/, the HTTPProxy types in
github.com/projectcontour/contour apis/projectcontour/v1/httpproxy.go) and its deployment (examples/contour: the
Envoy Service listens on 80 and 443):

- A root HTTPProxy has `spec.virtualhost.fqdn`: the URL host. Its `routes[].conditions[].prefix` (or `exact`) is the
  path (none: `/`); `includes[]` hand a path to other HTTPProxies (`name`, `namespace`: its own unless set), whose
  conditions' prefixes are appended to the includer's (bounded: MAX_DEPTH levels, cycles cut). An included proxy has
  no virtual host: its URLs are its roots' hosts and the path they include it under.
- TLS: `virtualhost.tls.secretName` makes it https on 443, and plain http on 80 only redirects (301) unless a route
  sets `permitInsecure: true`; `tls.passthrough: true` with `tcpproxy` hands TLS to the backend: tls://host; a
  `tcpproxy` on a terminated virtual host is TCP inside TLS: tls://host too. No `tls`: http on 80.
- `routes[].services[]` and `tcpproxy.services[]` name a Service of the proxy's namespace and its `port` (a
  number); `weight` 0 sends it nothing.
- Status: `currentStatus` is `valid`, `invalid` or `orphaned` (an included proxy no root includes), with
  `description`: only a valid proxy serves; `status.loadBalancer.ingress` is Envoy's Service address, which Contour
  copies there: the entry address. No status yet: no address (the URL cannot work yet, as an Ingress's).
"""

from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from ..endpoints import BackendRef, Endpoint, Found
from ..kind import B, CONDITIONS, I, LB_STATUS, META, S, Kind
from ..objects import field, items, name, namespace, port_number
from .base import BROKEN, OK, WARNING, Fetched, FrontDoor, Hop, Reader, backends_hop, evidence_command, tag

if TYPE_CHECKING:
    from ..endpoints import Resolve
    from ..snapshot import Snapshot

ROLE = "contour-proxy"
SERVICES = [{"name": S, "port": I, "weight": I, "protocol": S}]
CONDITION = [{"prefix": S, "exact": S}]
HTTPPROXY = Kind(
    "HTTPProxy", "httpproxies", "httpproxy", "projectcontour.io", ("v1",), role=ROLE, optional=True,
    aliases=("proxy", "proxies"),
    schema={"metadata": META,
            "spec": {"virtualhost": {"fqdn": S, "tls": {"secretName": S, "passthrough": B}},
                     "routes": [{"conditions": CONDITION, "services": SERVICES, "permitInsecure": B}],
                     "includes": [{"name": S, "namespace": S, "conditions": CONDITION}],
                     "tcpproxy": {"services": SERVICES}},
            "status": {"currentStatus": S, "description": S, "conditions": CONDITIONS, **LB_STATUS}})
MAX_DEPTH = 8


class ContourDoor(FrontDoor):
    name = "contour"
    role = ROLE
    method = "HTTPProxy"
    kinds = (HTTPPROXY,)
    cluster_wide = (HTTPPROXY,)  # the roots that include a namespace's proxies may be anywhere
    title = "Contour HTTPProxy"
    source = "https://projectcontour.io/docs/main/config/api/"
    rules = ("`virtualhost.fqdn` + route `conditions` prefixes through `includes`; https with `virtualhost.tls` "
             "(http only with `permitInsecure`), tls for `tcpproxy`; `status.loadBalancer`; no URL unless "
             "`currentStatus` is valid")

    def fetch(self, reader: Reader, ns: Optional[str], chosen: Dict[str, Optional[str]]) -> Fetched:
        """The namespace's proxies; where one is included (no virtual host), every proxy of the cluster, to find its
        roots (one more LIST)."""
        found = reader.list(HTTPPROXY, ns, keep=tag(HTTPPROXY), leaves_out=self.unread(HTTPPROXY), **chosen) or []
        roots: List[dict] = []
        if ns is not None and any(not field(p, "spec", "virtualhost", "fqdn") for p in found):
            roots = [p for p in reader.list(HTTPPROXY, keep=tag(HTTPPROXY)) or [] if namespace(p) != ns]
        return {"extra": {HTTPPROXY.resource: found, "contour/others": roots}}

    def fetch_target(self, reader: Reader, kind: Kind, obj: dict, ns: str) -> Fetched:
        tag(kind)(obj)
        others = [] if field(obj, "spec", "virtualhost", "fqdn") and not items(obj, "spec", "includes") else \
            [p for p in reader.list(HTTPPROXY, keep=tag(HTTPPROXY)) or [] if (namespace(p), name(p)) !=
             (ns, name(obj))]
        return {"extra": {kind.resource: [obj], "contour/others": others}}

    def kind_of(self, obj: dict) -> str:
        return "HTTPProxy"

    def endpoints(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> Found:
        everything = snapshot.extra.get(HTTPPROXY.resource, []) + snapshot.extra.get("contour/others", [])
        return proxy_endpoints(obj, resolve, everything)

    def refusals(self, obj: dict, snapshot: "Snapshot") -> List[str]:
        why = status_problem(obj)
        return [why] if why else []

    def plain_http(self, obj: dict) -> str:
        return "no virtualhost.tls" if not isinstance(field(obj, "spec", "virtualhost", "tls"), dict) \
            else "permitInsecure: true"

    def hops(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> List[Hop]:
        ns, ref = namespace(obj), HTTPPROXY.ref(name(obj))
        why = status_problem(obj)
        addresses = addresses_of(obj)
        refs = [r for route in items(obj, "spec", "routes") for r, _ in service_refs(route)] + \
            [r for r, _ in service_refs(field(obj, "spec", "tcpproxy", default={}))]
        return [Hop("status", BROKEN if why else OK, why or "valid", f"{ref} status.currentStatus",
                    evidence_command(HTTPPROXY, ns, name(obj), ".status.currentStatus")),
                Hop("entry address", OK if addresses else WARNING, ", ".join(addresses) or
                    "no address in status.loadBalancer yet", f"{ref} status.loadBalancer",
                    evidence_command(HTTPPROXY, ns, name(obj), ".status.loadBalancer")),
                backends_hop(self, obj, refs, resolve, ".spec.routes[*].services")]


def status_problem(obj: dict) -> Optional[str]:
    """Why Contour does not serve the proxy (`currentStatus` invalid or orphaned), else None; None without status."""
    current = field(obj, "status", "currentStatus")
    if current in (None, "", "valid"):
        return None
    description = field(obj, "status", "description")
    return f"httpproxy {name(obj)} is {current}" + (f": {description}" if description else "")


def addresses_of(obj: dict) -> List[str]:
    found = [e.get("ip") or e.get("hostname") for e in items(obj, "status", "loadBalancer", "ingress")]
    return [a for a in found if isinstance(a, str) and a]


def service_refs(route: dict) -> List[Tuple[BackendRef, dict]]:
    return [(BackendRef(str(s["name"]), port_number(s.get("port"))), s) for s in items(route, "services")
            if s.get("name")]


def prefix_of(conditions: List[dict]) -> Tuple[str, bool]:
    """The path a list of conditions matches (prefixes joined; an `exact` one ends it), and whether it is exact."""
    path, exact = "", False
    for condition in conditions:
        for key in ("prefix", "exact"):
            value = condition.get(key)
            if isinstance(value, str) and value:
                path = path.rstrip("/") + ("/" + value.lstrip("/") if value != "/" else "/")
                exact = exact or key == "exact"
    return path, exact


class Root:
    """A root proxy, as seen by a proxy it includes: its host, TLS, addresses and the path prefix it includes it at."""

    def __init__(self, root: dict, prefix: str):
        self.root, self.prefix = root, prefix
        self.fqdn = str(field(root, "spec", "virtualhost", "fqdn") or "")
        tls = field(root, "spec", "virtualhost", "tls")
        self.tls = isinstance(tls, dict)
        self.passthrough = self.tls and field(root, "spec", "virtualhost", "tls", "passthrough") is True
        self.addresses = addresses_of(root)


def roots_of(obj: dict, everything: List[dict]) -> List[Root]:
    """The roots that include `obj` (itself, when it is one), each with the prefix it is included at; bounded."""
    if field(obj, "spec", "virtualhost", "fqdn"):
        return [Root(obj, "")]
    by_key = {(namespace(p), name(p)): p for p in everything}
    found: List[Root] = []
    frontier: List[Tuple[Tuple[str, str], str]] = [((namespace(obj), name(obj)), "")]
    seen: Set[Tuple[str, str]] = set()
    for _ in range(MAX_DEPTH):
        step: List[Tuple[Tuple[str, str], str]] = []
        for (child_ns, child), suffix in frontier:
            for parent in by_key.values():
                for include in items(parent, "spec", "includes"):
                    if (include.get("namespace") or namespace(parent), include.get("name")) != (child_ns, child):
                        continue
                    prefix = prefix_of(items(include, "conditions"))[0].rstrip("/") + suffix
                    key = (namespace(parent), name(parent))
                    if field(parent, "spec", "virtualhost", "fqdn"):
                        found.append(Root(parent, prefix))
                    elif key not in seen:
                        seen.add(key)
                        step.append((key, prefix))
        frontier = step
        if not frontier:
            break
    return found


def proxy_endpoints(obj: dict, resolve: "Resolve", everything: List[dict]) -> Found:
    """The URLs of an HTTPProxy's own routes (and tcpproxy) whose services lead to the target, at the hosts of its
    roots (itself, or those that include it)."""
    found = Found()
    ref = f"httpproxy/{name(obj)}"
    chosen = []
    for route in items(obj, "spec", "routes"):
        for backend, spec in service_refs(route):
            port = resolve(backend)
            if port is None:
                continue
            if spec.get("weight") == 0 and len(items(route, "services")) > 1:
                found.warn(f"{ref}: service {backend.service} has weight 0: it receives no requests")
                continue
            chosen.append((route, backend, port))
    tcp = [(backend, port) for backend, _ in service_refs(field(obj, "spec", "tcpproxy", default={}))
           for port in [resolve(backend)] if port is not None]
    if not chosen and not tcp:
        return found
    problem = status_problem(obj)
    if problem:
        return found.warn(f"{problem}: Contour does not serve it")
    roots = roots_of(obj, everything)
    if not roots:
        return found.warn(f"{ref} has no virtualhost and no root HTTPProxy that was read includes it")
    for root in roots:
        root_problem = status_problem(root.root) if root.root is not obj else None
        if root_problem:
            found.warn(f"{root_problem}: it does not serve {ref}")
            continue
        if not root.addresses:
            found.warn(f"httpproxy {name(root.root)} has no address yet (status.loadBalancer)")
        dead = None if root.addresses else "no address yet"
        address = root.addresses[0] if root.addresses else None
        for route, backend, port in chosen:
            path, exact = prefix_of(items(route, "conditions"))
            full = (root.prefix + (path or "")) or "/"
            schemes = [("https", 443)] + ([("http", 80)] if route.get("permitInsecure") is True else []) \
                if root.tls and not root.passthrough else [("http", 80)]
            notes = ([] if not root.tls or route.get("permitInsecure") is True else ["http:// redirects to https://"])
            notes += [f"exact path {full}"] if exact else []
            for scheme, number in schemes:
                found.endpoints.append(_endpoint(obj, root, backend, port, scheme, number, full, notes, dead, address))
        for backend, port in tcp:
            found.endpoints.append(_endpoint(obj, root, backend, port, "tls" if root.tls else "tcp",
                                             443 if root.tls else 80, None,
                                             ["TLS passthrough: the backend ends TLS"] if root.passthrough else [],
                                             dead, address))
    return found


def _endpoint(obj: dict, root: Root, backend: BackendRef, port: dict, scheme: str, number: int, path: Optional[str],
              notes: List[str], dead: Optional[str], address: Optional[str]) -> Endpoint:
    from ..loadbalancers import status_reason

    via = f"httpproxy/{name(obj)}" + (f" included by httpproxy {namespace(root.root)}/{name(root.root)}"
                                      if root.root is not obj else "")
    return Endpoint(method="HTTPProxy", scheme=scheme, host=root.fqdn, port=number, service=backend.service,
                    service_port=port_number(port.get("port")), path=path, via=via, warnings=list(notes),
                    namespace=namespace(obj), address=address, dead=dead,
                    target_port=port.get("targetPort", port.get("port"))).note_internal(
        status_reason(address) if address else None)


DOOR = ContourDoor()
