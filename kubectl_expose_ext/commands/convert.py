"""`kubectl reach convert TARGET --to TYPE` and `kubectl reach undo TARGET`: the flags, their checks before any
request, and the dispatch to a strategy (convert/strategies.py) whose Change the engine applies (convert/engine.py).
"""

from dataclasses import dataclass, field, replace
from typing import Any, Dict, Optional, Sequence, Tuple

from ..convert.strategies import STRATEGY_FLAGS, to_help
from ..errors import UsageError
from ..exitcodes import ExitCode
from ..flags import declared, flag, given
from ..kubeflags import Session
from ..kinds import Kind


@dataclass
class WriteFlags:
    """The flags of every change (convert and undo): preview, confirmation, output."""

    dry_run: bool = flag("--dry-run", default=False,
                         help="Validate the change on the API server (dryRun=All), show the diff and the URLs it adds "
                              "and removes; change nothing.")
    yes: bool = flag("-y", "--yes", default=False, help="Apply without asking (needed when not on a terminal).")
    output: Optional[str] = flag("-o", "--output", metavar="FORMAT", values="write-outputs",
                                 help="json or yaml: print the object after the change instead of the diff.")


@dataclass
class ConvertOptions(WriteFlags):
    """The flags as typed, each declared here once (flags.flag) with its default (undo: the WriteFlags, `undo` set).
    The strategies say which of these each `--to` reads (convert/strategies.py)."""

    target: Sequence[str] = ()
    to: Optional[str] = flag("--to", metavar="TYPE", values="strategies", help=to_help())
    node_port: Tuple[str, ...] = flag("--node-port", default=(), metavar="[PORT=]N",
                                      help="nodePort to request (PORT=N per port on a multi-port service). Repeatable.")
    lb_class: Optional[str] = flag("--lb-class", metavar="CLASS", help="loadBalancerClass for --to loadbalancer.")
    source_range: Tuple[str, ...] = flag("--source-range", default=(), metavar="CIDR",
                                         help="loadBalancerSourceRanges entry. Repeatable.")
    external_traffic_policy: Optional[str] = flag("--external-traffic-policy", metavar="POLICY",
                                                  values="traffic-policies", help="Cluster or Local.")
    host: Optional[str] = flag("--host", metavar="HOST", help="--to ingress: the DNS name to route.")
    path: str = flag("--path", default="/", show_default=True, help="--to ingress: the path to route.")
    path_type: str = flag("--path-type", default="Prefix", show_default=True, values="path-types",
                          help="Prefix, Exact or ImplementationSpecific.")
    ingress_class: Optional[str] = flag("--class", metavar="NAME",
                                        help="--to ingress: IngressClass (default: the cluster's).")
    tls_secret: Optional[str] = flag("--tls-secret", metavar="NAME", help="--to ingress: serve https with this TLS "
                                                                          "Secret.")
    ingress_name: Optional[str] = flag("--ingress-name", metavar="NAME",
                                       help="--to ingress: name of the Ingress (default: the service's).")
    port: Optional[str] = flag("--port", metavar="PORT", help="--to ingress: service port (number or name); --to "
                                                              "hostport: CONTAINERPORT[=HOSTPORT].")
    undo: bool = flag("--undo", default=False, help="Restore the exposure the last convert replaced (same as `undo`).")

    def validate(self) -> "Convert":
        """Everything that can be checked without the cluster."""
        from ..convert.strategies import BY_TO, CONVERTIBLE, UNDO, targets_for
        from ..kinds import ROUTE_ROLES
        from ..options import WRITE_OUTPUTS, parse_target, validate_output

        spec = parse_target(self.target)
        if spec is None:
            raise UsageError("convert needs a target, e.g. kubectl reach convert svc/web --to nodeport")
        if spec.kind is None:
            raise UsageError(f'give the target with its type, e.g. svc/{spec.name} or deploy/{spec.name}')
        if self.output is not None:
            validate_output(self.output, WRITE_OUTPUTS)
        role, ref = spec.kind.role, spec.kind.ref(spec.name)
        if role in ROUTE_ROLES:
            raise UsageError(f"{ref} cannot be converted: kubectl reach converts Services and workloads (deploy, sts, ds)")
        if self.undo:
            if self.to:
                raise UsageError("--undo restores the previous exposure: it takes no --to")
            if role not in UNDO:
                raise UsageError(f"{ref} cannot be undone: kubectl reach undoes Services, workloads and Ingresses")
            return Convert(spec.kind, spec.name, "", self)
        if not self.to:
            raise UsageError(f"--to is required ({', '.join(BY_TO)})")
        to = self.to.lower()
        if role not in CONVERTIBLE:
            raise UsageError(f"{ref} cannot be converted: convert the Service it routes to, or create an Ingress "
                             "with: kubectl reach convert svc/NAME --to ingress")
        if to not in targets_for(role):
            raise UsageError(f'cannot convert a {spec.kind.name} to "{to}": use one of {", ".join(targets_for(role))}')
        strategy = BY_TO[to]
        for name in given(self):
            if name in STRATEGY_FLAGS and name not in strategy.flags:
                raise UsageError(misplaced_flag(name, to))
        self._check_values()
        plan = Convert(spec.kind, spec.name, to, self, node_ports=tuple(parse_node_port(v) for v in self.node_port))
        return replace(plan, parsed=strategy.check(plan))

    def _check_values(self) -> None:
        """The flags' own syntax, whatever the strategy."""
        import ipaddress

        from ..options import validate_name, validate_qualified_name

        if self.external_traffic_policy and self.external_traffic_policy not in ("Cluster", "Local"):
            raise UsageError(f'invalid --external-traffic-policy "{self.external_traffic_policy}": use Cluster or Local')
        for cidr in self.source_range:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise UsageError(f'invalid --source-range "{cidr}": not a CIDR such as 203.0.113.0/24') from None
        if self.lb_class:
            validate_qualified_name(self.lb_class, "--lb-class")
        for flag_name, value in (("--ingress-name", self.ingress_name), ("--tls-secret", self.tls_secret),
                                 ("--class", self.ingress_class)):
            if value:
                validate_name(value, flag_name)


def option_name(field_name: str) -> str:
    """How a flag of ConvertOptions is spelled on the command line (`lb_class` -> `--lb-class`)."""
    return next(spec.names[-1] for item, spec in declared(ConvertOptions) if item.name == field_name)


def misplaced_flag(flag_name: str, to: str) -> str:
    """Why a flag is refused with `--to to`: generated from which strategies read it."""
    from ..convert.strategies import STRATEGIES

    readers = [s.to for s in STRATEGIES if flag_name in s.flags]
    if len(readers) == 1:
        return f"{option_name(flag_name)} applies only to --to {readers[0]}"
    return f"{option_name(flag_name)} does not apply to --to {to} (only to --to {' or '.join(readers)})"


def parse_node_port(value: str) -> Tuple[str, int]:
    """`--node-port [PORT=]N` -> (the service port it names, or "" for the only one; N): parsed once, here."""
    wanted, _, number = value.rpartition("=")
    if not (number.isascii() and number.isdigit()) or not 0 < int(number) < 65536:
        raise UsageError(f'invalid --node-port "{value}": the node port must be a number from 1 to 65535')
    return wanted, int(number)


@dataclass(frozen=True)
class Convert:
    """A validated convert (`to` set) or undo (`flags.undo`, `to` empty): what the strategies read. `flags` are the
    flags as given; what a flag says is parsed once, in validate() (`node_ports`) or by the strategy's check
    (`parsed`: `host_port` for --to hostport)."""

    kind: Kind
    name: str
    to: str
    flags: ConvertOptions
    node_ports: Tuple[Tuple[str, int], ...] = ()
    parsed: Dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def undo(self) -> bool:
        return self.flags.undo

    def run(self, session: Session) -> int:
        from ..convert.engine import execute
        from ..convert.strategies import plan_for

        live = session.kube.get(self.kind.resource, self.name, session.namespace)
        change = plan_for(self.kind.role, self.to, self.undo)(self, session, live)
        if change is None:
            return ExitCode.OK
        return execute(session, change, self.flags.dry_run, self.flags.yes, self.flags.output)
