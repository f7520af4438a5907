"""Declared links: the URLs a team already wrote down for its app, shown beside the URLs kubectl reach derives. Pure.

Three sources, read as their owners define them:

- Argo CD's `link.argocd.argoproj.io/<id>` annotations, on any object (argo-cd common/common.go,
  AnnotationKeyLinkPrefix): the value is a URL, or `Title|URL`; without a title the `<id>` names the link.
- `app.k8s.io` Applications (kubernetes-sigs/application, `spec.descriptor.links: [{description, url}]`): an
  Application's links belong to the objects its `spec.selector` selects, of the kinds its `spec.componentKinds`
  lists (a Pod counts when a workload kind is listed: it is part of that workload). They are read only for objects
  labelled `app.kubernetes.io/name`, the label Application selectors use by convention: an object without it costs
  no request.
- Our own `kubectl-reach/primary-url` annotation: the URL to hand out first. When it matches a derived URL, that URL
  ranks first (ranking.py), and `--open` opens the declared URL itself (its path kept: a dashboard, a login page).

A declared URL matches a derived one with the same scheme, host and port (the scheme's default port when it names
none; a derived wildcard host `*.example.com` matches one label in its place, as Ingress does); the path is not
compared (declared links often point deep into the app). A declared URL that matches none is flagged, with what
differs: the `scheme`, the `port`, or the `host`; one that is not an absolute URL with a host is `invalid`. A
declared link is never probed, and one that matches nothing never decides `--open`: the cluster chose it, and it
may lead anywhere.
"""

from dataclasses import dataclass, replace
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from .objects import field, items, label_selector_matches

ARGOCD_PREFIX = "link.argocd.argoproj.io/"
PRIMARY = "kubectl-reach/primary-url"
APPLICATION_LABEL = "app.kubernetes.io/name"  # the objects whose Applications are read
DEFAULT_PORTS = {"http": 80, "https": 443, "grpc": 443, "tls": 443}
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
MAX_LINKS = 50  # per object: a cluster could annotate thousands; the rest are counted, not shown


@dataclass(frozen=True)
class Link:
    """One declared URL. `to_dict()` is its `-o json` form (under the answer's `links`)."""

    url: str
    title: str
    source: str              # "argocd", "app.k8s.io" or "kubectl-reach"
    declared_on: str         # "svc/web", "application/shop"
    primary: bool = False
    matches: Optional[str] = None   # the derived URL it matches
    mismatch: Optional[str] = None  # "scheme", "port", "host" or "invalid" when it matches none

    def to_dict(self) -> dict:
        return {"url": self.url, "title": self.title, "source": self.source, "declaredOn": self.declared_on,
                "primary": self.primary, "matches": self.matches, "mismatch": self.mismatch}


def annotation_links(annotations: Mapping[str, Any], ref: str) -> List[Link]:
    """The links an object's annotations declare: Argo CD's, then our primary."""
    found: List[Link] = []
    for key in sorted(k for k in annotations if isinstance(k, str) and k.startswith(ARGOCD_PREFIX)):
        value = annotations[key]
        if not isinstance(value, str) or not value.strip():
            continue
        title, bar, url = value.strip().rpartition("|")
        found.append(Link(url.strip(), title.strip() if bar and title.strip() else key[len(ARGOCD_PREFIX):],
                          "argocd", ref))
    primary = annotations.get(PRIMARY)
    if isinstance(primary, str) and primary.strip():
        found.append(Link(primary.strip(), "primary", "kubectl-reach", ref, primary=True))
    return found[:MAX_LINKS]


def selects(selector: Any, target_labels: Mapping[str, str]) -> bool:
    """An Application's LabelSelector (objects.label_selector_matches)."""
    return label_selector_matches(selector, target_labels)


def application_links(applications: Iterable[dict], kind: str, namespace: str,
                      target_labels: Mapping[str, str]) -> List[Link]:
    """The links of the Applications (app.k8s.io) in `namespace` whose selector and componentKinds take this
    object."""
    found: List[Link] = []
    for app in applications:
        if field(app, "metadata", "namespace") != namespace or not selects(field(app, "spec", "selector"),
                                                                            target_labels):
            continue
        kinds = {str(k.get("kind")) for k in items(app, "spec", "componentKinds")}
        if kinds and kind not in kinds and not (kind == "Pod" and kinds & set(WORKLOADS)):
            continue
        ref = f"application/{field(app, 'metadata', 'name')}"
        for link in items(app, "spec", "descriptor", "links")[:MAX_LINKS]:
            url = link.get("url")
            if isinstance(url, str) and url.strip():
                description = link.get("description")
                found.append(Link(url.strip(), description if isinstance(description, str) and description else
                                  "link", "app.k8s.io", ref))
    return found


def wants_applications(object_labels: Mapping[str, str]) -> bool:
    return APPLICATION_LABEL in object_labels


Parsed = Tuple[str, str, Optional[int]]  # scheme, host (lower case, no brackets), port


def parse(url: str) -> Optional[Parsed]:
    """(scheme, host, port) of an absolute URL; its port the scheme's default when it names none; None when it is
    no such URL (no scheme, no host, a port out of range)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().rstrip(".")
    if not scheme or not host or "//" not in url:
        return None
    return scheme, host, port if port is not None else DEFAULT_PORTS.get(scheme)


def host_matches(declared: str, derived: str) -> bool:
    """Exact, or under a wildcard host: `*.example.com` takes `a.example.com`, not `a.b.example.com`
    (Ingress's wildcard rule)."""
    derived = derived.lower().rstrip(".")
    if derived.startswith("*."):
        head, _, rest = declared.partition(".")
        return bool(head) and rest == derived[2:]
    return declared == derived


def check(link: Link, derived: Sequence[Tuple[str, str, int, str]]) -> Link:
    """The link with `matches` (the first derived URL it matches, in ranked order) or `mismatch` set. `derived`:
    (scheme, host, port, url) of each derived URL."""
    parsed = parse(link.url)
    if parsed is None:
        return replace(link, mismatch="invalid")
    scheme, host, port = parsed
    same_host = [d for d in derived if host_matches(host, d[1])]
    same_port = [d for d in same_host if d[2] == port]
    exact = [d for d in same_port if d[0] == scheme]
    if exact:
        return replace(link, matches=exact[0][3])
    return replace(link, mismatch="scheme" if same_port else "port" if same_host else "host")


def mismatch_warning(link: Link, derived: Sequence[Tuple[str, str, int, str]]) -> str:
    """Why a declared URL matches no derived one, in one line."""
    said = f'declared link "{link.title}" ({link.source} on {link.declared_on}) {link.url}'
    parsed = parse(link.url)
    if link.mismatch == "invalid" or parsed is None:
        return f"{said} is not an absolute URL with a host"
    scheme, host, port = parsed
    same_host = [d for d in derived if host_matches(host, d[1])]
    if link.mismatch == "scheme":
        served = ", ".join(dict.fromkeys(d[0] for d in same_host if d[2] == port))
        return f"{said} matches no derived URL: {host}:{port} is served over {served}, not {scheme}"
    if link.mismatch == "port":
        ports = ", ".join(str(p) for p in dict.fromkeys(d[2] for d in same_host))
        return f"{said} matches no derived URL: {host} is reached on port {ports}, not {port}"
    return f"{said} matches no derived URL: no derived URL has the host {host}"


def checked(links: Sequence[Link], derived: Sequence[Tuple[str, str, int, str]]) -> Tuple[List[Link], List[str]]:
    """(the links, each checked against the derived URLs, one of each URL; the warnings for those that match
    none). Only the first primary stays primary: the target's own comes first."""
    seen: Dict[Tuple[str, bool], None] = {}
    result, warnings, primary_taken = [], [], False
    for link in links:
        if (link.url, link.primary) in seen:
            continue
        seen[(link.url, link.primary)] = None
        if link.primary and primary_taken:
            link = replace(link, primary=False)
        primary_taken = primary_taken or link.primary
        link = check(link, derived)
        result.append(link)
        if link.mismatch:
            warnings.append(mismatch_warning(link, derived))
    return result, warnings


def primary(links: Sequence[Link]) -> Optional[Link]:
    """The declared primary that matches a derived URL (None: none, or it matches nothing)."""
    return next((link for link in links if link.primary and link.matches), None)


Derived = Tuple[str, str, int, str]  # scheme, host, port, url of a derived endpoint


def attach(answer: Any, chain: Sequence[Tuple[str, Mapping[str, Any]]], applications: Iterable[dict]) -> None:
    """Set `answer.links` (a reach.Reach) from the target's own annotations, then those of the objects its URLs go
    through (`chain`: (ref, annotations)), then its Applications; each checked against its derived URLs, a warning
    added for each that matches none."""
    declared = annotation_links(answer.annotations, answer.ref)
    for ref, annotations in chain:
        declared += annotation_links(annotations, ref)
    declared += application_links(applications, answer.kind, answer.namespace, answer.labels)
    if not declared:
        return
    derived = [(e.scheme, e.host, e.port, e.url) for e in answer.found.endpoints]
    answer.links, warnings = checked(declared, derived)
    answer.found.warnings.extend(warnings)


def chain(answer: Any, snapshot: Any) -> List[Tuple[str, Mapping[str, Any]]]:
    """(ref, annotations) of the Services, Ingresses and routes a target's URLs go through (a snapshot.Snapshot), in
    the order its endpoints name them; the target itself left out."""
    from .kinds import short_ref
    from .objects import name

    def annotations(obj: Any) -> Mapping[str, Any]:
        value = field(obj, "metadata", "annotations")
        return value if isinstance(value, dict) else {}

    routes = {short_ref(str(r.get("kind") or "Route"), name(r)): r
              for r in [*snapshot.gateway_routes, *snapshot.openshift_routes] if field(r, "metadata", "namespace")
              == answer.namespace}
    found: Dict[str, Mapping[str, Any]] = {}
    for endpoint in answer.found.endpoints:
        ns = endpoint.namespace or answer.namespace
        if endpoint.service:
            service = snapshot.services_named(ns).get(endpoint.service)
            if service is not None:
                found.setdefault(short_ref("Service", endpoint.service), annotations(service))
        if endpoint.ingress:
            ingress = next((i for i in snapshot.ingresses_in(answer.namespace) if name(i) == endpoint.ingress), None)
            if ingress is not None:
                found.setdefault(short_ref("Ingress", endpoint.ingress), annotations(ingress))
        route = routes.get((endpoint.via or "").split(" on ")[0])
        if route is not None:
            found.setdefault(endpoint.via.split(" on ")[0], annotations(route))
    found.pop(answer.ref, None)
    return list(found.items())
