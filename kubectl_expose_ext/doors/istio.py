"""The Istio door: a VirtualService bound to Gateways (`networking.istio.io` v1, v1beta1, v1alpha3), reached through
the gateway pods' Service.

The rules, from Istio's API reference (istio.io/latest/docs/reference/config/networking/gateway/ and
.../virtual-service/; the types in istio.io/api networking/v1: gateway.proto, virtual_service.proto) and its gateway
Helm chart (manifests/charts/gateway: the Service is labelled and selects `app` and `istio`, type LoadBalancer):

- `spec.gateways` names Gateways as `name` (the VirtualService's namespace) or `namespace/name`; `mesh` (the default
  when the list is empty) is the sidecars inside the mesh: no way in from outside.
- A Gateway's `spec.selector` picks the gateway pods; their Service is the one (across the cluster, labelled `istio`
  as the chart and istioctl's profiles label it: one LIST) whose selector agrees with the Gateway's on every label both
  name and shares one of them. `servers[].port.number` is that Service's port (Istio maps it to the target port): the
  URL's port is its load balancer's (or external IP's, or nodePort: doors/base.controller_entries).
- A server's `hosts` are `namespace/dnsName` (`./` the Gateway's namespace, `*/` or no prefix: any): the
  VirtualService's `hosts` are intersected with those its namespace may use (`*.example.com` matches one or more
  labels; `*` anything). The URL host is the more specific of the two.
- The server's protocol and `tls.mode` choose the routes and the scheme: HTTP, HTTP2, GRPC: `http` routes, http
  (`tls.httpsRedirect`: http redirects to https); HTTPS with SIMPLE, MUTUAL or ISTIO_MUTUAL: `http` routes, https;
  HTTPS or TLS with PASSTHROUGH or AUTO_PASSTHROUGH: `tls` routes (matched by `sniHosts`), tls; TLS terminated:
  `tcp` routes, tls; TCP: `tcp` routes, tcp. A match's `gateways` and `port` narrow it.
- `http[].match[].uri` `prefix`/`exact` is the path (`regex`: a pattern, said); a route's `destination.host` is a
  Service as `name`, `name.namespace` or `name.namespace.svc.cluster.local` (else a ServiceEntry: not followed),
  `destination.port.number` its port (unset: the Service's only port).
- `exportTo` (`.`: its own namespace) must let the Gateway's namespace see the VirtualService.
- VirtualServices and Gateways have no address in their status: the entry address is the Service's.
"""

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from ..endpoints import BackendRef, Endpoint, Found
from ..kind import CONDITIONS, MAP, META, I, S, Kind
from ..objects import field, items, name, namespace, port_number, strings
from .base import (BROKEN, OK, UNKNOWN, WARNING, Entry, Fetched, FrontDoor, Hop, Reader, Watch, backends_hop,
                   controller_entries, evidence_command, service_port, tag)

if TYPE_CHECKING:
    from ..endpoints import Resolve
    from ..snapshot import Snapshot

ROLE = "istio-route"
GROUP = "networking.istio.io"
VERSIONS = ("v1", "v1beta1", "v1alpha3")
DESTINATION = [{"destination": {"host": S, "subset": S, "port": {"number": I}}, "weight": I}]
VIRTUAL_SERVICE = Kind(
    "VirtualService", "virtualservices", "virtualservice", GROUP, VERSIONS, role=ROLE, optional=True,
    schema={"metadata": META,
            "spec": {"hosts": [S], "gateways": [S], "exportTo": [S],
                     "http": [{"name": S, "match": [{"uri": {"exact": S, "prefix": S, "regex": S}, "port": I,
                                                      "gateways": [S]}],
                               "route": DESTINATION}],
                     "tls": [{"match": [{"sniHosts": [S], "port": I, "gateways": [S]}], "route": DESTINATION}],
                     "tcp": [{"match": [{"port": I, "gateways": [S]}], "route": DESTINATION}]},
            "status": {"conditions": CONDITIONS}})
GATEWAY = Kind(
    "Gateway", "gateways.networking.istio.io", "gateway", GROUP, VERSIONS, optional=True,
    schema={"metadata": META,
            "spec": {"selector": MAP,
                     "servers": [{"name": S, "hosts": [S], "port": {"number": I, "protocol": S, "name": S},
                                  "tls": {"mode": S, "httpsRedirect": "boolean", "credentialName": S}}]}})
SERVICE = Kind("Service", "services", "svc", role="service")
LABEL = "istio"  # the gateway chart's (and istioctl's profiles') label on the gateway Service: `istio=ingressgateway`
GATEWAYS_KEY, SERVICES_KEY = GATEWAY.resource, "istio/services"
HTTP_PROTOCOLS = ("HTTP", "HTTP2", "GRPC", "GRPC-WEB")
TERMINATED = ("SIMPLE", "MUTUAL", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL")
CLUSTER_SUFFIX = ".svc.cluster.local"


class IstioDoor(FrontDoor):
    name = "istio"
    role = ROLE
    method = "VirtualService"
    kinds = (VIRTUAL_SERVICE, GATEWAY)
    cluster_wide = (GATEWAY,)
    title = "Istio VirtualService"
    source = ("https://istio.io/latest/docs/reference/config/networking/virtual-service/, "
              "https://istio.io/latest/docs/reference/config/networking/gateway/")
    rules = ("`hosts` intersected with the bound Gateways' server `hosts` (`ns/` prefixes), `http[].match[].uri`; "
             "scheme by server protocol and `tls.mode` (SIMPLE/MUTUAL: https, PASSTHROUGH: tls); port and address of "
             "the gateway pods' Service; `mesh` is in-mesh only")

    def fetch(self, reader: Reader, namespace: Optional[str], chosen: Dict[str, Optional[str]]) -> Fetched:
        services = reader.list(VIRTUAL_SERVICE, namespace, keep=tag(VIRTUAL_SERVICE), leaves_out=self.unread(
            VIRTUAL_SERVICE), **chosen) or []
        return {"extra": {VIRTUAL_SERVICE.resource: services, **self.around(reader, services)}}

    def fetch_target(self, reader: Reader, kind: Kind, obj: dict, namespace: str) -> Fetched:
        tag(kind)(obj)
        return {"extra": {kind.resource: [obj], **self.around(reader, [obj])}}

    def around(self, reader: Reader, services: List[dict]) -> Dict[str, List[dict]]:
        """The Gateways and the gateway Services, where a VirtualService binds a Gateway (one LIST of each)."""
        if not any(bound_gateways(v) for v in services):
            return {}
        gateways = reader.list(GATEWAY, keep=tag(GATEWAY), leaves_out="VirtualServices' Gateways are not read: "
                               "their URLs are not shown") or []
        found = reader.list(SERVICE, label_selector=LABEL, leaves_out="the Istio gateways' Services are not read: "
                            "their addresses are unknown") or [] if gateways else []
        return {GATEWAYS_KEY: gateways, SERVICES_KEY: found}

    def watched(self, served: Dict[str, str]) -> List[Watch]:
        found = super().watched(served)
        return found + [Watch(SERVICE, True)] if found else found

    def kind_of(self, obj: dict) -> str:
        return "VirtualService"

    def listed(self, obj: dict) -> bool:
        return bool(bound_gateways(obj))

    def endpoints(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> Found:
        return virtual_service_endpoints(obj, resolve, snapshot.extra.get(GATEWAYS_KEY, []),
                                         snapshot.extra.get(SERVICES_KEY, []))

    def hops(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> List[Hop]:
        ns, ref = namespace(obj), VIRTUAL_SERVICE.ref(name(obj))
        gateways = {(namespace(g), name(g)): g for g in snapshot.extra.get(GATEWAYS_KEY, [])}
        hops = []
        bound = bound_gateways(obj)
        if not bound:
            hops.append(Hop("gateways", BROKEN, "bound to the mesh only (spec.gateways: mesh, or none): no way in from "
                            "outside", f"{ref} spec.gateways", evidence_command(VIRTUAL_SERVICE, ns, name(obj),
                                                                                ".spec.gateways")))
        for key in bound:
            gateway = gateways.get(key)
            hops.append(Hop(f"gateway {key[0]}/{key[1]}", OK if gateway else UNKNOWN if not gateways else BROKEN,
                            "found" if gateway else "not found (or not readable)", f"{ref} spec.gateways",
                            evidence_command(GATEWAY, key[0], key[1])))
            if gateway is None:
                continue
            found = gateway_services(gateway, snapshot.extra.get(SERVICES_KEY, []))
            selector = field(gateway, "spec", "selector", default={})
            hops.append(Hop("gateway Service", OK if found else WARNING,
                            ", ".join(f"svc {namespace(s)}/{name(s)}" for s in found) or
                            f"no Service labelled {LABEL} selects the gateway pods ({selector})",
                            f"gateway/{key[1]} (namespace {key[0]}) spec.selector",
                            f"kubectl get services -A -l {LABEL} -o wide"))
        refs = [r for section in ("http", "tls", "tcp") for route in items(obj, "spec", section)
                for r, _ in destinations(route, ns)]
        hops.append(backends_hop(self, obj, refs, resolve, ".spec.http[*].route[*].destination"))
        return hops


def bound_gateways(obj: dict) -> List[Tuple[str, str]]:
    """(namespace, name) of each Gateway `spec.gateways` binds (not `mesh`)."""
    ns = namespace(obj)
    found = []
    for entry in strings(obj, "spec", "gateways"):
        if entry == "mesh":
            continue
        gateway_ns, _, gateway = entry.rpartition("/")
        found.append((gateway_ns or ns, gateway))
    return list(dict.fromkeys(found))


def service_of(host: str, ns: str) -> Optional[Tuple[str, str]]:
    """(namespace, Service) a destination host names: `web`, `web.shop`, `web.shop.svc.cluster.local`; None for
    another host (a ServiceEntry, an external name)."""
    host = host.lower().rstrip(".")
    if host.endswith(CLUSTER_SUFFIX):
        host = host[:-len(CLUSTER_SUFFIX)]
    elif host.endswith(".svc"):
        host = host[:-len(".svc")]
    parts = host.split(".")
    if len(parts) == 1:
        return ns, parts[0]
    if len(parts) == 2:
        return parts[1], parts[0]
    return None


def destinations(route: dict, ns: str) -> List[Tuple[BackendRef, dict]]:
    """The Services a route (`http`, `tls`, `tcp`) sends to, with each destination."""
    found = []
    for entry in items(route, "route"):
        host = field(entry, "destination", "host")
        target = service_of(host, ns) if isinstance(host, str) and host else None
        if target is not None:
            found.append((BackendRef(target[1], port_number(field(entry, "destination", "port", "number")),
                                     namespace=target[0]), entry))
    return found


def wildcard_match(pattern: str, host: str) -> bool:
    """Istio's host match: `*` anything, `*.example.com` one or more labels under it."""
    pattern, host = pattern.lower(), host.lower()
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return pattern == host


def intersect(route_host: str, server_host: str) -> Optional[str]:
    """The more specific of two hosts that match each other, else None."""
    if wildcard_match(server_host, route_host):
        return route_host
    if wildcard_match(route_host, server_host):
        return server_host
    return None


def server_hosts(server: dict, gateway: dict, ns: str) -> List[str]:
    """The server's hosts a VirtualService of namespace `ns` may use (`./x`: the Gateway's namespace)."""
    found = []
    for entry in strings(server, "hosts"):
        scope, _, host = entry.rpartition("/")
        scope = namespace(gateway) if scope == "." else scope
        if scope in ("", "*", ns):
            found.append(host)
    return found


def exported_to(obj: dict, gateway: dict) -> bool:
    """Whether `exportTo` lets the Gateway's namespace see the VirtualService (none: every namespace)."""
    wanted = strings(obj, "spec", "exportTo")
    return not wanted or "*" in wanted or namespace(gateway) in wanted or ("." in wanted and
                                                                          namespace(gateway) == namespace(obj))


def gateway_services(gateway: dict, services: List[dict]) -> List[dict]:
    """The gateway pods' Services: a selector agreeing with the Gateway's on every label both name, sharing one."""
    wanted = field(gateway, "spec", "selector", default={})
    if not isinstance(wanted, dict) or not wanted:
        return []
    found = []
    for service in services:
        selector = field(service, "spec", "selector", default={})
        if isinstance(selector, dict) and selector:
            shared = set(selector) & set(wanted)
            if shared and all(selector[k] == wanted[k] for k in shared):
                found.append(service)
    return found


def _section(server: dict) -> Tuple[Optional[str], Optional[str]]:
    """(the VirtualService section it routes: http, tls or tcp; the URL scheme) of a Gateway server."""
    protocol = str(field(server, "port", "protocol", default="")).upper()
    mode = str(field(server, "tls", "mode", default="SIMPLE")).upper()
    if protocol in HTTP_PROTOCOLS:
        return "http", "http"
    if protocol == "HTTPS":
        return ("http", "https") if mode in TERMINATED else ("tls", "tls")
    if protocol == "TLS":
        return ("tcp", "tls") if mode in TERMINATED else ("tls", "tls")
    if protocol in ("TCP", "MONGO"):
        return "tcp", "tcp"
    return None, None


def _matches(route: dict, section: str, gateway_key: str, number: int) -> List[Tuple[Optional[str], List[str], bool]]:
    """(path, SNI hosts, is a pattern) of each match of a route that holds on this gateway and port; none: every."""
    matches = items(route, "match")
    found: List[Tuple[Optional[str], List[str], bool]] = []
    for match in matches or [{}]:
        gateways = strings(match, "gateways")
        if gateways and gateway_key not in gateways and gateway_key.partition("/")[2] not in gateways:
            continue
        if port_number(match.get("port")) not in (None, number):
            continue
        if section != "http":
            found.append((None, strings(match, "sniHosts"), False))
            continue
        uri: dict = match["uri"] if isinstance(match.get("uri"), dict) else {}
        path = uri.get("prefix") or uri.get("exact")
        if uri.get("regex"):
            found.append((uri["regex"], [], True))
        else:
            found.append((path if isinstance(path, str) and path else "/", [], False))
    return found


def virtual_service_endpoints(obj: dict, resolve: "Resolve", gateways: List[dict], services: List[dict]) -> Found:
    """The URLs of a VirtualService for the routes whose destinations lead to the target (`resolve`)."""
    found = Found()
    ns, ref = namespace(obj), f"virtualservice/{name(obj)}"
    chosen: Dict[str, List[Tuple[dict, BackendRef, dict]]] = {}
    for section in ("http", "tls", "tcp"):
        for route in items(obj, "spec", section):
            for backend, _ in destinations(route, ns):
                port = resolve(backend)
                if port is not None:
                    chosen.setdefault(section, []).append((route, backend, port))
    if not chosen:
        return found
    bound = bound_gateways(obj)
    if not bound:
        return found.warn(f"{ref} is bound to the mesh only (spec.gateways): no way in from outside the mesh")
    by_key = {(namespace(g), name(g)): g for g in gateways}
    hosts = strings(obj, "spec", "hosts")
    for key in bound:
        gateway = by_key.get(key)
        shown = f"gateway {key[0]}/{key[1]}"
        if gateway is None:
            found.warn(f"{ref}: {shown} not found (or not readable)")
            continue
        if not exported_to(obj, gateway):
            found.warn(f"{ref}: exportTo {strings(obj, 'spec', 'exportTo')} hides it from {shown}'s namespace")
            continue
        owners = gateway_services(gateway, services)
        if not owners:
            found.warn(f"{ref}: no Service labelled {LABEL} selects {shown}'s pods "
                       f"({field(gateway, 'spec', 'selector')}): its address is unknown")
        for server in items(gateway, "spec", "servers"):
            routed, scheme = _section(server)
            if routed is None or scheme is None:
                continue
            number = port_number(field(server, "port", "number")) or 0
            if routed not in chosen:
                continue
            names = [h for h in (intersect(r, s) for r in hosts for s in server_hosts(server, gateway, ns)) if h]
            if not names:
                continue
            redirect = field(server, "tls", "httpsRedirect") is True and scheme == "http"
            reached: List[Tuple[Optional[dict], Entry]] = []
            for owner in owners:
                port = service_port(owner, str(number))
                if port is None:
                    found.warn(f"{ref}: {shown} listens on {number}, which service {namespace(owner)}/"
                               f"{name(owner)} does not expose")
                    continue
                entries, why = controller_entries(owner, port)
                found.warnings.extend(f"{ref}: {w}" for w in why)
                reached += [(owner, e) for e in entries]
            if not owners:  # the URL is known, not where it is served: shown, and left out of -o url
                reached.append((None, Entry(None, number, None, None, "")))
            for holder, entry in reached:
                for route, backend, service_port_ in chosen[routed]:
                    for path, sni, pattern in _matches(route, routed, f"{key[0]}/{key[1]}", number):
                        for host in dict.fromkeys(names):
                            if sni and not any(wildcard_match(s, host) or wildcard_match(host, s) for s in sni):
                                continue
                            notes = ([entry.note] if entry.note else []) + \
                                (["http:// redirects to https:// (httpsRedirect)"] if redirect else []) + \
                                ([f"path {path} is a pattern: substitute a real path"] if pattern else []) + \
                                ([f"wildcard host: use any name under {host[2:]}"] if host.startswith("*.") else [])
                            final = "https" if entry.tls and scheme == "http" else scheme
                            found.endpoints.append(Endpoint(
                                method="VirtualService", scheme=final, host=host, port=entry.port,
                                service=backend.service, service_port=port_number(service_port_.get("port")),
                                path=None if pattern or routed != "http" else path,
                                via=f"{ref} on {shown}" + (f" (svc {namespace(holder)}/{name(holder)})"
                                                           if holder is not None else ""),
                                warnings=notes, namespace=ns, address=entry.address,
                                dead=None if holder is not None else "the gateway pods' Service is not known",
                                target_port=service_port_.get("targetPort", service_port_.get("port"))
                            ).note_internal(entry.internal))
    return found


DOOR = IstioDoor()
