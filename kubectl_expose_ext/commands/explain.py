"""`kubectl reach explain TARGET`: every way into TARGET as a chain of hops, each with its verdict, evidence and the
kubectl command that shows it (explain.py computes; this fetches and prints)."""

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from ..errors import UsageError
from ..exitcodes import ExitCode
from ..flags import flag
from ..kubeflags import Session
from ..options import TargetSpec
from . import Probing
from ..portforward import checked_fallback
from ..probepod import DEFAULT_IMAGE

EXPLAIN_OUTPUTS = ("text", "wide", "json", "yaml")
MARKS = {"ok": "ok", "broken": "BROKEN", "warning": "warning", "unknown": "unknown"}


@dataclass
class ExplainOptions(Probing):
    """The flags as typed: each declared here once (flags.flag), with its default."""

    target: tuple = ()
    output: str = flag("-o", "--output", default="text", show_default=True, metavar="FORMAT", values="explain-outputs",
                       help="text (each hop; evidence and command for the hops that are not ok), wide (for every "
                            "hop), json or yaml.")
    probe: bool = flag("--probe", default=False,
                       help="Also try every URL from this machine (name resolution, TCP, TLS, HTTP): hops seen from "
                            "'this machine', apart from the cluster's.")
    via_apiserver: bool = flag("--via-apiserver", default=False,
                               help="Also fetch each Service port through the API server's proxy (RBAC checked "
                                    "first; an indirect, in-cluster view that changes nothing).")
    from_cluster: bool = flag("--from-cluster", default=False,
                              help="Also try the Services, their pods and the URLs from a short-lived probe pod in the "
                                   "namespace: its dry run and manifest are shown; it is created (and always deleted) "
                                   "only with --yes.")
    yes: bool = flag("--yes", default=False, help="--from-cluster: create the probe pod (no prompt).")
    probe_image: str = flag("--probe-image", default=DEFAULT_IMAGE, show_default=True, metavar="IMAGE",
                            help="--from-cluster: the probe pod's image (it needs sh and curl).")
    fallback: Optional[str] = flag("--fallback", metavar="WAY", values="fallbacks",
                                   help="port-forward: when no way in is healthy (--probe: no URL answered from here), "
                                        "after the trace, run kubectl port-forward to TARGET on a free local port and "
                                        "print its URL, until Ctrl-C.")

    def validate(self) -> "Explain":
        from ..options import parse_targets, validate_address_type

        specs = parse_targets(self.target)
        if len(specs) != 1:
            raise UsageError("explain needs one target: kubectl reach explain svc/NAME")
        if self.output not in EXPLAIN_OUTPUTS:
            raise UsageError(f'unable to match a printer suitable for the output format "{self.output}", allowed '
                             f'formats are: {",".join(EXPLAIN_OUTPUTS)}')
        checked_fallback(self.fallback)
        timeout = self.time_limit(self.probe)
        if (self.yes or self.probe_image != DEFAULT_IMAGE) and not self.from_cluster:
            raise UsageError("--yes and --probe-image apply only with --from-cluster")
        if not self.probe_image or any(c.isspace() for c in self.probe_image):
            raise UsageError(f'invalid --probe-image "{self.probe_image}"')
        return Explain(specs[0], self.output, validate_address_type(self.address_type),
                       timeout if self.probe else None, self.probe_allow_local, self.fallback,
                       timeout if self.via_apiserver else None, self.from_cluster, self.yes, self.probe_image)


@dataclass(frozen=True)
class Explain:
    spec: TargetSpec
    output: str
    address_type: str
    probe_timeout: Optional[float] = None
    probe_allow_local: bool = False
    fallback: Optional[str] = None
    proxy_timeout: Optional[float] = None  # --via-apiserver (its time limit per request: --timeout)
    from_cluster: bool = False
    consent: bool = False  # --yes
    image: str = DEFAULT_IMAGE

    def run(self, session: Session) -> int:
        from ..explain import add_probes, explain_target

        resolved, pods, policies, snapshot = self.fetch(session)
        ways = explain_target(resolved.kind.name, resolved.obj, pods, snapshot, policies)
        probes = None
        if self.probe_timeout:
            from ..probe import probe_all

            probes = probe_all([e for w in ways for e in w.endpoints if not e.dead], self.probe_timeout,
                               allow_local=self.probe_allow_local)
            add_probes(ways, probes)
        refused = self.vantages(session, resolved, ways)
        from . import report_malformed

        report_malformed(session)
        self.emit(session, resolved, ways)
        if refused is not None:
            session.streams.warn(f"error: {refused}")
            return ExitCode.ERROR
        if self.fallback and not self.works(ways, probes):
            from ..portforward import fall_back

            return fall_back(session, self.spec, self.address_type, [e for w in ways for e in w.endpoints],
                             lambda url: None)
        if probes is not None:
            return ExitCode.OK if any(p.answered for p in probes.values()) else ExitCode.NO_ANSWER
        return ExitCode.OK

    def vantages(self, session: Session, resolved: Any, ways: List) -> Optional[str]:
        """--via-apiserver and --from-cluster: their results as hops of the ways they concern, each labelled with its
        vantage (vantages.py, probepod.py). A refusal (RBAC, Pod Security) is returned, said after the trace."""
        from ..errors import ReachError

        services = involved_services(resolved, ways)
        try:
            if self.proxy_timeout:
                from ..vantages import service_targets, through_apiserver

                targets = [t for s in services for t in service_targets(s)]
                attach(ways, targets, through_apiserver(session.kube, targets, self.proxy_timeout))
            if self.from_cluster:
                self.probe_pod(session, services, ways)
        except ReachError as exc:
            return str(exc)
        return None

    def probe_pod(self, session: Session, services: List[dict], ways: List) -> None:
        """--from-cluster: the probe pod's dry run (and its manifest) without --yes; with it, the pod made, run and
        deleted, and its results as hops."""
        from ..objects import field
        from ..probepod import MAX_TARGETS, ProbePlan, check, cluster_targets, run
        from ..render import dump

        if not services:
            raise UsageError("--from-cluster: no Service leads to this target: there is nothing to try from inside")
        kube = session.kube
        ns = field(services[0], "metadata", "namespace") or session.namespace
        owned: List[tuple] = []
        for service in services:
            svc = field(service, "metadata", "name")
            slices = kube.list("endpointslices", ns, label_selector=f"kubernetes.io/service-name={svc}") or []
            urls = [e for w in ways for e in w.endpoints if e.service == svc and not e.dead]
            owned += [(svc, t) for t in cluster_targets(service, slices, urls)]
        unique: Dict[Any, tuple] = {}
        for service_name, target in owned:  # each target once, with the Service it was first met for
            unique.setdefault(target, (service_name, target))
        owned = list(unique.values())[:MAX_TARGETS]
        plan = ProbePlan(tuple(t for _, t in owned), ns, self.image)
        if not self.consent:
            check(kube, plan)
            session.streams.warn("The probe pod --from-cluster needs (the API server accepted it in a dry run; "
                                 "nothing was created; --yes creates it, runs it and deletes it):")
            for line in dump(plan.manifest(), "yaml").splitlines():
                session.streams.warn("  " + line)
            for warning in dict.fromkeys(kube.warnings):
                session.streams.warn(f"Warning: {warning}")
            return
        results = run(kube, plan, True, lambda line: session.streams.warn(f"Warning: {line}"))
        attach_probe(ways, owned, results)

    @staticmethod
    def works(ways: List, probes: Optional[dict]) -> bool:
        """Whether a way in works from here: with --probe, a URL that answered; else a way the cluster's objects say is
        healthy or degraded, with a URL."""
        from ..explain import DEGRADED, HEALTHY

        if probes is not None:
            return any(p.answered for p in probes.values())
        return any(w.urls and w.verdict() in (HEALTHY, DEGRADED) for w in ways)

    def fetch(self, session: Session):
        from ..objects import field
        from ..targets import resolve

        resolved = resolve(session.kube, self.spec, session.namespace, self.address_type, note=session.streams.warn)
        ns = field(resolved.obj, "metadata", "namespace") or session.namespace
        return (resolved, *hop_inputs(session.kube, ns, resolved))

    def emit(self, session: Session, resolved: Any, ways: List) -> None:
        from ..explain import summary
        from ..objects import field, name

        target = {"kind": resolved.kind.name, "namespace": field(resolved.obj, "metadata", "namespace") or "",
                  "name": name(resolved.obj)}
        if self.output in ("json", "yaml"):
            from ..render import dump

            doc: Dict[str, Any] = {"target": target, "summary": summary(ways), "ways": [w.to_dict() for w in ways]}
            session.streams.write(dump(doc, self.output) + "\n")
            return
        lines = [f"{resolved.kind.ref(name(resolved.obj))} in namespace {target['namespace']}: {summary(ways)}"]
        for way in ways:
            lines += [""] + way_lines(way, self.output == "wide")
        session.streams.print("\n".join(lines))


def hop_inputs(kube: Any, ns: str, resolved: Any):
    """What only the hops read, besides what `show` resolves for the target: the pods behind a Service (or a front
    door's namespace), the EndpointSlices of a door's backends, and the namespace's NetworkPolicies (one LIST each;
    None where RBAC forbids it: those hops say unknown). (pods, policies, snapshot)."""
    import dataclasses

    from ..fetch import optional_list, slices_of
    from ..kinds import POD, SERVICE, WORKLOAD
    from ..objects import field, label_selector_string

    snapshot = resolved.snapshot
    role = resolved.kind.role
    pods: Optional[List[dict]]
    if role in (POD, WORKLOAD):
        pods = resolved.pods if role == WORKLOAD else [resolved.obj]
    elif role == SERVICE:
        selector = field(resolved.obj, "spec", "selector")
        wanted = label_selector_string({"matchLabels": selector}) if isinstance(selector, dict) and selector else None
        pods = optional_list(kube, "pods", namespace=ns, label_selector=wanted) if wanted else []
    else:  # a front door's own object: its backends' slices and pods
        names = sorted(set(_backend_services(resolved)))
        pods = optional_list(kube, "pods", namespace=ns)
        snapshot = dataclasses.replace(snapshot, slices=slices_of(kube, ns, names) if names else [])
    if role not in (POD, WORKLOAD) and pods:
        snapshot = dataclasses.replace(snapshot, pods=pods)
    return pods, optional_list(kube, "networkpolicies", namespace=ns), snapshot


def trace(kube: Any, ns: str, resolved: Any) -> List[Any]:
    """explain's ways for a target `show` resolved (show --explain)."""
    from ..explain import explain_target

    pods, policies, snapshot = hop_inputs(kube, ns, resolved)
    return explain_target(resolved.kind.name, resolved.obj, pods, snapshot, policies)


def involved_services(resolved: Any, ways: List) -> List[dict]:
    """The Services the ways lead to (the target itself for a Service), each once, in order."""
    from ..kinds import SERVICE
    from ..objects import field, name

    named = resolved.snapshot.services_named(field(resolved.obj, "metadata", "namespace") or "")
    wanted = [resolved.obj] if resolved.kind.role == SERVICE else []
    wanted += [named[e.service] for w in ways for e in w.endpoints if e.service and e.service in named]
    return list({name(s): s for s in wanted}.values())


def attach(ways: List, targets: List, results: List) -> None:
    """The API server proxy's results (one per target, in order) as hops of each way through that Service port."""
    from ..doors.base import Hop
    from ..objects import port_number

    for target, result in zip(targets, results):
        hop = Hop("via the API server", result.verdict, f"{result.tried}: {result.detail}",
                  f"services/{target.name}:{target.port}/proxy", result.command, result.vantage)
        for way in ways:
            if any(e.service == target.name and port_number(e.service_port) == port_number(target.port)
                   for e in way.endpoints):
                way.hops.append(hop)


def attach_probe(ways: List, owned: List, results: List) -> None:
    """The probe pod's results as hops: a URL's to the ways that give it, a Service's or one of its pods' to every way
    through that Service (`owned`: (Service name, target), in the plan's order)."""
    from ..doors.base import Hop

    for (service, target), result in zip(owned, results):
        hop = Hop("from a pod", result.verdict, f"{result.tried}: {result.detail}", "the probe pod's log",
                  result.command, result.vantage)
        by_url = [w for w in ways if any((e.host, e.port) == (target.host, target.port) for e in w.endpoints)]
        for way in by_url or [w for w in ways if any(e.service == service for e in w.endpoints)]:
            way.hops.append(hop)


def _backend_services(resolved: Any) -> List[str]:
    """The Services a front door object names (its endpoints' and its backend hop's), for their slices."""
    from ..doors import BY_ROLE
    from ..endpoints import BackendRef

    door = BY_ROLE[resolved.kind.role]
    named: List[str] = []

    def note(ref: BackendRef) -> Optional[dict]:
        if not ref.namespace:
            named.append(ref.service)
        return None

    door.hops(resolved.obj, note, resolved.snapshot)
    return named


def way_lines(way: Any, wide: bool) -> List[str]:
    """One way: its heading (method, what it goes through, verdict), its URLs, then one line per hop; evidence and
    command under the hops that are not ok (every hop with -o wide)."""
    from ..explain import STATE, tried

    broken = way.first_broken()
    heading = f"{'no way in (' + way.through + ')' if way.method == 'none' else way.method + ' via ' + way.through}: " \
        f"{way.verdict()}"
    if broken is not None:
        heading += f" (first broken hop: {broken.name})"
    extra = [f"{v}: {way.verdict(v)}" for v in way.vantages]
    lines = [heading + (f"; seen from {', '.join(extra)}" if extra else "")]
    lines += [f"  {url}" for url in way.urls]
    width = max((len(h.name) for h in way.hops), default=0)
    for h in way.hops:
        where = "" if h.vantage == STATE else f" [{h.vantage}]"
        lines.append(f"  {MARKS[h.verdict] if tried(h) else '-':<8} {h.name:<{width}}  {h.detail}{where}")
        if (wide or h.verdict != "ok") and tried(h):
            pad = " " * (13 + width)
            lines.append(f"{pad}evidence: {h.evidence}")
            lines.append(f"{pad}$ {h.command}")
    return lines
