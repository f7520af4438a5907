"""Ingress endpoints: rule host (or the ingress's address) + path, https where a TLS entry covers the host."""

from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..loadbalancers import ingress_internal, status_reason
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


# Controllers whose annotations change which listeners serve an Ingress, by IngressClass spec.controller (and the
# legacy `kubernetes.io/ingress.class` values that name them).
ALB, NGINX, GCE, TRAEFIK = ("ingress.k8s.aws/alb", "k8s.io/ingress-nginx", "k8s.io/ingress-gce",
                             "traefik.io/ingress-controller")
_LEGACY_CLASSES = {"alb": ALB, "nginx": NGINX, "gce": GCE, "gce-internal": GCE, "traefik": TRAEFIK}
_ALB = "alb.ingress.kubernetes.io/"
_NGINX = "nginx.ingress.kubernetes.io/"
TRAEFIK_ENTRYPOINTS = "traefik.ingress.kubernetes.io/router.entrypoints"
TRAEFIK_TLS = "traefik.ingress.kubernetes.io/router.tls"
Listener = Tuple[str, int, List[str]]  # scheme, port, notes


def controller_of(ingress: dict, classes: Optional[Iterable[dict]]) -> Optional[str]:
    """The controller that serves the ingress: its IngressClass's, the legacy annotation's, or the default class's."""
    classes = list(classes) if classes is not None else []
    by_name = {name(c): field(c, "spec", "controller") for c in classes}
    wanted = field(ingress, "spec", "ingressClassName")
    if wanted:
        return by_name.get(wanted) or _LEGACY_CLASSES.get(wanted)
    legacy = field(ingress, "metadata", "annotations", _CLASS_ANNOTATION)
    if legacy:
        return _LEGACY_CLASSES.get(str(legacy))
    return next((field(c, "spec", "controller") for c in classes
                 if field(c, "metadata", "annotations", _DEFAULT_CLASS_ANNOTATION) == "true"), None)


def class_of(ingress: dict, classes: Optional[Iterable[dict]]) -> Tuple[str, Optional[dict]]:
    """The class name the ingress asks for (`spec.ingressClassName`, else the legacy annotation) and its IngressClass
    object when the cluster has it."""
    wanted = field(ingress, "spec", "ingressClassName") or field(ingress, "metadata", "annotations", _CLASS_ANNOTATION)
    wanted = wanted if isinstance(wanted, str) else ""
    return wanted, next((c for c in classes or [] if wanted and name(c) == wanted), None)


def internal_by_controller(ingress: dict, classes: Optional[Iterable[dict]], controller: Optional[str]
                           ) -> Optional[str]:
    """Why every URL of this ingress works only from a private network by its controller's rule (an ALB without an
    internet-facing scheme, GKE's `gce-internal` class: loadbalancers.py); else each URL's address decides."""
    class_name, ingress_class = class_of(ingress, classes)
    return ingress_internal(ingress, controller, ingress_class, class_name)


def _annotation(ingress: dict, key: str) -> str:
    value = field(ingress, "metadata", "annotations", key)
    return value.strip() if isinstance(value, str) else ""


def alb_listeners(ingress: dict) -> Tuple[List[Tuple[str, int]], List[str]]:
    """The AWS Load Balancer Controller's listeners: `listen-ports` (JSON, `[{"HTTP": 80}, {"HTTPS": 443}]`), by
    default HTTPS:443 with a `certificate-arn`, else HTTP:80; a malformed annotation is said and the default used."""
    import json

    default = [("https", 443)] if _annotation(ingress, _ALB + "certificate-arn") else [("http", 80)]
    text = _annotation(ingress, _ALB + "listen-ports")
    if not text:
        return default, []
    try:
        entries = json.loads(text)
        found = [(str(proto).lower(), port_number(port)) for entry in entries for proto, port in entry.items()]
    except (ValueError, AttributeError, TypeError):
        found = []
    listeners = [(scheme, port) for scheme, port in found if scheme in ("http", "https") and port]
    if not listeners:
        return default, [f"ingress {name(ingress)}: {_ALB}listen-ports is not a list of {{\"HTTP\": port}} entries: "
                         "ignored"]
    return list(dict.fromkeys(listeners)), []


def listeners(ingress: dict, host: Optional[str], controller: Optional[str],
              traefik_services: Optional[List[dict]] = None) -> Tuple[List[Listener], List[str]]:
    """The (scheme, port, notes) a client reaches `host` of this ingress on, as its controller serves it, and
    warnings about the annotations read.

    - Generally (and for unknown controllers): https on 443 where a `spec.tls` entry covers the host, else http on 80.
    - ingress-nginx: the same (http redirects to https on a TLS host), plus http where `ssl-redirect: "false"`;
      `force-ssl-redirect` redirects a host without TLS too; `backend-protocol` is noted.
    - AWS ALB: the listeners of `listen-ports`, whatever `spec.tls` says (TLS is `certificate-arn` or certificate
      discovery); with `ssl-redirect`, the HTTP listeners only redirect.
    - GKE (ingress-gce): https on 443 with TLS *and* http on 80, unless `kubernetes.io/ingress.allow-http: "false"`.
    - Traefik: with `traefik.ingress.kubernetes.io/router.entrypoints`, the port of each entry point named (the
      Traefik Service's, else the chart's: doors/traefik.py), https where `router.tls: "true"`, a `spec.tls` entry
      covers the host or the entry point has TLS (the chart's `websecure`); without it, as generally.
    """
    covered = tls_covers(ingress, host)
    if controller == TRAEFIK and _annotation(ingress, TRAEFIK_ENTRYPOINTS):
        from ..doors.traefik import ingress_listeners
        from ..loadbalancers import go_bool

        tls = covered or bool(go_bool(_annotation(ingress, TRAEFIK_TLS)))
        return ingress_listeners(_annotation(ingress, TRAEFIK_ENTRYPOINTS), tls, traefik_services or [],
                                 namespace(ingress), name(ingress))
    if controller == ALB:
        ports, warnings = alb_listeners(ingress)
        redirect = port_number(_annotation(ingress, _ALB + "ssl-redirect"))
        if redirect and any(scheme == "https" for scheme, _ in ports):
            return [(s, p, [f"http:// redirects to https:// (port {redirect})"]) for s, p in ports if s == "https"], \
                warnings
        return [(s, p, []) for s, p in ports], warnings
    if controller == GCE:
        plain: List[Listener] = [] if _annotation(ingress, "kubernetes.io/ingress.allow-http").lower() == "false" \
            else [("http", 80, [])]
        served: List[Listener] = ([("https", 443, [])] if covered else []) + plain
        why = [] if served else [f"ingress {name(ingress)}: kubernetes.io/ingress.allow-http is \"false\" and no "
                                 f"spec.tls entry covers {host or 'its address'}: it serves nothing there"]
        return served, why
    if controller == NGINX:
        protocol = _annotation(ingress, _NGINX + "backend-protocol").upper()
        notes = [f"backend protocol {protocol}"] if protocol and protocol != "HTTP" else []
        if covered:
            also_http = _annotation(ingress, _NGINX + "ssl-redirect").lower() == "false"
            return [("https", 443, notes)] + ([("http", 80, list(notes))] if also_http else []), []
        forced = _annotation(ingress, _NGINX + "force-ssl-redirect").lower() == "true"
        return [("http", 80, notes + (["http:// redirects to https:// (force-ssl-redirect)"] if forced else []))], []
    return [("https", 443, []) if covered else ("http", 80, [])], []


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


def ingress_endpoints(ingress: dict, resolve: Resolve, classes: Optional[Iterable[dict]] = None,
                      traefik_services: Optional[List[dict]] = None) -> Found:
    """Every rule/path of `ingress` whose backend leads to the target (`resolve`), as URLs (`traefik_services`: the
    Traefik Services, whose ports a Traefik Ingress's entry points are)."""
    found = Found()
    addresses = ingress_addresses(ingress)
    controller = controller_of(ingress, classes)
    internal = internal_by_controller(ingress, classes, controller)
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
        served, why = listeners(ingress, host, controller, traefik_services)
        found.warnings.extend(w for w in why if w not in found.warnings)
        for target_host in [host] if host else addresses:
            for scheme, port, listener_notes in served:
                found.endpoints.append(Endpoint(
                    method="Ingress", scheme=scheme, host=target_host, port=port,
                    service=ref.service, service_port=port_number(service_port.get("port")),
                    ingress=name(ingress), path=path, warnings=notes + listener_notes,
                    target_port=service_port.get("targetPort", service_port.get("port")), namespace=namespace(ingress),
                    address=addresses[0] if host and addresses else None).note_internal(
                    internal or status_reason(addresses[0] if host and addresses else target_host)))
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
