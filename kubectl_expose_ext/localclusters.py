"""Clusters that run on this machine (minikube, kind, k3d, Docker Desktop, Rancher Desktop): their node IPs are
usually a VM's or a container network's, not reachable from the host (macOS and Windows always; Linux depends on the
driver), and each has its own way in. Pure: node names in, a note and the way that works out.

Told apart by node names, which the node Table prints (labels and providerID would need the full node objects,
~100x the bytes on a large cluster; a local cluster is small but is not known to be one before the LIST): every
node must match, so one oddly named node in a real cluster does not make it "local".
"""

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Set, Tuple

from .endpoints import Endpoint

NODE_METHODS = ("NodePort", "hostPort", "hostNetwork", "LoadBalancer")  # URLs on a node's (or its LB's) address


def on_this_machine(found, nodes) -> None:
    """Where every node is a local cluster's: note it on each URL on a node's address, and add the way in that works
    (one hint per distinct way). `found`: an answer's endpoints; `nodes`: its NodeTable, whose cluster and node
    hosts are found once per table (NodeTable.fact), not once per answer."""
    cluster, hosts = nodes.fact("local cluster", _local)
    if cluster is None:
        return
    for endpoint in found.endpoints:
        if endpoint.method in NODE_METHODS and (endpoint.node or endpoint.host in hosts):
            endpoint.warnings.append(cluster.note)
            found.hints.append(cluster.how(endpoint))
    found.hints[:] = list(dict.fromkeys(found.hints))


def _local(nodes) -> Tuple[Optional["LocalCluster"], Set[str]]:
    """The local cluster the nodes are, and (only then) their hosts."""
    cluster = local_cluster(nodes.names())
    return cluster, set() if cluster is None else {address.host for address in nodes.addresses.values()}


@dataclass(frozen=True)
class LocalCluster:
    name: str
    node: Callable[[str], bool]  # whether a node name is one of this tool's
    note: str  # for the rows whose address is a node's
    how: Callable[[Endpoint], str]  # the way in that works from this machine, for one URL


def _localhost(endpoint: Endpoint, tool: str) -> str:
    return f"{tool} forwards {endpoint.method} ports to this machine: http://localhost:{endpoint.port}"


def _port_map(endpoint: Endpoint, tool: str, flag: str) -> str:
    return f"{tool} nodes are containers: publish the port to reach it, {flag.format(port=endpoint.port)}, or " + (
        f"kubectl port-forward svc/{endpoint.service} {endpoint.service_port}" if endpoint.service
        else "kubectl port-forward the pod")


LOCAL_CLUSTERS = (
    LocalCluster("minikube", lambda n: n == "minikube" or re.fullmatch(r"minikube-m\d+", n) is not None,
                 "minikube node: reachable from this machine only with a VM driver (or docker on Linux)",
                 lambda e: (f"minikube service {e.service} -n {e.namespace} --url" if e.service and e.method != "hostPort"
                            else "minikube ip, then that port (VM drivers), or kubectl port-forward the pod")),
    LocalCluster("Docker Desktop", lambda n: n == "docker-desktop" or re.fullmatch(r"desktop-(control-plane|worker\d*)",
                                                                                 n) is not None,
                 "Docker Desktop node: its IP is inside Docker's VM", lambda e: _localhost(e, "Docker Desktop")),
    LocalCluster("Rancher Desktop", lambda n: n in ("lima-rancher-desktop", "rancher-desktop"),
                 "Rancher Desktop node: its IP is inside Rancher Desktop's VM", lambda e: _localhost(e, "Rancher Desktop")),
    LocalCluster("k3d", lambda n: re.fullmatch(r"k3d-.+-(server|agent)-\d+", n) is not None,
                 "k3d node: a container's IP (reachable from the Docker host on Linux only)",
                 lambda e: _port_map(e, "k3d", "k3d cluster create -p '{port}:{port}@server:0'")),
    LocalCluster("kind", lambda n: re.fullmatch(r".+-(control-plane\d*|worker\d*)", n) is not None,
                 "kind node: a container's IP (reachable from the Docker host on Linux only)",
                 lambda e: _port_map(e, "kind", "extraPortMappings: [{{containerPort: {port}, hostPort: {port}}}] in "
                                                "the kind cluster's config")),
)


def local_cluster(node_names: Iterable[str]) -> Optional[LocalCluster]:
    """The tool running this cluster on a laptop, when every node is named as that tool names them."""
    names = list(node_names)
    if not names:
        return None
    return next((c for c in LOCAL_CLUSTERS if all(c.node(n) for n in names)), None)
