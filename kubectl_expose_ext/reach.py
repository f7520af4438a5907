"""Pure orchestration: from a target object and a snapshot of its surroundings to its external endpoints.

The chain followed is pod -> Service (selector, targetPort) -> NodePort / LoadBalancer / ExternalIP
-> Ingress, plus the pod's own hostNetwork / hostPort. Where the chain breaks, a warning says where,
and when nothing works from outside, the fallbacks that do work are offered.
"""

from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from .addresses import NodeTable
from .endpoints import Found
from .endpoints.hostports import container_ports, node_endpoints, uses_host_network
from .endpoints.gateway import GATEWAY_ROUTE_KINDS, as_ingress_backend, gateway_endpoints, gateway_parents, route_kind
from .endpoints.ingress import Route, backend_service, ingress_endpoints
from .endpoints.openshift import backend_services, route_endpoints, service_port_for
from .endpoints.service import is_exposed, service_endpoints
from .objects import (condition_true, field, format_labels, items, label_selector_string, labels, name, namespace,
                      port_number, selector_matches)
from .options import ROUTE_KINDS

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
_SHORT = {"Pod": "pod", "Service": "svc", "Deployment": "deploy", "StatefulSet": "sts", "DaemonSet": "ds",
          "Ingress": "ingress", "HTTPRoute": "httproute", "GRPCRoute": "grpcroute", "TLSRoute": "tlsroute",
          "Route": "route"}


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

    def __post_init__(self):
        self._services = _by_namespace(self.services)
        self._named: Dict[str, Dict[str, dict]] = {}
        self._ingresses = _by_namespace(self.ingresses)
        self._gateway_routes = _by_namespace(self.gateway_routes)
        self._openshift_routes = _by_namespace(self.openshift_routes)
        self.gateways_by_key = {(namespace(g), name(g)): g for g in self.gateways}
        self._ready_nodes: Optional[Dict[tuple, Set[str]]] = None
        if self.slices is not None:
            self._ready_nodes = defaultdict(set)
            for eps in self.slices:
                owner = (namespace(eps), labels(eps).get(SERVICE_NAME_LABEL))
                for endpoint in items(eps, "endpoints"):
                    if field(endpoint, "conditions", "ready") is not False and endpoint.get("nodeName"):
                        self._ready_nodes[owner].add(endpoint["nodeName"])

    def services_in(self, ns: str) -> List[dict]:
        return self._services.get(ns, [])

    def services_named(self, ns: str) -> Dict[str, dict]:
        """name -> Service in `ns`, built once per namespace (every Ingress and route there looks up its backends)."""
        if ns not in self._named:
            self._named[ns] = {name(s): s for s in self.services_in(ns)}
        return self._named[ns]

    def ingresses_in(self, ns: str) -> List[dict]:
        return self._ingresses.get(ns, [])

    def gateway_routes_in(self, ns: str) -> List[dict]:
        return self._gateway_routes.get(ns, [])

    def openshift_routes_in(self, ns: str) -> List[dict]:
        return self._openshift_routes.get(ns, [])

    def ready_nodes(self, service: dict) -> Optional[Set[str]]:
        """Nodes hosting a ready endpoint of `service`; None when EndpointSlices are unknown."""
        if self._ready_nodes is None:
            return None
        return self._ready_nodes.get((namespace(service), name(service)), set())


@dataclass
class Reach:
    """The answer for one target: the `-o json` contract."""

    kind: str
    namespace: str
    name: str
    found: Found
    findings: Optional[list] = None  # the listing's risk findings (audit.Finding), in its JSON only then

    @property
    def ref(self) -> str:
        return f"{_SHORT.get(self.kind, self.kind.lower())}/{self.name}"

    def to_dict(self) -> dict:
        data = {"target": {"kind": self.kind, "namespace": self.namespace, "name": self.name},
                "endpoints": [e.to_dict() for e in self.found.endpoints],
                "warnings": self.found.warnings + self.found.hints}
        if self.findings is not None:
            data["findings"] = [f.to_dict() for f in self.findings]
        return data


# --- pods ------------------------------------------------------------------------------------------

def ports_targeting(service: dict, pod: dict) -> List[dict]:
    """The Service ports whose targetPort reaches a port of `pod`.

    A numeric targetPort counts even when the pod does not declare it (declaring is optional);
    a named one must match a declared container port name.
    """
    names = {p.get("name") for _, p in container_ports(pod) if p.get("name")}
    matching = []
    for port in items(service, "spec", "ports"):
        target = port.get("targetPort", port.get("port"))
        if port_number(target) or (isinstance(target, str) and target in names):
            matching.append(port)
    return matching


def _route_to(ports_by_service: Dict[str, List[dict]]) -> Route:
    """An Ingress backend leads to the target when it names one of these (service, port) pairs."""
    def route(backend: dict) -> Optional[dict]:
        svc = backend_service(backend)
        for port in ports_by_service.get(svc[0], []) if svc else []:
            if (svc[1] and port_number(port.get("port")) == svc[1]) or (svc[2] and port.get("name") == svc[2]):
                return port
        return None
    return route


def _front_doors(ns: str, ports_by_service: Dict[str, List[dict]], snapshot: Snapshot) -> Found:
    """Ingresses, Gateway API routes and OpenShift Routes in `ns` that lead to these service ports."""
    route = _route_to(ports_by_service)
    found = Found()
    for ingress in snapshot.ingresses_in(ns):
        found.add(ingress_endpoints(ingress, route, snapshot.ingress_classes))
    for gateway_route in snapshot.gateway_routes_in(ns):
        found.add(gateway_endpoints(gateway_route, snapshot.gateways_by_key,
                                    lambda ref, r=gateway_route: _backend_port(route, ref, namespace(r))))
    for openshift_route in snapshot.openshift_routes_in(ns):
        found.add(route_endpoints(openshift_route,
                                  lambda svc, target: service_port_for(ports_by_service.get(svc, []), target)))
    return found


def _backend_port(route: Route, ref: dict, route_namespace: str) -> Optional[dict]:
    backend = as_ingress_backend(ref, route_namespace)
    return route(backend) if backend else None


def selecting_services(pod: dict, snapshot: Snapshot) -> List[dict]:
    pod_labels = labels(pod)
    return [s for s in snapshot.services_in(namespace(pod))
            if selector_matches(field(s, "spec", "selector", default={}), pod_labels)]


def reach_pod(pod: dict, snapshot: Snapshot, done: Optional[Dict[tuple, Any]] = None) -> Found:
    """hostNetwork/hostPort on its node, then every Service that selects it, then their Ingresses.

    `done` (for the pods of one workload): what earlier pods already computed. Pods of a workload share their
    Services and ports, so a DaemonSet on 5,000 nodes computes each Service's endpoints once, not once per pod
    (which was pods x nodes endpoints before de-duplication)."""
    pod_name = name(pod)
    done = {} if done is None else done
    found = node_endpoints(pod, snapshot.nodes)
    selection = ("select", namespace(pod), frozenset(labels(pod).items()))
    if selection not in done:
        done[selection] = selecting_services(pod, snapshot)
    services = done[selection]
    if not services and not found.endpoints:  # hostNetwork/hostPort pods often need no Service
        found.warn(f"no Service selects pod {pod_name} (labels {format_labels(labels(pod))})")
    routes: Dict[str, List[dict]] = {}
    declared = sorted({port_number(p.get("containerPort")) for _, p in container_ports(pod)} - {None})
    for service in services:
        ports = ports_targeting(service, pod)
        if not ports:
            targets = ", ".join(str(p.get("targetPort", p.get("port"))) for p in items(service, "spec", "ports"))
            found.warn(f"service {name(service)} selects pod {pod_name} but no port targets it "
                       f"(targets {targets or 'nothing'}; the pod declares {', '.join(map(str, declared)) or 'no ports'})")
            continue
        routes[name(service)] = ports
        undeclared = [p for p in ports if declared and port_number(p.get("targetPort")) not in (None, *declared)]
        for port in undeclared:
            found.warn(f"service {name(service)} port {port.get('port')} targets {port.get('targetPort')}, "
                       f"which pod {pod_name} does not declare (it declares {', '.join(map(str, declared))})")
        if _first_time(done, ("service", id(service), tuple(id(port) for port in ports))):
            found.add(service_endpoints(service, ports, snapshot.nodes, snapshot.ready_nodes(service)))
    doors = tuple(sorted((svc, tuple(id(port) for port in ports)) for svc, ports in routes.items()))
    if _first_time(done, ("doors", namespace(pod), doors)):
        found.add(_front_doors(namespace(pod), routes, snapshot))
    if routes and condition_true(pod, "Ready") is False:
        found.warn(f"pod {pod_name} is not Ready: its Services do not send it traffic")
    return found


def _first_time(done: Dict[tuple, Any], key: tuple) -> bool:
    """Whether `key` is new to `done` (and now recorded there)."""
    if key in done:
        return False
    done[key] = True
    return True


def reach_pods(pods: List[dict], snapshot: Snapshot) -> Found:
    """The union over the pods of a workload, de-duplicated."""
    found, done = Found(), {}
    for pod in pods:
        found.add(reach_pod(pod, snapshot, done))
    return found.deduplicated()


# --- services and ingresses --------------------------------------------------------------------------

def reach_service(service: dict, snapshot: Snapshot, with_ingresses: bool = True,
                  nodes_per_port: Optional[int] = None) -> Found:
    """Its NodePort/LoadBalancer/ExternalIP endpoints and the Ingress rules that route to it."""
    svc = name(service)
    kind = field(service, "spec", "type", default="ClusterIP")
    if kind == "ExternalName":
        return Found().warn(f"service {svc} is ExternalName (an alias of {field(service, 'spec', 'externalName')}): "
                            "it has no endpoints of its own")
    ports = items(service, "spec", "ports")
    found = service_endpoints(service, ports, snapshot.nodes, snapshot.ready_nodes(service), nodes_per_port)
    if with_ingresses:
        found.add(_front_doors(namespace(service), {svc: ports}, snapshot))
    selector = field(service, "spec", "selector", default={})
    if selector and snapshot.ready_nodes(service) == set() and snapshot.slices is not None:
        found.warn(f"service {svc} has no ready endpoints: its selector ({format_labels(selector)}) "
                   "matches no ready pod")
    return found


def reach_ingress(ingress: dict, snapshot: Snapshot, broken: Optional[List[str]] = None) -> Found:
    """Every rule of the ingress, whatever service it routes to; broken backends are flagged."""
    services = snapshot.services_named(namespace(ingress))
    problems: List[str] = []

    def route(backend: dict) -> Optional[dict]:
        svc = backend_service(backend)
        if svc is None:
            return None
        return _checked_backend(f"ingress {name(ingress)}", services, problems, svc[0],
                                lambda ports: _route_to({svc[0]: ports})(backend), svc[1] or svc[2])

    found = ingress_endpoints(ingress, route, snapshot.ingress_classes)
    return _flag_broken(found, problems, broken)


def _flag_broken(found: Found, problems: List[str], broken: Optional[List[str]]) -> Found:
    """Broken backends become warnings, and are handed to the audit when it asks (`broken`)."""
    problems = list(dict.fromkeys(problems))
    if broken is not None:
        broken.extend(problems)
    return found.add(Found(warnings=problems))


def _checked_backend(owner: str, services: Dict[str, dict], problems: List[str], svc: str,
                     match: Callable[[List[dict]], Optional[dict]], wanted) -> Optional[dict]:
    """The port a route's backend reaches; a missing service or port is recorded in `problems`."""
    service = services.get(svc)
    if service is None:
        problems.append(f"{owner} routes to service {svc}, which does not exist")
        return {"port": port_number(wanted)}
    port = match(items(service, "spec", "ports"))
    if port is None:
        problems.append(f"{owner} routes to port {wanted} of service {svc}, which has no such port")
    return port or {"port": port_number(wanted)}


def reach_gateway_route(route: dict, snapshot: Snapshot, broken: Optional[List[str]] = None) -> Found:
    """Every rule of an HTTPRoute/GRPCRoute/TLSRoute on every Gateway that accepted it; broken backends flagged."""
    services = snapshot.services_named(namespace(route))
    problems: List[str] = []
    owner = f"{route_kind(route).lower()} {name(route)}"

    def backend_port(ref: dict) -> Optional[dict]:
        backend = as_ingress_backend(ref, namespace(route))
        if backend is None:
            return None
        svc = backend_service(backend)
        return _checked_backend(owner, services, problems, svc[0], lambda ports: _route_to({svc[0]: ports})(backend),
                                svc[1])

    found = gateway_endpoints(route, snapshot.gateways_by_key, backend_port)
    return _flag_broken(found, problems, broken)


def reach_openshift_route(route: dict, snapshot: Snapshot, broken: Optional[List[str]] = None) -> Found:
    """Every admitted host of an OpenShift Route; broken backends flagged."""
    services = snapshot.services_named(namespace(route))
    problems: List[str] = []
    def backend_port(svc: str, target_port) -> Optional[dict]:
        return _checked_backend(f"route {name(route)}", services, problems, svc,
                                lambda ports: service_port_for(ports, target_port), target_port)

    found = route_endpoints(route, backend_port)
    if not backend_services(route):
        found.warn(f"route {name(route)} names no Service backend")
    return _flag_broken(found, problems, broken)


# --- when nothing works ------------------------------------------------------------------------------

def _local_port(remote: int) -> int:
    """Ports below 1024 need root locally: forward 80 to 8080, 443 to 8443, like people do."""
    return remote if remote >= 1024 else 8000 + remote if remote < 1000 else 10000 + remote


def port_forward_hint(ns: str, ref: str, port: Optional[int]) -> str:
    pair = f"{_local_port(port)}:{port}" if port else "LOCAL_PORT:REMOTE_PORT"
    return f"from this machine only: kubectl port-forward -n {ns} {ref} {pair}"


def owner_ref(pod: dict) -> Optional[str]:
    """The workload that owns a pod, from its ownerReferences (ReplicaSet -> Deployment by name)."""
    for owner in items(pod, "metadata", "ownerReferences"):
        kind, owner_name = owner.get("kind"), owner.get("name") or ""
        if kind == "ReplicaSet":
            template_hash = labels(pod).get("pod-template-hash")
            if template_hash and owner_name.endswith("-" + template_hash):
                return f"deploy/{owner_name[:-len(template_hash) - 1]}"
            return f"rs/{owner_name}"
        if kind in ("StatefulSet", "DaemonSet"):
            return f"{_SHORT[kind]}/{owner_name}"
    return None


def fallback_hints(kind: str, obj: dict, pods: List[dict], snapshot: Snapshot) -> List[str]:
    """What does work when no external endpoint does: port-forward now, and how to expose it."""
    ns = namespace(obj)
    ref = f"{_SHORT[kind]}/{name(obj)}"
    if kind == "Service":
        ports = items(obj, "spec", "ports")
        port = port_number(ports[0].get("port")) if ports else None
        hints = [port_forward_hint(ns, ref, port)]
        if field(obj, "spec", "type", default="ClusterIP") == "ClusterIP" and field(obj, "spec", "clusterIP") != "None":
            hints.append(f"to expose it: kubectl reach convert -n {ns} {ref} --to nodeport")
        return hints
    if kind == "Ingress" or kind in ROUTE_KINDS:
        return []  # the warnings say why they lead nowhere; port-forward applies to their Services
    if kind == "Pod":
        pods = [obj]
    sample = pods[0] if pods else {"spec": field(obj, "spec", "template", "spec", default={})}
    declared = [port_number(p.get("containerPort")) for _, p in container_ports(sample)]
    hints = [port_forward_hint(ns, ref, next((p for p in declared if p), None))]
    cluster_ip = [s for p in pods for s in selecting_services(p, snapshot)
                  if field(s, "spec", "type", default="ClusterIP") == "ClusterIP" and field(s, "spec", "clusterIP") != "None"]
    if cluster_ip:
        hints.append(f"to expose it: kubectl reach convert -n {ns} svc/{name(cluster_ip[0])} --to nodeport")
    else:
        owner = ref if kind != "Pod" else (owner_ref(obj) or ref)
        port = next((p for p in declared if p), None)
        flag = f" --port={port}" if port else ""
        hints.append(f"to expose it: kubectl expose -n {ns} {owner} --type=NodePort{flag}")
    return hints


def explain(kind: str, obj: dict, pods: List[dict], found: Found, snapshot: Snapshot) -> Found:
    """Add the fallbacks when the target has no external endpoint at all."""
    if not found.endpoints:
        found.warn(f"{_SHORT[kind]}/{name(obj)} has no external endpoint")
        found.hints.extend(fallback_hints(kind, obj, pods, snapshot))
    return found


def reach_target(kind: str, obj: dict, pods: List[dict], snapshot: Snapshot) -> Reach:
    """The answer for one resolved target (`pods`: the pods of a workload)."""
    if kind == "Pod":
        found = reach_pod(obj, snapshot)
    elif kind == "Service":
        found = reach_service(obj, snapshot)
    elif kind == "Ingress":
        found = reach_ingress(obj, snapshot)
    elif kind in GATEWAY_ROUTE_KINDS:
        found = reach_gateway_route(obj, snapshot)
    elif kind == "Route":
        found = reach_openshift_route(obj, snapshot)
    else:
        found = reach_pods(pods, snapshot)
        if not pods:
            selector = label_selector_string(field(obj, "spec", "selector"))
            found.warn(f"{kind.lower()} {name(obj)} has no pods (selector {selector or '<none>'})")
    found = explain(kind, obj, pods, found.deduplicated(), snapshot)
    return Reach(kind, namespace(obj), name(obj), found)


LISTING_NODES_PER_PORT = 1


def exposing_objects(snapshot: Snapshot) -> Iterator[Tuple[dict, Reach, List[str]]]:
    """(object, its answer, its broken backends) for everything externally reachable in the snapshot.

    Services report their own endpoints, Ingresses and routes theirs, pods their hostNetwork/hostPort:
    nothing is listed twice. An inventory, like `minikube service list`: a NodePort is shown on its
    best node only (a note counts the others); the single-target command lists every node. Listing
    every node for every NodePort service would be services x nodes rows (35 million on a
    5,000-node cluster with 7,000 NodePort services).
    """
    for service in snapshot.services:
        if is_exposed(service):
            found = reach_service(service, snapshot, with_ingresses=False, nodes_per_port=LISTING_NODES_PER_PORT)
            yield service, Reach("Service", namespace(service), name(service), found), []
    gateway_routes = [r for r in snapshot.gateway_routes if gateway_parents(r)]  # not mesh (GAMMA) routes
    for kind, objects, compute in (("Ingress", snapshot.ingresses, reach_ingress),
                                   (None, gateway_routes, reach_gateway_route),
                                   ("Route", snapshot.openshift_routes, reach_openshift_route)):
        for obj in objects:
            broken: List[str] = []
            found = compute(obj, snapshot, broken)
            yield obj, Reach(kind or route_kind(obj), namespace(obj), name(obj), found), broken
    for pod in snapshot.pods:
        if uses_host_network(pod):
            yield pod, Reach("Pod", namespace(pod), name(pod), node_endpoints(pod, snapshot.nodes)), []


def reach_everything(snapshot: Snapshot) -> List[Reach]:
    """Every externally reachable thing in the snapshot, one answer per exposing object."""
    return [answer for _, answer, _ in exposing_objects(snapshot)]
