"""`kubectl reach explain`: every way into a target as a chain of hops, from the client to the container. Pure: the
target and a Snapshot in, `Way`s out (the command, commands/explain.py, fetches and prints).

A way in is one entrance and what it leads to: a load balancer, a node port, an external IP, a pod's host port or host
network, or one front door object (an Ingress, a Gateway route, a Route, an IngressRoute...: doors/), each for one
Service port. Its hops, in the order traffic crosses them:

    name resolution -> entry (load balancer, node port, external IP, node) -> the front door's own hops (doors/:
    controller, acceptance per parent, address, backends) -> service port -> endpoints -> container port ->
    network policy

Each hop has a verdict (ok, broken, warning, unknown), the evidence read (object and field path) and a kubectl command
that shows that evidence. A hop says where it was seen from (`vantage`): the cluster's objects ("cluster state"), this
machine (name resolution and --probe), the API server's proxy, a probe pod. A way's verdict rolls up its cluster-state
hops only, and each other vantage keeps its own (never painted onto another):

    broken    a hop is broken (the first one is named)
    degraded  no hop is broken, one or more is a warning (an internal load balancer, only terminating endpoints...)
    unknown   none broken or warning, one or more could not be read (RBAC, an object missing from the answer)
    healthy   every hop is ok

The NetworkPolicy hop is a static prediction (netpol.py) and says so. A target with no way in at all still gets a way:
the broken hop that stops it (a pod no Service selects, a ClusterIP Service, a pod not scheduled).
"""

from dataclasses import dataclass, field as dc_field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .doors import BY_ROLE, DOORS
from .doors.base import BROKEN, OK, UNKNOWN, WARNING, FrontDoor, Hop, evidence_command
from .endpoints import BackendRef, Endpoint, Found
from .kinds import BY_NAME, BY_RESOURCE, POD, SERVICE, WORKLOAD
from .objects import (condition_true, field, format_labels, items, label_selector_string, labels, name, namespace,
                      port_number, selector_matches)
from .snapshot import SERVICE_NAME_LABEL, Snapshot

STATE = "cluster state"              # what the objects say: the only vantage a way's verdict rolls up
THIS_MACHINE = "this machine"        # name resolution and --probe
HEALTHY, DEGRADED, UNKNOWN_WAY, BROKEN_WAY = "healthy", "degraded", "unknown", "broken"
ROLLUP = ((BROKEN, BROKEN_WAY), (WARNING, DEGRADED), (UNKNOWN, UNKNOWN_WAY))  # the first verdict found decides
# netpol.Source for "a client outside the cluster": a TEST-NET-1 address, outside every private range, so that an
# ipBlock admitting only private networks does not admit it (RFC 5737; shown as "a client outside the cluster")
OUTSIDE = "192.0.2.1"

SERVICE_KIND, POD_KIND, NODE_KIND = BY_NAME["Service"], BY_NAME["Pod"], BY_RESOURCE["nodes"]


@dataclass
class Way:
    """One way in: its method (LoadBalancer, NodePort, ExternalIP, hostPort, hostNetwork, or a door's), what it goes
    through (`through`: `svc/web port 80`, `ingress/web`), the URLs it gives and its hops."""

    method: str
    through: str
    endpoints: List[Endpoint] = dc_field(default_factory=list)
    hops: List[Hop] = dc_field(default_factory=list)

    @property
    def urls(self) -> List[str]:
        return list(dict.fromkeys(e.url for e in self.endpoints if not e.dead))

    def verdict(self, vantage: str = STATE) -> str:
        """The roll-up of this vantage's hops (the module docstring's rule); None-like "" when it has none."""
        mine = [h.verdict for h in self.hops if h.vantage == vantage and tried(h)]
        if not mine:
            return ""
        return next((way for verdict, way in ROLLUP if verdict in mine), HEALTHY)

    def first_broken(self) -> Optional[Hop]:
        return next((h for h in self.hops if h.vantage == STATE and h.verdict == BROKEN), None)

    @property
    def vantages(self) -> List[str]:
        return list(dict.fromkeys(h.vantage for h in self.hops if h.vantage != STATE and tried(h)))

    def to_dict(self) -> Dict[str, Any]:
        broken = self.first_broken()
        return {"method": self.method, "through": self.through, "urls": self.urls, "verdict": self.verdict(),
                "firstBroken": broken.name if broken else None,
                "vantages": {v: self.verdict(v) for v in self.vantages},
                "hops": [h.to_dict() for h in self.hops]}


# --- the hops every Service way ends with -------------------------------------------------------------------------

@dataclass
class Context:
    """What the hops read besides the Service: the pods behind it (None: not read), the namespace's NetworkPolicies
    (None: not readable), the snapshot."""

    snapshot: Snapshot
    pods: Optional[List[dict]]
    policies: Optional[List[dict]]
    selections: Dict[tuple, List[dict]] = dc_field(default_factory=dict)

    def selecting(self, pod: dict) -> List[dict]:
        """The Services that select `pod`, matched once per distinct label set (a DaemonSet's 5,000 pods share one)."""
        from .reach import selecting_services

        key = (namespace(pod), frozenset(labels(pod).items()))
        if key not in self.selections:
            self.selections[key] = selecting_services(pod, self.snapshot)
        return self.selections[key]


def _service_evidence(service: dict, path: str) -> Tuple[str, str]:
    return (f"svc/{name(service)} {path.lstrip('.')}",
            evidence_command(SERVICE_KIND, namespace(service), name(service), path))


def port_hop(service: dict, port: dict) -> Hop:
    index = next((i for i, p in enumerate(items(service, "spec", "ports")) if p is port), 0)
    target = port.get("targetPort", port.get("port"))
    label = f" ({port['name']})" if port.get("name") else ""
    evidence, command = _service_evidence(service, f".spec.ports[{index}]")
    return Hop("service port", OK, f"service {name(service)} port {port.get('port')}/{port.get('protocol') or 'TCP'}"
               f"{label} -> targetPort {target}", evidence, command)


def slice_counts(snapshot: Snapshot, service: dict) -> Optional[Dict[str, Any]]:
    """Its endpoints by condition (EndpointSlice conditions: ready unset means ready; serving and terminating as
    kube-proxy reads them, pkg/proxy CategorizeEndpoints); None when slices were not read."""
    if snapshot.slices is None:
        return None
    counts: Dict[str, Any] = {"ready": 0, "terminating": 0, "not ready": 0, "nodes": set()}
    for eps in snapshot.slices:
        if namespace(eps) != namespace(service) or labels(eps).get(SERVICE_NAME_LABEL) != name(service):
            continue
        for endpoint in items(eps, "endpoints"):
            ready = field(endpoint, "conditions", "ready") is not False
            terminating = field(endpoint, "conditions", "terminating") is True
            serving = field(endpoint, "conditions", "serving")
            key = "ready" if ready else "terminating" if terminating and serving is not False else "not ready"
            counts[key] += 1
            if ready and endpoint.get("nodeName"):
                counts["nodes"].add(endpoint["nodeName"])
    return counts


def endpoints_hop(service: dict, context: Context) -> Hop:
    selector = field(service, "spec", "selector")
    shown = f"-l {SERVICE_NAME_LABEL}={name(service)}"
    evidence = f"endpointslices {shown} endpoints[*].conditions"
    command = f"kubectl get endpointslices -n {namespace(service)} {shown} -o wide"
    counts = slice_counts(context.snapshot, service)
    if _backing(service, context) == []:
        return Hop("endpoints", BROKEN, f"its selector {format_labels(selector)} matches no pod",
                   f"svc/{name(service)} spec.selector; pods metadata.labels",
                   f"kubectl get pods -n {namespace(service)} -l {format_labels(selector)}")
    if counts is None:
        return Hop("endpoints", UNKNOWN, "its EndpointSlices could not be read", evidence, command)
    on = f" on {', '.join(sorted(counts['nodes']))}" if counts["nodes"] else ""
    others = ", ".join(f"{counts[k]} {k}" for k in ("terminating", "not ready") if counts[k])
    if counts["ready"]:
        return Hop("endpoints", OK, f"{counts['ready']} ready{on}" + (f" ({others})" if others else ""), evidence,
                   command)
    if counts["terminating"]:
        return Hop("endpoints", WARNING, f"no ready endpoint: only {counts['terminating']} terminating still serve "
                   "(kube-proxy falls back to them until they are gone)", evidence, command)
    why = "no endpoint at all" if not others else f"no ready endpoint ({others})"
    if not selector:
        why += ": the Service has no selector, so its EndpointSlices are written by hand (or by a controller)"
    return Hop("endpoints", BROKEN, why, evidence, command)


def _declares(pod: dict, target: Any, protocol: str) -> Optional[dict]:
    from .endpoints.hostports import container_ports

    number = port_number(target)
    return next((p for _, p in container_ports(pod) if (p.get("protocol") or "TCP") == protocol and (
        port_number(p.get("containerPort")) == number if number else p.get("name") == target)), None)


def _backing(service: dict, context: Context) -> Optional[List[dict]]:
    selector = field(service, "spec", "selector")
    if context.pods is None or not isinstance(selector, dict) or not selector:
        return None
    return [p for p in context.pods if namespace(p) == namespace(service) and selector_matches(selector, labels(p))]


def container_hop(service: dict, port: dict, context: Context) -> Hop:
    """The targetPort in the pods: a name must be declared by a container (FindPort: same name and protocol), a number
    need not be (declaring is informational), but a pod that declares other ports only is worth a warning."""
    target = port.get("targetPort", port.get("port"))
    protocol = port.get("protocol") or "TCP"
    pods = _backing(service, context)
    command = f"kubectl get pods -n {namespace(service)} -l {format_labels(field(service, 'spec', 'selector') or {})} " \
              "-o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.containers[*].ports}{\"\\n\"}{end}'"
    evidence = "pods spec.containers[*].ports"
    if pods is None:
        return Hop("container port", UNKNOWN, "the pods behind it were not read (a Service without a selector, or "
                   "pods not readable)", evidence, command)
    if not pods:
        return Hop("container port", UNKNOWN, "no pod to look at", evidence, command)
    declaring = [p for p in pods if _declares(p, target, protocol)]
    named = port_number(target) is None
    if len(declaring) == len(pods):
        found = _declares(declaring[0], target, protocol) or {}
        return Hop("container port", OK, f"{len(pods)} pod(s) declare {target} = "
                   f"{found.get('containerPort')}/{protocol}" if named else
                   f"{len(pods)} pod(s) declare {target}/{protocol}", evidence, command)
    missing = ", ".join(name(p) for p in pods if p not in declaring)
    if named:
        return Hop("container port", BROKEN if not declaring else WARNING,
                   f"targetPort {target} is a name no container of {missing} declares for {protocol}: "
                   "those pods get no traffic on it", evidence, command)
    if any(_ports_of(p) for p in pods if p not in declaring):
        return Hop("container port", WARNING, f"{missing} declare(s) other ports, not {target}/{protocol}: traffic "
                   "still goes there; is anything listening?", evidence, command)
    return Hop("container port", OK, f"port {target} (the pods declare no ports: declaring is optional)", evidence,
               command)


def _ports_of(pod: dict) -> List[dict]:
    from .endpoints.hostports import container_ports

    return [p for _, p in container_ports(pod)]


def policy_hop(pods: Optional[List[dict]], port: Any, protocol: str, source: Any, ns: str,
               policies: Optional[List[dict]], host_network: bool = False) -> Hop:
    """netpol.py's prediction for the first pod of each label set (their policies select them alike)."""
    from .netpol import admits

    command = f"kubectl get networkpolicies -n {ns} -o yaml"
    evidence = f"networkpolicies in {ns} spec.podSelector, spec.ingress"
    if host_network:
        return Hop("network policy", OK, "a host-network pod: NetworkPolicy does not apply to it (static prediction)",
                   evidence, command)
    if policies is None:
        return Hop("network policy", UNKNOWN, "NetworkPolicies could not be read", evidence, command)
    if not pods:
        return Hop("network policy", UNKNOWN, "no pod to predict for", evidence, command)
    number = port_number(port)
    distinct = {frozenset(labels(p).items()): p for p in pods}
    verdicts = []
    for pod in distinct.values():
        resolved = number or port_number((_declares(pod, port, protocol) or {}).get("containerPort"))
        if resolved:
            verdicts.append(admits(policies, pod, resolved, source, protocol))
    if not verdicts:
        return Hop("network policy", UNKNOWN, f"port {port} resolves to no number in the pods", evidence, command)
    worst = next((v for want in (BROKEN, UNKNOWN, OK) for v in verdicts if v.verdict == want))
    why = worst.why.replace(f"outside the cluster ({OUTSIDE})", "a client outside the cluster")
    return Hop("network policy", worst.verdict, why + " (static prediction)", evidence, command)


def service_hops(service: dict, port: dict, context: Context, source: Any) -> List[Hop]:
    """service port -> endpoints -> container port -> network policy; an ExternalName alias ends at its name."""
    if field(service, "spec", "type") == "ExternalName":
        evidence, command = _service_evidence(service, ".spec.externalName")
        return [Hop("service port", OK, f"service {name(service)} is an alias (ExternalName) of "
                    f"{field(service, 'spec', 'externalName')}: traffic leaves the cluster there", evidence, command)]
    pods = _backing(service, context)
    return [port_hop(service, port), endpoints_hop(service, context), container_hop(service, port, context),
            policy_hop(pods, port.get("targetPort", port.get("port")), port.get("protocol") or "TCP", source,
                       namespace(service), context.policies)]


def outside() -> Any:
    from .netpol import Source

    return Source(address=OUTSIDE)


def through_door() -> Any:
    """The front door's proxy pods, of a namespace not known here (netpol.py: a rule that names one is undecided)."""
    from .netpol import Source

    return Source()


# --- entrances of a Service --------------------------------------------------------------------------------------

def name_hop(endpoints: Sequence[Endpoint]) -> Optional[Hop]:
    """For a URL whose host is a DNS name: resolved only from this machine, and only with --probe."""
    from .addresses import ip_family

    names = sorted({e.host for e in endpoints if ip_family(e.host) is None})
    if not names:
        return None
    return Hop("name resolution", UNKNOWN, f"{', '.join(names)}{NOT_TRIED}", "DNS", f"getent hosts {names[0]}",
               THIS_MACHINE)


NOT_TRIED = ": not tried (--probe resolves it from this machine)"


def tried(h: Hop) -> bool:
    """Whether a hop was looked at: a name resolution without --probe was not (shown as `-`, never rolled up)."""
    return not (h.verdict == UNKNOWN and h.detail.endswith(NOT_TRIED))


def load_balancer_hop(service: dict, found: Found) -> Hop:
    from .loadbalancers import source_ranges

    evidence, command = _service_evidence(service, ".status.loadBalancer")
    endpoints = found.endpoints
    if not endpoints:
        why = "; ".join(found.warnings) or "no address in status.loadBalancer.ingress"
        return Hop("load balancer", BROKEN, why, evidence, command)
    hosts = ", ".join(dict.fromkeys(e.host for e in endpoints))
    facts = list(dict.fromkeys(w for e in endpoints for w in e.warnings))
    facts += [w for w in found.warnings if not any(e.dead and e.dead in w for e in endpoints)]
    dead = [e for e in endpoints if e.dead]
    verdict = BROKEN if len(dead) == len(endpoints) else WARNING if dead or any(e.internal for e in endpoints) or \
        source_ranges(service)[0] else OK
    providers = provisioned_by(service)
    shown = f"{hosts}" + (f" ({', '.join(providers)})" if providers else "")
    return Hop("load balancer", verdict, shown + (f": {'; '.join(facts)}" if facts else ""), evidence, command)


def provisioned_by(service: dict) -> List[str]:
    """The controllers (loadbalancers.py's table) that provision the Service's `loadBalancerClass`. Without a class,
    the cloud's own controller does, and which cloud it is cannot be told from the Service: its annotations only
    refine the answer (the facts a hop shows: internal, TLS...)."""
    from .loadbalancers import serving

    return [row.name for row in serving(service)] if field(service, "spec", "loadBalancerClass") else []


def node_port_hop(service: dict, port: dict, found: Found) -> Hop:
    evidence, command = _service_evidence(service, ".spec.ports[*].nodePort")
    nodes = ", ".join(f"{e.node} ({e.host})" for e in found.endpoints)
    notes = "; ".join(dict.fromkeys(found.warnings))
    if not found.endpoints:
        return Hop("node port", BROKEN, f"nodePort {port.get('nodePort')}: {notes or 'no usable node'}",
                   f"{evidence}; nodes status.addresses, status.conditions", command)
    private = all(e.warnings and "node has" in e.warnings[0] for e in found.endpoints)
    detail = f"nodePort {port.get('nodePort')} on {nodes}" + (f"; {notes}" if notes else "")
    if private:
        detail += "; the nodes have no ExternalIP: reachable only from their network"
    return Hop("node port", WARNING if private else OK, detail, evidence, command)


def external_ip_hop(service: dict, found: Found) -> Hop:
    evidence, command = _service_evidence(service, ".spec.externalIPs")
    if not found.endpoints:
        return Hop("external IP", BROKEN, "; ".join(found.warnings) or "no external IP programmed", evidence, command)
    ips = ", ".join(dict.fromkeys(e.host for e in found.endpoints))
    return Hop("external IP", OK, f"{ips} in spec.externalIPs: your network must route it to a node (not checked "
               "here)", evidence, command)


def service_ways(service: dict, ports: Sequence[dict], context: Context, pod: Optional[Any] = None) -> List[Way]:
    """The load balancer, node port and external IP ways into `service` through `ports` (`pod`: a PodTarget, for the
    view of one pod of an externalTrafficPolicy Local Service)."""
    from .endpoints.service import (external_ip_endpoints, is_headless, load_balancer_endpoints, node_port_endpoints)

    snapshot = context.snapshot
    kind = field(service, "spec", "type", default="ClusterIP")
    ways: List[Way] = []
    ref = f"svc/{name(service)}"
    for port in ports:
        through = f"{ref} port {port.get('port')}"
        tail = service_hops(service, port, context, outside())
        if kind == "LoadBalancer" and not is_headless(service):
            found = load_balancer_endpoints(service, [port], pod)
            entry = [load_balancer_hop(service, found)]
            ways.append(Way("LoadBalancer", through, found.endpoints, _with_name(found.endpoints, entry) + tail))
        if kind in ("NodePort", "LoadBalancer") and port_number(port.get("nodePort")) and not is_headless(service):
            found = node_port_endpoints(service, [port], snapshot.nodes, snapshot.ready_nodes(service), pod=pod)
            ways.append(Way("NodePort", f"{through} (nodePort {port.get('nodePort')})", found.endpoints,
                            _with_name(found.endpoints, [node_port_hop(service, port, found)]) + tail))
        if field(service, "spec", "externalIPs"):
            found = external_ip_endpoints(service, [port])
            ways.append(Way("ExternalIP", through, found.endpoints, [external_ip_hop(service, found)] + tail))
    return ways


def _with_name(endpoints: Sequence[Endpoint], hops: List[Hop]) -> List[Hop]:
    named = name_hop(endpoints)
    return ([named] if named else []) + hops


# --- front doors ---------------------------------------------------------------------------------------------------

def door_ways(snapshot: Snapshot, context: Context, ns: str, ports_by_service: Dict[str, List[dict]],
              objects: Optional[List[Tuple[FrontDoor, dict]]] = None) -> List[Way]:
    """Every front door object leading to these Service ports (`objects`: the ones to explain whatever they lead to,
    for a door target): its own hops (door.hops), then the Service hops of each backend it reaches."""
    from .reach import alias_port, is_alias

    def resolve(ref: BackendRef) -> Optional[dict]:
        service_ns = ref.namespace or ns
        if service_ns != ns or (ports_by_service and ref.service not in ports_by_service):
            return None
        service = snapshot.services_named(ns).get(ref.service)
        ports = ports_by_service.get(ref.service) or items(service, "spec", "ports")
        port = ref.port_in(ports, snapshot.endpoint_ports(ns, ref.service))
        return alias_port(ref) if port is None and is_alias(service) else port

    chosen = objects if objects is not None else [(d, o) for d in DOORS for o in d.reaching(snapshot, ns)]
    ways = []
    for door, obj in chosen:
        found = door.endpoints(obj, resolve, snapshot)
        hops = door.hops(obj, resolve, snapshot)
        if objects is None and not found.endpoints and any(h.name == "backend" and h.verdict == BROKEN for h in hops):
            continue  # it does not lead to this target
        ways.append(Way(door.method, door.kind_for(obj).ref(name(obj)), found.endpoints,
                        _with_name([e for e in found.endpoints if not e.host.startswith("*.")], hops) +
                        _backend_hops(found, snapshot, context, ns)))
    return ways


def _backend_hops(found: Found, snapshot: Snapshot, context: Context, ns: str) -> List[Hop]:
    hops: List[Hop] = []
    seen = set()
    for endpoint in found.endpoints:
        key = (endpoint.service, endpoint.service_port)
        if key in seen or not endpoint.service:
            continue
        seen.add(key)
        service = snapshot.services_named(endpoint.namespace or ns).get(endpoint.service)
        port = next((p for p in items(service, "spec", "ports") if port_number(p.get("port")) == endpoint.service_port),
                    None)
        if service is not None and port is not None:
            hops += service_hops(service, port, context, through_door())
    return hops


# --- the pod's own ways and the dead ends ----------------------------------------------------------------------------

def host_ways(pod: dict, context: Context) -> List[Way]:
    from .endpoints.hostports import node_endpoints

    found = node_endpoints(pod, context.snapshot.nodes)
    node = field(pod, "spec", "nodeName") or ""
    ways = []
    groups: Dict[Tuple[str, int], List[Endpoint]] = {}
    for endpoint in found.endpoints:
        groups.setdefault((endpoint.method, endpoint.port), []).append(endpoint)
    for (method, number), endpoints in groups.items():
        node_hop = Hop("node", OK, f"node {node} at {', '.join(dict.fromkeys(e.host for e in endpoints))}" +
                       "".join(f"; {w}" for w in dict.fromkeys(w for e in endpoints for w in e.warnings)),
                       f"node/{node} status.addresses", evidence_command(NODE_KIND, "", node, ".status.addresses"))
        host_network = method == "hostNetwork"
        where = ".spec.containers[*].ports"
        port_hop_ = Hop("container port", OK, f"{'the host network' if host_network else 'hostPort'} port {number}",
                        f"pod/{name(pod)} {where.lstrip('.')}", evidence_command(POD_KIND, namespace(pod), name(pod),
                                                                                 where))
        ways.append(Way(method, f"pod/{name(pod)} port {number}", endpoints, [
            node_hop, port_hop_, policy_hop([pod], number, "TCP", outside(), namespace(pod), context.policies,
                                            host_network)]))
    if found.warnings and not found.endpoints:
        ways.append(Way("hostPort", f"pod/{name(pod)}", [], [Hop("node", BROKEN, "; ".join(found.warnings),
                        f"node/{node} status", evidence_command(NODE_KIND, "", node, ".status"))]))
    return ways


def dead_end(through: str, name_: str, detail: str, evidence: str, command: str) -> Way:
    return Way("none", through, [], [Hop(name_, BROKEN, detail, evidence, command)])


def pod_ways(pod: dict, context: Context, done: Optional[set] = None) -> List[Way]:
    """A pod's ways in: its host ports, each Service that selects it through the ports that target it, and their
    front doors; or the hop that stops it (not scheduled, ended, selected by no Service, no port targets it)."""
    from .endpoints.hostports import ended_warning, has_ended
    from .endpoints.service import PodTarget, is_local
    from .reach import ports_targeting

    snapshot = context.snapshot
    ref, ns = f"pod/{name(pod)}", namespace(pod)
    pod_command = evidence_command(POD_KIND, ns, name(pod), ".status")
    if has_ended(pod):
        return [dead_end(ref, "pod", ended_warning(pod), f"{ref} status.phase", pod_command)]
    node = field(pod, "spec", "nodeName")
    if not node:
        return [dead_end(ref, "pod", f"{field(pod, 'status', 'phase') or 'Pending'} and not scheduled to a node",
                         f"{ref} spec.nodeName", pod_command)]
    ways = host_ways(pod, context)
    services = context.selecting(pod)
    if not services and not ways:
        return [dead_end(ref, "service", f"no Service selects pod {name(pod)} (labels {format_labels(labels(pod))})",
                         f"{ref} metadata.labels; services spec.selector",
                         f"kubectl get services -n {ns} -o wide")]
    routes: Dict[str, List[dict]] = {}
    for service in services:
        ports = ports_targeting(service, pod)
        if not ports:
            evidence, command = _service_evidence(service, ".spec.ports")
            targets = ", ".join(str(p.get("targetPort", p.get("port"))) for p in items(service, "spec", "ports"))
            declared = ", ".join(f"{p['name']}={p.get('containerPort')}" if p.get("name") else
                                 str(p.get("containerPort")) for p in _ports_of(pod)) or "no ports"
            ways.append(dead_end(f"svc/{name(service)}", "service port", f"service {name(service)} selects pod "
                                 f"{name(pod)} but none of its ports targets a port the pod declares (targets "
                                 f"{targets or 'nothing'}; the pod declares {declared})", evidence, command))
            continue
        routes[name(service)] = ports
        if done is not None and (ns, name(service)) in done:
            continue
        target = PodTarget(name(pod), node) if is_local(service) and done is None else None
        ways += service_ways(service, ports, context, target) or []
    if routes and (done is None or not set((ns, s) for s in routes) <= done):  # a workload's pods share their front doors
        ways += door_ways(snapshot, context, ns, routes)
    if done is None and condition_true(pod, "Ready") is False:  # one pod's view (a workload's: workload_ready)
        through_services(ways, Hop("pod ready", BROKEN, f"pod {name(pod)} is not Ready: its Services send it no "
                                   "traffic", f"{ref} status.conditions",
                                   evidence_command(POD_KIND, ns, name(pod), ".status.conditions")))
    return ways


def through_services(ways: List[Way], readiness: Hop) -> None:
    """A readiness hop on each way through a Service (a host port or host network does not depend on readiness)."""
    for way in ways:
        if way.method not in ("hostNetwork", "hostPort", "none"):
            way.hops.append(readiness)


def explain_target(kind_name: str, obj: dict, pods: Optional[List[dict]], snapshot: Snapshot,
                   policies: Optional[List[dict]]) -> List[Way]:
    """Every way into the target (a pod, a Service, a workload, or one front door object), in the order of the
    answer's ranking where one exists (the ways as computed: Service entrances, then front doors, then host ports)."""
    kind = BY_NAME[kind_name]
    context = Context(snapshot, pods, policies)
    ns = namespace(obj)
    if kind.role == POD:
        return _unique(pod_ways(obj, Context(snapshot, [obj], policies)))
    if kind.role == SERVICE:
        ways = service_ways(obj, items(obj, "spec", "ports"), context)
        ways += door_ways(snapshot, context, ns, {name(obj): items(obj, "spec", "ports")})
        if not ways:
            evidence, command = _service_evidence(obj, ".spec.type")
            kind_of = field(obj, "spec", "type", default="ClusterIP")
            ways.append(dead_end(f"svc/{name(obj)}", "service type", f"type {kind_of} and no front door routes to it: "
                                 "nothing outside the cluster reaches it", evidence, command))
        return ways
    if kind.role == WORKLOAD:
        if not pods:
            selector = label_selector_string(field(obj, "spec", "selector")) or "<none>"
            return [dead_end(kind.ref(name(obj)), "pods", f"no pods (selector {selector})",
                             f"{kind.ref(name(obj))} spec.selector, status.replicas",
                             evidence_command(kind, ns, name(obj), ".status"))]
        ways = []
        done: set = set()
        for pod in pods:
            ways += pod_ways(pod, context, done)
            done |= {(namespace(s), name(s)) for s in context.selecting(pod)}
        return workload_ready(kind.ref(name(obj)), pods, _unique(ways))
    door = BY_ROLE[kind.role]
    return door_ways(snapshot, context, ns, {}, [(door, obj)])


def workload_ready(ref: str, pods: List[dict], ways: List[Way]) -> List[Way]:
    """A workload's pods that are not Ready get no traffic from its Services: a warning on each way through a Service
    while some are Ready, broken when none is (host ports do not depend on readiness)."""
    unready = [p for p in pods if condition_true(p, "Ready") is False]
    if not unready:
        return ways
    verdict = BROKEN if len(unready) == len(pods) else WARNING
    shown = ", ".join(name(p) for p in unready[:3]) + (f" and {len(unready) - 3} more" if len(unready) > 3 else "")
    through_services(ways, Hop("pods ready", verdict, f"{len(unready)} of {len(pods)} pod(s) not Ready ({shown}): its "
                               "Services send them no traffic", f"{ref} pods status.conditions",
                               f"kubectl get pods -n {namespace(pods[0])} -o wide"))
    return ways


def _unique(ways: Iterable[Way]) -> List[Way]:
    seen: Dict[Tuple[str, str, tuple], Way] = {}
    for way in ways:
        seen.setdefault((way.method, way.through, tuple(way.urls)), way)
    return list(seen.values())


# --- vantages ------------------------------------------------------------------------------------------------------

PROBE_VERDICTS = {"ok": OK, "skipped": UNKNOWN}  # anything else (refused, timeout, tls-error, error): broken


def add_probes(ways: Sequence[Way], probes: Dict[tuple, Any]) -> None:
    """--probe's answers as hops seen from this machine, one per URL; a name that did not resolve breaks the name
    resolution hop (a probe may still have reached the proxy's address with the name as Host: its own hop says so),
    one that connected shows it resolved."""
    for way in ways:
        tried = [(e, probes[e.key()]) for e in way.endpoints if e.key() in probes]
        for endpoint, probe in tried:
            way.hops.append(Hop(f"probe {endpoint.url}", PROBE_VERDICTS.get(probe.status, BROKEN),
                                f"{probe.status}: {probe.detail}".rstrip(": "), "a connection from this machine",
                                f"curl -sS -o /dev/null -w '%{{http_code}}\\n' {endpoint.url}"
                                if endpoint.scheme in ("http", "https") else f"nc -vz {endpoint.host} {endpoint.port}",
                                THIS_MACHINE))
        for index, existing in enumerate(way.hops):
            if existing.name != "name resolution" or not tried:
                continue
            unresolved = [part for _, p in tried for part in p.detail.split("; ") if "does not resolve" in part]
            connected = [p for _, p in tried if p.status in ("ok", "refused", "timeout", "tls-error")]
            if unresolved:  # a name that does not resolve here, even where its proxy's address answered
                way.hops[index] = existing._replace(verdict=BROKEN, detail=unresolved[0].split(": reached")[0])
            elif connected:
                way.hops[index] = existing._replace(verdict=OK, detail=existing.detail[:-len(NOT_TRIED)] +
                                                    ": resolved here (the probe connected)")


# --- the summary ---------------------------------------------------------------------------------------------------

def summary(ways: Sequence[Way]) -> str:
    counts: Dict[str, int] = {}
    for way in ways:
        counts[way.verdict()] = counts.get(way.verdict(), 0) + 1
    parts = [f"{counts[v]} {v}" for v in (HEALTHY, DEGRADED, UNKNOWN_WAY, BROKEN_WAY) if counts.get(v)]
    return f"{len(ways)} way(s) in: {', '.join(parts) or 'none'}"
