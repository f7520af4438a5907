"""The Traefik door: IngressRoute, IngressRouteTCP and IngressRouteUDP (`traefik.io/v1alpha1`, and the same kinds in
the legacy group `traefik.containo.us/v1alpha1`, which Traefik v2 served and v3 removed), reached through the Traefik
Service's port of each entry point.

The rules, from Traefik's own reference (doc.traefik.io/traefik/reference/routing-configuration/kubernetes/crd/ and
.../routing/rules-and-priority/, Traefik v3.7) and its Helm chart (github.com/traefik/traefik-helm-chart, traefik
41.x, values.yaml and templates/service.yaml):

- `spec.routes[].match` is a rule: matchers `Host`, `PathPrefix`, `Path` (HTTP), `HostSNI` (TCP) joined by `&&`, `||`,
  `!` and parentheses. Each alternative of the rule (its `||`) is a URL: the `Host` (v2 took several: one URL each),
  the `Path`/`PathPrefix` (else `/`). `HostRegexp`, `HostSNIRegexp`, `PathRegexp` give no URL (no client can ask for
  a pattern): the warning says so; a negated matcher narrows nothing here. A rule without `Host` matches every host:
  the URL is at the Traefik Service's address. A `HostSNI(`*`)` TCP route without TLS is plain TCP.
- `spec.entryPoints` names the Traefik entry points the router listens on (none: every entry point). The chart
  exposes each entry point as a port of the Traefik Service named after it (`traefik.portname`: the entry point's
  name) whose `port` is its `exposedPort`: `web` 80 and `websecure` 443 by default. The Service is found by the
  chart's label `app.kubernetes.io/name: traefik` (k3s and RKE2 install it with the chart, in kube-system), one LIST
  across the cluster; without it (not found, or RBAC), the chart's defaults are used and said.
- TLS: `spec.tls` (even `{}`: Traefik's default certificate) makes the router TLS; so does the chart's `websecure`
  entry point (`ports.websecure.http.tls.enabled: true` by default), whatever the route says. HTTP then is https;
  TCP is tls (`spec.tls.passthrough`: the backend ends it). A load balancer that ends TLS itself (loadbalancers.py)
  makes the URL https too.
- `services[]`: `kind: Service` (the default) by `name` and `port` (number or name); a `TraefikService` (weighted,
  mirroring) is not followed (said). `namespace` may name another namespace only with the provider's
  `allowCrossNamespace` (off by default): followed, with a warning.
- IngressRoutes have no status: Traefik accepts what parses. The entry address is the Traefik Service's (its load
  balancer, external IPs or nodePort: doors/base.controller_entries).

The Traefik annotations on a plain Ingress (`traefik.ingress.kubernetes.io/router.entrypoints`, `router.tls`) are the
Ingress door's (endpoints/ingress.py), with the same entry point ports.
"""

import re
from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional, Tuple

from ..endpoints import BackendRef, Endpoint, Found
from ..kind import CONDITIONS, INT_OR_STRING, META, S, Kind
from ..objects import field, items, name, namespace, port_number, strings
from .base import (BROKEN, OK, UNKNOWN, WARNING, Entry, Fetched, FrontDoor, Hop, Reader, backends_hop,
                   controller_entries, evidence_command, service_port, tag)

if TYPE_CHECKING:
    from ..endpoints import Resolve
    from ..snapshot import Snapshot

ROLE = "traefik-route"
GROUP, LEGACY = "traefik.io", "traefik.containo.us"
SERVICES = {"name": S, "namespace": S, "kind": S, "port": INT_OR_STRING}
SCHEMA = {"metadata": META, "status": {"conditions": CONDITIONS},
          "spec": {"entryPoints": [S], "routes": [{"match": S, "kind": S, "services": [SERVICES]}],
                   "tls": {"secretName": S, "certResolver": S}}}


def _kinds(group: str) -> Tuple[Kind, ...]:
    qualified = "" if group == GROUP else f".{group}"
    return tuple(Kind(kind, f"{kind.lower()}s{qualified}", kind.lower(), group, ("v1alpha1",), role=ROLE,
                      optional=True, schema=SCHEMA) for kind in ("IngressRoute", "IngressRouteTCP", "IngressRouteUDP"))


KINDS = _kinds(GROUP) + _kinds(LEGACY)
LABEL = "app.kubernetes.io/name=traefik"  # the chart's label on its Service (traefik.labels)
SERVICE_KEY = "traefik/services"
ENTRYPOINTS, TLS_ANNOTATION = "traefik.ingress.kubernetes.io/router.entrypoints", "traefik.ingress.kubernetes.io/router.tls"
CHART_PORTS = {"web": 80, "websecure": 443}  # the chart's exposedPort defaults
TLS_ENTRYPOINTS = ("websecure",)  # the chart's ports.websecure.http.tls.enabled: true
PATTERNS = ("HostRegexp", "HostSNIRegexp", "PathRegexp", "ClientIP", "Header", "HeaderRegexp", "Query", "QueryRegexp",
            "Method")
MAX_RULE, MAX_ALTERNATIVES = 4096, 64


def fetch_services(reader: Reader) -> List[dict]:
    """The Traefik Services across the cluster (one LIST by the chart's label); RBAC: none, and said."""
    from ..kind import SERVICE

    kind = Kind("Service", "services", "svc", role=SERVICE)
    return reader.list(kind, label_selector=LABEL, leaves_out="the Traefik Service's ports and address are the "
                       "chart's defaults") or []


# --- the rule language --------------------------------------------------------------------------------------------

class Matcher(NamedTuple):
    name: str
    args: Tuple[str, ...]
    negated: bool = False


_TOKEN = r"(?a)\s*(?:(&&|\|\||!|\(|\)|,)|([A-Za-z]+)|(`[^`]*`|\"(?:[^\"\\]|\\.)*\"))"  # compiled on first use


def parse_rule(rule: str) -> Tuple[List[List[Matcher]], Optional[str]]:
    """A Traefik rule as its alternatives (each the matchers all of which must hold), or why it does not parse.
    Bounded: MAX_RULE characters, MAX_ALTERNATIVES alternatives."""
    if len(rule) > MAX_RULE:
        return [], f"longer than {MAX_RULE} characters"
    tokens: List[Tuple[str, str]] = []
    token = re.compile(_TOKEN)  # re's cache: compiled once, on the first rule
    position = 0
    while position < len(rule):
        if rule[position:].strip() == "":
            break
        found = token.match(rule, position)
        if not found:
            return [], f"unexpected {rule[position:position + 10]!r}"
        operator, word, text = found.groups()
        tokens.append(("op", operator) if operator else ("name", word) if word else ("text", text[1:-1]))
        position = found.end()
    try:
        alternatives, rest = _expression(tokens, 0)
    except (ValueError, IndexError) as exc:
        return [], str(exc) or "malformed"
    if rest != len(tokens):
        return [], f"unexpected {tokens[rest][1]!r}"
    return alternatives, None


def _expression(tokens: List[Tuple[str, str]], i: int) -> Tuple[List[List[Matcher]], int]:
    alternatives, i = _conjunction(tokens, i)
    while i < len(tokens) and tokens[i] == ("op", "||"):
        more, i = _conjunction(tokens, i + 1)
        alternatives = alternatives + more
        if len(alternatives) > MAX_ALTERNATIVES:
            raise ValueError(f"more than {MAX_ALTERNATIVES} alternatives")
    return alternatives, i


def _conjunction(tokens: List[Tuple[str, str]], i: int) -> Tuple[List[List[Matcher]], int]:
    alternatives, i = _term(tokens, i)
    while i < len(tokens) and tokens[i] == ("op", "&&"):
        more, i = _term(tokens, i + 1)
        alternatives = [a + b for a in alternatives for b in more]
        if len(alternatives) > MAX_ALTERNATIVES:
            raise ValueError(f"more than {MAX_ALTERNATIVES} alternatives")
    return alternatives, i


def _term(tokens: List[Tuple[str, str]], i: int) -> Tuple[List[List[Matcher]], int]:
    if tokens[i] == ("op", "!"):
        inner, i = _term(tokens, i + 1)  # a negation narrows nothing this reads: kept as negated matchers
        return [[m._replace(negated=not m.negated) for alternative in inner for m in alternative]], i
    if tokens[i] == ("op", "("):
        inner, i = _expression(tokens, i + 1)
        if tokens[i] != ("op", ")"):
            raise ValueError("unbalanced parentheses")
        return inner, i + 1
    kind, word = tokens[i]
    if kind != "name" or tokens[i + 1] != ("op", "("):
        raise ValueError(f"unexpected {word!r}")
    args: List[str] = []
    i += 2
    while tokens[i] != ("op", ")"):
        if tokens[i][0] != "text":
            raise ValueError(f"{word}: arguments are quoted strings")
        args.append(tokens[i][1])
        i += 1
        if tokens[i] == ("op", ","):
            i += 1
    return [[Matcher(word, tuple(args))]], i + 1


class Target(NamedTuple):
    """What one alternative of a rule names: a host (None: any), a path (None: not HTTP), and why it gives no URL."""

    host: Optional[str]
    path: Optional[str]
    problem: str = ""


def targets_of(rule: str, tcp: bool) -> Tuple[List[Target], List[str]]:
    """The (host, path) each alternative of a rule names, and warnings (a rule that does not parse, a pattern)."""
    alternatives, problem = parse_rule(rule)
    if problem:
        return [], [f"match {rule!r} does not parse ({problem}): no URL"]
    found: List[Target] = []
    notes: List[str] = []
    for alternative in alternatives:
        plain = [m for m in alternative if not m.negated]
        patterns = [m for m in plain if m.name in PATTERNS and m.name not in ("Method", "Header", "Query", "ClientIP")]
        if patterns:
            shown = ", ".join(f"{m.name}({', '.join(m.args)})" for m in patterns)
            found.append(Target(None, None, f"{shown} matches a pattern: no URL (substitute a name it matches)"))
            continue
        hosts: List[Optional[str]] = [a for m in plain if m.name == ("HostSNI" if tcp else "Host") for a in m.args]
        hosts = hosts or [None]
        paths: List[Optional[str]] = [None] if tcp else \
            [a for m in plain if m.name in ("Path", "PathPrefix") for a in m.args] or ["/"]
        conditions = [m.name for m in alternative if m.negated or m.name in ("Method", "Header", "Query", "ClientIP")]
        if conditions:
            notes.append(f"match {rule!r} also requires {', '.join(dict.fromkeys(conditions))}")
        found += [Target(None if host == "*" else host, path) for host in hosts for path in paths]
    return found, notes


# --- the door -----------------------------------------------------------------------------------------------------

class TraefikDoor(FrontDoor):
    name = "traefik"
    role = ROLE
    method = "IngressRoute"
    kinds = KINDS
    title = "Traefik IngressRoute"
    source = ("https://doc.traefik.io/traefik/reference/routing-configuration/kubernetes/crd/http/ingressroute/, "
              "https://github.com/traefik/traefik-helm-chart")
    rules = ("`match` (`Host`, `Path`, `PathPrefix`, `HostSNI`; each `||` alternative a URL; `HostRegexp` none) on "
             "each of `entryPoints` (none: all): the Traefik Service's port named after it (chart: `web` 80, "
             "`websecure` 443) and its address; TLS with `tls` (even `{}`) or on `websecure`")

    def fetch(self, reader: Reader, namespace: Optional[str], chosen: Dict[str, Optional[str]]) -> Fetched:
        fetched = super().fetch(reader, namespace, chosen)
        if any(fetched["extra"].values()):
            fetched["extra"][SERVICE_KEY] = fetch_services(reader)
        return fetched

    def fetch_target(self, reader: Reader, kind: Kind, obj: dict, namespace: str) -> Fetched:
        tag(kind)(obj)
        return {"extra": {kind.resource: [obj], SERVICE_KEY: fetch_services(reader)}}

    def watched(self, served):
        from ..kind import SERVICE
        from .base import Watch

        found = super().watched(served)
        return found + [Watch(Kind("Service", "services", "svc", role=SERVICE), True,
                              {"app.kubernetes.io/name": "traefik"})] if found else found

    def kind_of(self, obj: dict) -> str:
        kind = obj.get("kind")
        return kind if kind in ("IngressRoute", "IngressRouteTCP", "IngressRouteUDP") else "IngressRoute"

    def endpoints(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> Found:
        return route_endpoints(obj, self.kind_of(obj), resolve, snapshot.extra.get(SERVICE_KEY))

    def problems(self, obj: dict) -> List[str]:
        return [f"{self.kind_of(obj).lower()}/{name(obj)}: route {i} names no service"
                for i, route in enumerate(items(obj, "spec", "routes")) if not items(route, "services")]

    def plain_http(self, obj: dict) -> str:
        return "no spec.tls, on an entry point without TLS"

    def hops(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> List[Hop]:
        kind = self.kind_for(obj)
        ns, ref = namespace(obj), kind.ref(name(obj))
        hops = []
        tcp = kind.name == "IngressRouteTCP"
        for i, route in enumerate(items(obj, "spec", "routes")):
            rule = str(route.get("match")) if isinstance(route.get("match"), str) else ""
            if kind.name == "IngressRouteUDP":
                continue
            found, notes = targets_of(rule, tcp)
            problems = [t.problem for t in found if t.problem] + [n for n in notes if "does not parse" in n]
            hops.append(Hop(f"route {i} match", BROKEN if not found or all(t.problem for t in found) else
                            WARNING if problems else OK,
                            "; ".join(problems) or f"{rule}: " + ", ".join(
                                f"{t.host or '(any host)'}{t.path or ''}" for t in found),
                            f"{ref} spec.routes[{i}].match",
                            evidence_command(kind, ns, name(obj), f".spec.routes[{i}].match")))
        services = snapshot.extra.get(SERVICE_KEY)
        points = strings(obj, "spec", "entryPoints")
        traefik = pick_service(services or [], ns)
        if traefik is None:
            hops.append(Hop("entry address", UNKNOWN, "no Traefik Service found (label " + LABEL + "): the chart's "
                            "ports are assumed, the address is unknown", f"services -l {LABEL}",
                            f"kubectl get services -A -l {LABEL}"))
        else:
            entries = [e for point in points or [str(p.get("name")) for p in items(traefik, "spec", "ports")]
                       for port in [service_port(traefik, point, "UDP" if kind.name == "IngressRouteUDP" else "TCP")]
                       if port for e in controller_entries(traefik, port)[0]]
            hops.append(Hop("entry address", OK if entries else BROKEN,
                            ", ".join(f"{e.address or '(a node)'}:{e.port}" for e in entries) or
                            f"no port of service {namespace(traefik)}/{name(traefik)} for entry points "
                            f"{', '.join(points) or '(all)'} reaches outside",
                            f"svc/{name(traefik)} (namespace {namespace(traefik)}) spec.ports, status.loadBalancer",
                            f"kubectl get service {name(traefik)} -n {namespace(traefik)} -o yaml"))
        refs = [r for route in items(obj, "spec", "routes") for r, _ in service_refs(route, ns)]
        hops.append(backends_hop(self, obj, refs, resolve, ".spec.routes[*].services"))
        return hops


def service_refs(route: dict, ns: str) -> List[Tuple[BackendRef, dict]]:
    """The Kubernetes Services a route sends to (a TraefikService is not one)."""
    return [(BackendRef(str(s["name"]), port_number(s.get("port")) or s.get("port") or None,
                        namespace=s.get("namespace") or ns), s)
            for s in items(route, "services") if s.get("name") and s.get("kind") in (None, "", "Service")]


def pick_service(services: List[dict], near: str) -> Optional[dict]:
    """The Traefik Service: one in the route's namespace, else the only one (several elsewhere: the first, said)."""
    return next((s for s in services if namespace(s) == near), services[0] if services else None)


def entry_points(obj: dict, traefik: Optional[dict], protocol: str) -> List[Tuple[str, Optional[dict]]]:
    """(entry point, the Traefik Service's port for it) for each entry point the router listens on; without
    `entryPoints`, every port of the Service (Traefik attaches a router to every entry point), else the chart's."""
    named = strings(obj, "spec", "entryPoints")
    if not named:
        named = [str(p.get("name")) for p in items(traefik, "spec", "ports")
                 if str(p.get("protocol") or "TCP").upper() == protocol and p.get("name")] if traefik is not None \
            else list(CHART_PORTS)
    return [(point, service_port(traefik, point, protocol) if traefik is not None else None) for point in named]


def entries_of(point: str, port: Optional[dict], traefik: Optional[dict]) -> Tuple[List[Entry], List[str]]:
    """Where an entry point is reached: through the Traefik Service's port, else at the chart's default port."""
    if traefik is None:
        number = CHART_PORTS.get(point)
        return ([Entry(None, number, None, None, f"no Traefik Service found (label {LABEL}): entry point {point} "
                       f"assumed on the chart's port {number}")] if number else []), \
            ([] if number else [f"entry point {point}: no Traefik Service found (label {LABEL}) and the chart has "
                                "no such default port"])
    if port is None:
        return [], [f"entry point {point} is not a port of service {namespace(traefik)}/{name(traefik)}: not "
                    "exposed outside the cluster"]
    return controller_entries(traefik, port)


def ingress_listeners(annotation: str, tls: bool, services: List[dict], ns: str, ingress: str
                      ) -> Tuple[List[Tuple[str, int, List[str]]], List[str]]:
    """(scheme, port, notes) of a Traefik Ingress on the entry points `router.entrypoints` names (comma-separated):
    each the Traefik Service's port of that name (its `port`, where the Ingress's status address is), else the
    chart's default; https with `tls` or on a TLS entry point (the chart's `websecure`)."""
    traefik = pick_service(services, ns)
    found: List[Tuple[str, int, List[str]]] = []
    warnings: List[str] = []
    for point in (p.strip() for p in annotation.split(",") if p.strip()):
        port = service_port(traefik, point) if traefik is not None else None
        number = port_number(port.get("port")) if port is not None else None if traefik is not None \
            else CHART_PORTS.get(point)
        if not number:
            shown = f"(none found: label {LABEL})" if traefik is None else f"{namespace(traefik)}/{name(traefik)}"
            warnings.append(f"ingress {ingress}: entry point {point} is not a port of the Traefik Service {shown}: "
                            "not served from outside")
            continue
        notes = [f"entry point {point}"] + ([] if traefik is not None else [f"no Traefik Service found (label "
                                                                            f"{LABEL}): the chart's port"])
        found.append(("https" if tls or point in TLS_ENTRYPOINTS else "http", number, notes))
    return found, warnings


def route_endpoints(obj: dict, kind: str, resolve: "Resolve", services: Optional[List[dict]]) -> Found:
    """The URLs of an IngressRoute (TCP, UDP) for the routes whose services lead to the target (`resolve`)."""
    found = Found()
    ns = namespace(obj)
    ref_of = f"{kind.lower()}/{name(obj)}"
    protocol = "UDP" if kind == "IngressRouteUDP" else "TCP"
    tcp = kind == "IngressRouteTCP"
    traefik = pick_service(services or [], ns)
    if services and len({(namespace(s), name(s)) for s in services}) > 1 and \
            not any(namespace(s) == ns for s in services):
        found.warn(f"several Traefik Services ({', '.join(f'{namespace(s)}/{name(s)}' for s in services)}): "
                   f"the URLs are through {namespace(traefik)}/{name(traefik)}" if traefik else "")
    tls_spec = isinstance(field(obj, "spec", "tls"), dict)
    passthrough = field(obj, "spec", "tls", "passthrough") is True
    points = entry_points(obj, traefik, protocol)
    for i, route in enumerate(items(obj, "spec", "routes")):
        chosen = []
        for ref, _ in service_refs(route, ns):
            port = resolve(ref)
            if port is None:
                continue
            if ref.namespace != ns:
                found.warn(f"{ref_of}: service {ref.namespace}/{ref.service} is in another namespace: Traefik follows "
                           "it only with the provider's allowCrossNamespace (off by default)")
            chosen.append((ref, port))
        others = [s for s in items(route, "services") if s.get("kind") not in (None, "", "Service")]
        for other in others:
            found.warn(f"{ref_of}: route {i} sends to {other.get('kind')} {other.get('name')}: not followed")
        if not chosen:
            continue
        if kind == "IngressRouteUDP":
            hosts: List[Tuple[Optional[str], Optional[str]]] = [(None, None)]
        else:
            rule = str(route.get("match")) if isinstance(route.get("match"), str) else ""
            targets, notes = targets_of(rule, tcp)
            found.warnings.extend(f"{ref_of}: {n}" for n in notes)
            found.warnings.extend(f"{ref_of}: route {i}: {t.problem}" for t in targets if t.problem)
            hosts = [(t.host, t.path) for t in targets if not t.problem]
        for point, port in points:
            entries, why = entries_of(point, port, traefik)
            found.warnings.extend(f"{ref_of}: {w}" for w in why)
            tls = tls_spec or point in TLS_ENTRYPOINTS
            for entry in entries:
                for host, path in hosts:
                    target = host or entry.address
                    if target is None:
                        found.warn(f"{ref_of}: route {i} matches every host, and entry point {point} has no "
                                   "address of its own (a nodePort): no URL")
                        continue
                    scheme = _scheme(kind, tls or bool(entry.tls), host is not None)
                    notes = [entry.note] if entry.note else []
                    if passthrough:
                        notes.append("TLS passthrough: the backend ends TLS")
                    elif entry.tls and not tls:
                        notes.append(f"TLS ends at the load balancer ({entry.tls})")
                    elif point in TLS_ENTRYPOINTS and not tls_spec and kind == "IngressRoute":
                        notes.append(f"TLS on entry point {point} (the chart's default), with Traefik's default "
                                     "certificate unless a TLSStore sets one")
                    for ref, service_port_ in chosen:
                        found.endpoints.append(Endpoint(
                            method="IngressRoute", scheme=scheme, host=target, port=entry.port, service=ref.service,
                            service_port=port_number(service_port_.get("port")), path=path,
                            via=f"{ref_of} on entry point {point}" + (f" of svc {namespace(traefik)}/{name(traefik)}"
                                                                       if traefik is not None else ""),
                            warnings=list(notes), namespace=ns, address=entry.address,
                            target_port=service_port_.get("targetPort", service_port_.get("port"))
                        ).note_internal(entry.internal))
    return found


def _scheme(kind: str, tls: bool, named: bool) -> str:
    if kind == "IngressRouteUDP":
        return "udp"
    if kind == "IngressRouteTCP":
        return "tls" if tls and named else "tcp"
    return "https" if tls else "http"


DOOR = TraefikDoor()
