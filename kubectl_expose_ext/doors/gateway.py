"""The Gateway API door (gateway.networking.k8s.io): HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute on the
listeners of their Gateways and ListenerSets; the kinds, the URL rules and the fetching in one module.

A route counts only where its parent Gateway has Accepted it (status.parents); the URL host is the
route hostname (intersected with the listener's), else the listener's, else the Gateway's address;
the scheme follows the listener protocol. Wildcards follow the Gateway API rule: `*.example.com` is a
suffix match (`a.b.example.com` included), unlike an Ingress or a certificate.

A parentRef without a sectionName attaches to every listener that admits the route (`allowedRoutes`), and the
Gateway reports Accepted when one does: so the listeners are checked one by one (`refusal`), and a route no listener
admits is said with each listener's reason.

A ListenerSet (gateway-api v1.5, GA: `gateway.networking.k8s.io/v1`) adds listeners to the Gateway its
`spec.parentRef` names, where that Gateway allows it (`spec.allowedListeners.namespaces.from`: None by default, Same,
All or Selector) and the ListenerSet is Accepted; a route attaches to it as to a Gateway (a parentRef of kind
ListenerSet), and its URLs are at the parent Gateway's addresses.

Fetching: Gateways are listed first, across the cluster (routes attach to Gateways in other namespaces); with none, no
route can be accepted and the routes are not read. Each route kind is one LIST in the namespace. ListenerSets are one
LIST across the cluster, only where a route names one. ReferenceGrants cost requests only where they matter: those
of the namespace (which other namespaces' routes may lead here; then one LIST of those routes), and those of the
namespaces the routes' backendRefs name. The routes' Namespaces are read only where a listener admits routes by a
selector on more than the name label.
"""

import functools
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple

from ..endpoints import BackendRef, Endpoint, Found, Resolve
from ..kind import GATEWAY_ROUTE, Kind
from ..objects import (condition_true, field, format_labels, items, label_selector_matches, label_selector_string, name,
                       namespace, port_number, strings)
from .base import BROKEN, OK, UNKNOWN, WARNING, Fetched, FrontDoor, Hop, Reader, backends_hop, evidence_command

if TYPE_CHECKING:
    from ..snapshot import Snapshot

GROUP = "gateway.networking.k8s.io"
_HTTP = {"HTTP": "http", "HTTPS": "https"}
ROUTES = (
    Kind("HTTPRoute", "httproutes", "httproute", GROUP, ("v1", "v1beta1"), role=GATEWAY_ROUTE, optional=True,
         protocols=_HTTP),
    Kind("GRPCRoute", "grpcroutes", "grpcroute", GROUP, ("v1", "v1alpha2"), role=GATEWAY_ROUTE, optional=True,
         protocols=_HTTP),
    Kind("TLSRoute", "tlsroutes", "tlsroute", GROUP, ("v1", "v1alpha3", "v1alpha2"), role=GATEWAY_ROUTE,
         optional=True, protocols={"TLS": "tls"}),
    Kind("TCPRoute", "tcproutes", "tcproute", GROUP, ("v1alpha2",), role=GATEWAY_ROUTE, optional=True,
         protocols={"TCP": "tcp"}),
    Kind("UDPRoute", "udproutes", "udproute", GROUP, ("v1alpha2",), role=GATEWAY_ROUTE, optional=True,
         protocols={"UDP": "udp"}),
)
GATEWAY = Kind("Gateway", "gateways", "gateway", GROUP, ("v1", "v1beta1"), optional=True, aliases=("gtw",))
LISTENER_SET = Kind("ListenerSet", "listenersets", "listenerset", GROUP, ("v1",), optional=True, aliases=("lset",))
REFERENCE_GRANT = Kind("ReferenceGrant", "referencegrants", "referencegrant", GROUP, ("v1", "v1beta1"), optional=True,
                       aliases=("refgrant",))



# --- the URL rules (pure) ---------------------------------------------------------------------------------------

GATEWAY_GROUP = GROUP
# Listener protocols each kind of route attaches to, and the URL scheme a client uses through them (ROUTES).
SCHEMES = {kind.name: kind.protocols for kind in ROUTES}
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
        item["kind"] = next(k.name for k in ROUTES if k.resource == resource)
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


NAME_LABEL = "kubernetes.io/metadata.name"  # set on every Namespace by the API server (immutable, 1.22+)
NamespaceLabels = Optional[Mapping[str, Mapping[str, str]]]  # namespace -> its labels; None: not read


def selector_matches(selector: Any, labels: Mapping[str, str]) -> bool:
    """A Gateway's namespace selector (objects.label_selector_matches; a missing one is the empty selector, which the
    CRD defaults it to: everything)."""
    return label_selector_matches(selector if isinstance(selector, dict) else {}, labels)


def selector_keys(listener: dict) -> set:
    """The label keys a listener's namespace selector reads; empty when it admits no namespaces by selector."""
    if field(listener, "allowedRoutes", "namespaces", "from") != "Selector":
        return set()
    selector = field(listener, "allowedRoutes", "namespaces", "selector", default={})
    return {*field(selector, "matchLabels", default={}), *(e.get("key") for e in items(selector, "matchExpressions"))}


def reads_namespace_labels(gateways: List[dict]) -> bool:
    """Whether a listener admits routes by a namespace selector on more than the name label (which the API server
    sets to the name): then the routes' Namespaces must be read."""
    return any(selector_keys(listener) - {NAME_LABEL} for g in gateways for listener in items(g, "spec", "listeners"))


def refusal(listener: dict, route: dict, gateway: dict, namespaces: NamespaceLabels
            ) -> Tuple[Optional[str], Optional[str]]:
    """Why the listener's `allowedRoutes` refuse the route, as the Gateway API spec defines them: `kinds` (group and
    kind; unset: the kinds of its protocol), `namespaces.from` Same (the default), All, or Selector, matched against
    the labels of the route's Namespace (read for it: targets.py). (None, None) when it admits the route; (None, a
    warning) when the labels could not be read: the route's status is then trusted."""
    kinds = items(listener, "allowedRoutes", "kinds")
    if kinds and not any((k.get("group") or GATEWAY_GROUP) == GATEWAY_GROUP and k.get("kind") == route_kind(route)
                         for k in kinds):
        return f"it admits only {', '.join(str(k.get('kind')) for k in kinds)}", None
    origin = field(listener, "allowedRoutes", "namespaces", "from", default="Same")
    ns = namespace(route)
    if origin == "All":
        return None, None
    if origin == "Same":
        return (None if ns == namespace(gateway) else f"it admits routes from namespace {namespace(gateway)} only"), None
    if origin != "Selector":
        return f"allowedRoutes.namespaces.from is {origin}", None
    selector = field(listener, "allowedRoutes", "namespaces", "selector", default={})
    shown = label_selector_string(selector) or "<everything>"
    labels = (namespaces or {}).get(ns)
    if labels is None:  # a selector on the name label alone needs no read: the API server sets it to the name
        if selector_keys(listener) - {NAME_LABEL}:
            return None, (f"namespace {ns}'s labels could not be read: listener {listener.get('name')} of gateway "
                          f"{namespace(gateway)}/{name(gateway)} admits namespaces by selector ({shown}), not checked")
        labels = {}
    labels = {**labels, NAME_LABEL: ns}
    if selector_matches(selector, labels):
        return None, None
    own = format_labels({k: v for k, v in labels.items() if k != NAME_LABEL})
    return f"it admits namespaces matching {shown} only, and namespace {ns} (labels {own}) does not match", None


def _listeners(gateway: dict, parent: dict, route: dict, namespaces: NamespaceLabels
               ) -> Tuple[List[Tuple[dict, str]], List[str], List[str]]:
    """The listeners a parentRef attaches to (sectionName / port narrow it) that speak the route's protocol and
    admit it; why the others of those refuse it; and what could not be checked."""
    kind = route_kind(route)
    attached: List[Tuple[dict, str]] = []
    refused: List[str] = []
    unchecked: List[str] = []
    for listener in items(gateway, "spec", "listeners"):
        if parent.get("sectionName") and listener.get("name") != parent["sectionName"]:
            continue
        if parent.get("port") and port_number(listener.get("port")) != port_number(parent["port"]):
            continue
        scheme = SCHEMES[kind].get(str(listener.get("protocol", "")).upper())
        if not scheme or not port_number(listener.get("port")):
            continue
        why, warning = refusal(listener, route, gateway, namespaces)
        unchecked += [warning] if warning else []
        if why:
            refused.append(f"listener {listener.get('name')}: {why}")
        else:
            attached.append((listener, scheme))
    return attached, refused, unchecked


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
    """parentRefs to Gateways and ListenerSets (a mesh route's parent may be a Service: not an entrance from
    outside)."""
    return [p for p in items(route, "spec", "parentRefs")
            if p.get("kind") in (None, "Gateway", LISTENER_SET.name) and p.get("group") in (None, GATEWAY_GROUP)]


def listeners_allowed(gateway: dict, listener_set: dict, namespaces: NamespaceLabels) -> Optional[str]:
    """Why the Gateway's `spec.allowedListeners` refuses the ListenerSet (None: it takes it): `namespaces.from` None
    (the default: no ListenerSet), Same, All, or Selector (the ListenerSet Namespace's labels; unread: trusted, the
    ListenerSet's Accepted condition says)."""
    origin = field(gateway, "spec", "allowedListeners", "namespaces", "from", default="None")
    ns = namespace(listener_set)
    if origin == "All" or (origin == "Same" and ns == namespace(gateway)):
        return None
    if origin == "Same":
        return f"it allows ListenerSets of namespace {namespace(gateway)} only"
    if origin == "Selector":
        labels = (namespaces or {}).get(ns)
        selector = field(gateway, "spec", "allowedListeners", "namespaces", "selector", default={})
        if labels is None or selector_matches(selector, {**labels, NAME_LABEL: ns}):
            return None
        return f"it allows ListenerSets of namespaces matching {label_selector_string(selector)} only"
    return "it allows no ListenerSet (spec.allowedListeners.namespaces.from is None, the default)"


def listener_set_view(parent: dict, ns: str, gateways: Dict[Tuple[str, str], dict],
                      listener_sets: Dict[Tuple[str, str], dict], namespaces: NamespaceLabels
                      ) -> Tuple[Optional[dict], str, str]:
    """A ListenerSet as the Gateway its route attaches to: its listeners (and their status), at its parent Gateway's
    addresses, with the parent's class (gateway-api v1.5 ListenerSet: the Gateway must allow it, and the
    ListenerSet's own Accepted condition must hold). (view, how it is named, why there is none)."""
    key = (ns, str(parent.get("name") or ""))
    shown = f"listenerset {ns}/{key[1]}"
    listener_set = listener_sets.get(key)
    if listener_set is None:
        return None, shown, f"{shown} not found (or not readable)"
    owner = field(listener_set, "spec", "parentRef", default={})
    owner_ns = owner.get("namespace") or ns
    gateway = gateways.get((owner_ns, str(owner.get("name") or "")))
    shown = f"{shown} of gateway {owner_ns}/{owner.get('name')}"
    if gateway is None:
        return None, shown, f"{shown}: the gateway is not found (or not readable)"
    refused = listeners_allowed(gateway, listener_set, namespaces)
    if refused:
        return None, shown, f"{shown}: the gateway does not take it: {refused}"
    if condition_true(listener_set, "Accepted") is False:
        condition = next(c for c in items(listener_set, "status", "conditions") if c.get("type") == "Accepted")
        return None, shown, f"{shown} is not accepted: {condition.get('message') or condition.get('reason') or ''}"
    view = {"metadata": listener_set.get("metadata"), "spec": {"gatewayClassName": field(gateway, "spec",
                                                                                         "gatewayClassName"),
                                                               "listeners": items(listener_set, "spec", "listeners")},
            "status": {"addresses": items(gateway, "status", "addresses"),
                       "listeners": items(listener_set, "status", "listeners")}}
    return view, shown, ""


def listeners_hop(route: dict, parent: dict, gateway: dict, snapshot: "Snapshot") -> Hop:
    """Which listeners of the parent Gateway the route attaches to (sectionName, port, protocol, allowedRoutes) and
    whose hostname it shares: the Gateway API's rules, whatever the route's status says (a status may be stale, or
    written by a controller that skipped a check)."""
    attached, refused, unchecked = _listeners(gateway, parent, route, snapshot.namespace_labels)
    listed = field(route, "spec", "hostnames")
    hostnames: List[str] = [h for h in listed if isinstance(h, str)] if isinstance(listed, list) else []
    sharing = [(listener, scheme) for listener, scheme in attached if not hostnames or any(
        hostname_intersection(h, listener.get("hostname")) for h in hostnames)]
    refused += [f"listener {listener.get('name')}: its hostname {listener.get('hostname')} and the route's "
                f"({', '.join(hostnames)}) do not intersect" for listener, _ in attached if (listener, _) not in sharing]
    serving = [listener for listener, _ in sharing if not listener_problem(gateway, listener)]
    gw = f"{namespace(gateway)}/{name(gateway)}"
    evidence = f"gateway/{name(gateway)} spec.listeners, status.listeners"
    command = evidence_command(GATEWAY, namespace(gateway), name(gateway), ".spec.listeners")
    if not sharing:
        return Hop("listener", BROKEN, f"no listener of gateway {gw} takes it: " + ("; ".join(refused) or
                   "none speaks its protocol"), evidence, command)
    problems = [p for listener, _ in sharing for p in [listener_problem(gateway, listener)] if p]
    names = ", ".join(str(listener.get("name")) for listener in serving)
    if not serving:
        return Hop("listener", BROKEN, "; ".join(problems), evidence, command)
    if unchecked:
        return Hop("listener", UNKNOWN, f"listeners {names}; " + "; ".join(unchecked), evidence, command)
    return Hop("listener", WARNING if problems else OK, f"listeners {names} of gateway {gw}" +
               "".join(f"; {p}" for p in problems + refused), evidence, command)


def stale_status(route: dict, status: Optional[dict]) -> Optional[str]:
    """Why a parent's Accepted condition may be out of date: its `observedGeneration` is below the route's
    `metadata.generation` (Gateway API: conditions carry the generation they were set for; a controller that has not
    processed the latest spec leaves the older one)."""
    condition = next((c for c in items(status, "conditions") if c.get("type") == "Accepted"), None)
    observed, generation = (condition or {}).get("observedGeneration"), field(route, "metadata", "generation")
    if isinstance(observed, int) and isinstance(generation, int) and observed < generation:
        return (f"stale status: observedGeneration {observed} < generation {generation} (its controller has not "
                "processed the latest change)")
    return None


def rejection(route: dict, parent: dict, status: Optional[dict]) -> str:
    gateway = f"{parent.get('namespace') or namespace(route)}/{parent.get('name')}"
    ref = f"{route_ref(route)} is not accepted by gateway {gateway}"
    condition = next((c for c in items(status, "conditions") if c.get("type") == "Accepted"), None)
    if condition is None:
        return f"{ref}: no status from its controller yet"
    why = condition.get("message") or condition.get("reason") or ""
    return f"{ref}: {why}" if why else ref


def gateway_endpoints(route: dict, gateways: Dict[Tuple[str, str], dict], resolve: Resolve,
                      grants: Optional[List[dict]] = None, namespaces: NamespaceLabels = None,
                      listener_sets: Optional[Dict[Tuple[str, str], dict]] = None) -> Found:
    """The URLs of `route` for the rules whose backends lead to the target (`resolve`); a backend in another
    namespace only where a ReferenceGrant there allows it (`grants`: those read, None when not readable); a listener
    only where its allowedRoutes admit the route (`namespaces`: the labels of the namespaces read, for selectors)."""
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
        if parent.get("kind") == LISTENER_SET.name:
            gateway, shown, why = listener_set_view(parent, gateway_ns, gateways, listener_sets or {}, namespaces)
            if gateway is None:
                found.warn(f"{route_ref(route)}: {why}")
                continue
        else:
            gateway = gateways.get((gateway_ns, parent.get("name") or ""))
            shown = f"gateway {gateway_ns}/{parent.get('name')}"
            if gateway is None:
                found.warn(f"{route_ref(route)}: {shown} not found (or not readable)")
                continue
        addresses = gateway_addresses(gateway)
        if not addresses:
            found.warn(f"{shown} has no address yet: its controller has not programmed it")
        via = f"{route_ref(route)} on {shown}"
        attached, refused, unchecked = _listeners(gateway, parent, route, namespaces)
        found.warnings.extend(unchecked)
        if refused and not attached:
            found.warnings.extend(f"{route_ref(route)} is refused by {shown} {why}" for why in refused)
        internal = _gateway_internal(gateway)
        for listener, scheme in attached:
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
                            address=addresses[0] if addresses else None).note_internal(
                            internal or _status_reason(addresses[0] if addresses else host)))
    return found

def _gateway_internal(gateway: dict) -> Optional[str]:
    from ..loadbalancers import gateway_internal

    return gateway_internal(gateway)


def _status_reason(address: str) -> Optional[str]:
    from ..loadbalancers import status_reason

    return status_reason(address)



# --- the door ---------------------------------------------------------------------------------------------------

class GatewayDoor(FrontDoor):
    name = "gateway"
    role = GATEWAY_ROUTE
    method = "Gateway"
    kinds = (*ROUTES, GATEWAY, LISTENER_SET, REFERENCE_GRANT)
    cluster_wide = (GATEWAY, LISTENER_SET)
    title = "Gateway API routes"
    source = "https://gateway-api.sigs.k8s.io/reference/spec/"
    rules = ("route `hostnames` intersected with the listener's `hostname` (a suffix wildcard), on every listener of "
             "its Gateways and ListenerSets that admits it (`allowedRoutes`; a ListenerSet only where its Gateway's "
             "`allowedListeners` does), once Accepted (`status.parents`); scheme by listener protocol; the Gateway's "
             "`status.addresses`")

    def fetch(self, reader: Reader, namespace: Optional[str], chosen: Dict[str, Optional[str]]) -> Fetched:
        from ..fetch import optional_list

        kube = reader.kube
        served = kube.discover()
        gateways = optional_list(kube, "gateways") if "gateways" in served else []
        routes: List[dict] = []
        grants: Optional[List[dict]] = None
        elsewhere: List[dict] = []
        sets: List[dict] = []
        if gateways != []:  # None: not readable cluster-wide; the routes say which namespace to read
            for kind in ROUTES:
                if kind.resource in served:  # refused by RBAC: a warning names what is left out
                    routes.extend(reader.list(kind, namespace, chosen.get("label_selector"),
                                              chosen.get("field_selector"), keep=tag_kind(kind.resource),
                                              leaves_out=self.unread(kind)) or [])
            if "referencegrants" in served:
                grants = optional_list(kube, "referencegrants", namespace=namespace)
                if namespace is not None and grants:
                    routes += routes_granted_into(kube, namespace, grants, **chosen)
            elsewhere, grants = backends_elsewhere(kube, routes, namespace, grants)
            if gateways is None:
                gateways = gateways_for(kube, routes)
            sets = listener_sets_for(reader, routes)
        return {"gateway_routes": routes, "gateways": gateways, "reference_grants": grants,
                "namespaces": route_namespaces(kube, gateways or [], routes), "backends_elsewhere": elsewhere,
                "extra": {LISTENER_SET.resource: sets}}

    def fetch_target(self, reader: Reader, kind: Kind, obj: dict, namespace: str) -> Fetched:
        obj["kind"] = kind.name
        elsewhere, grants = backends_elsewhere(reader.kube, [obj], namespace, None)
        gateways = gateways_for(reader.kube, [obj])
        return {"backends_elsewhere": elsewhere, "gateway_routes": [obj], "gateways": gateways,
                "reference_grants": grants, "namespaces": route_namespaces(reader.kube, gateways, [obj]),
                "extra": {LISTENER_SET.resource: listener_sets_for(reader, [obj])}}

    def objects(self, snapshot: "Snapshot") -> List[dict]:
        return snapshot.gateway_routes

    def reaching(self, snapshot: "Snapshot", namespace: str) -> List[dict]:
        return snapshot.gateway_routes_reaching(namespace)

    def kind_of(self, obj: dict) -> str:
        return route_kind(obj)

    def listed(self, obj: dict) -> bool:
        return bool(gateway_parents(obj))  # not mesh (GAMMA) routes

    def endpoints(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> "Found":
        return gateway_endpoints(obj, snapshot.gateways_by_key, resolve, snapshot.reference_grants,
                                 snapshot.namespace_labels, snapshot.listener_sets_by_key)

    def refusals(self, obj: dict, snapshot: "Snapshot") -> List[str]:

        return [rejection(obj, parent, parent_status(obj, parent)) for parent in gateway_parents(obj)
                if not condition_true(parent_status(obj, parent), "Accepted", ("conditions",))]

    def hops(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> List[Hop]:

        kind = self.kind_for(obj)
        ns, ref = namespace(obj), kind.ref(name(obj))
        hops = []
        parents = gateway_parents(obj)
        if not parents:
            hops.append(Hop("parent", BROKEN, "no parentRef names a Gateway or ListenerSet (a mesh route)",
                            f"{ref} spec.parentRefs", evidence_command(kind, ns, name(obj), ".spec.parentRefs")))
        for parent in parents:
            status = parent_status(obj, parent)
            accepted = condition_true(status, "Accepted", ("conditions",))
            parent_ns = parent.get("namespace") or ns
            verdict, detail = (OK, "Accepted") if accepted else (BROKEN, rejection(obj, parent, status))
            stale = stale_status(obj, status)
            if stale:  # what the controller said is about an older spec: the current one is not judged yet
                verdict, detail = (WARNING if accepted else UNKNOWN), f"{detail}; {stale}"
            hops.append(Hop(f"accepted by {parent.get('kind') or 'Gateway'} {parent_ns}/{parent.get('name')}",
                            verdict, detail, f"{ref} status.parents",
                            evidence_command(kind, ns, name(obj), ".status.parents")))
            gateway = snapshot.gateways_by_key.get((parent_ns, parent.get("name") or ""))
            if (parent.get("kind") or "Gateway") == "Gateway" and gateway is not None:
                hops.append(listeners_hop(obj, parent, gateway, snapshot))
            if (parent.get("kind") or "Gateway") == "Gateway":
                addresses = gateway_addresses(gateway) if gateway else []
                hops.append(Hop("entry address", UNKNOWN if gateway is None else OK if addresses else WARNING,
                                f"gateway {parent_ns}/{parent.get('name')} not found (or not readable)" if gateway is None
                                else f"gateway addresses {', '.join(addresses)}" if addresses else
                                "the gateway has no address yet", f"gateway/{parent.get('name')} status.addresses",
                                evidence_command(GATEWAY, parent_ns, str(parent.get("name")), ".status.addresses")))
        refs = [r for rule in items(obj, "spec", "rules") for b in items(rule, "backendRefs")
                for r in [backend_ref(b, ns)] if r is not None]
        hops.append(backends_hop(self, obj, refs, resolve, ".spec.rules[*].backendRefs"))
        return hops


# --- fetching -----------------------------------------------------------------------------------------------------

def gateways_for(kube, routes: List[dict]) -> List[dict]:
    """The Gateways routes may attach to: one LIST in the namespace they all point to, else cluster-wide."""
    from ..fetch import optional_list

    if not routes or "gateways" not in kube.discover():
        return []
    parents = {p.get("namespace") or field(r, "metadata", "namespace") for r in routes
               for p in items(r, "spec", "parentRefs")}
    return optional_list(kube, "gateways", namespace=next(iter(parents)) if len(parents) == 1 else None) or []


def listener_sets_for(reader: Reader, routes: List[dict]) -> List[dict]:
    """The ListenerSets, where a route names one as its parent (one LIST across the cluster)."""

    wanted = any(p.get("kind") == LISTENER_SET.name for r in routes for p in items(r, "spec", "parentRefs"))
    return (reader.list(LISTENER_SET, leaves_out="routes attached to ListenerSets are not shown") or []) \
        if wanted else []


def route_namespaces(kube, gateways: List[dict], routes: List[dict]) -> Optional[List[dict]]:
    """The routes' Namespaces (name and labels), where a Gateway listener admits routes by namespace selector: one
    GET for one namespace, else one LIST. None when no listener needs them, or when they cannot be read (RBAC: the
    answer then says which selector it could not check)."""
    from ..errors import Forbidden, NotFound
    from ..fetch import slim_namespace

    if not routes or not reads_namespace_labels(gateways):
        return None
    names = sorted({field(r, "metadata", "namespace") or "" for r in routes})
    try:
        if len(names) == 1:
            return [slim_namespace(kube.get("namespaces", names[0]))]
        return [n for n in kube.list("namespaces", keep=slim_namespace) if name(n) in names]
    except (Forbidden, NotFound):
        return None


def routes_granted_into(kube, namespace: str, grants: List[dict], **chosen: Optional[str]) -> List[dict]:
    """Gateway routes of other namespaces that the ReferenceGrants of `namespace` let refer to its Services
    (`chosen`: the listing's label and field selectors)."""
    from ..fetch import one_list

    sources: Dict[str, set] = {}
    for grant in grants:
        if grants_services(grant):
            for source in items(grant, "spec", "from"):
                if source.get("namespace") not in (None, namespace):
                    sources.setdefault(str(source.get("kind")), set()).add(source["namespace"])
    routes: List[dict] = []
    served = kube.discover()
    for kind in ROUTES:
        if kind.resource in served and kind.name in sources:
            routes += one_list(kube, kind.resource, sorted(sources[kind.name]), keep=tag_kind(kind.resource),
                               **chosen) or []
    return routes


def backends_elsewhere(kube, routes: List[dict], namespace: Optional[str],
                       grants: Optional[List[dict]]) -> Tuple[List[dict], Optional[List[dict]]]:
    """The Services and ReferenceGrants of the other namespaces the routes' backendRefs name (one LIST of each);
    `grants`: those read already. No ReferenceGrant API: none allows anything."""
    from ..fetch import one_list

    others = sorted({ns for route in routes for ns in cross_namespaces(route)} - {namespace})
    if not others:
        return [], grants
    if "referencegrants" not in kube.discover():
        return [], grants or []
    elsewhere = one_list(kube, "referencegrants", others)
    services = (one_list(kube, "services", others) or []) if namespace is not None else []  # -A: all read
    return services, None if elsewhere is None else (grants or []) + elsewhere


DOOR = GatewayDoor()
