"""`kubectl reach audit`: everything the cluster exposes to the outside, with its risks. Pure.

One answer per exposing object (the listing's inventory), each with findings ranked high, medium or
low. The checks and why they matter:

  high    host-network       a hostNetwork pod shares its node's network: its ports bypass Services
                             and NetworkPolicy (which cannot select host-network traffic)
  high    open-lb            a LoadBalancer with no loadBalancerSourceRanges (or 0.0.0.0/0) and no
                             internal-load-balancer annotation: open to the whole internet
  medium  host-port          a hostPort opens a port on the node itself
  medium  public-node-port   a nodePort is open on every node, and some nodes have public ExternalIPs
  medium  external-ips       spec.externalIPs: the nodes capture traffic for those addresses (CVE-2020-8554)
  medium  plain-http         an Ingress, Gateway listener or Route serves a host over http, not https
  low     no-ready-pods      a Service (or a route's backend) selects no ready pod: the URL answers 503
  low     broken-backend     an Ingress or route names a Service or port that does not exist
  low     not-accepted       a Gateway did not accept the route / no router admitted it: no URL at all
"""

from dataclasses import dataclass, field as dc_field
from typing import Dict, List, Optional, Sequence

from .endpoints import Found
from .endpoints.gateway import gateway_parents, parent_status, rejection
from .endpoints.hostports import container_ports
from .endpoints.openshift import admitted_ingresses
from .endpoints.service import has_node_ports
from .objects import condition_true, field, format_labels, items, name, namespace, port_number, strings
from .reach import Reach, Snapshot, exposing_objects

SEVERITIES = ("high", "medium", "low")
# Annotations that make a cloud load balancer internal (reachable from the VPC only).
INTERNAL_LB = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
    "service.beta.kubernetes.io/aws-load-balancer-scheme": ("internal",),
    "networking.gke.io/load-balancer-type": ("Internal",),
    "cloud.google.com/load-balancer-type": ("Internal",),
    "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",),
    "service.beta.kubernetes.io/oci-load-balancer-internal": ("true",),
    "service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type": ("private",),
}
_EVERYWHERE = ("0.0.0.0/0", "::/0")


@dataclass
class Finding:
    severity: str
    check: str
    message: str

    def to_dict(self) -> dict:
        return {"severity": self.severity, "check": self.check, "message": self.message}


@dataclass
class Exposure:
    """One exposing object: its answer (URLs, warnings) and its findings. `to_dict()` is `audit -o json`."""

    answer: Reach
    findings: List[Finding] = dc_field(default_factory=list)

    @property
    def risk(self) -> Optional[str]:
        return next((s for s in SEVERITIES if any(f.severity == s for f in self.findings)), None)

    @property
    def methods(self) -> List[str]:
        return list(dict.fromkeys(e.method for e in self.answer.found.endpoints))

    @property
    def urls(self) -> List[str]:
        return list(dict.fromkeys(e.url for e in self.answer.found.endpoints))

    def to_dict(self) -> dict:
        found = self.answer.found
        return {"target": {"kind": self.answer.kind, "namespace": self.answer.namespace, "name": self.answer.name},
                "methods": self.methods, "urls": self.urls,
                "risk": self.risk, "findings": [f.to_dict() for f in self.findings], "warnings": list(found.warnings)}


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


# --- the checks ------------------------------------------------------------------------------------------

def _plain_http(found: Found, why: str) -> List[Finding]:
    hosts = list(dict.fromkeys(e.host for e in found.endpoints if e.scheme == "http"))
    if not hosts:
        return []
    return [Finding("medium", "plain-http", f"{', '.join(hosts)} served over plain http ({why})")]


def _no_ready_pods(service: dict, snapshot: Snapshot, prefix: str = "") -> List[Finding]:
    selector = field(service, "spec", "selector", default={})
    if not selector or not isinstance(selector, dict) or snapshot.ready_nodes(service) != set():
        return []
    return [Finding("low", "no-ready-pods", f"{prefix}selects no ready pod ({format_labels(selector)})")]


def is_internal_load_balancer(service: dict) -> bool:
    annotations = field(service, "metadata", "annotations", default={})
    annotations = annotations if isinstance(annotations, dict) else {}
    return any(str(annotations.get(key, "")).lower() in {v.lower() for v in values}
               for key, values in INTERNAL_LB.items())


def source_ranges(service: dict) -> List[str]:
    """spec.loadBalancerSourceRanges, else the older annotation that some clouds still read."""
    annotation = field(service, "metadata", "annotations", "service.beta.kubernetes.io/load-balancer-source-ranges")
    return strings(service, "spec", "loadBalancerSourceRanges") or [
        r.strip() for r in str(annotation or "").split(",") if r.strip()]


def open_load_balancer(service: dict) -> List[Finding]:
    if field(service, "spec", "type") != "LoadBalancer" or is_internal_load_balancer(service):
        return []
    ranges = source_ranges(service)
    everywhere = [r for r in ranges if r in _EVERYWHERE]
    if ranges and not everywhere:
        return []
    why = f"loadBalancerSourceRanges allows {', '.join(everywhere)}" if ranges else "no loadBalancerSourceRanges"
    return [Finding("high", "open-lb", f"load balancer open to the internet ({why})")]


def public_node_ports(service: dict, snapshot: Snapshot) -> List[Finding]:
    public = sorted(snapshot.nodes.public)
    if not public or not has_node_ports(service):
        return []
    numbers = [str(port_number(p.get("nodePort"))) for p in items(service, "spec", "ports")
               if port_number(p.get("nodePort"))]
    shown = ", ".join(snapshot.nodes.public[n][0] for n in public[:3]) + (", ..." if len(public) > 3 else "")
    return [Finding("medium", "public-node-port", f"nodePort {', '.join(numbers) or '(allocated)'} open on every "
                                                  f"node; {len(public)} with public addresses ({shown})")]


def service_findings(service: dict, snapshot: Snapshot) -> List[Finding]:
    findings = open_load_balancer(service) + public_node_ports(service, snapshot)
    external = strings(service, "spec", "externalIPs")
    if external and field(service, "spec", "type") != "ExternalName":
        findings.append(Finding("medium", "external-ips", f"externalIPs {', '.join(external)}: every node captures "
                                                          "traffic for these addresses (CVE-2020-8554)"))
    return findings + _no_ready_pods(service, snapshot)


def pod_findings(pod: dict) -> List[Finding]:
    node = field(pod, "spec", "nodeName") or "(not scheduled)"
    if field(pod, "spec", "hostNetwork") is True:
        return [Finding("high", "host-network", f"shares the network of node {node}: its ports bypass Services "
                                                "and NetworkPolicy")]
    ports = sorted({port_number(p.get("hostPort")) for _, p in container_ports(pod)} - {None})
    if not ports:
        return []
    return [Finding("medium", "host-port", f"hostPort {', '.join(map(str, ports))} open on node {node}")]


def backend_findings(found: Found, broken: Sequence[str], snapshot: Snapshot, ns: str) -> List[Finding]:
    findings = [Finding("low", "broken-backend", problem) for problem in broken]
    services = snapshot.services_named(ns)
    for svc in dict.fromkeys(e.service for e in found.endpoints if e.service in services):
        findings += _no_ready_pods(services[svc], snapshot, f"backend service {svc} ")
    return findings


def route_acceptance(obj: dict, kind: str) -> List[Finding]:
    if kind == "Route":
        if admitted_ingresses(obj):
            return []
        return [Finding("low", "not-accepted", f"route {name(obj)} is not admitted by any router")]
    refused = [rejection(obj, parent, parent_status(obj, parent)) for parent in gateway_parents(obj)
               if not condition_true(parent_status(obj, parent), "Accepted", ("conditions",))]
    return [Finding("low", "not-accepted", message) for message in refused]


def findings_for(obj: dict, answer: Reach, broken: Sequence[str], snapshot: Snapshot) -> List[Finding]:
    kind = answer.kind
    if kind == "Service":
        return service_findings(obj, snapshot)
    if kind == "Pod":
        return pod_findings(obj)
    found = answer.found
    if kind == "Ingress":
        plain = _plain_http(found, "no spec.tls entry covers it")
    elif kind == "Route":
        policy = field(obj, "spec", "tls", "insecureEdgeTerminationPolicy")
        plain = _plain_http(found, "insecureEdgeTerminationPolicy: Allow" if policy == "Allow" else "no spec.tls")
    else:
        plain = _plain_http(found, "an HTTP listener")
    acceptance = route_acceptance(obj, kind) if kind != "Ingress" else []
    return plain + backend_findings(found, broken, snapshot, namespace(obj)) + acceptance


def assess(snapshot: Snapshot) -> List[Exposure]:
    """Every exposing object with its findings (worst first), in inventory order."""
    exposures = []
    for obj, answer, broken in exposing_objects(snapshot):
        findings = findings_for(obj, answer, broken, snapshot)
        findings.sort(key=lambda f: SEVERITIES.index(f.severity))
        exposures.append(Exposure(answer, findings))
    return exposures


def audit(snapshot: Snapshot) -> List[Exposure]:
    """Every exposing object with its findings, riskiest first (then in inventory order)."""
    return sorted(assess(snapshot), key=lambda e: SEVERITIES.index(e.risk) if e.risk else len(SEVERITIES))


def summary(exposures: Sequence[Exposure]) -> Dict[str, int]:
    counts = {"exposed": len(exposures)}
    counts.update({s: sum(f.severity == s for e in exposures for f in e.findings) for s in SEVERITIES})
    return counts
