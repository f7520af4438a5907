"""The NGINX Ingress Controller door (NGINX Inc.'s, not ingress-nginx): VirtualServer and VirtualServerRoute
(`k8s.nginx.org/v1`).

The rules, from the project's reference (docs.nginx.com/nginx-ingress-controller/configuration/virtualserver-and-
virtualserverroute-resources/; the types in github.com/nginx/kubernetes-ingress pkg/apis/configuration/v1/types.go):

- `spec.host` is the URL host. `spec.routes[].path` is a prefix (`/api`, `^~/api`), an exact path (`=/api`) or a
  regular expression (`~`, `~*`: a pattern, said). A route's `action.pass` or `action.proxy.upstream`, each `splits[].action`
  and each `matches[].action` (and the route's own action, the default of its matches) name an upstream:
  `spec.upstreams[]` `name` -> `service` (`namespace/name` for another namespace) and `port` (the Service port).
- `route: NAMESPACE/NAME` delegates the path to a VirtualServerRoute, whose `spec.host` must equal the
  VirtualServer's and whose `subroutes[].path` start with that path: the VirtualServerRoute's URLs are the
  VirtualServer's host, TLS and addresses.
- TLS: `spec.tls.secret` serves https on 443 and http on 80 too, unless `tls.redirect.enable` (then http redirects).
  `spec.listener` names custom listeners of the GlobalConfiguration (not read): the ports are then unknown, said.
- Status: `state` is `Valid`, `Warning` or `Invalid` (with `reason` and `message`): an Invalid resource is not
  served; `externalEndpoints[]` (`ip` or `hostname`, `ports`) is the controller's published address.
"""

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from ..endpoints import BackendRef, Endpoint, Found
from ..kind import B, CONDITIONS, I, META, S, Kind
from ..objects import field, items, name, namespace, port_number
from .base import BROKEN, OK, WARNING, Fetched, FrontDoor, Hop, Reader, backends_hop, evidence_command, tag

if TYPE_CHECKING:
    from ..endpoints import Resolve
    from ..snapshot import Snapshot

ROLE = "nginx-virtualserver"
GROUP = "k8s.nginx.org"
ACTION = {"pass": S, "proxy": {"upstream": S}, "redirect": {"url": S}, "return": {"body": S}}
ROUTE = {"path": S, "route": S, "action": ACTION, "splits": [{"weight": I, "action": ACTION}],
         "matches": [{"action": ACTION, "splits": [{"weight": I, "action": ACTION}]}]}
UPSTREAMS = [{"name": S, "service": S, "port": I}]
STATUS = {"state": S, "reason": S, "message": S, "conditions": CONDITIONS,
          "externalEndpoints": [{"ip": S, "hostname": S, "ports": S}]}
VIRTUAL_SERVER = Kind(
    "VirtualServer", "virtualservers", "virtualserver", GROUP, ("v1",), role=ROLE, optional=True,
    schema={"metadata": META, "status": STATUS,
            "spec": {"host": S, "ingressClassName": S, "upstreams": UPSTREAMS, "routes": [ROUTE],
                     "tls": {"secret": S, "redirect": {"enable": B, "code": I, "basedOn": S}},
                     "listener": {"http": S, "https": S}}})
VIRTUAL_SERVER_ROUTE = Kind(
    "VirtualServerRoute", "virtualserverroutes", "virtualserverroute", GROUP, ("v1",), role=ROLE, optional=True,
    aliases=("vsr",),
    schema={"metadata": META, "status": STATUS,
            "spec": {"host": S, "ingressClassName": S, "upstreams": UPSTREAMS, "subroutes": [ROUTE]}})
OTHERS = "nginx/virtualservers-elsewhere"


class NginxDoor(FrontDoor):
    name = "nginx"
    role = ROLE
    method = "VirtualServer"
    kinds = (VIRTUAL_SERVER, VIRTUAL_SERVER_ROUTE)
    cluster_wide = (VIRTUAL_SERVER,)  # the VirtualServers that delegate to a namespace's routes may be anywhere
    title = "NGINX VirtualServer"
    source = "https://docs.nginx.com/nginx-ingress-controller/configuration/virtualserver-and-virtualserverroute-resources/"
    rules = ("`host` + `routes[].path` (VirtualServerRoute `subroutes` through `route`), upstreams to Services; https "
             "with `tls.secret` (http too unless `tls.redirect`); `status.externalEndpoints`; no URL when `state` is "
             "Invalid")

    def fetch(self, reader: Reader, ns: Optional[str], chosen: Dict[str, Optional[str]]) -> Fetched:
        """The namespace's VirtualServers and VirtualServerRoutes; where there are routes, the VirtualServers of the
        cluster that may delegate to them (one more LIST)."""
        servers = reader.list(VIRTUAL_SERVER, ns, keep=tag(VIRTUAL_SERVER),
                              leaves_out=self.unread(VIRTUAL_SERVER), **chosen) or []
        routes = reader.list(VIRTUAL_SERVER_ROUTE, ns, keep=tag(VIRTUAL_SERVER_ROUTE),
                             leaves_out=self.unread(VIRTUAL_SERVER_ROUTE), **chosen) or []
        others = [v for v in reader.list(VIRTUAL_SERVER, keep=tag(VIRTUAL_SERVER)) or []
                  if namespace(v) != ns] if routes and ns is not None else []
        return {"extra": {VIRTUAL_SERVER.resource: servers, VIRTUAL_SERVER_ROUTE.resource: routes, OTHERS: others}}

    def fetch_target(self, reader: Reader, kind: Kind, obj: dict, ns: str) -> Fetched:
        tag(kind)(obj)
        others = reader.list(VIRTUAL_SERVER, keep=tag(VIRTUAL_SERVER)) or [] if kind is VIRTUAL_SERVER_ROUTE else []
        return {"extra": {kind.resource: [obj], OTHERS: others}}

    def kind_of(self, obj: dict) -> str:
        return "VirtualServerRoute" if obj.get("kind") == "VirtualServerRoute" else "VirtualServer"

    def endpoints(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> Found:
        if self.kind_of(obj) == "VirtualServer":
            return server_endpoints(obj, obj, resolve, items(obj, "spec", "routes"))
        servers = snapshot.extra.get(VIRTUAL_SERVER.resource, []) + snapshot.extra.get(OTHERS, [])
        found = Found()
        parents = delegating(obj, servers)
        if not parents and any(resolve(r) is not None for route in items(obj, "spec", "subroutes")
                               for r in route_refs(obj, route)):
            found.warn(f"virtualserverroute/{name(obj)}: no VirtualServer that was read delegates to it (route: "
                       f"{namespace(obj)}/{name(obj)})")
        for parent in parents:
            found.add(server_endpoints(obj, parent, resolve, items(obj, "spec", "subroutes")))
        return found

    def refusals(self, obj: dict, snapshot: "Snapshot") -> List[str]:
        why = state_problem(obj)
        return [why] if why else []

    def plain_http(self, obj: dict) -> str:
        return "no spec.tls" if not field(obj, "spec", "tls", "secret") else "TLS without tls.redirect"

    def hops(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> List[Hop]:
        kind = self.kind_for(obj)
        ns, ref = namespace(obj), kind.ref(name(obj))
        why = state_problem(obj)
        addresses = external_addresses(obj)
        section = "subroutes" if kind is VIRTUAL_SERVER_ROUTE else "routes"
        refs = [r for route in items(obj, "spec", section) for r in route_refs(obj, route)]
        return [Hop("state", BROKEN if why else OK, why or str(field(obj, "status", "state") or "no status yet"),
                    f"{ref} status.state", evidence_command(kind, ns, name(obj), ".status")),
                Hop("entry address", OK if addresses else WARNING, ", ".join(addresses) or
                    "no address in status.externalEndpoints yet", f"{ref} status.externalEndpoints",
                    evidence_command(kind, ns, name(obj), ".status.externalEndpoints")),
                backends_hop(self, obj, refs, resolve, f".spec.{section}[*].action")]


def state_problem(obj: dict) -> Optional[str]:
    """Why the controller does not serve it (`state: Invalid`), else None."""
    if field(obj, "status", "state") != "Invalid":
        return None
    why = ": ".join(str(x) for x in (field(obj, "status", "reason"), field(obj, "status", "message")) if x)
    return f"{'virtualserverroute' if obj.get('kind') == 'VirtualServerRoute' else 'virtualserver'}/{name(obj)} " \
           f"is Invalid" + (f" ({why})" if why else "")


def external_addresses(obj: dict) -> List[str]:
    found = [e.get("ip") or e.get("hostname") for e in items(obj, "status", "externalEndpoints")]
    return [a for a in found if isinstance(a, str) and a]


def delegating(route: dict, servers: List[dict]) -> List[dict]:
    """The VirtualServers whose routes delegate to this VirtualServerRoute (`route: ns/name`, its namespace by
    default), with the same host."""
    key = f"{namespace(route)}/{name(route)}"
    found = []
    for server in servers:
        for entry in items(server, "spec", "routes"):
            target = entry.get("route")
            if isinstance(target, str) and (target if "/" in target else f"{namespace(server)}/{target}") == key:
                found.append(server)
                break
    return found


def upstream_names(route: dict) -> List[str]:
    """Every upstream a route (or subroute) sends to: its action, its splits', its matches' (and their splits')."""
    actions = [route.get("action")] + [s.get("action") for s in items(route, "splits")]
    for match in items(route, "matches"):
        actions += [match.get("action")] + [s.get("action") for s in items(match, "splits")]
    names = [a.get("pass") or field(a, "proxy", "upstream") for a in actions if isinstance(a, dict)]
    return list(dict.fromkeys(n for n in names if isinstance(n, str) and n))


def route_refs(obj: dict, route: dict) -> List[BackendRef]:
    """The Services a route's upstreams name: `service` (`namespace/name` for another namespace) and `port`."""
    upstreams = {u.get("name"): u for u in items(obj, "spec", "upstreams")}
    found = []
    for upstream in (upstreams.get(n) for n in upstream_names(route)):
        if upstream and isinstance(upstream.get("service"), str) and upstream["service"]:
            other, _, service = upstream["service"].rpartition("/")
            found.append(BackendRef(service, port_number(upstream.get("port")), namespace=other or namespace(obj)))
    return found


def path_of(path: str) -> Tuple[Optional[str], bool]:
    """(URL path, is a pattern): `/api` a prefix, `^~/api` the longest prefix, `=/api` exact, `~` or `~*` a regular
    expression."""
    if path.startswith("^~"):
        return path[2:].strip() or "/", False
    if path.startswith("="):
        return path[1:].strip() or "/", False
    if path.startswith("~"):
        return path.lstrip("~*").strip(), True
    return path or "/", False


def server_endpoints(obj: dict, server: dict, resolve: "Resolve", routes: List[dict]) -> Found:
    """The URLs of `obj`'s routes (a VirtualServer's, or a VirtualServerRoute's subroutes on its `server`) whose
    upstreams lead to the target."""
    from ..loadbalancers import status_reason

    found = Found()
    kind = "virtualserverroute" if obj is not server else "virtualserver"
    ref = f"{kind}/{name(obj)}"
    chosen = []
    for route in routes:
        for backend in route_refs(obj, route):
            port = resolve(backend)
            if port is not None:
                chosen.append((route, backend, port))
    if not chosen:
        return found
    for subject in dict.fromkeys([id(obj), id(server)]):
        problem = state_problem(obj if subject == id(obj) else server)
        if problem:
            return found.warn(f"{problem}: the controller does not serve it")
    host = field(server, "spec", "host")
    if not isinstance(host, str) or not host:
        return found.warn(f"{ref}: no spec.host")
    if obj is not server and field(obj, "spec", "host") not in (None, host):
        return found.warn(f"{ref}: spec.host {field(obj, 'spec', 'host')} is not its VirtualServer's ({host}): "
                          "the controller rejects it")
    addresses = external_addresses(obj) or external_addresses(server)
    if not addresses:
        found.warn(f"{ref} has no address yet (status.externalEndpoints)")
    listener = field(server, "spec", "listener")
    tls = bool(field(server, "spec", "tls", "secret"))
    redirect = field(server, "spec", "tls", "redirect", "enable") is True
    schemes = [("https", 443)] + ([] if redirect else [("http", 80)]) if tls else [("http", 80)]
    notes = ["http:// redirects to https://"] if tls and redirect else []
    if isinstance(listener, dict) and listener:
        notes.append(f"custom listeners {', '.join(f'{k}: {v}' for k, v in listener.items())} "
                     "(GlobalConfiguration, not read): the ports may differ")
    via = ref + (f" on virtualserver {namespace(server)}/{name(server)}" if obj is not server else "")
    for route, backend, port in chosen:
        raw = str(route.get("path")) if isinstance(route.get("path"), str) else "/"
        path, pattern = path_of(raw)
        for scheme, number in schemes:
            found.endpoints.append(Endpoint(
                method="VirtualServer", scheme=scheme, host=host, port=number, service=backend.service,
                service_port=port_number(port.get("port")), path=None if pattern else path, via=via,
                warnings=notes + ([f"path {raw} is a pattern: substitute a real path"] if pattern else []),
                namespace=namespace(obj), address=addresses[0] if addresses else None,
                dead=None if addresses else "no address yet",
                target_port=port.get("targetPort", port.get("port"))).note_internal(
                status_reason(addresses[0]) if addresses else None))
    return found


DOOR = NginxDoor()
