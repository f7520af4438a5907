"""hostPort / hostNetwork on a workload's pod template, and their undo (pure).

A Pod's spec is immutable, so the owning Deployment, StatefulSet or DaemonSet is changed and rolls
its pods out. The patch is a JSON merge patch that replaces `containers` whole (container ports
have the same strategic-merge defect as Service ports, kubernetes#108255), guarded by resourceVersion.
"""

import copy
import json
from typing import List, Optional, Tuple

from ..errors import UsageError
from ..objects import field, items, name, port_number
from . import UNDO_ANNOTATION

_BLOCKING_LEVELS = ("baseline", "restricted")


def _template_spec(workload: dict) -> dict:
    return field(workload, "spec", "template", "spec", default={})


def parse_port(value: Optional[str]) -> Tuple[Optional[int], Optional[int]]:
    """`CONTAINERPORT[=HOSTPORT]` -> (container port, host port); (None, None) when not given."""
    if not value:
        return None, None
    container, _, host = value.partition("=")
    numbers = port_number(container), port_number(host or container)
    if None in numbers:
        raise UsageError(f'invalid --port "{value}": use CONTAINERPORT or CONTAINERPORT=HOSTPORT (1-65535)')
    return numbers


def template_record(workload: dict) -> str:
    """What undo needs: the template's host networking and every container's ports."""
    spec = _template_spec(workload)
    return json.dumps({"hostNetwork": spec.get("hostNetwork"), "dnsPolicy": spec.get("dnsPolicy"),
                       "ports": {c.get("name"): c.get("ports") for c in items(spec, "containers")}}, sort_keys=True)


def _patch(workload: dict, host_network, dns_policy, containers: List[dict]) -> dict:
    return {"metadata": {"resourceVersion": field(workload, "metadata", "resourceVersion"),
                         "uid": field(workload, "metadata", "uid"),
                         "annotations": {UNDO_ANNOTATION: template_record(workload)}},
            "spec": {"template": {"spec": {"hostNetwork": host_network, "dnsPolicy": dns_policy,
                                           "containers": containers}}}}


def host_port_patch(workload: dict, port_arg: Optional[str]) -> Optional[dict]:
    """Map a container port to a port of the node; None when it already is."""
    spec = _template_spec(workload)
    containers = copy.deepcopy(items(spec, "containers"))
    declared = [(c, p) for c in containers for p in items(c, "ports")]
    container_port, host_port = parse_port(port_arg)
    if container_port is None:
        if len(declared) != 1:
            known = ", ".join(str(p.get("containerPort")) for _, p in declared) or "none"
            raise UsageError(f"choose the port with --port CONTAINERPORT[=HOSTPORT] (declared ports: {known})")
        container_port = host_port = port_number(declared[0][1].get("containerPort"))
    matches = [p for _, p in declared if port_number(p.get("containerPort")) == container_port]
    if not matches:
        if len(containers) != 1:
            raise UsageError(f"no container of {name(workload)} declares port {container_port}")
        containers[0].setdefault("ports", []).append({"containerPort": container_port, "protocol": "TCP"})
        matches = [containers[0]["ports"][-1]]
    if spec.get("hostNetwork") and host_port != container_port:
        raise UsageError(f"{name(workload)} uses hostNetwork: its hostPort must equal the containerPort ({container_port})")
    if all(port_number(p.get("hostPort")) == host_port for p in matches):
        return None
    for port in matches:
        port["hostPort"] = host_port
    return _patch(workload, spec.get("hostNetwork"), spec.get("dnsPolicy"), containers)


def host_network_patch(workload: dict) -> Optional[dict]:
    """Share the node's network; keep cluster DNS working (ClusterFirstWithHostNet); None when already so."""
    spec = _template_spec(workload)
    if spec.get("hostNetwork") is True:
        return None
    containers = copy.deepcopy(items(spec, "containers"))
    for container in containers:
        for port in items(container, "ports"):
            if port_number(port.get("hostPort")) not in (None, port_number(port.get("containerPort"))):
                raise UsageError(f"container {container.get('name')} maps port {port.get('containerPort')} to hostPort "
                                 f"{port.get('hostPort')}: with hostNetwork they must be equal; change it first")
    dns_policy = spec.get("dnsPolicy")
    if dns_policy in (None, "ClusterFirst"):
        dns_policy = "ClusterFirstWithHostNet"
    return _patch(workload, True, dns_policy, containers)


def undo_template_patch(workload: dict) -> dict:
    """Restore the host networking and container ports recorded by the last convert."""
    text = field(workload, "metadata", "annotations", UNDO_ANNOTATION)
    if not text:
        raise UsageError(f"{name(workload)} has no {UNDO_ANNOTATION} annotation: kubectl reach convert never "
                         "changed it, so there is nothing to undo")
    try:
        record = json.loads(text)
        saved = record["ports"]
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"the {UNDO_ANNOTATION} annotation is not valid: it was not written by kubectl reach") from None
    containers = copy.deepcopy(items(_template_spec(workload), "containers"))
    for container in containers:
        if container.get("name") in saved:
            if saved[container["name"]] is None:
                container.pop("ports", None)
            else:
                container["ports"] = saved[container["name"]]
    return _patch(workload, record.get("hostNetwork"), record.get("dnsPolicy"), containers)


def pod_security_warning(namespace: Optional[dict], to: str) -> Optional[str]:
    """PodSecurity admission accepts the workload but rejects its pods at baseline and restricted."""
    level = field(namespace, "metadata", "labels", "pod-security.kubernetes.io/enforce")
    if level not in _BLOCKING_LEVELS:
        return None
    check = "host namespaces (hostNetwork=true)" if to == "hostnetwork" else "hostPort"
    return (f'namespace {name(namespace)} enforces Pod Security "{level}", which forbids {check}: the workload '
            "will be accepted but its new pods rejected (label the namespace privileged, or choose another way)")


def rollout_warning(workload: dict, kind: str) -> Optional[str]:
    """A rolling update with surge can stall when every node's port is held by an old pod."""
    strategy = field(workload, "spec", "strategy", "type", default="RollingUpdate")
    if kind == "Deployment" and strategy == "RollingUpdate":
        return ("the Deployment rolls out with RollingUpdate: a new pod cannot start on a node where an old one holds "
                "the port; if the rollout stalls, use strategy Recreate or maxSurge 0")
    return None
