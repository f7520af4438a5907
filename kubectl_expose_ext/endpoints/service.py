"""NodePort, LoadBalancer and ExternalIP endpoints of a Service."""

from typing import List, Optional, Set

from ..addresses import NodeTable, address_warning
from ..objects import field, items, name, namespace, port_number, strings
from ..scheme import port_scheme
from . import Endpoint, Found

EXPOSING_TYPES = ("NodePort", "LoadBalancer")


def service_port_scheme(port: dict) -> str:
    return port_scheme(port.get("appProtocol"), port.get("name"), (port_number(port.get("port")),),
                       port.get("protocol") or "TCP")


def _endpoint(service: dict, port: dict, method: str, host: str, number: int, **extra) -> Endpoint:
    return Endpoint(method=method, scheme=service_port_scheme(port), host=host, port=number,
                    service=name(service), service_port=port_number(port.get("port")),
                    target_port=port.get("targetPort", port.get("port")), namespace=namespace(service), **extra)


def node_port_endpoints(service: dict, ports: List[dict], nodes: NodeTable,
                        ready_nodes: Optional[Set[str]], nodes_per_port: Optional[int] = None) -> Found:
    """One endpoint per usable node x port with a nodePort (the best `nodes_per_port` nodes, when given).

    `externalTrafficPolicy: Local` keeps only the nodes in `ready_nodes` (those hosting a ready
    endpoint, from EndpointSlices): the other nodes drop the traffic.
    """
    found = Found()
    with_node_port = [(p, number) for p in ports for number in [port_number(p.get("nodePort"))] if number]
    if not with_node_port:
        return found
    svc = name(service)
    if not nodes.known:
        why = f" ({nodes.unavailable})" if nodes.unavailable else ""
        return found.warn(f"service {svc}: node list unavailable{why}: NodePort URLs not computed")
    local = field(service, "spec", "externalTrafficPolicy") == "Local"
    families = strings(service, "spec", "ipFamilies")
    family = families[0] if len(families) == 1 else None  # a single-stack service answers on that family only
    addresses = nodes.for_family(family)
    candidates = nodes.usable(family)
    if family and len(addresses) < len(nodes.addresses):
        found.warn(f"service {svc} is {family} single-stack: {len(nodes.addresses) - len(addresses)} node(s) "
                   f"with no {family} address skipped")
    if local and ready_nodes is None:
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
            notes = [address_warning(address)] if address_warning(address) else []
            if others:
                notes.append(f"+{others} more node(s): kubectl reach -n {namespace(service)} svc/{svc}")
            found.endpoints.append(_endpoint(service, port, "NodePort", address.host, node_port,
                                             node=node_name, warnings=notes))
    return found


def load_balancer_endpoints(service: dict, ports: List[dict]) -> Found:
    """One endpoint per `status.loadBalancer.ingress` entry (ip, else hostname) x port."""
    found = Found()
    svc = name(service)
    hosts = [h for e in items(service, "status", "loadBalancer", "ingress") for h in [e.get("ip") or e.get("hostname")]
             if isinstance(h, str) and h]
    if not hosts:
        return found.warn(f"service {svc}: load balancer pending (no address in status.loadBalancer.ingress yet)")
    ranges = strings(service, "spec", "loadBalancerSourceRanges")
    notes = [f"load balancer accepts only {', '.join(ranges)}"] if ranges else []
    for port in ports:
        number = port_number(port.get("port"))
        if number:
            for host in hosts:
                found.endpoints.append(_endpoint(service, port, "LoadBalancer", host, number, warnings=list(notes)))
    return found


def external_ip_endpoints(service: dict, ports: List[dict]) -> Found:
    """`spec.externalIPs` x ports: the cluster routes these IPs, if something sends the packets there."""
    found = Found()
    for ip in strings(service, "spec", "externalIPs"):
        for port in ports:
            number = port_number(port.get("port"))
            if number:
                found.endpoints.append(_endpoint(service, port, "ExternalIP", ip, number))
    return found


def service_endpoints(service: dict, ports: List[dict], nodes: NodeTable,
                      ready_nodes: Optional[Set[str]], nodes_per_port: Optional[int] = None) -> Found:
    """Every non-Ingress way into `service` through the given ports (a subset of its ports)."""
    kind = field(service, "spec", "type", default="ClusterIP")
    found = Found()
    if kind in EXPOSING_TYPES:
        found.add(node_port_endpoints(service, ports, nodes, ready_nodes, nodes_per_port))
    if kind == "LoadBalancer":
        found.add(load_balancer_endpoints(service, ports))
    if kind != "ExternalName":
        found.add(external_ip_endpoints(service, ports))
    return found


def is_exposed(service: dict) -> bool:
    """Whether a Service offers any way in from outside by itself (Ingress aside)."""
    kind = field(service, "spec", "type", default="ClusterIP")
    return kind in EXPOSING_TYPES or (kind != "ExternalName" and bool(strings(service, "spec", "externalIPs")))


def has_node_ports(service: dict) -> bool:
    """NodePort services always have nodePorts (allocated if not given); LoadBalancers unless told not to."""
    kind = field(service, "spec", "type")
    if kind not in EXPOSING_TYPES:
        return False
    return (kind == "NodePort" or field(service, "spec", "allocateLoadBalancerNodePorts") is not False
            or any(port_number(p.get("nodePort")) for p in items(service, "spec", "ports")))
