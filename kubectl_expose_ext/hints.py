"""What does work when no external endpoint does: port-forward now, and how to expose the target. Pure."""

from typing import List, Optional, Tuple

from .endpoints.hostports import container_ports
from .kinds import BY_NAME, POD, ROUTE_ROLES, INGRESS, SERVICE, short_ref
from .objects import field, items, labels, name, namespace, port_number


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
            return short_ref(kind, owner_name)
    return None


def is_cluster_ip(service: dict) -> bool:
    """A plain ClusterIP Service (not headless): the one `convert --to nodeport` is offered for."""
    return field(service, "spec", "type", default="ClusterIP") == "ClusterIP" and field(service, "spec", "clusterIP") != "None"


def port_forward_target(kind: str, obj: dict, pods: List[dict]) -> Optional[Tuple[str, str, Optional[int]]]:
    """(namespace, ref, remote port) that `kubectl port-forward` can use for the target, or None where it cannot work:
    a Service without a selector or an alias (port-forward picks a pod through the selector), a front door (its
    Services are the ones to forward), a workload or pod with no running pod. The hint and --fallback both use it."""
    ns, ref, role = namespace(obj), short_ref(kind, name(obj)), BY_NAME[kind].role
    if role == SERVICE:
        ports = items(obj, "spec", "ports")
        selects = field(obj, "spec", "type") != "ExternalName" and bool(field(obj, "spec", "selector"))
        return (ns, ref, port_number(ports[0].get("port")) if ports else None) if selects else None
    if role == INGRESS or role in ROUTE_ROLES:
        return None
    pods = [obj] if role == POD else pods
    sample = pods[0] if pods else {"spec": field(obj, "spec", "template", "spec", default={})}
    port = next((p for p in (port_number(p.get("containerPort")) for _, p in container_ports(sample)) if p), None)
    running = any(field(p, "status", "phase") in (None, "Running") and field(p, "spec", "nodeName") for p in pods)
    return (ns, ref, port) if running else None


def fallback_hints(kind: str, obj: dict, pods: List[dict], services: List[dict]) -> List[str]:
    """`services`: those selecting the workload's pods (a Service target is `obj` itself)."""
    ns = namespace(obj)
    ref = short_ref(kind, name(obj))
    role = BY_NAME[kind].role
    forward = port_forward_target(kind, obj, pods)
    hints = [port_forward_hint(*forward)] if forward else []
    if role == SERVICE:
        if is_cluster_ip(obj):
            hints.append(f"to expose it: kubectl reach convert -n {ns} {ref} --to nodeport")
        return hints
    if role == INGRESS or role in ROUTE_ROLES:
        return []  # the warnings say why they lead nowhere; port-forward applies to their Services
    if role == POD:
        pods = [obj]
    sample = pods[0] if pods else {"spec": field(obj, "spec", "template", "spec", default={})}
    declared = [port_number(p.get("containerPort")) for _, p in container_ports(sample)]
    port = next((p for p in declared if p), None)
    cluster_ip = [s for s in services if is_cluster_ip(s)]
    if cluster_ip:
        hints.append(f"to expose it: kubectl reach convert -n {ns} svc/{name(cluster_ip[0])} --to nodeport")
    else:
        owner = ref if role != POD else (owner_ref(obj) or ref)
        flag = f" --port={port}" if port else ""
        hints.append(f"to expose it: kubectl expose -n {ns} {owner} --type=NodePort{flag}")
    return hints
