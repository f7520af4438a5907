"""Every resource kind kubectl reach reads, in one table: the single owner of what a kind is called, where the API
server serves it and what part it plays. Everything else derives from it: the target parser and its aliases
(options.py), the API paths and the discovery list (kube.py), what is fetched for a target (targets.py), the Gateway
route kinds and their listener protocols (endpoints/gateway.py), the refs printed (`svc/web`), completion and the
help text. Which `convert --to` values a kind takes is owned by convert/strategies.py (each strategy names the roles
it applies to).

Adding a kind is one row here plus, for a new role, its endpoint rule (docs/development.md: "How to add a route kind").
"""

from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Tuple

# What a kind is to the answer. "" marks a kind that is read but is never a target (nodes, slices, classes).
POD, WORKLOAD, SERVICE, INGRESS, GATEWAY_ROUTE, OPENSHIFT_ROUTE = (
    "pod", "workload", "service", "ingress", "gateway-route", "openshift-route")
ROUTE_ROLES = (GATEWAY_ROUTE, OPENSHIFT_ROUTE)  # entrances of their own: routes lead to Services, nothing to convert


@dataclass(frozen=True)
class Kind:
    name: str                            # API kind: "Deployment"
    resource: str                        # plural resource, as in API paths: "deployments"
    short: str                           # how refs are printed and typed: "deploy"
    group: str = ""                      # API group ("" is the core group)
    versions: Tuple[str, ...] = ("v1",)  # accepted versions, best first (optional kinds: the best served is used)
    namespaced: bool = True
    role: str = ""
    aliases: Tuple[str, ...] = ()        # further spellings kubectl accepts ("po")
    optional: bool = False               # a CRD: used only where discovery finds it
    # gateway routes: the listener protocols the route attaches to, and the URL scheme a client uses through each
    protocols: Mapping[str, str] = field(default_factory=dict)

    @property
    def api_path(self) -> str:
        """The path prefix at the best version: `/api/v1`, `/apis/apps/v1`."""
        return self.path_at(self.versions[0])

    def path_at(self, version: str) -> str:
        return f"/apis/{self.group}/{version}" if self.group else f"/api/{version}"

    @property
    def spellings(self) -> Tuple[str, ...]:
        return tuple(dict.fromkeys((self.name.lower(), self.resource, self.short, *self.aliases)))

    def ref(self, name: str) -> str:
        return f"{self.short}/{name}"


_GATEWAY = "gateway.networking.k8s.io"
_HTTP = {"HTTP": "http", "HTTPS": "https"}

KINDS: Tuple[Kind, ...] = (
    # targets, in the order help and completion list them
    Kind("Pod", "pods", "pod", role=POD, aliases=("po",)),
    Kind("Service", "services", "svc", role=SERVICE),
    Kind("Deployment", "deployments", "deploy", "apps", role=WORKLOAD),
    Kind("StatefulSet", "statefulsets", "sts", "apps", role=WORKLOAD),
    Kind("DaemonSet", "daemonsets", "ds", "apps", role=WORKLOAD),
    Kind("Ingress", "ingresses", "ingress", "networking.k8s.io", role=INGRESS, aliases=("ing",)),
    Kind("HTTPRoute", "httproutes", "httproute", _GATEWAY, ("v1", "v1beta1"), role=GATEWAY_ROUTE, optional=True,
         protocols=_HTTP),
    Kind("GRPCRoute", "grpcroutes", "grpcroute", _GATEWAY, ("v1", "v1alpha2"), role=GATEWAY_ROUTE, optional=True,
         protocols=_HTTP),
    Kind("TLSRoute", "tlsroutes", "tlsroute", _GATEWAY, ("v1", "v1alpha3", "v1alpha2"), role=GATEWAY_ROUTE,
         optional=True, protocols={"TLS": "tls"}),
    Kind("TCPRoute", "tcproutes", "tcproute", _GATEWAY, ("v1alpha2",), role=GATEWAY_ROUTE, optional=True,
         protocols={"TCP": "tcp"}),
    Kind("UDPRoute", "udproutes", "udproute", _GATEWAY, ("v1alpha2",), role=GATEWAY_ROUTE, optional=True,
         protocols={"UDP": "udp"}),
    Kind("Route", "routes", "route", "route.openshift.io", role=OPENSHIFT_ROUTE, optional=True),
    # read to compute the answer, never a target
    Kind("Node", "nodes", "node", namespaced=False, aliases=("no",)),
    Kind("Namespace", "namespaces", "namespace", namespaced=False, aliases=("ns",)),
    Kind("EndpointSlice", "endpointslices", "endpointslice", "discovery.k8s.io"),
    Kind("IngressClass", "ingressclasses", "ingressclass", "networking.k8s.io", namespaced=False),
    Kind("Gateway", "gateways", "gateway", _GATEWAY, ("v1", "v1beta1"), optional=True, aliases=("gtw",)),
    Kind("ReferenceGrant", "referencegrants", "referencegrant", _GATEWAY, ("v1", "v1beta1"), optional=True,
         aliases=("refgrant",)),
    # kubernetes-sigs/application: declared links (links.py), read only for objects labelled app.kubernetes.io/name
    Kind("Application", "applications", "application", "app.k8s.io", ("v1beta1",), optional=True),
)

BY_NAME: Dict[str, Kind] = {k.name: k for k in KINDS}
BY_RESOURCE: Dict[str, Kind] = {k.resource: k for k in KINDS}
TARGETS: Tuple[Kind, ...] = tuple(k for k in KINDS if k.role)
GATEWAY_ROUTES: Tuple[Kind, ...] = tuple(k for k in KINDS if k.role == GATEWAY_ROUTE)
_SPELLINGS: Dict[str, Kind] = {spelling: k for k in TARGETS for spelling in k.spellings}


def target_kind(word: str) -> Optional[Kind]:
    """`pod`, `pods`, `po`, `Deployment`, `deployments.apps` -> the target kind; None when it is none of ours."""
    base, _, group = word.lower().partition(".")
    kind = _SPELLINGS.get(base)
    return kind if kind is not None and (not group or group == kind.group) else None


def short_ref(kind_name: str, name: str) -> str:
    """`svc/web` for kind "Service"; an unknown kind is written in lower case."""
    kind = BY_NAME.get(kind_name)
    return f"{kind.short if kind else kind_name.lower()}/{name}"


def target_shorts() -> str:
    """`pod, svc, deploy, ...`: the target types, for help and error texts."""
    return ", ".join(k.short for k in TARGETS)
