"""NetworkPolicies, read statically: would a policy let a connection reach a pod's port? Pure (dicts in, a verdict
out), for `kubectl reach explain`'s NetworkPolicy hop. It is a prediction, labelled so: what a CNI enforces (and whether
it enforces NetworkPolicy at all), source NAT on the way in and the cluster's pod and node CIDRs are not known here.

The rules, from the NetworkPolicy API reference (networking.k8s.io/v1) and the Kubernetes docs "Network Policies":
- A pod is isolated for ingress when a policy of its namespace selects it (`spec.podSelector`, `{}` selects every
  pod) and that policy's `policyTypes` include Ingress (omitted: Ingress always, plus Egress when it has egress rules).
  A pod no policy isolates accepts every connection.
- An isolated pod accepts a connection that at least one ingress rule of one selecting policy admits (policies add
  up; none can deny). A rule admits it when a peer of its `from` matches the source (no `from`, or an empty list:
  every source) and one of its `ports` matches the port (none: every port). A port is a number or a container port's
  name, with `protocol` (default TCP) and optionally `endPort` (a range).
- Peers: `ipBlock` (a CIDR minus `except`) matches addresses, in practice from outside the cluster; `podSelector`
  alone: pods of the policy's own namespace; `namespaceSelector` alone: every pod of the matching namespaces; both:
  the matching pods of the matching namespaces.
"""

import ipaddress
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from .objects import field, items, label_selector_matches, labels, name, namespace

OK, BROKEN, UNKNOWN = "ok", "broken", "unknown"


@dataclass(frozen=True)
class Source:
    """Where a connection comes from: an address outside the cluster (`address`), or pods of a namespace (its name and
    labels, and the pods' labels when known: an Ingress controller's pods whose labels were not read are None)."""

    address: Optional[str] = None
    namespace: Optional[str] = None
    namespace_labels: Optional[Dict[str, str]] = None
    pod_labels: Optional[Dict[str, str]] = None

    def describe(self) -> str:
        if self.address is not None:
            return f"outside the cluster ({self.address})"
        return f"pods of namespace {self.namespace}"


@dataclass(frozen=True)
class Verdict:
    verdict: str            # OK, BROKEN or UNKNOWN
    why: str                # one line, for the hop's evidence
    policies: tuple = ()    # the policies that decided it (their names)


def policy_types(policy: dict) -> List[str]:
    """`spec.policyTypes`, or its default: Ingress, plus Egress when the policy has egress rules."""
    declared = field(policy, "spec", "policyTypes")
    if isinstance(declared, list) and declared:
        return [t for t in declared if isinstance(t, str)]
    return ["Ingress"] + (["Egress"] if items(policy, "spec", "egress") else [])


def isolating(policies: Sequence[dict], pod: dict) -> List[dict]:
    """The policies of the pod's namespace that isolate it for ingress."""
    return [p for p in policies if namespace(p) == namespace(pod) and "Ingress" in policy_types(p)
            and label_selector_matches(field(p, "spec", "podSelector", default={}), labels(pod))]


def _port_matches(rule_port: dict, port: int, protocol: str, pod: dict) -> bool:
    if (rule_port.get("protocol") or "TCP") != protocol:
        return False
    wanted = rule_port.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str) and not wanted.isdigit():  # a container port's name
        from .endpoints.hostports import container_ports

        return any(p.get("name") == wanted and p.get("containerPort") == port and (p.get("protocol") or "TCP") ==
                   protocol for _, p in container_ports(pod))
    start = int(wanted)
    end_port = rule_port.get("endPort")
    end = end_port if isinstance(end_port, int) else start
    return start <= port <= end


def _peer_matches(peer: dict, source: Source, policy_namespace: str) -> Optional[bool]:
    """Whether the peer admits the source; None when it cannot be told (the source's labels are not known)."""
    block = peer.get("ipBlock")
    if isinstance(block, dict):
        if source.address is None:
            return False  # pod-to-pod traffic is matched by selectors (in practice: ipBlock is for outside)
        try:
            address = ipaddress.ip_address(source.address)
            inside = address in ipaddress.ip_network(str(block.get("cidr")), strict=False)
            excluded = any(address in ipaddress.ip_network(str(c), strict=False) for c in block.get("except") or []
                           if isinstance(c, str))
        except ValueError:
            return False
        return inside and not excluded
    if source.address is not None:
        return False  # selectors match pods, not addresses outside the cluster
    pods, namespaces = peer.get("podSelector"), peer.get("namespaceSelector")
    if isinstance(namespaces, dict):
        if source.namespace_labels is None:
            return None
        if not label_selector_matches(namespaces, source.namespace_labels):
            return False
    elif source.namespace is None:
        return None  # pods of a namespace not known (a front door's proxy): whether it is this one cannot be told
    elif source.namespace != policy_namespace:
        return False
    if isinstance(pods, dict) and pods:
        if source.pod_labels is None:
            return None
        return label_selector_matches(pods, source.pod_labels)
    return True


def admits(policies: Sequence[dict], pod: dict, port: int, source: Source, protocol: str = "TCP") -> Verdict:
    """Whether the NetworkPolicies of the pod's namespace let `source` reach `port` of `pod` (a static prediction)."""
    deciding = isolating(policies, pod)
    if not deciding:
        return Verdict(OK, f"no NetworkPolicy isolates pod {name(pod)} for ingress")
    names = tuple(name(p) for p in deciding)
    undecided = False
    for policy in deciding:
        for rule in items(policy, "spec", "ingress"):
            ports = [p for p in rule.get("ports") or [] if isinstance(p, dict)]
            if ports and not any(_port_matches(p, port, protocol, pod) for p in ports):
                continue
            peers = [p for p in rule.get("from") or [] if isinstance(p, dict)]
            if not peers:
                return Verdict(OK, f"networkpolicy/{name(policy)} admits every source on port {port}", (name(policy),))
            for peer in peers:
                matched = _peer_matches(peer, source, namespace(policy))
                if matched:
                    return Verdict(OK, f"networkpolicy/{name(policy)} admits {source.describe()} on port {port}",
                                   (name(policy),))
                undecided = undecided or matched is None
    shown = ", ".join(f"networkpolicy/{n}" for n in names)
    if undecided:
        return Verdict(UNKNOWN, f"{shown} isolate pod {name(pod)}; whether a rule admits {source.describe()} depends "
                                "on labels that were not read", names)
    return Verdict(BROKEN, f"{shown} isolate pod {name(pod)} and no ingress rule admits {source.describe()} on "
                           f"port {port}/{protocol}", names)


def predictions(policies: Sequence[dict], pod: dict, port: int, sources: Sequence[Source]) -> List[Dict[str, Any]]:
    """One verdict per source, as explain shows them (each marked a static prediction)."""
    return [{"source": s.describe(), "verdict": v.verdict, "why": v.why, "policies": list(v.policies),
             "prediction": True} for s in sources for v in [admits(policies, pod, port, s)]]
