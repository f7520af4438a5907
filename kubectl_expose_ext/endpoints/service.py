"""NodePort, LoadBalancer and ExternalIP endpoints of a Service."""

from typing import List, NamedTuple, Optional, Set

from ..addresses import AUTO, NodeTable, address_warning, ip_family
from ..loadbalancers import port_key, read, source_ranges, status_reason
from ..objects import field, items, name, namespace, port_number, strings
from ..scheme import port_scheme
from . import Endpoint, Found

EXPOSING_TYPES = ("NodePort", "LoadBalancer")


def internal_load_balancer(service: dict) -> Optional[str]:
    """Why the Service's load balancer is internal by its controller's rules (loadbalancers.py), else None."""
    return read(service).internal


def is_headless(service: dict) -> bool:
    """`clusterIP: None`: kube-proxy programs nothing for it (ShouldSkipService), externalIPs included."""
    return field(service, "spec", "clusterIP") == "None"


def single_family(service: dict) -> Optional[str]:
    """IPv4 or IPv6 for a single-stack Service (`ipFamilies` of one), else None (dual-stack, or not said)."""
    families = strings(service, "spec", "ipFamilies")
    return families[0] if len(families) == 1 else None


def service_port_scheme(port: dict) -> str:
    return port_scheme(port.get("appProtocol"), port.get("name"), (port_number(port.get("port")),),
                       port.get("protocol") or "TCP")


def _endpoint(service: dict, port: dict, method: str, host: str, number: int, **extra) -> Endpoint:
    return Endpoint(method=method, scheme=service_port_scheme(port), host=host, port=number,
                    service=name(service), service_port=port_number(port.get("port")),
                    target_port=port.get("targetPort", port.get("port")), namespace=namespace(service), **extra)


class PodTarget(NamedTuple):
    """The one pod a target view is about: with `externalTrafficPolicy: Local`, a node port or load balancer
    reaches it only through its own node."""

    name: str
    node: str


def is_local(service: dict) -> bool:
    return field(service, "spec", "externalTrafficPolicy") == "Local"


def node_port_endpoints(service: dict, ports: List[dict], nodes: NodeTable, ready_nodes: Optional[Set[str]],
                        nodes_per_port: Optional[int] = None, pod: Optional[PodTarget] = None) -> Found:
    """One endpoint per usable node x port with a nodePort (the best `nodes_per_port` nodes, when given).

    `externalTrafficPolicy: Local` keeps only the nodes in `ready_nodes` (those hosting a ready
    endpoint, from EndpointSlices): the other nodes drop the traffic. For one `pod`, only its own node.
    """
    found = Found()
    with_node_port = [(p, number) for p in ports for number in [port_number(p.get("nodePort"))] if number]
    if not with_node_port:
        return found
    svc = name(service)
    if not nodes.known:
        why = f" ({nodes.unavailable})" if nodes.unavailable else ""
        return found.warn(f"service {svc}: node list unavailable{why}: NodePort URLs not computed")
    local = is_local(service)
    family = single_family(service)  # a single-stack service answers on that family only
    addresses = nodes.for_family(family)
    candidates = nodes.usable(family)
    if family and len(addresses) < len(nodes.addresses):
        kind = "" if nodes.address_type == AUTO else f" {nodes.address_type}"
        found.warn(f"service {svc} is {family} single-stack: {len(nodes.addresses) - len(addresses)} node(s) "
                   f"with no {family}{kind} address skipped")
    local_note = []
    if local and pod is not None:
        ready_nodes = {pod.node} & (ready_nodes if ready_nodes is not None else {pod.node})
        candidates = [n for n in [pod.node] if n in ready_nodes and n in addresses]
        local_note = [f"externalTrafficPolicy Local: reaches pod {pod.name} only through its node {pod.node}"]
        if not candidates:
            found.warn(f"service {svc}: externalTrafficPolicy Local and pod {pod.name}'s node {pod.node or '(none)'} "
                       "hosts no ready endpoint of it: its NodePort does not reach the pod")
    elif local and ready_nodes is None:
        found.warn(f"service {svc}: externalTrafficPolicy Local, but its EndpointSlices are unavailable: "
                   "only the nodes that host one of its ready pods answer")
    elif ready_nodes is not None and local:
        candidates = [n for n in candidates if n in ready_nodes]
        skipped = len(addresses) - len(candidates)
        if not candidates:
            found.warn(f"service {svc}: externalTrafficPolicy Local and no node hosts a ready endpoint: "
                       "its NodePort answers on no node")
        elif skipped:
            found.warn(f"service {svc}: externalTrafficPolicy Local: NodePort answers only on the "
                       f"{len(candidates)} node(s) hosting a ready endpoint ({skipped} other node(s) skipped)")
    for warning in nodes.skipped_warnings(only=ready_nodes if local else None):
        found.warn(f"service {svc}: {warning}")
    if not addresses:
        found.warn(f"service {svc}: no usable node for its NodePort")
    shown = candidates if nodes_per_port is None else candidates[:nodes_per_port]
    others = len(candidates) - len(shown)
    for port, node_port in with_node_port:
        for node_name in shown:
            address = addresses[node_name]
            notes = ([address_warning(address)] if address_warning(address) else []) + local_note
            if others:
                notes.append(f"+{others} more node(s): kubectl reach -n {namespace(service)} svc/{svc}")
            found.endpoints.append(_endpoint(service, port, "NodePort", address.host, node_port,
                                             node=node_name, warnings=notes))
    return found


# kubernetes.io docs, Service "load balancer IP mode": with Proxy the load balancer delivers connections from its own
# address, and kube-proxy does not short-circuit the LB IP for clients inside the cluster.
IP_MODE_PROXY = "ipMode Proxy: the load balancer proxies connections (pods see its address, not the client's)"
TLS_SCHEMES = {"http": "https", "https": "https", "tcp": "https", "ws": "wss", "wss": "wss"}


def port_error(entry: dict, key: tuple) -> Optional[str]:
    """`status.loadBalancer.ingress[].ports[].error` for one (port, protocol): a listener the cloud failed to set up."""
    for status in items(entry, "ports"):
        if (port_number(status.get("port")), str(status.get("protocol") or "TCP").upper()) == key and \
                isinstance(status.get("error"), str) and status["error"]:
            return status["error"]
    return None


def load_balancer_endpoints(service: dict, ports: List[dict], pod: Optional[PodTarget] = None) -> Found:
    """One endpoint per `status.loadBalancer.ingress` entry (ip, else hostname) x port, as its controller builds it
    (loadbalancers.py): internal or not, TLS at the load balancer (https whatever the backend speaks), a port the
    cloud reports an error on (the URL is dead), `ipMode: Proxy`, and the source ranges it accepts."""
    found = Found()
    svc = name(service)
    reading = read(service)
    found.warnings.extend(f"service {svc}: {warning}" for warning in reading.warnings)
    entries = [(e, h) for e in items(service, "status", "loadBalancer", "ingress") for h in [e.get("ip") or e.get("hostname")]
               if isinstance(h, str) and h]
    if not entries:
        return found.warn(f"service {svc}: load balancer pending (no address in status.loadBalancer.ingress yet)")
    ranges, origin = source_ranges(service)
    shown = "" if origin == "loadBalancerSourceRanges" else f" ({origin})"
    notes = [f"load balancer accepts only {', '.join(ranges)}{shown}"] if ranges else []
    if pod is not None and is_local(service):
        notes.append(f"externalTrafficPolicy Local: reaches pod {pod.name} only through its node {pod.node}")
    for port in ports:
        number = port_number(port.get("port"))
        if not number:
            continue
        key = port_key(port)
        tls = reading.tls.get(key)
        for entry, host in entries:
            endpoint = _endpoint(service, port, "LoadBalancer", host, number, warnings=list(notes))
            if tls:
                endpoint.scheme = TLS_SCHEMES.get(endpoint.scheme, endpoint.scheme)
                endpoint.warnings.insert(0, f"TLS ends at the load balancer ({tls})")
            if entry.get("ipMode") == "Proxy":
                endpoint.warnings.append(IP_MODE_PROXY)
            error = port_error(entry, key)
            if error:
                endpoint.dead = f"the load balancer reports an error on port {number}/{key[1]}: {error}"
                endpoint.warnings.insert(0, endpoint.dead)
                found.warn(f"service {svc}: {endpoint.dead} ({host})")
            found.endpoints.append(endpoint.note_internal(reading.internal or status_reason(host)))
    return found


def external_ip_endpoints(service: dict, ports: List[dict]) -> Found:
    """`spec.externalIPs` x ports: the cluster routes these IPs, if something sends the packets there.

    kube-proxy programs only the externalIPs of the Service's own IP families (a single-stack IPv4 Service never
    answers on an IPv6 externalIP), and none at all for a headless Service."""
    found = Found()
    external = strings(service, "spec", "externalIPs")
    if not external:
        return found
    if is_headless(service):
        return found.warn(f"service {name(service)} is headless (clusterIP: None): kube-proxy does not program its "
                          f"externalIPs ({', '.join(external)})")
    families = strings(service, "spec", "ipFamilies")
    wrong = [ip for ip in external if families and ip_family(ip) not in (None, *families)]
    if wrong:
        found.warn(f"service {name(service)} is {' and '.join(families)}: its externalIPs {', '.join(wrong)} "
                   "of another IP family are not programmed")
    for ip in (ip for ip in external if ip not in wrong):
        for port in ports:
            number = port_number(port.get("port"))
            if number:
                found.endpoints.append(_endpoint(service, port, "ExternalIP", ip, number))
    return found


def service_endpoints(service: dict, ports: List[dict], nodes: NodeTable, ready_nodes: Optional[Set[str]],
                      nodes_per_port: Optional[int] = None, pod: Optional[PodTarget] = None) -> Found:
    """Every non-Ingress way into `service` through the given ports (a subset of its ports); `pod`: the view of
    one pod, which a `Local` Service reaches only through that pod's node."""
    kind = field(service, "spec", "type", default="ClusterIP")
    found = Found()
    if is_headless(service) and kind in EXPOSING_TYPES:  # the API server refuses this; a hostile one may not
        return found.warn(f"service {name(service)} is headless (clusterIP: None): kube-proxy programs no node port "
                          "or load balancer for it")
    if kind in EXPOSING_TYPES:
        found.add(node_port_endpoints(service, ports, nodes, ready_nodes, nodes_per_port, pod))
    if kind == "LoadBalancer":
        found.add(load_balancer_endpoints(service, ports, pod))
    if kind != "ExternalName":
        found.add(external_ip_endpoints(service, ports))
    return found


def is_exposed(service: dict) -> bool:
    """Whether a Service offers any way in from outside by itself (Ingress aside); a headless one with
    externalIPs is listed too: its warning says why it offers nothing."""
    kind = field(service, "spec", "type", default="ClusterIP")
    return kind in EXPOSING_TYPES or (kind != "ExternalName" and bool(strings(service, "spec", "externalIPs")))


def has_node_ports(service: dict) -> bool:
    """NodePort services always have nodePorts (allocated if not given); LoadBalancers unless told not to."""
    kind = field(service, "spec", "type")
    if kind not in EXPOSING_TYPES:
        return False
    return (kind == "NodePort" or field(service, "spec", "allocateLoadBalancerNodePorts") is not False
            or any(port_number(p.get("nodePort")) for p in items(service, "spec", "ports")))
