"""hostPort / hostNetwork on a workload's pod template, and their undo (pure).

A Pod's spec is immutable, so the owning Deployment, StatefulSet or DaemonSet is changed and rolls
its pods out. The patch is a JSON merge patch that replaces `containers` whole (container ports
have the same strategic-merge defect as Service ports, kubernetes#108255), guarded by resourceVersion.
"""

import copy
import json
from typing import List, Optional, Tuple

from ..errors import UsageError
from ..objects import field, is_port, items, name, port_number
from . import UNDO_ANNOTATION, invalid_undo_record, read_undo_record

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
    """What undo needs: the template's host networking and every container's ports, bound to the object (uid)."""
    spec = _template_spec(workload)
    return json.dumps({"hostNetwork": spec.get("hostNetwork"), "dnsPolicy": spec.get("dnsPolicy"),
                       "ports": {c.get("name"): c.get("ports") for c in items(spec, "containers")},
                       "uid": field(workload, "metadata", "uid")}, sort_keys=True)


_PORT_KEYS = {"name", "containerPort", "hostPort", "hostIP", "protocol"}
_DNS_POLICIES = (None, "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")


def _valid_port(port) -> bool:
    return (isinstance(port, dict) and set(port) <= _PORT_KEYS and is_port(port.get("containerPort"))
            and (port.get("hostPort") is None or is_port(port.get("hostPort")))
            and port.get("protocol") in (None, "TCP", "UDP", "SCTP")
            and all(port.get(k) is None or isinstance(port.get(k), str) for k in ("name", "hostIP")))


def read_record(workload: dict) -> dict:
    """The record convert left, validated: anyone who can edit annotations can write one, and undo must not put
    a workload on the host network or open host ports unchecked."""
    record = read_undo_record(workload, name(workload))
    if record is None:
        raise UsageError(f"{name(workload)} has no {UNDO_ANNOTATION} annotation: kubectl reach convert never "
                         "changed it, so there is nothing to undo")

    def bad(why: str) -> UsageError:
        return invalid_undo_record(name(workload), why)
    if not isinstance(record, dict) or not isinstance(record.get("ports"), dict):
        raise bad("not a record of ports")
    if set(record) - {"hostNetwork", "dnsPolicy", "ports", "uid"}:
        raise bad("unknown keys")
    if "uid" in record and record["uid"] != field(workload, "metadata", "uid"):
        raise bad("it was written for another object (uid differs)")
    if record.get("hostNetwork") not in (None, True, False) or record.get("dnsPolicy") not in _DNS_POLICIES:
        raise bad("hostNetwork or dnsPolicy has an invalid value")
    containers = {c.get("name") for c in items(_template_spec(workload), "containers")}
    for container, ports in record["ports"].items():
        if container not in containers:
            raise bad(f"no container {container!r}")
        if ports is not None and not (isinstance(ports, list) and all(_valid_port(p) for p in ports)):
            raise bad(f"the ports of container {container!r} are invalid")
    return record


def record_dangers(workload: dict, record: dict) -> List[str]:
    """What restoring the record opens that the workload does not have now (undo's warnings and prompt)."""
    spec = _template_spec(workload)
    found = []
    if record.get("hostNetwork") and not spec.get("hostNetwork"):
        found.append("the host network (its ports bypass Services and NetworkPolicy)")
    now = {port_number(p.get("hostPort")) for c in items(spec, "containers") for p in items(c, "ports")}
    opened = sorted({p["hostPort"] for ports in record["ports"].values() for p in ports or [] if p.get("hostPort")}
                    - now)
    if opened:
        found.append(f"hostPort {', '.join(map(str, opened))} on its nodes")
    return found


def _patch(workload: dict, host_network, dns_policy, containers: List[dict]) -> dict:
    return {"metadata": {"resourceVersion": field(workload, "metadata", "resourceVersion"),
                         "uid": field(workload, "metadata", "uid"),
                         "annotations": {UNDO_ANNOTATION: template_record(workload)}},
            "spec": {"template": {"spec": {"hostNetwork": host_network, "dnsPolicy": dns_policy,
                                           "containers": containers}}}}


def host_port_patch(workload: dict, container_port: Optional[int], host_port: Optional[int]) -> Optional[dict]:
    """Map a container port (--port, as parse_port read it; None: the only declared one) to a port of the node;
    None when it already is."""
    spec = _template_spec(workload)
    containers = copy.deepcopy(items(spec, "containers"))
    declared = [(c, p) for c in containers for p in items(c, "ports")]
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
    record = read_record(workload)
    saved = record["ports"]
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
