"""Every resource kind kubectl reach reads, in one table: the single owner of what a kind is called, where the API
server serves it and what part it plays. Everything else derives from it: the target parser and its aliases
(options.py), the API paths and the discovery list (kube.py), what is fetched for a target (targets.py), the Gateway
route kinds and their listener protocols (doors/gateway.py), the refs printed (`svc/web`), completion and the
help text. Which `convert --to` values a kind takes is owned by convert/strategies.py (each strategy names the roles
it applies to).

The core kinds are rows here; each front door declares its own (doors/: one module per door, one registry line), and
the table gathers them in registry order (docs/development.md: "How to add a front door").
"""

from typing import Dict, List, Optional, Tuple

from .doors import DOORS
from .kind import GATEWAY_ROUTE, INGRESS, OPENSHIFT_ROUTE, POD, SERVICE, WORKLOAD, Kind

__all__ = ["Kind", "POD", "WORKLOAD", "SERVICE", "INGRESS", "GATEWAY_ROUTE", "OPENSHIFT_ROUTE", "KINDS", "BY_NAME",
           "BY_RESOURCE", "TARGETS", "GATEWAY_ROUTES", "ROUTE_ROLES", "DOOR_ROLES", "target_kind", "short_ref",
           "target_shorts"]

_CORE_TARGETS = (  # in the order help and completion list them; the doors' route kinds follow
    Kind("Pod", "pods", "pod", role=POD, aliases=("po",)),
    Kind("Service", "services", "svc", role=SERVICE),
    Kind("Deployment", "deployments", "deploy", "apps", role=WORKLOAD),
    Kind("StatefulSet", "statefulsets", "sts", "apps", role=WORKLOAD),
    Kind("DaemonSet", "daemonsets", "ds", "apps", role=WORKLOAD),
)
_CORE_READ = (  # read to compute the answer, never a target; the doors' other kinds follow
    Kind("Node", "nodes", "node", namespaced=False, aliases=("no",)),
    Kind("Namespace", "namespaces", "namespace", namespaced=False, aliases=("ns",)),
    Kind("EndpointSlice", "endpointslices", "endpointslice", "discovery.k8s.io"),
    Kind("NetworkPolicy", "networkpolicies", "netpol", "networking.k8s.io"),  # explain's prediction (netpol.py)
)
_LINKS = (  # kubernetes-sigs/application: declared links (links.py), read only for objects labelled app.kubernetes.io/name
    Kind("Application", "applications", "application", "app.k8s.io", ("v1beta1",), optional=True),
)


def _gathered() -> Tuple[Kind, ...]:
    routes = [k for door in DOORS for k in door.kinds if k.role]
    read = [k for door in DOORS for k in door.kinds if not k.role]
    table: Dict[str, Kind] = {}
    for kind in (*_CORE_TARGETS, *routes, *_CORE_READ, *read, *_LINKS):
        table.setdefault(kind.resource, kind)  # a kind two doors read is one row
    return tuple(table.values())


KINDS: Tuple[Kind, ...] = _gathered()

BY_NAME: Dict[str, Kind] = {}
for _kind in KINDS:
    BY_NAME.setdefault(_kind.name, _kind)  # a kind name two groups serve (Gateway): the first, for refs
BY_RESOURCE: Dict[str, Kind] = {k.resource: k for k in KINDS}
DOOR_ROLES: Tuple[str, ...] = tuple(door.role for door in DOORS)
ROUTE_ROLES: Tuple[str, ...] = tuple(r for r in DOOR_ROLES if r != INGRESS)  # entrances of their own: nothing to convert
GATEWAY_ROUTES: Tuple[Kind, ...] = tuple(k for k in KINDS if k.role == GATEWAY_ROUTE)
_BY_SPELLING: Dict[str, List[Kind]] = {}
for _kind in KINDS:
    if _kind.role:
        for _spelling in _kind.spellings:
            _BY_SPELLING.setdefault(_spelling, []).append(_kind)
# one target per spelling (a kind two groups serve, the legacy group after: targets.py falls back to it)
TARGETS: Tuple[Kind, ...] = tuple(k for k in KINDS if k.role and _BY_SPELLING[k.short][0] is k)


def target_kind(word: str) -> Optional[Kind]:
    """`pod`, `pods`, `po`, `Deployment`, `deployments.apps` -> the target kind; None when it is none of ours. A kind
    two groups serve is the preferred group's unless the word names the other."""
    base, _, group = word.lower().partition(".")
    return next((k for k in _BY_SPELLING.get(base, []) if not group or group == k.group), None)


def siblings(kind: Kind) -> List[Kind]:
    """The kinds of the same name in other groups (Traefik's traefik.containo.us after traefik.io), best first."""
    return [k for k in _BY_SPELLING.get(kind.short, []) if k.name == kind.name and k is not kind]


def short_ref(kind_name: str, name: str) -> str:
    """`svc/web` for kind "Service"; an unknown kind is written in lower case."""
    kind = BY_NAME.get(kind_name)
    return f"{kind.short if kind else kind_name.lower()}/{name}"


def target_shorts() -> str:
    """`pod, svc, deploy, ...`: the target types, for help and error texts."""
    return ", ".join(k.short for k in TARGETS)
