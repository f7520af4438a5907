"""OpenShift Route endpoints (route.openshift.io/v1): host + path on the router, https when TLS terminates.

A route counts once a router has Admitted it (status.ingress[].conditions). Its host is the one the
oldest admitting router serves (as the OpenShift console shows it), else spec.host. TLS termination
(edge, reencrypt, passthrough) means https; with `insecureEdgeTerminationPolicy: Allow` plain http works
too, with `Redirect` it only redirects (not listed), with `None` (the default) it is refused.
"""

from typing import List, Tuple

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


def route_endpoints(route: dict, resolve: Resolve) -> Found:
    """The URLs of `route` when one of its backends is the target (`resolve`); a backend of weight 0 gets none."""
    refs = backend_refs(route)
    total = sum(weight for _, weight in refs)
    found = Found()
    services = []
    for ref, weight in refs:
        port = resolve(ref)
        if port is None:
            continue
        if weight == 0:
            found.warn(f"route {name(route)}: backend {ref.service} has weight 0: it receives no requests")
            continue
        share = [f"{round(100 * weight / total)}% of the route's requests (weight {weight} of {total})"] \
            if len(refs) > 1 else []
        services.append((ref.service, port, share))
    if not services:
        return found
    admitted = admitted_ingresses(route)
    if not admitted:
        rejected = next((c for e in items(route, "status", "ingress") for c in items(e, "conditions")
                         if c.get("type") == "Admitted" and c.get("status") == "False"), None)
        why = f": {rejected.get('message') or rejected.get('reason')}" if rejected else ": no router has reported on it yet"
        return found.warn(f"route {name(route)} is not admitted by any router{why}")
    host = admitted[0].get("host") or field(route, "spec", "host")  # what the router serves, as the console shows
    if not isinstance(host, str) or not host:
        return found.warn(f"route {name(route)} has no host")
    router = admitted[0].get("routerCanonicalHostname")
    path = field(route, "spec", "path")
    notes = []
    if field(route, "spec", "wildcardPolicy") == "Subdomain":
        notes.append(f"wildcard route: any name under {host.partition('.')[2]} reaches it")
    if field(route, "spec", "tls", "insecureEdgeTerminationPolicy") == "Redirect":
        notes.append("http:// redirects to https://")
    for scheme in _schemes(route):
        for svc, port, share in services:
            found.endpoints.append(Endpoint(
                method="Route", scheme=scheme, host=host, port=443 if scheme == "https" else 80, service=svc,
                service_port=port_number(port.get("port")), path=path if isinstance(path, str) and path else "/",
                via=f"route/{name(route)}" + (f" on router {admitted[0].get('routerName')}"
                                              if admitted[0].get("routerName") else ""),
                warnings=notes + share, target_port=port.get("targetPort", port.get("port")), namespace=namespace(route),
                address=router if isinstance(router, str) and router else None))
    return found
