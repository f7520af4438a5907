"""Gateway API endpoints (gateway.networking.k8s.io): a route's hostnames on the listeners of its Gateways.

A route counts only where its parent Gateway has Accepted it (status.parents); the URL host is the
route hostname (intersected with the listener's), else the listener's, else the Gateway's address;
the scheme follows the listener protocol. Wildcards follow the Gateway API rule: `*.example.com` is a
suffix match (`a.b.example.com` included), unlike an Ingress or a certificate.

A parentRef without a sectionName attaches to every listener that admits the route (`allowedRoutes`), and the
Gateway reports Accepted when one does: so the listeners are checked one by one (`refusal`), and a route no listener
admits is said with each listener's reason.
"""

import functools
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ..kinds import BY_RESOURCE, GATEWAY_ROUTES
from ..loadbalancers import gateway_internal, status_reason
from ..objects import (condition_true, field, format_labels, items, label_selector_string, name, namespace,
                       port_number, strings)
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


NAME_LABEL = "kubernetes.io/metadata.name"  # set on every Namespace by the API server (immutable, 1.22+)
NamespaceLabels = Optional[Mapping[str, Mapping[str, str]]]  # namespace -> its labels; None: not read


def selector_matches(selector: Any, labels: Mapping[str, str]) -> bool:
    """A metav1.LabelSelector (matchLabels, matchExpressions: In, NotIn, Exists, DoesNotExist) against labels; an
    empty selector matches everything (unlike a Service's), an unknown operator nothing."""
    selector = selector if isinstance(selector, dict) else {}
    match = selector.get("matchLabels") if isinstance(selector.get("matchLabels"), dict) else {}
    if any(labels.get(k) != v for k, v in match.items()):
        return False
    for expression in items(selector, "matchExpressions"):
        key, operator, values = str(expression.get("key")), expression.get("operator"), strings(expression, "values")
        present = key in labels
        if not ((operator == "In" and present and labels[key] in values)
                or (operator == "NotIn" and (not present or labels[key] not in values))
                or (operator == "Exists" and present) or (operator == "DoesNotExist" and not present)):
            return False
    return True


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
                      grants: Optional[List[dict]] = None, namespaces: NamespaceLabels = None) -> Found:
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
        gateway = gateways.get((gateway_ns, parent.get("name") or ""))
        if gateway is None:
            found.warn(f"{route_ref(route)}: gateway {gateway_ns}/{parent.get('name')} not found (or not readable)")
            continue
        addresses = gateway_addresses(gateway)
        if not addresses:
            found.warn(f"gateway {gateway_ns}/{name(gateway)} has no address yet: its controller has not "
                       "programmed it")
        via = f"{route_ref(route)} on gateway {gateway_ns}/{name(gateway)}"
        attached, refused, unchecked = _listeners(gateway, parent, route, namespaces)
        found.warnings.extend(unchecked)
        if refused and not attached:
            found.warnings.extend(f"{route_ref(route)} is refused by gateway {gateway_ns}/{name(gateway)} {why}"
                                  for why in refused)
        internal = gateway_internal(gateway)
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
                            internal or status_reason(addresses[0] if addresses else host)))
    return found
