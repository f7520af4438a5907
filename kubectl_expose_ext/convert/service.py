"""The desired Service for a type conversion, as one JSON merge patch (pure).

Why a merge patch with the whole `ports` list and explicit nulls (shared/reference/service-conversion-rules.md):
a strategic-merge patch that omits `nodePort` keeps it, and merges ports by number alone (corrupting
53/TCP + 53/UDP); server-side dropping of type-dependent fields only works on recent servers and only
for unchanged values. A merge patch replaces `ports` wholesale and deletes what is null, on every
server version, and the resourceVersion inside it makes the write conditional (409 on any change).
"""

import json
import re
from dataclasses import asdict, dataclass, field as dc_field
from typing import Dict, List, Optional, Tuple

from ..addresses import ip_family
from ..endpoints import BackendRef
from ..errors import UsageError
from ..objects import field, is_port, items, name, port_number, strings
from . import LBSR_ANNOTATION, UNDO_ANNOTATION, invalid_undo_record, read_undo_record

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

    def to_annotation(self, uid: Optional[str] = None) -> str:
        """JSON, bound to the object it was written on (its uid), so undo will not apply it to another."""
        data = {k: v for k, v in asdict(self).items() if v not in (None, [], {})}
        if uid:
            data["uid"] = uid
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_annotation(cls, owner: dict) -> "Exposure":
        """The exposure recorded on `owner`, validated field by field: anyone who can edit annotations can write
        one, and undo must not turn it into a public load balancer or a foreign nodePort unchecked."""
        def bad(why: str) -> UsageError:
            return invalid_undo_record(f"svc/{name(owner)}", why)
        data = read_undo_record(owner, f"svc/{name(owner)}")
        if not isinstance(data, dict):
            raise bad("not a JSON object")
        unknown = set(data) - set(cls.__dataclass_fields__) - {"uid"}
        if unknown:
            raise bad(f"unknown keys {', '.join(sorted(map(str, unknown)))}")
        if "uid" in data and data["uid"] != field(owner, "metadata", "uid"):
            raise bad("it was written for another object (uid differs)")
        checks = {
            "type": lambda v: v in ("ClusterIP", "NodePort", "LoadBalancer"),
            "node_ports": lambda v: isinstance(v, dict) and all(
                isinstance(k, str) and re.fullmatch(r"[0-9]{1,5}/(TCP|UDP|SCTP)", k) and is_port(n) for k, n in v.items()),
            "external_traffic_policy": lambda v: v in (None, "Cluster", "Local"),
            "load_balancer_class": lambda v: v is None or (isinstance(v, str) and _qualified_name(v)),
            "source_ranges": lambda v: isinstance(v, list) and all(_cidr(c) for c in v),
            "source_ranges_annotation": lambda v: v is None or (isinstance(v, str) and all(
                _cidr(c.strip()) for c in v.split(","))),
            "load_balancer_ip": lambda v: v is None or (isinstance(v, str) and ip_family(v) is not None),
            "allocate_load_balancer_node_ports": lambda v: v is None or isinstance(v, bool),
            "health_check_node_port": lambda v: v is None or is_port(v),
        }
        if "type" not in data:
            raise bad("no type")
        for key, valid in checks.items():
            if key in data and not valid(data[key]):
                raise bad(f"{key} has an invalid value")
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def dangers(self) -> List[str]:
        """What this exposure opens that a reviewer must see before it is applied (undo's warnings and prompt)."""
        found = []
        if self.type == "LoadBalancer":
            ranges = self.source_ranges or [c.strip() for c in (self.source_ranges_annotation or "").split(",") if c]
            if not ranges or any(c in ("0.0.0.0/0", "::/0") for c in ranges):
                found.append("a LoadBalancer open to the internet (no loadBalancerSourceRanges)")
            if self.load_balancer_ip:
                found.append(f"a load balancer at the requested address {self.load_balancer_ip}")
        if self.type in ("NodePort", "LoadBalancer") and self.allocate_load_balancer_node_ports is not False:
            found.append("nodePorts on every node")
        return found


def _cidr(value) -> bool:
    import ipaddress

    try:
        ipaddress.ip_network(value, strict=False)
        return isinstance(value, str)
    except (ValueError, TypeError):
        return False


def _qualified_name(value: str) -> bool:
    return len(value) <= 316 and re.fullmatch(r"([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?", value) is not None


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
            matches = BackendRef(name(service), wanted).matching(ports)
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
        "annotations": {UNDO_ANNOTATION: exposure_of(live).to_annotation(field(live, "metadata", "uid")),
                        LBSR_ANNOTATION: target.source_ranges_annotation if lb else None},
    }
    return {"metadata": metadata, "spec": spec}


def undo_exposure(live: dict) -> Exposure:
    """The exposure the last convert replaced, from the annotation it left on the object."""
    if not field(live, "metadata", "annotations", UNDO_ANNOTATION):
        raise UsageError(f"service {name(live)} has no {UNDO_ANNOTATION} annotation: kubectl reach convert never "
                         "changed it, so there is nothing to undo")
    return Exposure.from_annotation(live)


def is_noop(live: dict, target: Exposure) -> bool:
    """Whether the conversion would change nothing (same type, same exposure fields)."""
    current = exposure_of(live)
    return current.type == target.type and all(
        getattr(target, f) in (None, [], {}) or getattr(target, f) == getattr(current, f)
        for f in ("node_ports", "external_traffic_policy", "load_balancer_class", "source_ranges"))
