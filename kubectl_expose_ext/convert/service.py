"""The desired Service for a type conversion, as one JSON merge patch (pure).

Why a merge patch with the whole `ports` list and explicit nulls (shared/reference/service-conversion-rules.md):
a strategic-merge patch that omits `nodePort` keeps it, and merges ports by number alone (corrupting
53/TCP + 53/UDP); server-side dropping of type-dependent fields only works on recent servers and only
for unchanged values. A merge patch replaces `ports` wholesale and deletes what is null, on every
server version, and the resourceVersion inside it makes the write conditional (409 on any change).
"""

import json
from dataclasses import asdict, dataclass, field as dc_field
from typing import Dict, List, Optional, Tuple

from ..errors import UsageError
from ..objects import field, items, name, port_number, strings
from . import LBSR_ANNOTATION, UNDO_ANNOTATION

TYPES = {"clusterip": "ClusterIP", "nodeport": "NodePort", "loadbalancer": "LoadBalancer"}
EXPOSED = ("NodePort", "LoadBalancer")


def port_key(port: dict) -> str:
    """How a service port is identified across a conversion: `port/PROTOCOL` (the API's list-map key)."""
    return f"{port_number(port.get('port'))}/{port.get('protocol') or 'TCP'}"


@dataclass
class Exposure:
    """The fields of a Service that decide how it is exposed: what convert changes and undo restores."""

    type: str
    node_ports: Dict[str, int] = dc_field(default_factory=dict)  # port_key -> nodePort
    external_traffic_policy: Optional[str] = None
    load_balancer_class: Optional[str] = None
    source_ranges: List[str] = dc_field(default_factory=list)
    source_ranges_annotation: Optional[str] = None
    load_balancer_ip: Optional[str] = None
    allocate_load_balancer_node_ports: Optional[bool] = None
    health_check_node_port: Optional[int] = None

    def to_annotation(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v not in (None, [], {})}, sort_keys=True)

    @classmethod
    def from_annotation(cls, text: str) -> "Exposure":
        try:
            data = json.loads(text)
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (ValueError, TypeError):
            raise UsageError(f"the {UNDO_ANNOTATION} annotation is not valid: it was not written by kubectl reach") from None


def exposure_of(service: dict) -> Exposure:
    """The current exposure of a live Service."""
    spec = field(service, "spec", default={})
    return Exposure(
        type=spec.get("type") or "ClusterIP",
        node_ports={port_key(p): p["nodePort"] for p in items(service, "spec", "ports") if port_number(p.get("nodePort"))},
        external_traffic_policy=spec.get("externalTrafficPolicy"),
        load_balancer_class=spec.get("loadBalancerClass"),
        source_ranges=strings(service, "spec", "loadBalancerSourceRanges"),
        source_ranges_annotation=field(service, "metadata", "annotations", LBSR_ANNOTATION),
        load_balancer_ip=spec.get("loadBalancerIP"),
        allocate_load_balancer_node_ports=spec.get("allocateLoadBalancerNodePorts"),
        health_check_node_port=spec.get("healthCheckNodePort"),
    )


def refuse_unconvertible(service: dict) -> None:
    """ExternalName and headless services have no exposure to switch."""
    kind = field(service, "spec", "type", default="ClusterIP")
    svc = name(service)
    if kind == "ExternalName":
        raise UsageError(f"service {svc} is ExternalName (an alias of {field(service, 'spec', 'externalName')}): it has "
                         "no pods of its own to expose; create a Service with a selector instead")
    if field(service, "spec", "clusterIP") == "None":
        raise UsageError(f"service {svc} is headless (clusterIP: None): the API server does not allow a headless "
                         "Service to become NodePort or LoadBalancer; create a second Service for the exposure")


def parse_node_ports(values: Tuple[str, ...], service: dict) -> Dict[str, int]:
    """`--node-port N` (single-port services) or `--node-port PORT=N` (any), validated against the ports."""
    ports = items(service, "spec", "ports")
    chosen: Dict[str, int] = {}
    for value in values:
        wanted, _, number = value.rpartition("=")
        node_port = port_number(number)
        if node_port is None:
            raise UsageError(f'invalid --node-port "{value}": the node port must be a number from 1 to 65535')
        if not wanted:
            if len(ports) != 1:
                raise UsageError(f"service {name(service)} has {len(ports)} ports: use --node-port PORT=NODEPORT")
            matches = ports
        else:
            matches = [p for p in ports if str(p.get("port")) == wanted or p.get("name") == wanted]
            if not matches:
                known = ", ".join(str(p.get("name") or p.get("port")) for p in ports)
                raise UsageError(f'service {name(service)} has no port "{wanted}" (ports: {known})')
        for port in matches:
            chosen[port_key(port)] = node_port
    return chosen


def requested_exposure(live: dict, to: str, node_ports: Dict[str, int], lb_class: Optional[str] = None,
                       source_ranges: Tuple[str, ...] = (), traffic_policy: Optional[str] = None) -> Exposure:
    """What the flags ask for, keeping from the live Service everything that stays valid.

    Allocated nodePorts survive NodePort <-> LoadBalancer so existing clients keep working.
    """
    current = exposure_of(live)
    target = TYPES[to]
    if target == "ClusterIP":
        if node_ports or lb_class or source_ranges:
            raise UsageError("--node-port, --lb-class and --source-range do not apply to --to clusterip")
        external_ips = bool(strings(live, "spec", "externalIPs"))
        if traffic_policy and not external_ips:
            raise UsageError("--external-traffic-policy applies only to NodePort and LoadBalancer services "
                             "(or ClusterIP services with externalIPs)")
        return Exposure("ClusterIP", external_traffic_policy=(traffic_policy or current.external_traffic_policy)
                        if external_ips else None)
    if target == "NodePort" and (lb_class or source_ranges):
        raise UsageError("--lb-class and --source-range apply only to --to loadbalancer")
    exposure = Exposure(target, node_ports={**current.node_ports, **node_ports},
                        external_traffic_policy=traffic_policy or current.external_traffic_policy)
    if target == "LoadBalancer":
        was_lb = current.type == "LoadBalancer"
        if was_lb and lb_class and lb_class != current.load_balancer_class:
            raise UsageError("the API server does not allow loadBalancerClass to change on a LoadBalancer service: "
                             "convert it to nodeport first, then back to loadbalancer with --lb-class")
        exposure.load_balancer_class = lb_class or (current.load_balancer_class if was_lb else None)
        exposure.source_ranges = list(source_ranges) or (current.source_ranges if was_lb else [])
        if was_lb:
            exposure.source_ranges_annotation = current.source_ranges_annotation
            exposure.load_balancer_ip = current.load_balancer_ip
            exposure.allocate_load_balancer_node_ports = current.allocate_load_balancer_node_ports
            if exposure.external_traffic_policy == "Local":
                exposure.health_check_node_port = current.health_check_node_port
    return exposure


def service_patch(live: dict, target: Exposure) -> dict:
    """The JSON merge patch that turns `live` into `target`, records `live`'s exposure for undo, and
    carries live's resourceVersion and uid (a concurrent change or a re-created object fails it)."""
    lb = target.type == "LoadBalancer"
    ports = []
    for port in items(live, "spec", "ports"):
        copy = {k: v for k, v in port.items() if k != "nodePort"}
        node_port = target.node_ports.get(port_key(port))
        if target.type in EXPOSED and node_port:
            copy["nodePort"] = node_port
        ports.append(copy)
    spec = {
        "type": target.type,
        "ports": ports,
        "externalTrafficPolicy": target.external_traffic_policy,
        "loadBalancerClass": target.load_balancer_class if lb else None,
        "loadBalancerSourceRanges": (target.source_ranges or None) if lb else None,
        "loadBalancerIP": target.load_balancer_ip if lb else None,
        "allocateLoadBalancerNodePorts": target.allocate_load_balancer_node_ports if lb else None,
        "healthCheckNodePort": target.health_check_node_port if lb and target.external_traffic_policy == "Local" else None,
    }
    metadata = {
        "resourceVersion": field(live, "metadata", "resourceVersion"),
        "uid": field(live, "metadata", "uid"),
        "annotations": {UNDO_ANNOTATION: exposure_of(live).to_annotation(),
                        LBSR_ANNOTATION: target.source_ranges_annotation if lb else None},
    }
    return {"metadata": metadata, "spec": spec}


def undo_exposure(live: dict) -> Exposure:
    """The exposure the last convert replaced, from the annotation it left on the object."""
    text = field(live, "metadata", "annotations", UNDO_ANNOTATION)
    if not text:
        raise UsageError(f"service {name(live)} has no {UNDO_ANNOTATION} annotation: kubectl reach convert never "
                         "changed it, so there is nothing to undo")
    return Exposure.from_annotation(text)


def is_noop(live: dict, target: Exposure) -> bool:
    """Whether the conversion would change nothing (same type, same exposure fields)."""
    current = exposure_of(live)
    return current.type == target.type and all(
        getattr(target, f) in (None, [], {}) or getattr(target, f) == getattr(current, f)
        for f in ("node_ports", "external_traffic_policy", "load_balancer_class", "source_ranges"))
