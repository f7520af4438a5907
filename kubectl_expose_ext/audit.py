"""`kubectl reach audit`: everything the cluster exposes to the outside, with its risks. Pure.

One answer per exposing object (the listing's inventory), each with findings ranked high, medium or low. The
checks are one table, CHECKS: each names its severity, what it finds and why that matters, the roles of the kinds
it applies to, and the function that finds it. The help text, the table in docs/audit.md and `--fail-on`'s values are
generated from it (docs/development.md: "How to add an audit check").
"""

from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from .endpoints import Found
from .doors import BY_ROLE
from .endpoints.service import has_node_ports, internal_load_balancer
from .kinds import BY_NAME, DOOR_ROLES, INGRESS, POD, SERVICE
from .loadbalancers import source_ranges
from .objects import field, format_labels, items, name, port_number
from .reach import Reach, exposing_objects
from .snapshot import Snapshot

SEVERITIES = ("high", "medium", "low")
_EVERYWHERE = ("0.0.0.0/0", "::/0")


@dataclass
class Finding:
    severity: str
    check: str
    message: str

    def to_dict(self) -> dict:
        return {"severity": self.severity, "check": self.check, "message": self.message}


@dataclass
class Assessment:
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

    @property
    def exposure(self) -> Optional[str]:
        """`internal` when every URL is (loadbalancers.py: an internal load balancer or Ingress, a private address),
        `public` when one is not, None without a URL."""
        endpoints = self.answer.found.endpoints
        return None if not endpoints else "internal" if all(e.internal for e in endpoints) else "public"

    def to_dict(self) -> dict:
        found = self.answer.found
        return {"target": {"kind": self.answer.kind, "namespace": self.answer.namespace, "name": self.answer.name},
                "methods": self.methods, "urls": self.urls, "exposure": self.exposure,
                "risk": self.risk, "findings": [f.to_dict() for f in self.findings], "warnings": list(found.warnings)}


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


class Subject(NamedTuple):
    """What a check looks at: one exposing object, its answer, its broken backends and the snapshot."""

    obj: dict
    role: str
    found: Found
    broken: Sequence[str]
    snapshot: Snapshot


# --- the checks ------------------------------------------------------------------------------------------

def host_network(subject: Subject) -> List[str]:
    if field(subject.obj, "spec", "hostNetwork") is not True:
        return []
    return [f"shares the network of node {_node_of(subject.obj)}: its ports bypass Services and NetworkPolicy"]


def host_port(subject: Subject) -> List[str]:
    """The hostPorts the answer has URLs for: none for an ended or unscheduled pod, or one bound to loopback."""
    ports = sorted({e.port for e in subject.found.endpoints if e.method == "hostPort"})
    if not ports:
        return []
    return [f"hostPort {', '.join(map(str, ports))} open on node {_node_of(subject.obj)}"]


def _node_of(pod: dict) -> str:
    return field(pod, "spec", "nodeName") or "(not scheduled)"


def open_load_balancer(subject: Subject) -> List[str]:
    """A load balancer that is not internal (by its controller's rules or by every address it has: the same table
    as the URLs' `internal`, loadbalancers.py) and accepts every source."""
    service = subject.obj
    if field(service, "spec", "type") != "LoadBalancer":
        return []
    balanced = [e for e in subject.found.endpoints if e.method == "LoadBalancer"]
    if all(e.internal for e in balanced) if balanced else internal_load_balancer(service):
        return []
    ranges, origin = source_ranges(service)
    everywhere = [r for r in ranges if r in _EVERYWHERE]
    if ranges and not everywhere:
        return []
    why = f"{origin} allows {', '.join(everywhere)}" if ranges else "no loadBalancerSourceRanges"
    return [f"load balancer open to the internet ({why})"]


def public_node_ports(subject: Subject) -> List[str]:
    service, nodes = subject.obj, subject.snapshot.nodes
    public = sorted(nodes.public)
    if not public or not has_node_ports(service):
        return []
    numbers = [str(port_number(p.get("nodePort"))) for p in items(service, "spec", "ports")
               if port_number(p.get("nodePort"))]
    shown = ", ".join(nodes.public[n][0] for n in public[:3]) + (", ..." if len(public) > 3 else "")
    return [f"nodePort {', '.join(numbers) or '(allocated)'} open on every node; {len(public)} with public "
            f"addresses ({shown})"]


def external_ips(subject: Subject) -> List[str]:
    """The externalIPs kube-proxy programs (the answer's: not a headless Service's, not another IP family's)."""
    external = list(dict.fromkeys(e.host for e in subject.found.endpoints if e.method == "ExternalIP"))
    if not external:
        return []
    return [f"externalIPs {', '.join(external)}: every node captures traffic for these addresses (CVE-2020-8554)"]


def plain_http(subject: Subject) -> List[str]:
    """Hosts served over http, with the door's reason (no `spec.tls`, an HTTP listener, `permitInsecure`...)."""
    hosts = list(dict.fromkeys(e.host for e in subject.found.endpoints if e.scheme == "http"))
    if not hosts:
        return []
    return [f"{', '.join(hosts)} served over plain http ({BY_ROLE[subject.role].plain_http(subject.obj)})"]


def broken_backends(subject: Subject) -> List[str]:
    return list(subject.broken)


def no_ready_pods(subject: Subject) -> List[str]:
    """A Service itself, or each Service a front door's URLs lead to."""
    snapshot = subject.snapshot
    if subject.role == SERVICE:
        services, prefix = [subject.obj], ""
    else:
        named = snapshot.services_named(field(subject.obj, "metadata", "namespace") or "")
        services = [named[svc] for svc in dict.fromkeys(e.service for e in subject.found.endpoints) if svc in named]
        prefix = "backend service {} "
    return [f"{prefix.format(name(s))}selects no ready pod ({format_labels(field(s, 'spec', 'selector'))})"
            for s in services if snapshot.has_no_ready_pod(s)]


def not_accepted(subject: Subject) -> List[str]:
    """Why its controller does not serve the object: each door's rule (a Gateway's Accepted, a router's Admitted,
    an HTTPProxy's currentStatus, a VirtualServer's state...)."""
    return BY_ROLE[subject.role].refusals(subject.obj, subject.snapshot)


@dataclass(frozen=True)
class Check:
    id: str
    severity: str
    summary: str                            # one line, for the help text and the README's table
    roles: Tuple[str, ...]                  # kinds.py roles of the exposing objects it looks at
    find: Callable[[Subject], List[str]]    # one message per finding
    why: str = ""                           # what it finds and why it matters, for the README


FRONT_DOOR_ROLES = DOOR_ROLES
CHECKS = (
    Check("host-network", "high", "hostNetwork pod: bypasses Services and NetworkPolicy", (POD,), host_network,
          "a `hostNetwork` pod shares its node's network: its ports bypass Services and NetworkPolicy"),
    Check("open-lb", "high", "LoadBalancer open to 0.0.0.0/0 (no loadBalancerSourceRanges)", (SERVICE,),
          open_load_balancer,
          "a LoadBalancer with no `loadBalancerSourceRanges` (or its annotation; or one allowing `0.0.0.0/0`, `::/0`), "
          "unless it is internal: by its controller's rules or by every address it has (docs/rules.md, load balancers)"),
    Check("host-port", "medium", "hostPort opened on a node", (POD,), host_port,
          "a `hostPort` opens a port on the node itself"),
    Check("public-node-port", "medium", "nodePort open on nodes with public ExternalIPs", (SERVICE,), public_node_ports,
          "a nodePort (NodePort Services, and LoadBalancers that allocate them: source ranges do not restrict node "
          "ports) while some nodes have public ExternalIPs"),
    Check("external-ips", "medium", "Service externalIPs (CVE-2020-8554)", (SERVICE,), external_ips,
          "Service `externalIPs`: every node captures traffic for those addresses (CVE-2020-8554)"),
    Check("plain-http", "medium", "a host served over http, not https", FRONT_DOOR_ROLES, plain_http,
          "an Ingress host no `spec.tls` entry covers, a Gateway HTTP listener, a Route without TLS or with "
          "`insecureEdgeTerminationPolicy: Allow`"),
    Check("broken-backend", "low", "an Ingress or route names a missing Service or port", FRONT_DOOR_ROLES,
          broken_backends, "an Ingress or route names a Service or port that does not exist"),
    Check("no-ready-pods", "low", "a Service or route backend selects no ready pod", (SERVICE, *FRONT_DOOR_ROLES),
          no_ready_pods, "an exposed Service, or the backend of an Ingress or route, selects no ready pod"),
    Check("not-accepted", "low", "a Gateway refused the route / no router admitted it",
          tuple(r for r in DOOR_ROLES if r != INGRESS), not_accepted,
          "a Gateway refused the route, no OpenShift router admitted it, or its controller marks it invalid "
          "(an HTTPProxy's `currentStatus`, a VirtualServer's `state`)"),
)


def checks_markdown() -> str:
    """The README's table of checks."""
    rows = [f"| {c.severity} | `{c.id}` | {c.why} |" for c in CHECKS]
    return "\n".join(["| severity | check | finding |", "| --- | --- | --- |", *rows])


def checks_table(indent: str = "  ") -> str:
    """`high    host-network      hostNetwork pod: ...`, one line per check: for help texts."""
    return "\n".join(f"{indent}{c.severity:<7} {c.id:<17} {c.summary}" for c in CHECKS)


def findings_for(subject: Subject) -> List[Finding]:
    """The findings of every check that applies, worst first (checks in table order within a severity)."""
    findings = [Finding(check.severity, check.id, message) for check in CHECKS if subject.role in check.roles
                for message in check.find(subject)]
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def assess(snapshot: Snapshot, **chunk: Any) -> List[Assessment]:
    """Every exposing object with its findings (worst first), in inventory order (`chunk`: one namespace's, as
    reach.exposing_objects takes them)."""
    return [Assessment(answer, findings_for(Subject(obj, BY_NAME[answer.kind].role, answer.found, broken, snapshot)))
            for obj, answer, broken in exposing_objects(snapshot, **chunk)]


def audit(snapshot: Snapshot) -> List[Assessment]:
    """Every exposing object with its findings, riskiest first (then in inventory order)."""
    return sorted(assess(snapshot), key=lambda e: SEVERITIES.index(e.risk) if e.risk else len(SEVERITIES))


def summary(assessments: Sequence[Assessment]) -> Dict[str, int]:
    """How many objects are exposed, of which how many publicly and how many only internally, and the findings."""
    counts = {"exposed": len(assessments), "public": sum(a.exposure == "public" for a in assessments),
              "internal": sum(a.exposure == "internal" for a in assessments)}
    counts.update({s: sum(f.severity == s for e in assessments for f in e.findings) for s in SEVERITIES})
    return counts
