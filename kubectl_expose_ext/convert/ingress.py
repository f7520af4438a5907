"""The Ingress that exposes a Service (`convert svc/x --to ingress`), and the checks before creating it (pure)."""

import re
from typing import Any, Dict, List, Optional

from ..endpoints import BackendRef
from ..endpoints.ingress import backend_ref
from ..errors import UsageError
from ..objects import field, items, name, port_number
from . import CREATED_ANNOTATION

PATH_TYPES = ("Prefix", "Exact", "ImplementationSpecific")
_HOST = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_IP = re.compile(r"^[0-9.]+$|:")
# What the API server refuses in a Prefix or Exact path (k8s.io/kubernetes pkg/apis/networking/validation,
# validateHTTPIngressPath): these sequences anywhere, these suffixes at the end.
_INVALID_SEQUENCES, _INVALID_SUFFIXES = ("//", "/./", "/../", "%2f", "%2F"), ("/..", "/.")
# RFC 3986 path characters (pchar and `/`): a Prefix or Exact path is matched against request paths, which hold
# nothing else (ingress-nginx's strict path validation refuses the rest too).
_URL_PATH = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$")


def validate_host(host: str) -> str:
    """An Ingress host as the API server validates it (ValidateIngressRule): a lowercase RFC 1123 subdomain, a
    leading `*.` allowed, not an IP address; and, beyond it, one that passes the rule for hosts in URLs (urls.py:
    labels of at most 63 characters, not ending in a number)."""
    from ..terminal import clean
    from ..urls import dns_name_problem

    shown = clean(host if len(host) <= 64 else host[:61] + "...")
    if not host:
        raise UsageError("--to ingress needs --host NAME (the DNS name clients will use)")
    if _IP.search(host):
        raise UsageError(f'invalid --host "{shown}": must be a DNS name, not an IP address or host:port')
    if len(host) > 253 or not _HOST.match(host) or dns_name_problem(host[2:] if host.startswith("*.") else host):
        raise UsageError(f'invalid --host "{shown}": must be a lowercase DNS name such as app.example.com '
                         "(a leading *. is allowed)")
    return host


def validate_path(path: str, path_type: str) -> None:
    """A path as the API server validates it (validateHTTPIngressPath): absolute; for Prefix and Exact, none of its
    invalid sequences and suffixes. Beyond it (the API server stores a Prefix path holding a newline): no control
    character or space in any path, and only URL path characters in a Prefix or Exact one (an
    ImplementationSpecific path may be a controller's regular expression)."""
    from ..terminal import clean, is_clean

    if path_type not in PATH_TYPES:
        raise UsageError(f'invalid --path-type "{clean(path_type)}": use one of {", ".join(PATH_TYPES)}')
    shown = clean(path if len(path) <= 64 else path[:61] + "...")
    if not path.startswith("/"):
        raise UsageError(f'invalid --path "{shown}": must be an absolute path such as /api')
    if not is_clean(path) or any(c.isspace() for c in path):
        raise UsageError(f'invalid --path "{shown}": a path holds no control character or space')
    if path_type == "ImplementationSpecific":
        return
    bad = next((s for s in _INVALID_SEQUENCES if s in path), None) or \
        next((s for s in _INVALID_SUFFIXES if path.endswith(s)), None)
    if bad:
        raise UsageError(f"invalid --path \"{shown}\": a {path_type} path must not contain '{bad}'")
    if not _URL_PATH.match(path):
        raise UsageError(f'invalid --path "{shown}": a {path_type} path holds URL path characters only '
                         "(letters, digits, -._~!$&'()*+,;=:@/ and %XX)")


def ingress_port(service: dict, wanted: Optional[str]) -> dict:
    """The Service port the new Ingress routes to: --port (number or name), or the only port."""
    ports = items(service, "spec", "ports")
    if wanted:
        port = BackendRef(name(service), wanted).port_in(ports)
        if port is None:
            raise UsageError(f'service {name(service)} has no port "{wanted}"')
        return port
    if len(ports) != 1:
        known = ", ".join(str(p.get("name") or p.get("port")) for p in ports) or "none"
        raise UsageError(f"service {name(service)} has {len(ports)} ports ({known}): choose one with --port")
    return ports[0]


def choose_class(wanted: Optional[str], classes: Optional[List[dict]]) -> Optional[str]:
    """--class, else the cluster's default IngressClass (left unset: the API server fills it in)."""
    if classes is None:
        return wanted
    names = [name(c) for c in classes]
    if wanted:
        if wanted not in names:
            raise UsageError(f'IngressClass "{wanted}" not found (available: {", ".join(names) or "none"})')
        return wanted
    default = [c for c in classes if field(c, "metadata", "annotations", "ingressclass.kubernetes.io/is-default-class")
               == "true"]
    if not default and classes:
        raise UsageError(f"the cluster has no default IngressClass: choose one with --class ({', '.join(names)})")
    return None


def routes_conflicting(ingresses: List[dict], host: str, path: str, service: str, port: dict) -> Optional[str]:
    """None when no Ingress routes host+path yet; else why creating another one would be wrong."""
    for ingress in ingresses:
        for rule in items(ingress, "spec", "rules"):
            if (rule.get("host") or None) != host:
                continue
            for entry in items(rule, "http", "paths"):
                if (entry.get("path") or "/") != path:
                    continue
                target = backend_ref(entry.get("backend") or {})
                if target and target.service == service and target.port_in([port]) is port:
                    return f"ingress {name(ingress)} already routes {host}{path} to service {service}: nothing to do"
                where = f"service {target.service}" if target else "another backend"
                raise UsageError(f"ingress {name(ingress)} already routes {host}{path} to {where}: "
                                 "refusing to create a second route for it")
    return None


def ingress_for(service: dict, host: str, path: str = "/", path_type: str = "Prefix", class_name: Optional[str] = None,
                tls_secret: Optional[str] = None, port: Optional[dict] = None, ingress_name: Optional[str] = None) -> dict:
    """The networking.k8s.io/v1 Ingress routing host+path to the service port."""
    port = port or ingress_port(service, None)
    backend_port = {"name": port["name"]} if port.get("name") else {"number": port_number(port.get("port"))}
    spec: Dict[str, Any] = {"rules": [{"host": host, "http": {"paths": [
        {"path": path, "pathType": path_type, "backend": {"service": {"name": name(service), "port": backend_port}}}]}}]}
    if class_name:
        spec["ingressClassName"] = class_name
    if tls_secret:
        spec["tls"] = [{"hosts": [host], "secretName": tls_secret}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": ingress_name or name(service), "namespace": field(service, "metadata", "namespace"),
                         "annotations": {CREATED_ANNOTATION: f"svc/{name(service)}"}},
            "spec": spec}
