"""OpenShift Route endpoints (route.openshift.io/v1): host + path on the router, https when TLS terminates.

A route counts once a router has Admitted it (status.ingress[].conditions). Each admitting router serves the host
it reports (a `spec.subdomain` route gets one per router domain; a `spec.host` route the same on every router),
else spec.host. TLS termination
(edge, reencrypt, passthrough) means https; with `insecureEdgeTerminationPolicy: Allow` plain http works
too, with `Redirect` it only redirects (not listed), with `None` (the default) it is refused.
"""

from typing import Callable, Dict, List, Mapping, Optional, Set, Tuple

from ..objects import condition_true, field, items, name, namespace, port_number
from . import BackendRef, Endpoint, Found, Resolve

def _service_refs(route: dict) -> List[dict]:
    """spec.to and spec.alternateBackends that are Services (the only kind OpenShift allows today)."""
    refs = [field(route, "spec", "to", default={})] + items(route, "spec", "alternateBackends")
    return [r for r in refs if isinstance(r, dict) and r.get("kind", "Service") == "Service" and r.get("name")]


def backend_services(route: dict) -> List[str]:
    return [r["name"] for r in _service_refs(route)]


def weight_of(ref: dict) -> int:
    """A route backend's weight, 0-256: 100 unless set; 0 sends it no requests (route.openshift.io/v1)."""
    weight = ref.get("weight")
    return weight if isinstance(weight, int) and not isinstance(weight, bool) and weight >= 0 else 100


def backend_refs(route: dict) -> List[Tuple[BackendRef, int]]:
    """Each Service backend at `spec.port.targetPort` (a Service port's targetPort or name; none: its first port),
    with its weight."""
    target_port = field(route, "spec", "port", "targetPort")
    return [(BackendRef(r["name"], target_port, by_target=True), weight_of(r)) for r in _service_refs(route)]


def route_problems(route: dict) -> List[str]:
    """What is wrong with the route itself, whatever the target."""
    return [] if backend_services(route) else [f"route {name(route)} names no Service backend"]


def admitted_ingresses(route: dict) -> List[dict]:
    """status.ingress entries whose router admitted the route, oldest admission first."""
    admitted = [e for e in items(route, "status", "ingress") if condition_true(e, "Admitted", ("conditions",))]

    def since(entry: dict) -> str:
        return next((str(c.get("lastTransitionTime") or "") for c in items(entry, "conditions")
                     if c.get("type") == "Admitted"), "")
    return sorted(admitted, key=since)


def _schemes(route: dict) -> List[str]:
    termination = field(route, "spec", "tls", "termination")
    if not termination:
        return ["http"]
    policy = field(route, "spec", "tls", "insecureEdgeTerminationPolicy", default="None")
    return ["https", "http"] if policy == "Allow" and termination != "passthrough" else ["https"]


def refusals(route: dict) -> List[Tuple[str, str]]:
    """(router, its reason) for each router that refused the route (status.ingress[].conditions Admitted False)."""
    found = []
    for entry in items(route, "status", "ingress"):
        condition = next((c for c in items(entry, "conditions") if c.get("type") == "Admitted"), None)
        if condition is not None and condition.get("status") == "False":
            why = condition.get("message") or condition.get("reason") or "no reason given"
            found.append((str(entry.get("routerName") or "(unnamed)"), str(why)))
    return found


def served_hosts(route: dict, admitted: List[dict]) -> List[Tuple[str, dict]]:
    """(host, the router entry serving it) per admitting router, oldest first, each host once: every router serves
    the host it reports (`status.ingress[].host`; a `spec.subdomain` route gets one per router domain), else
    `spec.host`."""
    hosts: Dict[str, dict] = {}
    for entry in admitted:
        host = entry.get("host") or field(route, "spec", "host")
        if isinstance(host, str) and host:
            hosts.setdefault(host, entry)
    return list(hosts.items())


def unmatched_port(route: dict, ref: BackendRef, resolve: Resolve, services: Mapping[str, dict],
                   endpoint_ports: Callable[[str], Mapping[str, Set[int]]]) -> Optional[str]:
    """Why a backend that leads to the target is not reached: `spec.port.targetPort` names no port of its Service
    (by name, targetPort or the pods' port number), so the router has no endpoint to send to. None otherwise."""
    service = services.get(ref.service)
    if service is None or ref.port in (None, "") or resolve(BackendRef(ref.service, by_target=True)) is None:
        return None  # not the target's Service, or no targetPort (the first port)
    ports = items(service, "spec", "ports")
    if ref.matching(ports, endpoint_ports(ref.service)):
        return None
    names = ", ".join(f"{p.get('name') or p.get('port')}:{p.get('targetPort', p.get('port'))}" for p in ports)
    return (f"route {name(route)}: spec.port.targetPort {ref.port} names no port of service {ref.service} "
            f"(its ports: {names or 'none'}): the router sends it nothing")


def route_endpoints(route: dict, resolve: Resolve, services: Optional[Mapping[str, dict]] = None,
                    endpoint_ports: Callable[[str], Mapping[str, Set[int]]] = lambda service: {}) -> Found:
    """The URLs of `route` when one of its backends is the target (`resolve`); a backend of weight 0 gets none.
    One host per admitting router (each serves its own), each router's refusal said with its reason; a
    `targetPort` that names nothing the target's Service has is said, naming the route and port (`services`: the
    Services of the route's namespace, by name)."""
    refs = backend_refs(route)
    total = sum(weight for _, weight in refs)
    found = Found()
    chosen = []
    for ref, weight in refs:
        port = resolve(ref)
        if port is None:
            problem = unmatched_port(route, ref, resolve, services or {}, endpoint_ports)
            found.warnings.extend([problem] if problem else [])
            continue
        if weight == 0:
            found.warn(f"route {name(route)}: backend {ref.service} has weight 0: it receives no requests")
            continue
        share = [f"{round(100 * weight / total)}% of the route's requests (weight {weight} of {total})"] \
            if len(refs) > 1 else []
        chosen.append((ref.service, port, share))
    if not chosen:
        return found
    admitted = admitted_ingresses(route)
    refused = refusals(route)
    if not admitted:
        why = refused[0][1] if refused else "no router has reported on it yet"
        return found.warn(f"route {name(route)} is not admitted by any router: {why}")
    found.warnings.extend(f"route {name(route)} is not admitted by router {router}: {why}" for router, why in refused)
    hosts = served_hosts(route, admitted)
    if not hosts:
        return found.warn(f"route {name(route)} has no host")
    path = field(route, "spec", "path")
    for host, entry in hosts:
        router = entry.get("routerCanonicalHostname")
        notes = []
        if field(route, "spec", "wildcardPolicy") == "Subdomain":
            notes.append(f"wildcard route: any name under {host.partition('.')[2]} reaches it")
        if field(route, "spec", "tls", "insecureEdgeTerminationPolicy") == "Redirect":
            notes.append("http:// redirects to https://")
        for scheme in _schemes(route):
            for svc, port, share in chosen:
                found.endpoints.append(Endpoint(
                    method="Route", scheme=scheme, host=host, port=443 if scheme == "https" else 80, service=svc,
                    service_port=port_number(port.get("port")), path=path if isinstance(path, str) and path else "/",
                    via=f"route/{name(route)}" + (f" on router {entry.get('routerName')}"
                                                  if entry.get("routerName") else ""),
                    warnings=notes + share, target_port=port.get("targetPort", port.get("port")),
                    namespace=namespace(route), address=router if isinstance(router, str) and router else None))
    return found
