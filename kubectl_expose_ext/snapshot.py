"""The contract between fetching (targets.py) and computing (reach.py, audit.py): what the computation may read."""

from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Dict, List, Optional, Set

from .addresses import NodeTable
from .doors.gateway import cross_namespaces
from .fetch import SERVICE_NAME_LABEL
from .objects import field, items, labels, name, namespace

__all__ = ["SERVICE_NAME_LABEL", "Snapshot", "Unread"]


class Unread(Exception):
    """An answer looked into a namespace whose Services or EndpointSlices are still being read (the listing by
    namespace, chunks.py): it is answered at the end, when every namespace is read."""


def _by_namespace(objects: List[dict]) -> Dict[str, List[dict]]:
    grouped: Dict[str, List[dict]] = defaultdict(list)
    for obj in objects:
        grouped[namespace(obj)].append(obj)
    return grouped


@dataclass
class Snapshot:
    """What the computation may look at, as fetched by the access layer (plain dicts).

    `slices` and `ingress_classes` are None when they were not fetched or not readable: the
    computation then says it cannot tell, instead of guessing. `gateway_routes` (HTTPRoute, GRPCRoute,
    TLSRoute, each with its `kind`), `gateways` and `openshift_routes` are empty where the cluster does
    not serve those APIs.
    """

    nodes: NodeTable = dc_field(default_factory=lambda: NodeTable([]))
    services: List[dict] = dc_field(default_factory=list)
    ingresses: List[dict] = dc_field(default_factory=list)
    pods: List[dict] = dc_field(default_factory=list)
    slices: Optional[List[dict]] = None
    ingress_classes: Optional[List[dict]] = None
    gateway_routes: List[dict] = dc_field(default_factory=list)
    gateways: List[dict] = dc_field(default_factory=list)
    openshift_routes: List[dict] = dc_field(default_factory=list)
    reference_grants: Optional[List[dict]] = None  # where cross-namespace backendRefs were followed; None: unread
    backends_elsewhere: List[dict] = dc_field(default_factory=list)  # Services of other namespaces routes lead to
    # The Namespaces of the routes, where a Gateway listener admits routes by namespace selector; None: not read
    namespaces: Optional[List[dict]] = None
    # What the other front doors read (doors/), by the key each door chose: its kinds' resources ("ingressroutes"),
    # and what they depend on ("traefik/services": the controller's Services)
    extra: Dict[str, List[Any]] = dc_field(default_factory=dict)

    def __post_init__(self):
        self._services = _by_namespace(self.services + self.backends_elsewhere)  # (the listing shows `services`)
        self._named: Dict[str, Dict[str, dict]] = {}
        self._ingresses = _by_namespace(self.ingresses)
        self._gateway_routes = _by_namespace(self.gateway_routes)
        self._routes_from_elsewhere: Dict[str, List[dict]] = defaultdict(list)  # by the namespace they point into
        for route in self.gateway_routes:
            for other in cross_namespaces(route):
                self._routes_from_elsewhere[other].append(route)
        self._openshift_routes = _by_namespace(self.openshift_routes)
        self.gateways_by_key = {(namespace(g), name(g)): g for g in self.gateways}
        self.listener_sets_by_key = {(namespace(s), name(s)): s for s in self.extra.get("listenersets", [])}
        self.namespace_labels = None if self.namespaces is None else {name(n): labels(n) for n in self.namespaces}
        self._ready_nodes: Optional[Dict[tuple, Set[str]]] = None if self.slices is None else defaultdict(set)
        self._terminating_nodes: Dict[tuple, Set[str]] = defaultdict(set)
        self._endpoint_ports: Dict[tuple, Dict[str, Set[int]]] = defaultdict(lambda: defaultdict(set))
        self._index_slices(self.slices or [])
        self.unread: Optional[Callable[[str], bool]] = None  # chunks.py: whether a namespace is still being read

    def _index_slices(self, slices: List[dict]) -> None:
        for eps in slices:
            owner = (namespace(eps), labels(eps).get(SERVICE_NAME_LABEL))
            for port in items(eps, "ports"):
                if isinstance(port.get("port"), int):
                    self._endpoint_ports[owner][str(port.get("name") or "")].add(port["port"])
            for endpoint in items(eps, "endpoints"):
                node = endpoint.get("nodeName")
                if not node:
                    continue
                ready = field(endpoint, "conditions", "ready") is not False  # unset means ready (the API)
                serving = field(endpoint, "conditions", "serving")
                if ready:
                    self._ready_nodes[owner].add(node)  # type: ignore[index]
                elif field(endpoint, "conditions", "terminating") is True and (serving is True or serving is None):
                    self._terminating_nodes[owner].add(node)

    def grow(self, services: List[dict], slices: Optional[List[dict]], pods: List[dict]) -> None:
        """More of the namespaced lists, as the listing reads them namespace by namespace (chunks.py): indexed as
        they come, not the whole snapshot again per namespace."""
        self.services.extend(services)
        self.pods.extend(pods)
        for ns, found in _by_namespace(services).items():
            self._services.setdefault(ns, []).extend(found)
            self._named.pop(ns, None)
        if slices is not None and self.slices is not None:
            self.slices.extend(slices)
            self._index_slices(slices)

    def _read(self, ns: str) -> None:
        if self.unread is not None and self.unread(ns):
            raise Unread(ns)

    def services_in(self, ns: str) -> List[dict]:
        self._read(ns)
        return self._services.get(ns, [])

    def services_named(self, ns: str) -> Dict[str, dict]:
        """name -> Service in `ns`, built once per namespace (every Ingress and route there looks up its backends)."""
        self._read(ns)
        if ns not in self._named:
            self._named[ns] = {name(s): s for s in self.services_in(ns)}
        return self._named[ns]

    def ingresses_in(self, ns: str) -> List[dict]:
        return self._ingresses.get(ns, [])

    def gateway_routes_in(self, ns: str) -> List[dict]:
        return self._gateway_routes.get(ns, [])

    def gateway_routes_reaching(self, ns: str) -> List[dict]:
        """The routes that may lead to Services of `ns`: its own, and those elsewhere whose backendRefs name it."""
        return self.gateway_routes_in(ns) + self._routes_from_elsewhere.get(ns, [])

    def openshift_routes_in(self, ns: str) -> List[dict]:
        return self._openshift_routes.get(ns, [])

    def ready_nodes(self, service: dict) -> Optional[Set[str]]:
        """Nodes hosting an endpoint of `service` that kube-proxy sends traffic to: the ready ones, else (only when
        none is ready) the serving terminating ones (pkg/proxy CategorizeEndpoints); None when EndpointSlices
        are unknown."""
        if self._ready_nodes is None:
            return None
        key = (namespace(service), name(service))
        self._read(key[0])
        return self._ready_nodes.get(key) or self._terminating_nodes.get(key, set())

    def endpoint_ports(self, ns: str, service: str) -> Dict[str, Set[int]]:
        """Service port name -> the pods' port numbers it resolves to (EndpointSlice ports: a named targetPort
        becomes a number there); empty when slices were not read."""
        self._read(ns)
        return self._endpoint_ports.get((ns, service), {})

    def only_terminating(self, service: dict) -> bool:
        """No ready endpoint, but serving terminating ones: kube-proxy falls back to those."""
        key = (namespace(service), name(service))
        self._read(key[0])
        return self._ready_nodes is not None and not self._ready_nodes.get(key) and bool(self._terminating_nodes.get(key))

    def has_no_ready_pod(self, service: dict) -> bool:
        """A selector Service whose EndpointSlices hold no ready endpoint (known: False when slices were not read)."""
        selector = field(service, "spec", "selector")
        return bool(selector) and isinstance(selector, dict) and self.ready_nodes(service) == set()
