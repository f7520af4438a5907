"""The desired Service for a type conversion, as one JSON merge patch (pure).

Why a merge patch with the whole `ports` list and explicit nulls (shared/reference/service-conversion-rules.md):
a strategic-merge patch that omits `nodePort` keeps it, and merges ports by number alone (corrupting
53/TCP + 53/UDP); server-side dropping of type-dependent fields only works on recent servers and only
for unchanged values. A merge patch replaces `ports` wholesale and deletes what is null, on every
server version, and the resourceVersion inside it makes the write conditional (409 on any change).
"""

import json
import re
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

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


SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")


@dataclass(frozen=True)
class ExposureField:
    """One Service field that decides how the Service is exposed, declared once: how it is read from a live Service,
    written into the merge patch, checked in an undo record (anyone can edit an annotation), and in which Service
    types it may stay (the API server's validation and dropTypeDependentFields: shared/reference/
    service-conversion-rules.md, section 1). A conversion keeps every field the target type allows (a flag may set
    it) and clears the others; undo restores every field its record knows. Nothing else of the Service is touched.

    `since`: the undo-record version that first carried the field. A record older than a field says nothing of it,
    so undo keeps the live value instead of clearing it."""

    key: str                                      # its name in the undo record
    read: Callable[[dict], Any]                   # from a live Service (empty: None, [] or {})
    spec: Optional[str] = None                    # the spec field it is written to (None: `write` below)
    allowed: Callable[[str, dict], bool] = lambda kind, exposure: True  # may stay on a Service of this type
    valid: Callable[[Any], bool] = lambda value: value is None  # an undo record's value is acceptable
    combine: Callable[[Any, Any], Any] = lambda current, given: given  # a flag's value over the current one
    since: int = 1
    # what a convert's flags ask of it (commands/convert.py Convert, the live Service), None: no flag sets it
    given_by: Optional[Callable[[Any, dict], Any]] = None

    def written(self, value: Any) -> Dict[str, Any]:
        """This field's part of the merge patch: its value, or null to delete it."""
        return {"spec": {self.spec: None if _empty(value) else value}} if self.spec else \
            {"metadata": {"annotations": {LBSR_ANNOTATION: None if _empty(value) else value}}}


def record_version(fields: Sequence[ExposureField]) -> int:
    """The undo record's format version: that of its newest field. A record carries it as "v" from version 2 on, so
    one without "v" is version 1 (every record written so far)."""
    return max(f.since for f in fields)


def _empty(value: Any) -> bool:
    return value in (None, [], {})


def _externally_accessible(kind: str, exposure: dict) -> bool:
    """pkg/api/service/util.go ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with externalIPs."""
    return kind in ("NodePort", "LoadBalancer") or bool(exposure.get("external_ips"))


def _balanced(kind: str, exposure: dict) -> bool:
    return kind == "LoadBalancer"


FIELDS: Tuple[ExposureField, ...] = (
    # the nodePort of each port (port_key -> nodePort), written inside `ports` (service_patch); kept across
    # NodePort <-> LoadBalancer so that clients keep working, and merged with --node-port
    ExposureField("node_ports", lambda s: {port_key(p): p["nodePort"] for p in items(s, "spec", "ports")
                                           if port_number(p.get("nodePort"))},
                  allowed=lambda kind, e: kind in ("NodePort", "LoadBalancer"),
                  valid=lambda v: isinstance(v, dict) and all(isinstance(k, str) and re.fullmatch(
                      r"[0-9]{1,5}/(TCP|UDP|SCTP)", k) and is_port(n) for k, n in v.items()),
                  combine=lambda current, given: {**(current or {}), **(given or {})},
                  given_by=lambda convert, live: parse_node_ports(convert.node_ports, live)),
    ExposureField("external_traffic_policy", lambda s: field(s, "spec", "externalTrafficPolicy"),
                  "externalTrafficPolicy", _externally_accessible, lambda v: v in (None, "Cluster", "Local"),
                  given_by=lambda convert, live: convert.flags.external_traffic_policy),
    ExposureField("load_balancer_class", lambda s: field(s, "spec", "loadBalancerClass"), "loadBalancerClass",
                  _balanced, lambda v: v is None or (isinstance(v, str) and _qualified_name(v)),
                  given_by=lambda convert, live: convert.flags.lb_class),
    ExposureField("source_ranges", lambda s: strings(s, "spec", "loadBalancerSourceRanges"),
                  "loadBalancerSourceRanges", _balanced, lambda v: isinstance(v, list) and all(_cidr(c) for c in v),
                  given_by=lambda convert, live: list(convert.flags.source_range)),
    # the legacy annotation form of the source ranges: validated only on a LoadBalancer, so it goes with the type
    ExposureField("source_ranges_annotation", lambda s: field(s, "metadata", "annotations", LBSR_ANNOTATION),
                  None, _balanced, lambda v: v is None or (isinstance(v, str) and all(
                      _cidr(c.strip()) for c in v.split(",")))),
    # deprecated and never validated against the type, but meaningful only on a load balancer: cleared with it
    ExposureField("load_balancer_ip", lambda s: field(s, "spec", "loadBalancerIP"), "loadBalancerIP", _balanced,
                  lambda v: v is None or (isinstance(v, str) and ip_family(v) is not None)),
    ExposureField("allocate_load_balancer_node_ports", lambda s: field(s, "spec", "allocateLoadBalancerNodePorts"),
                  "allocateLoadBalancerNodePorts", _balanced, lambda v: v is None or isinstance(v, bool)),
    ExposureField("health_check_node_port", lambda s: field(s, "spec", "healthCheckNodePort"), "healthCheckNodePort",
                  lambda kind, e: kind == "LoadBalancer" and e.get("external_traffic_policy") == "Local",
                  lambda v: v is None or is_port(v)),
)


@dataclass
class Exposure:
    """How a Service is exposed: its type and the values of FIELDS. What convert changes and undo restores.
    `unknown`: fields an (older) undo record does not speak of, which undo leaves as they are."""

    type: str
    values: Dict[str, Any] = dc_field(default_factory=dict)
    unknown: Tuple[str, ...] = ()

    def get(self, key: str) -> Any:
        return self.values.get(key)

    @property
    def node_ports(self) -> Dict[str, int]:
        return self.values.get("node_ports") or {}

    def to_annotation(self, uid: Optional[str] = None, fields: Sequence[ExposureField] = FIELDS) -> str:
        """JSON, bound to the object it was written on (its uid), so undo will not apply it to another."""
        version = record_version(fields)
        data: Dict[str, Any] = {"type": self.type, **({"v": version} if version > 1 else {})}
        data.update({f.key: self.values[f.key] for f in fields if not _empty(self.values.get(f.key))})
        if uid:
            data["uid"] = uid
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_annotation(cls, owner: dict, fields: Sequence[ExposureField] = FIELDS) -> "Exposure":
        """The exposure recorded on `owner`, validated field by field: anyone who can edit annotations can write
        one, and undo must not turn it into a public load balancer or a foreign nodePort unchecked."""
        def bad(why: str) -> UsageError:
            return invalid_undo_record(f"svc/{name(owner)}", why)
        data = read_undo_record(owner, f"svc/{name(owner)}")
        if not isinstance(data, dict):
            raise bad("not a JSON object")
        unknown = set(data) - {f.key for f in fields} - {"uid", "type", "v"}
        if unknown:
            raise bad(f"unknown keys {', '.join(sorted(map(str, unknown)))}")
        if "uid" in data and data["uid"] != field(owner, "metadata", "uid"):
            raise bad("it was written for another object (uid differs)")
        if data.get("type") not in SERVICE_TYPES:
            raise bad("no type" if "type" not in data else "type has an invalid value")
        version = data.get("v", 1)
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= record_version(fields):
            raise bad("v has an invalid value")
        for f in fields:
            if f.key in data and not f.valid(data[f.key]):
                raise bad(f"{f.key} has an invalid value")
        return cls(data["type"], {f.key: data.get(f.key) for f in fields if f.since <= version},
                   tuple(f.key for f in fields if f.since > version))

    def dangers(self) -> List[str]:
        """What this exposure opens that a reviewer must see before it is applied (undo's warnings and prompt)."""
        found = []
        if self.type == "LoadBalancer":
            ranges = self.get("source_ranges") or [c.strip() for c in (self.get("source_ranges_annotation") or "")
                                                   .split(",") if c]
            if not ranges or any(c in ("0.0.0.0/0", "::/0") for c in ranges):
                found.append("a LoadBalancer open to the internet (no loadBalancerSourceRanges)")
            if self.get("load_balancer_ip"):
                found.append(f"a load balancer at the requested address {self.get('load_balancer_ip')}")
        if self.type in ("NodePort", "LoadBalancer") and self.get("allocate_load_balancer_node_ports") is not False:
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


def exposure_of(service: dict, fields: Sequence[ExposureField] = FIELDS) -> Exposure:
    """The current exposure of a live Service."""
    return Exposure(field(service, "spec", "type") or "ClusterIP", {f.key: f.read(service) for f in fields})


def exposure_as(live: dict, kind: str, given: Dict[str, Any], fields: Sequence[ExposureField] = FIELDS,
                record: Optional[Exposure] = None) -> Exposure:
    """`live` as a Service of type `kind`: every field the type allows keeps its value (or the flag's, `given`, or
    the undo `record`'s), every other is cleared. The one rule of what a conversion changes."""
    current = exposure_of(live, fields)
    values: Dict[str, Any] = {"external_ips": strings(live, "spec", "externalIPs")}  # read by `allowed`, not changed
    for f in fields:
        if record is not None and f.key not in record.unknown:
            values[f.key] = record.values.get(f.key)
        elif f.key in given and not _empty(given[f.key]):
            values[f.key] = f.combine(current.values.get(f.key), given[f.key])
        else:
            values[f.key] = current.values.get(f.key)
    kept = {f.key: values[f.key] if f.allowed(kind, values) else None for f in fields}
    return Exposure(kind, kept)


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


def parse_node_ports(values: Sequence[Tuple[str, int]], service: dict) -> Dict[str, int]:
    """`--node-port N` (single-port services) or `--node-port PORT=N` (any), as parsed by commands/convert.py's
    parse_node_port, matched against the service's ports: port_key -> nodePort."""
    ports = items(service, "spec", "ports")
    chosen: Dict[str, int] = {}
    for wanted, node_port in values:
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


def flags_given(convert: Any, live: dict, fields: Sequence[ExposureField] = FIELDS) -> Dict[str, Any]:
    """What a convert's flags ask of each exposure field (ExposureField.given_by)."""
    return {f.key: f.given_by(convert, live) for f in fields if f.given_by is not None}


def requested_exposure(live: dict, to: str, given: Optional[Dict[str, Any]] = None,
                       fields: Sequence[ExposureField] = FIELDS) -> Exposure:
    """What the flags ask for (`given`: field key -> value, flags_given), keeping everything the new type allows
    (exposure_as), with the API server's refusals said before any request."""
    given = {k: v for k, v in (given or {}).items() if not _empty(v)}
    current = exposure_of(live, fields)
    target = TYPES[to]
    if target == "ClusterIP" and {"node_ports", "load_balancer_class", "source_ranges"} & set(given):
        raise UsageError("--node-port, --lb-class and --source-range do not apply to --to clusterip")
    if target == "NodePort" and {"load_balancer_class", "source_ranges"} & set(given):
        raise UsageError("--lb-class and --source-range apply only to --to loadbalancer")
    if "external_traffic_policy" in given and not _externally_accessible(
            target, {"external_ips": strings(live, "spec", "externalIPs")}):
        raise UsageError("--external-traffic-policy applies only to NodePort and LoadBalancer services "
                         "(or ClusterIP services with externalIPs)")
    wanted_class = given.get("load_balancer_class")
    if current.type == target == "LoadBalancer" and wanted_class and wanted_class != current.get("load_balancer_class"):
        raise UsageError("the API server does not allow loadBalancerClass to change on a LoadBalancer service: "
                         "convert it to nodeport first, then back to loadbalancer with --lb-class")
    return exposure_as(live, target, given, fields)


def service_patch(live: dict, target: Exposure, fields: Sequence[ExposureField] = FIELDS) -> dict:
    """The JSON merge patch that turns `live` into `target`, records `live`'s exposure for undo, and
    carries live's resourceVersion and uid (a concurrent change or a re-created object fails it). Every field of
    FIELDS is written (its value, or null where `target` has none); nothing else of the Service is."""
    ports = []
    for port in items(live, "spec", "ports"):
        copy = {k: v for k, v in port.items() if k != "nodePort"}
        node_port = target.node_ports.get(port_key(port))
        if target.type in EXPOSED and node_port:
            copy["nodePort"] = node_port
        ports.append(copy)
    patch: Dict[str, Any] = {
        "metadata": {"resourceVersion": field(live, "metadata", "resourceVersion"), "uid": field(live, "metadata", "uid"),
                     "annotations": {UNDO_ANNOTATION: exposure_of(live, fields).to_annotation(
                         field(live, "metadata", "uid"), fields)}},
        "spec": {"type": target.type, "ports": ports}}
    for f in fields:
        if f.key != "node_ports" and f.key not in target.unknown:
            for section, values in f.written(target.get(f.key)).items():
                for key, value in values.items():
                    if isinstance(value, dict):
                        patch[section].setdefault(key, {}).update(value)
                    else:
                        patch[section][key] = value
    return patch


def undo_exposure(live: dict, fields: Sequence[ExposureField] = FIELDS) -> Exposure:
    """The exposure the last convert replaced, from the annotation it left on the object: what its record knows,
    and the live value of a field it is older than."""
    if not field(live, "metadata", "annotations", UNDO_ANNOTATION):
        raise UsageError(f"service {name(live)} has no {UNDO_ANNOTATION} annotation: kubectl reach convert never "
                         "changed it, so there is nothing to undo")
    record = Exposure.from_annotation(live, fields)
    restored = exposure_as(live, record.type, {}, fields, record)
    return Exposure(restored.type, restored.values, record.unknown)


def is_noop(live: dict, target: Exposure, fields: Sequence[ExposureField] = FIELDS) -> bool:
    """Whether the conversion would change nothing: the same type and the same value of every field."""
    current = exposure_of(live, fields)
    return current.type == target.type and all(
        _empty(target.get(f.key)) and _empty(current.get(f.key)) or target.get(f.key) == current.get(f.key)
        for f in fields if f.key not in target.unknown)
