"""hostNetwork and hostPort: the pod is reached on its own node's address."""

from typing import Iterator, List, Optional, Tuple

from ..addresses import NodeAddress, NodeTable, address_warning
from ..objects import field, items, name, namespace, port_number
from ..scheme import port_scheme
from . import Endpoint, Found

_ANY_ADDRESS = ("", "0.0.0.0", "::")
ENDED = ("Failed", "Succeeded")  # an evicted or completed pod: its sandbox is gone, nothing listens for it


def has_ended(pod: dict) -> bool:
    return field(pod, "status", "phase") in ENDED


def ended_warning(pod: dict) -> str:
    reason = field(pod, "status", "reason")
    return (f"pod {name(pod)} has ended (phase {field(pod, 'status', 'phase')}{', ' + reason if reason else ''}): "
            "nothing listens for it any more")


def _is_loopback(address: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def running_containers(pod: dict) -> List[dict]:
    """The containers that run beside the app: every container, and the native sidecars (initContainers with
    `restartPolicy: Always`, Kubernetes 1.28+), whose ports count as the pod's (FindPort, the kubelet's hostPorts)."""
    sidecars = [c for c in items(pod, "spec", "initContainers") if c.get("restartPolicy") == "Always"]
    return items(pod, "spec", "containers") + sidecars


def container_ports(pod: dict) -> Iterator[Tuple[dict, dict]]:
    """(container, port) for every declared port of every running container (sidecars included)."""
    for container in running_containers(pod):
        for port in items(container, "ports"):
            yield container, port


def _pod_endpoint(pod: dict, port: dict, method: str, host: str, number: int,
                  node: Optional[str], warnings) -> Endpoint:
    container_port = port_number(port.get("containerPort"))
    return Endpoint(method=method, host=host, port=number, node=node, warnings=warnings,
                    scheme=port_scheme(None, port.get("name"), (number, container_port), port.get("protocol") or "TCP"),
                    target_port=container_port, namespace=namespace(pod))


def _node_of(pod: dict, node_address: Optional[NodeAddress], why_not: Optional[str], method: str, found: Found):
    node = field(pod, "spec", "nodeName")
    if not node:
        found.warn(f"pod {name(pod)} uses {method} but is not scheduled to a node yet")
    elif node_address is None:
        found.warn(f"pod {name(pod)} uses {method} but {why_not or f'node {node} has no usable address'}")
    return node


def host_network_endpoints(pod: dict, node_address: Optional[NodeAddress], why_not: Optional[str] = None) -> Found:
    """The node's address x each declared containerPort (the pod shares the node's network)."""
    found = Found()
    if field(pod, "spec", "hostNetwork") is not True or has_ended(pod):
        return found
    node = _node_of(pod, node_address, why_not, "hostNetwork", found)
    ports = list(container_ports(pod))
    if not ports:
        found.warn(f"pod {name(pod)} uses hostNetwork but declares no containerPort: "
                   "it listens on the node on ports only its image knows")
    if not node or node_address is None:
        return found
    note = address_warning(node_address)
    for _, port in ports:
        number = port_number(port.get("containerPort"))
        if number:
            found.endpoints.append(_pod_endpoint(pod, port, "hostNetwork", node_address.host, number, node,
                                                 [note] if note else []))
    return found


def host_port_endpoints(pod: dict, node_address: Optional[NodeAddress], why_not: Optional[str] = None) -> Found:
    """The node's address (or the port's own hostIP) : hostPort, for every port that sets one."""
    found = Found()
    if field(pod, "spec", "hostNetwork") is True or has_ended(pod):
        return found  # hostNetwork: hostPort == containerPort there, reported once, as hostNetwork
    ports = [p for _, p in container_ports(pod) if port_number(p.get("hostPort"))]
    if not ports:
        return found
    node = _node_of(pod, node_address, why_not, "hostPort", found)
    if not node:
        return found
    for port in ports:
        host_ip: str = port["hostIP"] if isinstance(port.get("hostIP"), str) else ""
        if _is_loopback(host_ip):
            found.warn(f"pod {name(pod)}: hostPort {port.get('hostPort')} is bound to the node's loopback "
                       f"(hostIP {host_ip}): reachable only from node {node} itself")
            continue
        if host_ip not in _ANY_ADDRESS:
            host, notes = host_ip, []
        elif node_address is not None:
            note = address_warning(node_address)
            host, notes = node_address.host, [note] if note else []
        else:
            continue
        found.endpoints.append(_pod_endpoint(pod, port, "hostPort", host, port_number(port["hostPort"]) or 0, node,
                                             notes))  # (never 0: `ports` keeps valid hostPorts only)
    return found


def uses_host_network(pod: dict) -> bool:
    """Whether the pod is reached on its node at all: hostNetwork, or a container port with a hostPort (an ended
    pod is not: its sandbox is gone)."""
    if has_ended(pod):
        return False
    return field(pod, "spec", "hostNetwork") is True or any(
        port_number(p.get("hostPort")) and not _is_loopback(str(p.get("hostIP") or "")) for _, p in container_ports(pod))


def node_endpoints(pod: dict, nodes: NodeTable) -> Found:
    """hostNetwork and hostPort endpoints of a pod, on its node's address from the node table."""
    node_address, why_not = nodes.lookup(field(pod, "spec", "nodeName", default=""))
    return host_network_endpoints(pod, node_address, why_not).add(host_port_endpoints(pod, node_address, why_not))
