"""The front doors: kinds that route outside traffic to Services (Ingress, Gateway API routes, OpenShift Routes).

One row per family: which objects of the snapshot it holds, how its URLs are computed for a `Resolve` (which of its
backends lead to the target), and what is wrong with an object whatever the target. reach.py and audit.py walk
this table instead of dispatching on kinds; adding a family is one row and its endpoint function.
"""

from dataclasses import dataclass
from typing import Callable, Dict, List

from .endpoints import Found, Resolve
from .endpoints.gateway import gateway_endpoints, gateway_parents, route_kind
from .endpoints.ingress import ingress_endpoints
from .endpoints.openshift import route_endpoints, route_problems
from .kinds import GATEWAY_ROUTE, INGRESS, OPENSHIFT_ROUTE
from .objects import namespace
from .snapshot import Snapshot


@dataclass(frozen=True)
class FrontDoor:
    role: str                                           # kinds.py role of its kinds
    objects: Callable[[Snapshot], List[dict]]           # every one in the snapshot (the listing)
    in_namespace: Callable[[Snapshot, str], List[dict]]  # those that may route to Services of a namespace
    endpoints: Callable[[dict, Resolve, Snapshot], Found]
    kind_of: Callable[[dict], str]                      # the API kind of one object
    listed: Callable[[dict], bool] = lambda obj: True   # whether it is an entrance from outside at all
    problems: Callable[[dict], List[str]] = lambda obj: []  # what is wrong with it whatever the target


FRONT_DOORS = (
    FrontDoor(INGRESS, lambda s: s.ingresses, Snapshot.ingresses_in,
              lambda obj, resolve, s: ingress_endpoints(obj, resolve, s.ingress_classes),
              kind_of=lambda obj: "Ingress"),
    FrontDoor(GATEWAY_ROUTE, lambda s: s.gateway_routes, Snapshot.gateway_routes_reaching,
              lambda obj, resolve, s: gateway_endpoints(obj, s.gateways_by_key, resolve, s.reference_grants,
                                                        s.namespace_labels),
              kind_of=route_kind, listed=lambda obj: bool(gateway_parents(obj))),  # not mesh (GAMMA) routes
    FrontDoor(OPENSHIFT_ROUTE, lambda s: s.openshift_routes, Snapshot.openshift_routes_in,
              lambda obj, resolve, s: route_endpoints(obj, resolve, s.services_named(namespace(obj)),
                                                      lambda svc: s.endpoint_ports(namespace(obj), svc)),
              kind_of=lambda obj: "Route", problems=route_problems),
)
BY_ROLE: Dict[str, FrontDoor] = {door.role: door for door in FRONT_DOORS}
