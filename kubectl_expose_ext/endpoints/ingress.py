"""Ingress endpoints: rule host (or the ingress's address) + path, https where a TLS entry covers the host."""

from typing import Any, Dict, Iterable, List, Optional

from ..objects import field, items, name, namespace, port_number, strings
from . import BackendRef, Endpoint, Found, Resolve

_PATTERN_CHARS = set("()[]{}*+?$^|\\")
_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
_DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


def host_matches(pattern: str, host: str) -> bool:
    """Certificate-style matching (RFC 6125; Ingress TLS hosts, probes' certificate checks): `*.example.com` covers
    exactly one extra label. The one owner of this rule; Gateway API's wildcard is a suffix match (gateway.py)."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern == host:
        return True
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and head != "*" and rest == pattern[2:]
    return False


def tls_covers(ingress: dict, host: Optional[str]) -> bool:
    """Whether a `spec.tls` entry covers `host` (None: an address-only rule).

    A TLS entry with no `hosts` is the controller's default certificate for every host.
    """
    for entry in items(ingress, "spec", "tls"):
        hosts = strings(entry, "hosts")
        if not hosts or (host and any(host_matches(h, host) for h in hosts)):
            return True
    return False


def ingress_addresses(ingress: dict) -> List[str]:
    """The addresses its controller published in `status.loadBalancer.ingress` (ip, else hostname)."""
    hosts = [e.get("ip") or e.get("hostname") for e in items(ingress, "status", "loadBalancer", "ingress")]
    return [h for h in hosts if isinstance(h, str) and h]


def ingress_class_warning(ingress: dict, classes: Optional[Iterable[dict]]) -> Optional[str]:
    """Why no controller may serve the ingress; None when fine or unknown (classes not readable)."""
    if classes is None:
        return None
    classes = list(classes)
    wanted = field(ingress, "spec", "ingressClassName")
    if wanted:
        if wanted not in {name(c) for c in classes}:
            return f"ingress {name(ingress)}: IngressClass {wanted} not found: no controller may serve it"
        return None
    if field(ingress, "metadata", "annotations", _CLASS_ANNOTATION):
        return None  # legacy annotation: served by controllers that still watch it
    if not any(field(c, "metadata", "annotations", _DEFAULT_CLASS_ANNOTATION) == "true" for c in classes):
        return (f"ingress {name(ingress)} names no IngressClass and the cluster has no default one: "
                "no controller may serve it")
    return None


def _backends(ingress: dict):
    """(rule host or None, path, backend) for every rule path, then the default backend at '/'."""
    for rule in items(ingress, "spec", "rules"):
        host = rule.get("host") if isinstance(rule.get("host"), str) and rule.get("host") else None
        for path in items(rule, "http", "paths"):
            value = path.get("path") if isinstance(path.get("path"), str) and path.get("path") else "/"
            yield host, value, path.get("backend") or {}
    default = field(ingress, "spec", "defaultBackend")
    if isinstance(default, dict):
        yield None, "/", default


def backend_ref(backend: Any) -> Optional[BackendRef]:
    """The Service port an Ingress backend names (`service.port.number` or `.name`); None for resource backends."""
    service = backend.get("service") if isinstance(backend, dict) else None
    if not isinstance(service, dict) or not service.get("name"):
        return None
    port: Dict[str, Any] = service["port"] if isinstance(service.get("port"), dict) else {}
    return BackendRef(service["name"], port_number(port.get("number")) or port.get("name") or None)


def ingress_endpoints(ingress: dict, resolve: Resolve, classes: Optional[Iterable[dict]] = None) -> Found:
    """Every rule/path of `ingress` whose backend leads to the target (`resolve`), as URLs."""
    found = Found()
    addresses = ingress_addresses(ingress)
    matched = False
    for host, path, backend in _backends(ingress):
        ref = backend_ref(backend)
        service_port = resolve(ref) if ref else None
        if ref is None or service_port is None:
            continue
        matched = True
        notes = []
        if host and host.startswith("*."):
            notes.append(f"wildcard host: use any single name under {host[2:]}")
        if set(path) & _PATTERN_CHARS:
            notes.append(f"path {path} is a pattern: substitute a real path")
        for target_host in [host] if host else addresses:
            https = tls_covers(ingress, host)
            found.endpoints.append(Endpoint(
                method="Ingress", scheme="https" if https else "http", host=target_host, port=443 if https else 80,
                service=ref.service, service_port=port_number(service_port.get("port")),
                ingress=name(ingress), path=path, warnings=list(notes),
                target_port=service_port.get("targetPort", service_port.get("port")), namespace=namespace(ingress),
                address=addresses[0] if host and addresses else None))
    if matched:
        class_warning = ingress_class_warning(ingress, classes)
        if not addresses:
            found.warn(f"ingress {name(ingress)} has no address yet: its controller has not admitted it"
                       " (or publishes no status)")
        if class_warning:
            found.warn(class_warning)
        dead = None
        if class_warning:
            dead = "its IngressClass is missing"
        elif not addresses:
            dead = "no address yet"
        for endpoint in found.endpoints:
            endpoint.dead = dead
    return found
