"""Gateway API endpoints (gateway.networking.k8s.io): a route's hostnames on the listeners of its Gateways.

A route counts only where its parent Gateway has Accepted it (status.parents); the URL host is the
route hostname (intersected with the listener's), else the listener's, else the Gateway's address;
the scheme follows the listener protocol. Wildcards follow the Gateway API rule: `*.example.com` is a
suffix match (`a.b.example.com` included), unlike an Ingress or a certificate.
"""

import functools
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from ..kinds import BY_RESOURCE, GATEWAY_ROUTES
from ..objects import condition_true, field, items, name, namespace, port_number, strings
from . import BackendRef, Endpoint, Found, Resolve

GATEWAY_GROUP = "gateway.networking.k8s.io"
# Listener protocols each kind of route attaches to, and the URL scheme a client uses through them (kinds.py).
SCHEMES = {kind.name: kind.protocols for kind in GATEWAY_ROUTES}
# Listener protocols whose `hostname` matches requests (HTTP Host, TLS SNI); TCP and UDP listeners ignore it.
HOSTNAME_PROTOCOLS = ("HTTP", "HTTPS", "TLS")

def route_kind(route: dict) -> str:
    kind = route.get("kind")
    return kind if isinstance(kind, str) and kind in SCHEMES else "HTTPRoute"


@functools.lru_cache(maxsize=None)
def tag_kind(resource: str) -> Callable[[dict], dict]:
    """A LIST `keep` that records each item's kind (list items need not carry it); one per resource, so that the
    same LIST is recognised as such (Kube.list sends it once)."""
    def keep(item: dict) -> dict:
        item["kind"] = BY_RESOURCE[resource].name
        return item
    return keep


def route_ref(route: dict) -> str:
    return f"{route_kind(route).lower()}/{name(route)}"


def suffix_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def hostname_intersection(route_host: str, listener_host: Optional[str]) -> Optional[str]:
    """The names both accept (the more specific of the two), or None when they share none."""
    if not listener_host or suffix_match(listener_host, route_host):
        return route_host
    if suffix_match(route_host, listener_host):
        return listener_host
    return None


def backend_ref(ref: dict, route_namespace: str) -> Optional[BackendRef]:
    """The Service port a backendRef names, with the Service's namespace (the route's unless it says); None for
    other kinds of backend. A backend in another namespace counts only where a ReferenceGrant allows it
    (`granted`)."""
    if ref.get("group") not in (None, "") or ref.get("kind") not in (None, "Service") or not ref.get("name"):
        return None
    return BackendRef(ref["name"], port_number(ref.get("port")), namespace=ref.get("namespace") or route_namespace)


def granted(grants: Optional[List[dict]], route: dict, ref: BackendRef) -> Optional[bool]:
    """Whether a ReferenceGrant in the Service's namespace lets this route refer to it (the Gateway API spec: a
    `from` entry for the route's kind and namespace, a `to` entry for Services, by name or all); None when the
    grants could not be read."""
    if grants is None:
        return None
    for grant in grants:
        if namespace(grant) != ref.namespace:
            continue
        sources = [f for f in items(grant, "spec", "from") if f.get("group") == GATEWAY_GROUP
                   and f.get("kind") == route_kind(route) and f.get("namespace") == namespace(route)]
        if sources and grants_services(grant, ref.service):
            return True
    return False


def grants_services(grant: dict, service: Optional[str] = None) -> bool:
    """Whether a ReferenceGrant's `to` lets its sources refer to Services (to `service`, when named)."""
    return any(t.get("group") in (None, "") and t.get("kind") == "Service"
               and (service is None or t.get("name") in (None, "", service)) for t in items(grant, "spec", "to"))


def cross_namespaces(route: dict) -> List[str]:
    """The other namespaces whose Services the route's backendRefs name."""
    refs = (backend_ref(b, namespace(route)) for rule in items(route, "spec", "rules") for b in items(rule, "backendRefs"))
    return sorted({r.namespace for r in refs if r is not None and r.namespace != namespace(route)})


def _paths(rule: dict, kind: str) -> List[Tuple[Optional[str], bool]]:
    """(path, is a pattern) of each match; `/` when the rule matches everything, None when not HTTP paths."""
    if kind != "HTTPRoute":
        return [(None, False)]
    paths: List[Tuple[Optional[str], bool]] = []
    for match in items(rule, "matches"):
        value = field(match, "path", "value")
        kind_of_match = field(match, "path", "type", default="PathPrefix")
        paths.append((value if isinstance(value, str) and value else "/", kind_of_match == "RegularExpression"))
    return paths or [("/", False)]


def parent_status(route: dict, parent: dict) -> Optional[dict]:
    """The status.parents entry for this parentRef (same gateway and section), if the controller wrote one."""
    wanted = (parent.get("name"), parent.get("namespace") or namespace(route), parent.get("sectionName"))
    for entry in items(route, "status", "parents"):
        ref = entry.get("parentRef") or {}
        if (ref.get("name"), ref.get("namespace") or namespace(route), ref.get("sectionName")) == wanted:
            return entry
    return None


def gateway_addresses(gateway: dict) -> List[str]:
    values = [a.get("value") for a in items(gateway, "status", "addresses")]
    return [v for v in values if isinstance(v, str) and v]


def allows(listener: dict, route: dict, gateway: dict) -> bool:
    """The listener's allowedRoutes: route kinds, and namespaces (Same by default; a Selector is assumed
    to match, since namespace labels are not read)."""
    kinds = items(listener, "allowedRoutes", "kinds")
    if kinds and not any(k.get("kind") == route_kind(route) for k in kinds):
        return False
    origin = field(listener, "allowedRoutes", "namespaces", "from", default="Same")
    return origin != "Same" or namespace(route) == namespace(gateway)


def _listeners(gateway: dict, parent: dict, route: dict) -> Iterable[Tuple[dict, str]]:
    """The listeners a parentRef attaches to (sectionName / port narrow it) that speak the route's protocol
    and allow it."""
    kind = route_kind(route)
    for listener in items(gateway, "spec", "listeners"):
        if parent.get("sectionName") and listener.get("name") != parent["sectionName"]:
            continue
        if parent.get("port") and port_number(listener.get("port")) != port_number(parent["port"]):
            continue
        if not allows(listener, route, gateway):
            continue
        scheme = SCHEMES[kind].get(str(listener.get("protocol", "")).upper())
        if scheme and port_number(listener.get("port")):
            yield listener, scheme


def listener_problem(gateway: dict, listener: dict) -> Optional[str]:
    """Why a listener serves nothing, from the Gateway's status.listeners: `Programmed: False` (not set up in the
    data plane) or `ResolvedRefs: False` (e.g. a certificateRef to a missing or invalid Secret); None when fine or
    not reported (the Gateway API spec: the controller sets both on every listener)."""
    entry = next((e for e in items(gateway, "status", "listeners") if e.get("name") == listener.get("name")), None)
    for condition in items(entry, "conditions"):
        if condition.get("type") in ("Programmed", "ResolvedRefs") and condition.get("status") == "False":
            why = ": ".join(str(x) for x in (condition.get("reason"), condition.get("message")) if x)
            return (f"gateway {namespace(gateway)}/{name(gateway)} listener {listener.get('name')} is not serving "
                    f"({condition['type']} False{': ' + why if why else ''})")
    return None


def weight_of(backend: dict) -> int:
    """A backendRef's weight: 1 unless set (0 sends it nothing; the Gateway API spec)."""
    weight = backend.get("weight")
    return weight if isinstance(weight, int) and not isinstance(weight, bool) and weight >= 0 else 1


def gateway_parents(route: dict) -> List[dict]:
    """parentRefs to Gateways (a mesh route's parent may be a Service: not an entrance from outside)."""
    return [p for p in items(route, "spec", "parentRefs")
            if p.get("kind") in (None, "Gateway") and p.get("group") in (None, GATEWAY_GROUP)]


def rejection(route: dict, parent: dict, status: Optional[dict]) -> str:
    gateway = f"{parent.get('namespace') or namespace(route)}/{parent.get('name')}"
    ref = f"{route_ref(route)} is not accepted by gateway {gateway}"
    condition = next((c for c in items(status, "conditions") if c.get("type") == "Accepted"), None)
    if condition is None:
        return f"{ref}: no status from its controller yet"
    why = condition.get("message") or condition.get("reason") or ""
    return f"{ref}: {why}" if why else ref


def gateway_endpoints(route: dict, gateways: Dict[Tuple[str, str], dict], resolve: Resolve,
                      grants: Optional[List[dict]] = None) -> Found:
    """The URLs of `route` for the rules whose backends lead to the target (`resolve`); a backend in another
    namespace only where a ReferenceGrant there allows it (`grants`: those read, None when not readable)."""
    kind = route_kind(route)
    ns = namespace(route)
    found = Found()
    rules: List[Tuple[dict, BackendRef, dict, List[str]]] = []
    for rule in items(route, "spec", "rules"):
        backends = items(rule, "backendRefs")
        total = sum(weight_of(b) for b in backends)
        for backend in backends:
            ref = backend_ref(backend, ns)
            port = resolve(ref) if ref else None
            if ref is None or port is None:
                continue
            if ref.namespace != ns:
                allowed = granted(grants, route, ref)
                if not allowed:
                    why = "ReferenceGrants could not be read" if allowed is None else \
                        f"no ReferenceGrant in namespace {ref.namespace} allows it"
                    found.warn(f"{route_ref(route)}: backend {ref.namespace}/{ref.service} is in another namespace "
                               f"and {why}: not followed")
                    continue
            weight = weight_of(backend)
            if weight == 0:
                found.warn(f"{route_ref(route)}: backend {ref.service}:{ref.port} has weight 0: it receives no traffic")
                continue
            share = [f"{round(100 * weight / total)}% of the rule's traffic (weight {weight} of {total})"] \
                if len(backends) > 1 else []
            rules.append((rule, ref, port, share))
    if not rules:
        return found
    route_hosts = strings(route, "spec", "hostnames")
    for parent in gateway_parents(route):
        gateway_ns: str = parent.get("namespace") or ns
        status = parent_status(route, parent)
        if status is None or not condition_true(status, "Accepted", ("conditions",)):
            found.warn(rejection(route, parent, status))
            continue
        gateway = gateways.get((gateway_ns, parent.get("name") or ""))
        if gateway is None:
            found.warn(f"{route_ref(route)}: gateway {gateway_ns}/{parent.get('name')} not found (or not readable)")
            continue
        addresses = gateway_addresses(gateway)
        if not addresses:
            found.warn(f"gateway {gateway_ns}/{name(gateway)} has no address yet: its controller has not "
                       "programmed it")
        via = f"{route_ref(route)} on gateway {gateway_ns}/{name(gateway)}"
        for listener, scheme in _listeners(gateway, parent, route):
            problem = listener_problem(gateway, listener)
            if problem:
                found.warn(problem)
                continue
            listener_host = listener.get("hostname") if isinstance(listener.get("hostname"), str) and \
                str(listener.get("protocol", "")).upper() in HOSTNAME_PROTOCOLS else None
            if route_hosts:
                hosts = [h for h in (hostname_intersection(r, listener_host) for r in route_hosts) if h]
            else:
                hosts = [listener_host] if listener_host else addresses
            for host in dict.fromkeys(hosts):
                notes = [f"wildcard host: use any name under {host[2:]}"] if host.startswith("*.") else []
                for rule, ref, service_port, share in rules:
                    for path, pattern in _paths(rule, kind):
                        found.endpoints.append(Endpoint(
                            method="Gateway", scheme=scheme, host=host, port=port_number(listener["port"]) or 0,
                            service=ref.service, service_port=port_number(service_port.get("port")),
                            path=path, via=via, warnings=notes + ([f"path {path} is a pattern: substitute a real "
                                                                  "path"] if pattern else []) + share,
                            target_port=service_port.get("targetPort", service_port.get("port")), namespace=ns,
                            address=addresses[0] if addresses else None))
    return found
