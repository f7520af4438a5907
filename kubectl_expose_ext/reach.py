"""Pure orchestration: from a target object and a snapshot of its surroundings to its external endpoints.

The chain followed is pod -> Service (selector, targetPort) -> NodePort / LoadBalancer / ExternalIP
-> front doors (Ingress, Gateway routes, OpenShift Routes, IngressRoutes, VirtualServices...: doors/), plus the pod's
own hostNetwork / hostPort. Where the chain breaks, a warning says where, and when nothing works from outside, the
fallbacks that do work are offered (hints.py).
"""

from dataclasses import dataclass, field as dc_field
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Sequence, Tuple

from .endpoints import BackendRef, Found, Resolve
from .endpoints.hostports import container_ports, ended_warning, has_ended, node_endpoints, uses_host_network
from .endpoints.service import PodTarget, is_exposed, is_local, service_endpoints
from .doors import BY_ROLE, DOORS
from .doors.base import FrontDoor
from .hints import fallback_hints
from .kinds import BY_NAME, POD, SERVICE, WORKLOAD, short_ref
from .localclusters import on_this_machine
from .objects import (condition_true, field, format_labels, items, label_selector_string, labels, name, namespace,
                      port_number, selector_matches)
from .snapshot import Snapshot, Unread

if TYPE_CHECKING:
    from .links import Link

__all__ = ["Reach", "Snapshot", "exposing_objects", "reach_target"]


@dataclass
class Reach:
    """The answer for one target: the `-o json` contract."""

    kind: str
    namespace: str
    name: str
    found: Found
    labels: Dict[str, str] = dc_field(default_factory=dict)  # the target's own (--show-labels), not in the contract
    annotations: Dict[str, Any] = dc_field(default_factory=dict)  # the target's own (declared links), idem
    links: List["Link"] = dc_field(default_factory=list)  # declared links (links.py), set by the command
    ways: Optional[List[dict]] = None  # explain's trace (show --explain), set by the command

    @property
    def ref(self) -> str:
        return short_ref(self.kind, self.name)

    def to_dict(self) -> dict:
        document = {"target": {"kind": self.kind, "namespace": self.namespace, "name": self.name},
                    "endpoints": [e.to_dict() for e in self.found.endpoints],
                    "warnings": self.found.warnings + self.found.hints}
        if self.links:  # only where links are declared: the contract's other documents keep exactly their keys
            document["links"] = [link.to_dict() for link in self.links]
        if self.ways is not None:  # only when asked for (--explain)
            document["ways"] = self.ways
        return document


def annotations(obj: dict) -> Dict[str, Any]:
    value = field(obj, "metadata", "annotations")
    return value if isinstance(value, dict) else {}


# --- pods ------------------------------------------------------------------------------------------

def ports_targeting(service: dict, pod: dict) -> List[dict]:
    """The Service ports whose targetPort reaches a port of `pod`.

    A numeric targetPort counts even when the pod does not declare it (declaring is optional); a named one must
    match a declared container port of that name *and protocol* (FindPort in k8s.io/kubernetes pkg/api/v1/pod:
    a TCP Service port naming a UDP-only container port reaches nothing, its EndpointSlice has no such port).
    """
    named = {(p.get("name"), p.get("protocol") or "TCP") for _, p in container_ports(pod) if p.get("name")}
    matching = []
    for port in items(service, "spec", "ports"):
        target = port.get("targetPort", port.get("port"))
        if port_number(target) or (isinstance(target, str) and (target, port.get("protocol") or "TCP") in named):
            matching.append(port)
    return matching


def is_alias(service: Optional[dict]) -> bool:
    return field(service, "spec", "type") == "ExternalName"


def alias_port(ref: BackendRef) -> Optional[dict]:
    """A backend to an ExternalName Service reaches the external name on the port the backend names (ingress-nginx
    and most proxies connect there): whatever ports the alias declares."""
    number = port_number(ref.port)
    return {"port": number} if number else None


def resolver_to(ns: str, ports_by_service: Dict[str, List[dict]], snapshot: Snapshot,
                aliases: Sequence[str] = ()) -> Resolve:
    """A backend leads to the target when it names one of these Service ports (or any port of an alias)."""
    def resolve(ref: BackendRef) -> Optional[dict]:
        if ref.namespace not in ("", ns):  # a Service of that name in another namespace
            return None
        port = ref.port_in(ports_by_service.get(ref.service, []), snapshot.endpoint_ports(ns, ref.service))
        return alias_port(ref) if port is None and ref.service in aliases else port
    return resolve


def _front_doors(ns: str, ports_by_service: Dict[str, List[dict]], snapshot: Snapshot,
                 aliases: Sequence[str] = ()) -> Found:
    """Every front door in `ns` that leads to these service ports."""
    resolve = resolver_to(ns, ports_by_service, snapshot, aliases)
    found = Found()
    for door in DOORS:
        for obj in door.reaching(snapshot, ns):
            found.add(door.endpoints(obj, resolve, snapshot))
    return found


def selecting_services(pod: dict, snapshot: Snapshot) -> List[dict]:
    pod_labels = labels(pod)
    return [s for s in snapshot.services_in(namespace(pod))
            if selector_matches(field(s, "spec", "selector", default={}), pod_labels)]


def selecting_any(pods: List[dict], snapshot: Snapshot) -> List[dict]:
    """The Services that select at least one of `pods`, each once. The pods of a workload share a few label sets,
    so each distinct set is matched once: not pods x Services (a DaemonSet on 5,000 nodes)."""
    distinct = {(namespace(p), frozenset(labels(p).items())): p for p in pods}
    chosen: Dict[tuple, dict] = {}
    for pod in distinct.values():
        for service in selecting_services(pod, snapshot):
            chosen.setdefault((namespace(service), name(service)), service)
    return list(chosen.values())


def reach_pod(pod: dict, snapshot: Snapshot, done: Optional[Dict[tuple, Any]] = None) -> Found:
    """hostNetwork/hostPort on its node, then every Service that selects it, then their front doors.

    `done` (for the pods of one workload): what earlier pods already computed. Pods of a workload share their
    Services and ports, so a DaemonSet on 5,000 nodes computes each Service's endpoints once, not once per pod
    (which was pods x nodes endpoints before de-duplication)."""
    pod_name = name(pod)
    done = {} if done is None else done
    if has_ended(pod):
        return Found(warnings=[ended_warning(pod)])
    node = field(pod, "spec", "nodeName")
    if not node:
        return Found(warnings=[f"pod {pod_name} is {field(pod, 'status', 'phase') or 'Pending'} and not scheduled to a "
                               "node yet: nothing reaches it"])
    found = node_endpoints(pod, snapshot.nodes)
    if field(pod, "metadata", "deletionTimestamp"):
        found.warn(f"pod {pod_name} is terminating: its Services stop sending it traffic once it is no longer ready")
    selection = ("select", namespace(pod), frozenset(labels(pod).items()))
    if selection not in done:
        done[selection] = selecting_services(pod, snapshot)
    services = done[selection]
    if not services and not found.endpoints:  # hostNetwork/hostPort pods often need no Service
        found.warn(f"no Service selects pod {pod_name} (labels {format_labels(labels(pod))})")
    routes: Dict[str, List[dict]] = {}
    declared = sorted({n for _, p in container_ports(pod) for n in [port_number(p.get("containerPort"))] if n})
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
        ready = snapshot.ready_nodes(service)
        target = None
        if is_local(service):  # a Local Service reaches a pod only through the pod's own node
            scope = done.get(("workload nodes",))
            if scope is None:
                target = PodTarget(pod_name, node)
            elif ready is not None:
                ready = ready & scope
        if _first_time(done, ("service", id(service), tuple(id(port) for port in ports))):
            found.add(service_endpoints(service, ports, snapshot.nodes, ready, pod=target))
    doors = tuple(sorted((svc, tuple(id(port) for port in ports)) for svc, ports in routes.items()))
    if _first_time(done, ("doors", namespace(pod), doors)):
        found.add(_front_doors(namespace(pod), routes, snapshot))
    unready_skipped = [svc for svc in routes
                       if field(snapshot.services_named(namespace(pod)).get(svc), "spec", "publishNotReadyAddresses")
                       is not True]  # publishNotReadyAddresses: the Service sends traffic to not-Ready pods too
    if unready_skipped and condition_true(pod, "Ready") is False:
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
    found: Found = Found()
    done: Dict[tuple, Any] = {("workload nodes",): {field(p, "spec", "nodeName") for p in pods} - {None, ""}}
    for pod in pods:
        found.add(reach_pod(pod, snapshot, done))
    return found.deduplicated()


# --- services and front doors ------------------------------------------------------------------------

def reach_service(service: dict, snapshot: Snapshot, with_front_doors: bool = True,
                  nodes_per_port: Optional[int] = None) -> Found:
    """Its NodePort/LoadBalancer/ExternalIP endpoints and the front doors that route to it."""
    svc = name(service)
    ports = items(service, "spec", "ports")
    if is_alias(service):
        found = Found().warn(f"service {svc} is ExternalName (an alias of {field(service, 'spec', 'externalName')}): "
                             "it has no endpoints of its own")
        return found.add(_front_doors(namespace(service), {svc: ports}, snapshot, [svc])) if with_front_doors \
            else found
    found = service_endpoints(service, ports, snapshot.nodes, snapshot.ready_nodes(service), nodes_per_port)
    if with_front_doors:
        found.add(_front_doors(namespace(service), {svc: ports}, snapshot))
    if snapshot.has_no_ready_pod(service):
        found.warn(f"service {svc} has no ready endpoints: its selector "
                   f"({format_labels(field(service, 'spec', 'selector'))}) matches no ready pod")
    elif snapshot.only_terminating(service):
        found.warn(f"service {svc} has no ready endpoint: only terminating pods still serve it (kube-proxy falls "
                   "back to them until they are gone)")
    return found


def reach_front_door(door: FrontDoor, obj: dict, snapshot: Snapshot, broken: Optional[List[str]] = None) -> Found:
    """Every rule of a front door's object (an Ingress, a Gateway route, an IngressRoute...), whatever Service it
    leads to. A backend naming a missing Service or port becomes a warning, and is handed to the audit when it asks
    (`broken`)."""
    owner = f"{door.kind_for(obj).short} {name(obj)}"
    problems: List[str] = []

    def resolve(ref: BackendRef) -> Optional[dict]:
        ns = ref.namespace or namespace(obj)
        service = snapshot.services_named(ns).get(ref.service)
        shown = ref.service if ns == namespace(obj) else f"{ns}/{ref.service}"
        if service is None:
            problems.append(f"{owner} routes to service {shown}, which does not exist")
            return {"port": port_number(ref.port)}
        port = ref.port_in(items(service, "spec", "ports"), snapshot.endpoint_ports(ns, ref.service))
        if port is None and is_alias(service):
            return alias_port(ref) or {"port": None}
        if port is None:
            problems.append(f"{owner} routes to port {ref.port} of service {shown}, which has no such port")
        return port or {"port": port_number(ref.port)}

    found = door.endpoints(obj, resolve, snapshot)
    found.warnings.extend(door.problems(obj))
    problems = list(dict.fromkeys(problems))
    if broken is not None:
        broken.extend(problems)
    return found.add(Found(warnings=problems))


# --- one target ----------------------------------------------------------------------------------------

def explain(kind: str, obj: dict, pods: List[dict], found: Found, snapshot: Snapshot) -> Found:
    """Add the fallbacks when the target has no external endpoint at all."""
    if not found.endpoints:
        found.warn(f"{short_ref(kind, name(obj))} has no external endpoint")
        services = selecting_any(pods, snapshot) if BY_NAME[kind].role == WORKLOAD \
            else selecting_services(obj, snapshot) if BY_NAME[kind].role == POD else []
        found.hints.extend(fallback_hints(kind, obj, pods, services))
    return found


def reach_target(kind: str, obj: dict, pods: List[dict], snapshot: Snapshot) -> Reach:
    """The answer for one resolved target (`pods`: the pods of a workload)."""
    role = BY_NAME[kind].role
    if role == POD:
        found = reach_pod(obj, snapshot)
    elif role == SERVICE:
        found = reach_service(obj, snapshot)
    elif role in BY_ROLE:
        found = reach_front_door(BY_ROLE[role], obj, snapshot)
    else:
        found = reach_pods(pods, snapshot)
        if not pods:
            selector = label_selector_string(field(obj, "spec", "selector"))
            found.warn(f"{kind.lower()} {name(obj)} has no pods (selector {selector or '<none>'})")
    found = explain(kind, obj, pods, found.deduplicated(), snapshot)
    on_this_machine(found, snapshot.nodes)
    return Reach(kind, namespace(obj), name(obj), found, labels(obj), annotations(obj))


# --- everything ----------------------------------------------------------------------------------------

LISTING_NODES_PER_PORT = 1


def exposing_objects(snapshot: Snapshot, services: Optional[List[dict]] = None,
                     doors: Optional[List[Tuple[FrontDoor, dict]]] = None, pods: Optional[List[dict]] = None,
                     later: Optional[List[Tuple[FrontDoor, dict]]] = None) -> Iterator[Tuple[dict, Reach, List[str]]]:
    """(object, its answer, its broken backends) for everything externally reachable in the snapshot.

    Services report their own endpoints, front doors theirs, pods their hostNetwork/hostPort:
    nothing is listed twice. An inventory, like `minikube service list`: a NodePort is shown on its
    best node only (a note counts the others); the single-target command lists every node. Listing
    every node for every NodePort service would be services x nodes rows (35 million on a
    5,000-node cluster with 7,000 NodePort services).

    The listing by namespace (chunks.py) hands one namespace's `services`, `doors` ((door, object)) and `pods`; a
    front door leading into a namespace still being read (snapshot.Unread) is put in `later`, answered at the end.
    """
    for service in snapshot.services if services is None else services:
        if is_exposed(service):
            found = reach_service(service, snapshot, with_front_doors=False, nodes_per_port=LISTING_NODES_PER_PORT)
            on_this_machine(found, snapshot.nodes)
            yield service, Reach("Service", namespace(service), name(service), found, labels(service),
                                annotations(service)), []
    for door, obj in listed_doors(snapshot) if doors is None else doors:
        broken: List[str] = []
        try:
            found = reach_front_door(door, obj, snapshot, broken)
        except Unread:
            if later is None:
                raise
            later.append((door, obj))
            continue
        yield obj, Reach(door.kind_of(obj), namespace(obj), name(obj), found, labels(obj), annotations(obj)), broken
    for pod in snapshot.pods if pods is None else pods:
        if uses_host_network(pod):
            found = node_endpoints(pod, snapshot.nodes)
            on_this_machine(found, snapshot.nodes)
            yield pod, Reach("Pod", namespace(pod), name(pod), found, labels(pod), annotations(pod)), []


def listed_doors(snapshot: Snapshot) -> List[Tuple[FrontDoor, dict]]:
    """Every front door's listed objects, door by door."""
    return [(door, obj) for door in DOORS for obj in filter(door.listed, door.objects(snapshot))]
