"""The OpenShift Route door (route.openshift.io/v1): a host and path on every router that admitted the route; the URL
rules are endpoints/openshift.py's. A Route target reads its Services and their EndpointSlices (the router matches
`spec.port.targetPort` against the endpoints' ports)."""

from typing import TYPE_CHECKING, Dict, List, Optional

from ..kind import OPENSHIFT_ROUTE, Kind
from .base import BROKEN, OK, Fetched, FrontDoor, Hop, Reader, backends_hop, evidence_command

if TYPE_CHECKING:
    from ..endpoints import Found, Resolve
    from ..snapshot import Snapshot

ROUTE = Kind("Route", "routes", "route", "route.openshift.io", role=OPENSHIFT_ROUTE, optional=True)


class OpenShiftDoor(FrontDoor):
    name = "openshift"
    role = OPENSHIFT_ROUTE
    method = "Route"
    kinds = (ROUTE,)
    title = "OpenShift Route"
    source = "https://docs.redhat.com/en/documentation/openshift_container_platform/4.18/html/network_apis/route-route-openshift-io-v1"
    rules = ("the host each admitting router reports (`status.ingress[].host`), else `spec.host`, + `spec.path`; "
             "https with `spec.tls` (and http too with `insecureEdgeTerminationPolicy: Allow`)")

    def fetch(self, reader: Reader, namespace: Optional[str], chosen: Dict[str, Optional[str]]) -> Fetched:
        kind = self.kinds[0]  # refused by RBAC: a warning names what is left out
        return {"openshift_routes": reader.list(kind, namespace, chosen.get("label_selector"),
                                                chosen.get("field_selector"), leaves_out=self.unread(kind)) or []}

    def fetch_target(self, reader: Reader, kind: Kind, obj: dict, namespace: str) -> Fetched:
        from ..endpoints.openshift import backend_services
        from ..fetch import slices_of

        backends = backend_services(obj)
        return {"openshift_routes": [obj], "slices": slices_of(reader.kube, namespace, backends) if backends else None}

    def objects(self, snapshot: "Snapshot") -> List[dict]:
        return snapshot.openshift_routes

    def reaching(self, snapshot: "Snapshot", namespace: str) -> List[dict]:
        return snapshot.openshift_routes_in(namespace)

    def kind_of(self, obj: dict) -> str:
        return "Route"

    def endpoints(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> "Found":
        from ..endpoints.openshift import route_endpoints
        from ..objects import namespace

        return route_endpoints(obj, resolve, snapshot.services_named(namespace(obj)),
                               lambda svc: snapshot.endpoint_ports(namespace(obj), svc))

    def problems(self, obj: dict) -> List[str]:
        from ..endpoints.openshift import route_problems

        return route_problems(obj)

    def refusals(self, obj: dict, snapshot: "Snapshot") -> List[str]:
        from ..endpoints.openshift import admitted_ingresses
        from ..objects import name

        return [] if admitted_ingresses(obj) else [f"route {name(obj)} is not admitted by any router"]

    def plain_http(self, obj: dict) -> str:
        from ..objects import field

        allow = field(obj, "spec", "tls", "insecureEdgeTerminationPolicy") == "Allow"
        return "insecureEdgeTerminationPolicy: Allow" if allow else "no spec.tls"

    def hops(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> List[Hop]:
        from ..endpoints.openshift import admitted_ingresses, backend_refs, refusals
        from ..objects import name, namespace

        ns, ref = namespace(obj), ROUTE.ref(name(obj))
        admitted = admitted_ingresses(obj)
        refused = refusals(obj)
        detail = (f"admitted by {', '.join(str(e.get('routerName') or '(unnamed)') for e in admitted)}" if admitted
                  else f"not admitted: {refused[0][1]}" if refused else "no router has reported on it yet")
        return [Hop("admitted by a router", OK if admitted else BROKEN, detail, f"{ref} status.ingress",
                    evidence_command(ROUTE, ns, name(obj), ".status.ingress")),
                backends_hop(self, obj, [r for r, _ in backend_refs(obj)], resolve, ".spec.to")]


DOOR = OpenShiftDoor()
