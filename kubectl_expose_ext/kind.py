"""What a resource kind is: the type of every row of kinds.py and of every front door's kinds (doors/), and the roles
kinds play. Nothing here imports the table: the doors declare their kinds with this type, and kinds.py gathers them.
"""

from dataclasses import dataclass, field
from typing import Any, Mapping, Tuple

# What a kind is to the answer. "" marks a kind that is read but is never a target (nodes, slices, classes). Each front
# door adds the role of its own route kinds (doors/: Ingress, Gateway routes, Routes, IngressRoutes...).
POD, WORKLOAD, SERVICE, INGRESS, GATEWAY_ROUTE, OPENSHIFT_ROUTE = (
    "pod", "workload", "service", "ingress", "gateway-route", "openshift-route")

# The vocabulary of `Kind.schema` (shapes.py checks what arrives against it): JSON types, and the shapes every kind
# shares.
S, I, B = "string", "integer", "boolean"  # noqa: E741 - short, as the schemas below read
INT_OR_STRING = "integer or string"  # targetPort and friends: a number or a port name
MAP = "map of strings"
CONDITIONS = [{"type": S, "status": S, "reason": S, "message": S}]
META = {"name": S, "namespace": S, "uid": S, "resourceVersion": S, "labels": MAP, "annotations": MAP,
        "creationTimestamp": S, "deletionTimestamp": S,
        "ownerReferences": [{"apiVersion": S, "kind": S, "name": S, "uid": S, "controller": B}]}
SELECTOR = {"matchLabels": MAP, "matchExpressions": [{"key": S, "operator": S, "values": [S]}]}
LB_STATUS = {"loadBalancer": {"ingress": [{"ip": S, "hostname": S, "ipMode": S,
                                           "ports": [{"port": I, "protocol": S, "error": S}]}]}}


@dataclass(frozen=True)
class Kind:
    name: str                            # API kind: "Deployment"
    resource: str                        # plural resource as in API paths ("deployments"); where two groups serve
    #                                      the same plural, kubectl's qualified form: "gateways.networking.istio.io"
    short: str                           # how refs are printed and typed: "deploy"
    group: str = ""                      # API group ("" is the core group)
    versions: Tuple[str, ...] = ("v1",)  # accepted versions, best first (optional kinds: the best served is used)
    namespaced: bool = True
    role: str = ""
    aliases: Tuple[str, ...] = ()        # further spellings kubectl accepts ("po")
    optional: bool = False               # a CRD: used only where discovery finds it
    # gateway routes: the listener protocols the route attaches to, and the URL scheme a client uses through each
    protocols: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    # the JSON types of the fields the computation reads (shapes.py's vocabulary); empty: shapes.SCHEMAS has them
    schema: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def plural(self) -> str:
        """The resource's name in API paths and discovery: `gateways` for `gateways.networking.istio.io`."""
        return self.resource.partition(".")[0]

    @property
    def api_path(self) -> str:
        """The path prefix at the best version: `/api/v1`, `/apis/apps/v1`."""
        return self.path_at(self.versions[0])

    def path_at(self, version: str) -> str:
        return f"/apis/{self.group}/{version}" if self.group else f"/api/{version}"

    @property
    def spellings(self) -> Tuple[str, ...]:
        return tuple(dict.fromkeys((self.name.lower(), self.plural, self.short, *self.aliases)))

    def ref(self, name: str) -> str:
        return f"{self.short}/{name}"
