"""The convert and undo commands: GET -> desired object (pure) -> dry run -> diff -> confirm -> apply.

Every write first goes to the API server with dryRun=All, and the diff shown is live vs what the
server answered. The real write is the same body, carrying the resourceVersion the diff was computed
from: if anything changed in between, the server answers 409 and nothing is written.
"""

import json
import sys
from dataclasses import dataclass, field as dc_field
from typing import Callable, List, Optional, Sequence, Tuple

import click

from ..terminal import clean, clean_lines
from ..errors import Conflict, ReachError, UsageError
from ..objects import field, merge_patch, name
from ..options import Kind, TargetSpec
from . import CREATED_ANNOTATION
from .diff import (colorize, dry_run_placeholders, mark_allocated, show_placeholder_urls, unified_diff, url_changes)

SERVICE_TYPES = ("clusterip", "nodeport", "loadbalancer", "ingress")
TEMPLATE_TYPES = ("hostport", "hostnetwork")
NODE_PORT_RANGE = (30000, 32767)


@dataclass
class Change:
    """One write, described before it is made."""

    kind: Kind
    live: Optional[dict]                  # None for a create
    write: Callable[[bool], dict]         # dry_run -> the object as the server returns it
    urls: Callable[[Optional[dict]], List[str]]  # object (None: absent) -> its external URLs
    placeholders: Callable[[dict], set] = lambda after: set()
    verb: str = "change"
    new_name: str = ""                    # for a create: the name of the object to be
    dangers: List[str] = dc_field(default_factory=list)  # what the change opens: warned, and named in the prompt

    @property
    def ref(self) -> str:
        return f"{self.kind.short}/{name(self.live) if self.live else self.new_name}"


def out(line: str = "") -> None:
    """stdout; cluster text inside is escaped (JSON and YAML are ASCII-escaped by their dumpers already)."""
    click.echo(clean_lines(line))


def warn(line: str) -> None:
    click.echo(f"Warning: {clean(line)}", err=True)


def note(line: str) -> None:
    click.echo(clean(line), err=True)


def use_color() -> bool:
    """kubectl's rule: a terminal, TERM not dumb, NO_COLOR not set at all."""
    import os

    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ


class Interrupted(ReachError):
    """Ctrl-C during the real write: the change may or may not have been applied."""

    exit_code = 130


def conflict_message(kind: Kind, obj_name: str) -> str:
    return (f'{kind.resource} "{obj_name}" has been modified since it was read; nothing was changed: '
            "run the command again")


def present(change: Change, after: dict, output: Optional[str]) -> Tuple[List[str], List[str]]:
    """Print the diff and the URL changes (or the after object for -o json|yaml)."""
    placeholders = change.placeholders(after)
    if output == "json":
        out(json.dumps(after, indent=2))
    elif output == "yaml":
        import yaml

        out(yaml.safe_dump(after, sort_keys=False).rstrip("\n"))
    shown_after = None if change.verb == "delete" else mark_allocated(after, placeholders)
    removed, added = url_changes(change.urls(change.live), change.urls(None if change.verb == "delete" else after))
    added = show_placeholder_urls(added, placeholders)
    if output:
        return removed, added
    lines = unified_diff(change.live, shown_after, change.ref)
    for line in colorize([clean_lines(line.rstrip("\n")) + "\n" for line in lines], use_color()):
        click.echo(line, nl=False)
    if not lines:
        out(f"{change.ref}: no change")
    for title, urls, sign in (("URLs removed:", removed, "-"), ("URLs added:", added, "+")):
        if urls:
            out(title)
            for url in urls:
                out(f"  {sign} {url}")
    return removed, added


def confirm(change: Change, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise ReachError(f"refusing to {change.verb} {change.ref} without confirmation: add --yes to apply "
                         "(or --dry-run to only preview)")
    opens = f" It opens {'; '.join(change.dangers)}." if change.dangers else ""
    if not click.confirm(f"Apply this change to {clean(change.ref)}?{clean(opens)}", default=False, err=True):
        raise ReachError("cancelled: nothing was changed")


def execute(change: Change, dry_run: bool, yes: bool, output: Optional[str], kube) -> int:
    """Dry run, show, then (unless --dry-run) confirm and apply the same request."""
    after = change.write(True)
    for text in kube.warnings:
        warn(text)
    kube.warnings.clear()
    present(change, after, output)
    if dry_run:
        click.echo("Dry run: nothing was changed (the API server validated the change with dryRun=All).", err=True)
        return 0
    confirm(change, yes)
    try:
        applied = change.write(False)
    except Conflict:
        raise ReachError(conflict_message(change.kind, name(change.live))) from None
    except KeyboardInterrupt:  # the request was on its way: only the server knows whether it was applied
        raise Interrupted(f"interrupted while the change to {change.ref} was being sent: it may have been applied; "
                          f"check with `kubectl get {change.ref} -o yaml` (and `kubectl reach {change.ref}`) "
                          "before running the command again") from None
    for text in kube.warnings:
        warn(text)
    done = {"delete": "deleted", "create": "created"}.get(change.verb, "changed")
    note(f"{change.ref} {done}.")
    if change.verb != "delete" and not output:
        urls = change.urls(applied)
        out("External URLs now:" if urls else "No external URL now.")
        for url in urls:
            out(f"  {url}")
    return 0


@dataclass
class ConvertOptions:
    """`kubectl reach convert TARGET --to TYPE` and `kubectl reach undo TARGET`."""

    target: Sequence[str]
    flags: object
    to: Optional[str] = None
    undo: bool = False
    node_port: Tuple[str, ...] = ()
    lb_class: Optional[str] = None
    source_range: Tuple[str, ...] = ()
    external_traffic_policy: Optional[str] = None
    host: Optional[str] = None
    path: str = "/"
    path_type: str = "Prefix"
    ingress_class: Optional[str] = None
    tls_secret: Optional[str] = None
    port: Optional[str] = None
    ingress_name: Optional[str] = None
    dry_run: bool = False
    yes: bool = False
    output: Optional[str] = None

    def validate(self) -> "ConvertOptions":
        """Everything that can be checked without the cluster."""
        import ipaddress

        from ..options import ROUTE_KINDS, parse_target, validate_name, validate_output, validate_qualified_name
        from .ingress import validate_host, validate_path
        from .workload import parse_port

        self.spec: TargetSpec = parse_target(self.target)
        if self.spec is None:
            raise UsageError("convert needs a target, e.g. kubectl reach convert svc/web --to nodeport")
        if self.spec.kind is None:
            raise UsageError(f'give the target with its type, e.g. svc/{self.spec.name} or deploy/{self.spec.name}')
        self.flags.validate()
        if self.output is not None:
            validate_output(self.output, ("json", "yaml"))
        kind = self.spec.kind.name
        if kind in ROUTE_KINDS:
            raise UsageError(f"{self.spec.kind.short}/{self.spec.name} cannot be converted: kubectl reach converts "
                             "Services and workloads (deploy, sts, ds)")
        if self.undo:
            if self.to:
                raise UsageError("--undo restores the previous exposure: it takes no --to")
            return self
        if not self.to:
            raise UsageError("--to is required (clusterip, nodeport, loadbalancer, ingress, hostport, hostnetwork)")
        self.to = self.to.lower()
        allowed = {"Service": SERVICE_TYPES, "Deployment": TEMPLATE_TYPES, "StatefulSet": TEMPLATE_TYPES,
                   "DaemonSet": TEMPLATE_TYPES, "Pod": TEMPLATE_TYPES}.get(kind)
        if not allowed:
            raise UsageError(f"{self.spec.kind.short}/{self.spec.name} cannot be converted: convert the Service "
                             "it routes to, or create an Ingress with: kubectl reach convert svc/NAME --to ingress")
        if self.to not in allowed:
            raise UsageError(f'cannot convert a {kind} to "{self.to}": use one of {", ".join(allowed)}')
        if self.external_traffic_policy and self.external_traffic_policy not in ("Cluster", "Local"):
            raise UsageError(f'invalid --external-traffic-policy "{self.external_traffic_policy}": use Cluster or Local')
        for cidr in self.source_range:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise UsageError(f'invalid --source-range "{cidr}": not a CIDR such as 203.0.113.0/24') from None
        for value in self.node_port:
            number = value.rpartition("=")[2]
            if not (number.isascii() and number.isdigit()) or not 0 < int(number) < 65536:
                raise UsageError(f'invalid --node-port "{value}": the node port must be a number from 1 to 65535')
        if self.node_port and self.to == "clusterip":
            raise UsageError("--node-port does not apply to --to clusterip: a ClusterIP Service has no node ports")
        if self.lb_class and self.to != "loadbalancer":
            raise UsageError("--lb-class applies only to --to loadbalancer")
        if self.lb_class:
            validate_qualified_name(self.lb_class, "--lb-class")
        for flag, value in (("--ingress-name", self.ingress_name), ("--tls-secret", self.tls_secret),
                            ("--class", self.ingress_class)):
            if value:
                validate_name(value, flag)
        if self.to == "ingress":
            validate_host(self.host or "")
            validate_path(self.path, self.path_type)
        elif self.host or self.tls_secret or self.ingress_class:
            raise UsageError("--host, --class and --tls-secret apply only to --to ingress")
        if self.to == "hostport":
            parse_port(self.port)
        return self

    def complete(self) -> "ConvertOptions":
        self.kube, self.namespace = self.flags.connect()
        return self

    def run(self) -> int:
        live = self.kube.get(self.spec.kind.resource, self.spec.name, self.namespace)
        kind = self.spec.kind
        if kind.name == "Pod":
            from ..reach import owner_ref

            owner = owner_ref(live)
            hint = f": convert its owner instead: kubectl reach convert -n {self.namespace} {owner} --to {self.to}" \
                if owner else ": recreate it with the change, or run it from a Deployment and convert that"
            raise UsageError(f"pod {self.spec.name} cannot be changed in place (a Pod's spec is immutable){hint}")
        if kind.name == "Ingress":
            return execute(self._delete_created_ingress(live), self.dry_run, self.yes, self.output, self.kube)
        if kind.name == "Service":
            if self.to == "ingress":
                change = self._create_ingress(live)
                return 0 if change is None else execute(change, self.dry_run, self.yes, self.output, self.kube)
            return self._change_service(live)
        return self._change_template(live)

    # -- Services

    def _service_urls(self, services: List[dict]) -> Callable[[Optional[dict]], List[str]]:
        from ..reach import reach_service
        from ..targets import surroundings

        snapshot = surroundings(self.kube, self.namespace, services, [], "auto")
        return lambda obj: [e.url for e in reach_service(obj, snapshot).endpoints] if obj else []

    def _change_service(self, live: dict) -> int:
        from .service import (exposure_of, is_noop, parse_node_ports, refuse_unconvertible, requested_exposure,
                              service_patch, undo_exposure)

        dangers: List[str] = []
        if self.undo:
            target = undo_exposure(live)
            refuse_unconvertible(live)
            dangers = [d for d in target.dangers() if d not in exposure_of(live).dangers()]
            for danger in dangers:
                warn(f"undo makes svc/{name(live)} {danger}" if danger.startswith("a ") else
                     f"undo opens {danger} for svc/{name(live)}")
        else:
            refuse_unconvertible(live)
            target = requested_exposure(live, self.to, parse_node_ports(self.node_port, live), self.lb_class,
                                        self.source_range, self.external_traffic_policy)
            if is_noop(live, target):
                note(f"svc/{name(live)} is already {target.type}: nothing to change.")
                return 0
        for number in target.node_ports.values():
            if not NODE_PORT_RANGE[0] <= number <= NODE_PORT_RANGE[1]:
                warn(f"nodePort {number} is outside the default range {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}: a dry "
                     "run does not check the cluster's range, so the apply may be rejected")
        patch = service_patch(live, target)
        urls = self._service_urls([live, merge_patch(live, patch)])  # nodes are needed if either side has nodePorts
        change = Change(self.spec.kind, live,
                        write=lambda dry: self.kube.patch("services", name(live), self.namespace, patch, dry),
                        urls=urls, placeholders=lambda after: dry_run_placeholders(live, patch, after),
                        dangers=dangers)
        if field(live, "status", "loadBalancer", "ingress") and target.type != "LoadBalancer":
            warn(f"svc/{name(live)} leaves LoadBalancer: the cloud load balancer and its address are released")
        if target.type == "LoadBalancer" and exposure_of(live).type != "LoadBalancer":
            warn(f"a load balancer's address appears once a cloud controller provisions it: "
                 f"run `kubectl reach svc/{name(live)}` afterwards")
        return execute(change, self.dry_run, self.yes, self.output, self.kube)

    def _create_ingress(self, service: dict) -> Optional[Change]:
        from ..endpoints.ingress import ingress_endpoints
        from ..targets import optional_list
        from .ingress import choose_class, ingress_for, routes_conflicting, service_port_for
        from .service import refuse_unconvertible

        refuse_unconvertible(service)
        port = service_port_for(service, self.port)
        existing = self.kube.list("ingresses", self.namespace)
        nothing_to_do = routes_conflicting(existing, self.host, self.path, name(service), port)
        if nothing_to_do:
            note(nothing_to_do)
            return None
        ingress_name = self.ingress_name or name(service)
        if ingress_name in {name(i) for i in existing}:
            raise UsageError(f'an Ingress named "{ingress_name}" already exists: choose another name with --ingress-name')
        class_name = choose_class(self.ingress_class, optional_list(self.kube, "ingressclasses"))
        body = ingress_for(service, self.host, self.path, self.path_type, class_name, self.tls_secret, port,
                           ingress_name)

        def urls(obj: Optional[dict]) -> List[str]:
            route = lambda backend: port  # noqa: E731 - the new ingress routes only to this port
            return [e.url for e in ingress_endpoints(obj, route).endpoints] if obj else []

        kind = Kind("Ingress", "ingresses", "ingress")
        return Change(kind, None, write=lambda dry: self.kube.create("ingresses", self.namespace, body, dry),
                      urls=urls, verb="create", new_name=ingress_name)

    def _delete_created_ingress(self, ingress: dict) -> Change:
        from ..endpoints.ingress import ingress_endpoints

        if not self.undo:
            raise UsageError("an Ingress cannot be converted; `kubectl reach undo ingress/NAME` deletes one that "
                             "convert created")
        if not field(ingress, "metadata", "annotations", CREATED_ANNOTATION):
            raise UsageError(f"ingress {name(ingress)} was not created by kubectl reach convert: not deleting it")
        version = field(ingress, "metadata", "resourceVersion")
        return Change(self.spec.kind, ingress, verb="delete",
                      write=lambda dry: self.kube.delete("ingresses", name(ingress), self.namespace, dry, version),
                      urls=lambda obj: [e.url for e in ingress_endpoints(obj, lambda b: {}).endpoints] if obj else [])

    # -- pod templates

    def _change_template(self, live: dict) -> int:
        from ..endpoints.hostports import node_endpoints
        from ..objects import label_selector_string
        from ..targets import fetch_nodes
        from .workload import (host_network_patch, host_port_patch, pod_security_warning, read_record,
                               record_dangers, rollout_warning, undo_template_patch)

        dangers: List[str] = []
        if self.undo:
            patch = undo_template_patch(live)
            dangers = record_dangers(live, read_record(live))
            for danger in dangers:
                warn(f"undo puts {self.spec.kind.short}/{name(live)} on {danger}" if danger.startswith("the host")
                     else f"undo opens {danger} for {self.spec.kind.short}/{name(live)}")
            to = "hostnetwork" if any(d.startswith("the host") for d in dangers) else "hostport" if dangers else None
        else:
            patch = host_network_patch(live) if self.to == "hostnetwork" else host_port_patch(live, self.port)
            if patch is None:
                note(f"{self.spec.kind.short}/{name(live)} already uses {self.to}: nothing to change.")
                return 0
            to = self.to
        if to:  # the same warnings as convert: pod security, rollout
            try:
                namespace = self.kube.get("namespaces", self.namespace)
            except ReachError:
                namespace = None
            for warning in (pod_security_warning(namespace, to), rollout_warning(live, self.spec.kind.name)):
                if warning:
                    warn(warning)
        selector = label_selector_string(field(live, "spec", "selector"))
        pods = self.kube.list("pods", self.namespace, label_selector=selector) if selector else []
        after_pods = [_with_template(pod, patch["spec"]["template"]["spec"]) for pod in pods]
        nodes = fetch_nodes(self.kube, after_pods + pods, [], "auto")

        def urls(obj: Optional[dict]) -> List[str]:
            """Only the pods' own node endpoints change with the template: nothing else is computed."""
            group = pods if obj is live else [_with_template(p, field(obj, "spec", "template", "spec", default={}))
                                              for p in pods]
            return list(dict.fromkeys(e.url for p in group for e in node_endpoints(p, nodes).endpoints))

        change = Change(self.spec.kind, live, urls=urls, dangers=dangers,
                        write=lambda dry: self.kube.patch(self.spec.kind.resource, name(live), self.namespace, patch, dry))
        return execute(change, self.dry_run, self.yes, self.output, self.kube)


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
