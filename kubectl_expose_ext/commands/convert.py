"""`kubectl reach convert TARGET --to TYPE` and `kubectl reach undo TARGET`: the flags, their checks before any
request, and the dispatch to a strategy (convert/strategies.py) whose Change the engine applies (convert/engine.py).
"""

from dataclasses import dataclass, fields
from typing import Optional, Sequence, Tuple

from ..errors import UsageError
from ..exitcodes import ExitCode
from ..kubeflags import Session
from ..kinds import Kind
from ..options import TargetSpec


@dataclass
class ConvertOptions:
    """The flags as typed (undo: the same, with `undo` set and no --to)."""

    target: Sequence[str] = ()
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

    def given(self) -> Tuple[str, ...]:
        """The strategy flags set on the command line (different from their defaults)."""
        from ..convert.strategies import FLAGS

        defaults = {f.name: f.default for f in fields(self)}
        return tuple(flag for flag in FLAGS if getattr(self, flag) not in (None, (), defaults[flag]))

    def validate(self) -> "Convert":
        """Everything that can be checked without the cluster."""
        from ..convert.strategies import BY_TO, CONVERTIBLE, UNDO, misplaced_flag, targets_for
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
            return self._plan(spec, None)
        if not self.to:
            raise UsageError(f"--to is required ({', '.join(BY_TO)})")
        to = self.to.lower()
        if role not in CONVERTIBLE:
            raise UsageError(f"{ref} cannot be converted: convert the Service it routes to, or create an Ingress "
                             "with: kubectl reach convert svc/NAME --to ingress")
        if to not in targets_for(role):
            raise UsageError(f'cannot convert a {spec.kind.name} to "{to}": use one of {", ".join(targets_for(role))}')
        strategy = BY_TO[to]
        for flag in self.given():
            if flag not in strategy.flags:
                raise UsageError(misplaced_flag(flag, to))
        self._check_values()
        plan = self._plan(spec, to)
        strategy.check(plan)
        return plan

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
        for value in self.node_port:
            number = value.rpartition("=")[2]
            if not (number.isascii() and number.isdigit()) or not 0 < int(number) < 65536:
                raise UsageError(f'invalid --node-port "{value}": the node port must be a number from 1 to 65535')
        if self.lb_class:
            validate_qualified_name(self.lb_class, "--lb-class")
        for flag, given in (("--ingress-name", self.ingress_name), ("--tls-secret", self.tls_secret),
                            ("--class", self.ingress_class)):
            if given:
                validate_name(given, flag)

    def _plan(self, spec: TargetSpec, to: Optional[str]) -> "Convert":
        assert spec.kind is not None  # validate() refuses a bare name first
        return Convert(spec.kind, spec.name, to or "", self.undo, self.node_port, self.lb_class, self.source_range,
                       self.external_traffic_policy, self.host or "", self.path, self.path_type, self.ingress_class,
                       self.tls_secret, self.port, self.ingress_name, self.dry_run, self.yes, self.output)


@dataclass(frozen=True)
class Convert:
    """A validated convert (`to` set) or undo (`undo` set, `to` empty): what the strategies read."""

    kind: Kind
    name: str
    to: str
    undo: bool
    node_port: Tuple[str, ...]
    lb_class: Optional[str]
    source_range: Tuple[str, ...]
    external_traffic_policy: Optional[str]
    host: str
    path: str
    path_type: str
    ingress_class: Optional[str]
    tls_secret: Optional[str]
    port: Optional[str]
    ingress_name: Optional[str]
    dry_run: bool
    yes: bool
    output: Optional[str]

    def run(self, session: Session) -> int:
        from ..convert.engine import execute
        from ..convert.strategies import plan_for

        live = session.kube.get(self.kind.resource, self.name, session.namespace)
        change = plan_for(self.kind.role, self.to, self.undo)(self, session, live)
        return ExitCode.OK if change is None else execute(session, change, self.dry_run, self.yes, self.output)
