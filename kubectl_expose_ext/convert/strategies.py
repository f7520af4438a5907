"""`convert --to` values as strategies: one row each names the kinds (roles) it applies to, the flags it reads,
its own checks, and how it plans the change from the live object. Undo has one plan per role. The flag checks
(a flag given where its `--to` does not read it), completion's `--to` values and the help derive from the table.

docs/development.md: "How to add a convert target".
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from ..errors import ReachError, UsageError
from ..kinds import BY_NAME, INGRESS, POD, SERVICE, TARGETS, WORKLOAD
from ..objects import field as get, merge_patch, name

if TYPE_CHECKING:
    from ..commands.convert import Convert
    from ..kubeflags import Session
    from .engine import Change

NODE_PORT_RANGE = (30000, 32767)
Plan = Callable[["Convert", "Session", dict], Optional["Change"]]  # (None: nothing to change, and it said why)


@dataclass(frozen=True)
class Strategy:
    """A `--to` value. `flags`: the ConvertOptions fields it reads (given where it does not read them, a flag is
    refused before any request); `check`: its own checks of their values, returning what it parsed of them."""

    to: str
    roles: Tuple[str, ...]
    flags: Tuple[str, ...]
    plan: Plan
    check: Callable[["Convert"], Dict[str, Any]] = lambda convert: {}
    summary: str = ""


# --- Services --------------------------------------------------------------------------------------------------

def _service_urls(session: "Session", services: List[dict]) -> Callable[[Optional[dict]], List[str]]:
    from ..reach import reach_service
    from ..targets import surroundings

    snapshot = surroundings(session.kube, session.namespace, services, [], "auto")
    return lambda obj: [e.url for e in reach_service(obj, snapshot).endpoints] if obj else []


def change_service(convert: "Convert", session: "Session", live: dict) -> Optional["Change"]:
    """clusterip, nodeport, loadbalancer, and undo of a Service: one merge patch of its spec."""
    from .engine import Change
    from .diff import dry_run_placeholders
    from .service import (exposure_of, flags_given, is_noop, refuse_unconvertible, requested_exposure, service_patch,
                          undo_exposure)

    warn = session.streams.warn
    dangers: List[str] = []
    if convert.undo:
        target = undo_exposure(live)
        refuse_unconvertible(live)
        dangers = [d for d in target.dangers() if d not in exposure_of(live).dangers()]
        for danger in dangers:
            warn(f"Warning: undo makes svc/{name(live)} {danger}" if danger.startswith("a ") else
                 f"Warning: undo opens {danger} for svc/{name(live)}")
    else:
        refuse_unconvertible(live)
        target = requested_exposure(live, convert.to, flags_given(convert, live))
        if is_noop(live, target):
            warn(f"svc/{name(live)} is already {target.type}: nothing to change.")
            return None
    for number in target.node_ports.values():
        if not NODE_PORT_RANGE[0] <= number <= NODE_PORT_RANGE[1]:
            warn(f"Warning: nodePort {number} is outside the default range {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}: "
                 "a dry run does not check the cluster's range, so the apply may be rejected")
    patch = service_patch(live, target)
    urls = _service_urls(session, [live, merge_patch(live, patch)])  # nodes are needed if either side has nodePorts
    if get(live, "status", "loadBalancer", "ingress") and target.type != "LoadBalancer":
        warn(f"Warning: svc/{name(live)} leaves LoadBalancer: the cloud load balancer and its address are released")
    if target.type == "LoadBalancer" and exposure_of(live).type != "LoadBalancer":
        warn(f"Warning: a load balancer's address appears once a cloud controller provisions it: "
             f"run `kubectl reach svc/{name(live)}` afterwards")
    return Change(BY_NAME["Service"], live, urls=urls, dangers=dangers,
                  write=lambda dry: session.kube.patch("services", name(live), session.namespace, patch, dry),
                  placeholders=lambda after: dry_run_placeholders(live, patch, after))


def create_ingress(convert: "Convert", session: "Session", service: dict) -> Optional["Change"]:
    """--to ingress: a new Ingress in front of the Service (the Service itself is not changed)."""
    from ..endpoints.ingress import ingress_endpoints
    from ..targets import optional_list
    from .engine import Change
    from .ingress import choose_class, ingress_for, ingress_port, routes_conflicting
    from .service import refuse_unconvertible

    flags = convert.flags
    refuse_unconvertible(service)
    port = ingress_port(service, flags.port)
    existing = session.kube.list("ingresses", session.namespace)
    nothing_to_do = routes_conflicting(existing, flags.host or "", flags.path, name(service), port)
    if nothing_to_do:
        session.streams.warn(nothing_to_do)
        return None
    ingress_name = flags.ingress_name or name(service)
    if ingress_name in {name(i) for i in existing}:
        raise UsageError(f'an Ingress named "{ingress_name}" already exists: choose another name with --ingress-name')
    class_name = choose_class(flags.ingress_class, optional_list(session.kube, "ingressclasses"))
    body = ingress_for(service, flags.host or "", flags.path, flags.path_type, class_name, flags.tls_secret, port,
                       ingress_name)

    def urls(obj: Optional[dict]) -> List[str]:  # the new ingress routes only to this port
        return [e.url for e in ingress_endpoints(obj, lambda ref: port).endpoints] if obj else []

    return Change(BY_NAME["Ingress"], None, urls=urls, verb="create", new_name=ingress_name,
                  write=lambda dry: session.kube.create("ingresses", session.namespace, body, dry))


def delete_created_ingress(convert: "Convert", session: "Session", ingress: dict) -> "Change":
    """undo ingress/NAME: delete an Ingress that convert created, and only such an Ingress."""
    from ..endpoints.ingress import ingress_endpoints
    from . import CREATED_ANNOTATION
    from .engine import Change

    if not get(ingress, "metadata", "annotations", CREATED_ANNOTATION):
        raise UsageError(f"ingress {name(ingress)} was not created by kubectl reach convert: not deleting it")
    version = get(ingress, "metadata", "resourceVersion")
    return Change(BY_NAME["Ingress"], ingress, verb="delete",
                  write=lambda dry: session.kube.delete("ingresses", name(ingress), session.namespace, dry, version),
                  urls=lambda obj: [e.url for e in ingress_endpoints(obj, lambda ref: {}).endpoints] if obj else [])


# --- pod templates ---------------------------------------------------------------------------------------------

def change_template(convert: "Convert", session: "Session", live: dict) -> Optional["Change"]:
    """hostport, hostnetwork, and undo of a workload: one merge patch of its pod template."""
    from ..endpoints.hostports import node_endpoints
    from ..objects import label_selector_string
    from ..targets import fetch_nodes
    from .engine import Change
    from .workload import (host_network_patch, host_port_patch, pod_security_warning, read_record, record_dangers,
                           rollout_warning, undo_template_patch)

    warn, kind, ns = session.streams.warn, convert.kind, session.namespace
    ref = kind.ref(name(live))
    if convert.undo:
        patch = undo_template_patch(live)
        dangers = record_dangers(live, read_record(live))
        for danger in dangers:
            warn(f"Warning: undo puts {ref} on {danger}" if danger.startswith("the host")
                 else f"Warning: undo opens {danger} for {ref}")
        to = "hostnetwork" if any(d.startswith("the host") for d in dangers) else "hostport" if dangers else None
    else:
        dangers = []
        planned = host_network_patch(live) if convert.to == "hostnetwork" else \
            host_port_patch(live, *convert.parsed["host_port"])
        if planned is None:
            warn(f"{ref} already uses {convert.to}: nothing to change.")
            return None
        patch, to = planned, convert.to
    if to:  # the same warnings as convert: pod security, rollout
        try:
            namespace = session.kube.get("namespaces", ns)
        except ReachError:
            namespace = None
        for warning in (pod_security_warning(namespace, to), rollout_warning(live, kind.name)):
            if warning:
                warn(f"Warning: {warning}")
    selector = label_selector_string(get(live, "spec", "selector"))
    pods = session.kube.list("pods", ns, label_selector=selector) if selector else []
    after_pods = [_with_template(pod, patch["spec"]["template"]["spec"]) for pod in pods]
    nodes = fetch_nodes(session.kube, after_pods + pods, [], "auto")

    def urls(obj: Optional[dict]) -> List[str]:
        """Only the pods' own node endpoints change with the template: nothing else is computed."""
        group = pods if obj is live else [_with_template(p, get(obj, "spec", "template", "spec", default={}))
                                          for p in pods]
        return list(dict.fromkeys(e.url for p in group for e in node_endpoints(p, nodes).endpoints))

    return Change(kind, live, urls=urls, dangers=dangers,
                  write=lambda dry: session.kube.patch(kind.resource, name(live), ns, patch, dry))


def _with_template(pod: dict, template_spec: dict) -> dict:
    """The pod as it will be once the new template rolls out (host networking and ports), on the same node."""
    import copy

    pod = copy.deepcopy(pod)
    spec = pod.setdefault("spec", {})
    spec["hostNetwork"] = template_spec.get("hostNetwork")
    ports = {c.get("name"): c.get("ports") for c in template_spec.get("containers") or []}
    for container in spec.get("containers") or []:
        if container.get("name") in ports:
            container["ports"] = ports[container["name"]]
    return pod


def refuse_pod(convert: "Convert", session: "Session", pod: dict) -> Optional["Change"]:
    """A Pod's spec is immutable: point at its owner."""
    from ..hints import owner_ref

    owner = owner_ref(pod)
    to = convert.to or "..."
    hint = f": convert its owner instead: kubectl reach convert -n {session.namespace} {owner} --to {to}" \
        if owner else ": recreate it with the change, or run it from a Deployment and convert that"
    raise UsageError(f"pod {name(pod)} cannot be changed in place (a Pod's spec is immutable){hint}")


# --- checks of the flags' values -------------------------------------------------------------------------------

def _check_ingress(convert: "Convert") -> Dict[str, Any]:
    from .ingress import validate_host, validate_path

    validate_host(convert.flags.host or "")
    validate_path(convert.flags.path, convert.flags.path_type)
    return {}


def _check_host_port(convert: "Convert") -> Dict[str, Any]:
    from .workload import parse_port

    return {"host_port": parse_port(convert.flags.port)}


_LB = ("node_port", "external_traffic_policy")
STRATEGIES: Tuple[Strategy, ...] = (
    Strategy("clusterip", (SERVICE,), (), change_service, summary="in-cluster only: nodePorts released"),
    Strategy("nodeport", (SERVICE,), _LB, change_service, summary="a port on every node"),
    Strategy("loadbalancer", (SERVICE,), (*_LB, "lb_class", "source_range"), change_service,
             summary="a cloud load balancer (keeps the nodePorts)"),
    Strategy("ingress", (SERVICE,), ("host", "path", "path_type", "ingress_class", "tls_secret", "ingress_name",
                                     "port"), create_ingress, _check_ingress, "a new Ingress for the Service"),
    Strategy("hostport", (WORKLOAD, POD), ("port",), change_template, _check_host_port,
             summary="a hostPort on the pods' nodes"),
    Strategy("hostnetwork", (WORKLOAD, POD), (), change_template, summary="the pods share their nodes' network"),
)
BY_TO: Dict[str, Strategy] = {s.to: s for s in STRATEGIES}
UNDO: Dict[str, Plan] = {SERVICE: change_service, WORKLOAD: change_template, INGRESS: delete_created_ingress,
                         POD: refuse_pod}
CONVERTIBLE = tuple(dict.fromkeys(role for s in STRATEGIES for role in s.roles))


def plan_for(role: str, to: str, undo: bool) -> Plan:
    """What plans the change for a target of this role (a Pod is always refused: its spec is immutable)."""
    if role == POD or undo:
        return UNDO[role]
    return BY_TO[to].plan


def targets_for(role: str) -> Tuple[str, ...]:
    """The `--to` values a kind of this role takes."""
    return tuple(s.to for s in STRATEGIES if role in s.roles)


STRATEGY_FLAGS = tuple(dict.fromkeys(flag for s in STRATEGIES for flag in s.flags))  # the rest: for every change



def to_help() -> str:
    """--to's help: each value with the kinds it applies to, from the table."""
    def kinds(roles: Tuple[str, ...]) -> str:
        shorts = [k.short for k in TARGETS if k.role in roles and k.role != POD]
        return "services" if shorts == ["svc"] else ", ".join(shorts)

    groups: Dict[str, List[str]] = {}
    for s in STRATEGIES:
        groups.setdefault(kinds(s.roles), []).append(s.to)
    return "; ".join(f"{', '.join(tos[:-1]) + ' or ' + tos[-1] if len(tos) > 1 else tos[0]} ({where})"
                     for where, tos in groups.items()) + "."
