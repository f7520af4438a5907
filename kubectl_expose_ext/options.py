"""Target syntax and flag validation: pure, and done before any request is sent."""

import re
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from .durations import go_duration
from .errors import UsageError
from .kinds import Kind, target_kind, target_shorts


BARE_NAME_ORDER = ("Service", "Pod", "Deployment")  # what a bare NAME is tried as, in order
OUTPUTS = ("table", "wide", "json", "yaml", "url", "headlamp")  # show's -o (headlamp: headlamp.py)
AUDIT_OUTPUTS = ("table", "json", "yaml", "sarif", "html")  # sarif.py, report.py
WRITE_OUTPUTS = ("json", "yaml")  # convert and undo: the object after the change
DIFF_OUTPUTS = ("table", "json", "yaml")  # commands/diff.py
# DNS-1123 subdomain: what pods, deployments and ingresses may be named (services are stricter, a subset).
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


@dataclass(frozen=True)
class TargetSpec:
    """What the user asked for; `kind` None means a bare NAME, resolved by trying BARE_NAME_ORDER."""

    kind: Optional[Kind]
    name: str


def kind_by_name(word: str) -> Kind:
    """`pod`, `pods`, `po`, `Deployment`, `deployments.apps`... -> Kind, or kubectl's error."""
    kind = target_kind(word)
    if kind is None:
        from .argv import nearest
        from .kinds import TARGETS

        near = nearest(word.lower()[:64], [s for k in TARGETS for s in k.spellings])
        hint = f'; did you mean "{near}"?' if near else ""
        raise UsageError(f'unknown resource type "{word}"{hint} (use one of: {target_shorts()})')
    return kind


def validate_name(value: str, what: str = "resource name") -> str:
    if not value:
        raise UsageError("a resource name is required")
    if len(value) > 253 or not _NAME.match(value):
        shown = value if len(value) <= 64 else value[:61] + "..."
        raise UsageError(f'invalid {what} "{shown}": must be lower case alphanumeric characters, '
                         "'-' or '.', start and end with an alphanumeric character, at most 253 characters")
    return value


_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_QUALIFIED = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def validate_namespace(value: Optional[str]) -> Optional[str]:
    """-n: a DNS-1123 label, checked before any request (kubectl would send `-n=x` as `=x` to the server)."""
    if value is not None and (len(value) > 63 or not _LABEL.match(value)):
        shown = value if len(value) <= 64 else value[:61] + "..."
        raise UsageError(f'invalid namespace "{shown}": a namespace is a DNS-1123 label (lower case alphanumeric '
                         "characters or '-', starting and ending with an alphanumeric character, at most 63)")
    return value


def validate_qualified_name(value: str, flag: str) -> str:
    """A qualified name such as `service.k8s.aws/nlb` (loadBalancerClass)."""
    if len(value) > 316 or not _QUALIFIED.match(value) or len(value.rpartition("/")[2]) > 63:
        raise UsageError(f'invalid {flag} "{value[:64]}": use a qualified name such as example.com/internal-lb')
    return value


def parse_target(args: Sequence[str]) -> Optional[TargetSpec]:
    """`TYPE/NAME`, `TYPE NAME` or a bare `NAME`; None for no target at all."""
    if not args:
        return None
    if len(args) > 2:
        raise UsageError(f"expected one target (TYPE/NAME, TYPE NAME or NAME), got {len(args)} arguments")
    if len(args) == 2:
        if "/" in args[0] or "/" in args[1]:
            raise UsageError("there is no need to specify a resource type as a separate argument "
                             "when passing arguments in resource/name form")
        return TargetSpec(kind_by_name(args[0]), validate_name(args[1]))
    word = args[0]
    if "/" in word:
        kind_word, _, target_name = word.partition("/")
        if not kind_word or not target_name or "/" in target_name:
            raise UsageError(f'invalid target "{word}": arguments in resource/name form must have a single '
                             "resource and name")
        return TargetSpec(kind_by_name(kind_word), validate_name(target_name))
    return TargetSpec(None, validate_name(word))


def parse_targets(args: Sequence[str]) -> Tuple[TargetSpec, ...]:
    """Several targets, as kubectl names several objects: `TYPE/NAME...`, `TYPE NAME NAME...`, or one bare NAME
    (empty: none). The two forms do not mix (kubectl's error); a target named twice counts once."""
    if len(args) <= 1 or (len(args) == 2 and "/" not in args[0] + args[1]):
        spec = parse_target(args)
        return (spec,) if spec else ()
    if all("/" in a for a in args):
        specs = [parse_target([a]) for a in args]
    elif any("/" in a for a in args):
        raise UsageError("there is no need to specify a resource type as a separate argument "
                         "when passing arguments in resource/name form")
    else:
        specs = [parse_target([args[0], a]) for a in args[1:]]
    unique: dict = {}
    for spec in specs:
        if spec is not None:
            unique.setdefault((spec.kind.name if spec.kind else None, spec.name), spec)
    return tuple(unique.values())


def validate_output(value: str, allowed: Sequence[str] = OUTPUTS) -> str:
    """kubectl's message for an unknown -o, listing what this command prints."""
    if value not in allowed:
        raise UsageError(f'unable to match a printer suitable for the output format "{value}", '
                         f"allowed formats are: {','.join(allowed)}")
    return value


def validate_address_type(value: str) -> str:
    from .addresses import ADDRESS_TYPES, AUTO  # (ipaddress: not for --help, which imports this module)

    for known in (AUTO, *ADDRESS_TYPES):
        if value.lower() == known.lower():
            return known
    raise UsageError(f'invalid --address-type "{value}": use one of {AUTO}, {", ".join(ADDRESS_TYPES)}')


def parse_duration(value: str, flag: str) -> float:
    """A duration flag (--wait, --timeout), as pflag's DurationVar reads it, in kubectl's error words; a negative
    one is refused (no command here has a meaning for it)."""
    try:
        seconds = go_duration(value)
    except ValueError as exc:
        raise UsageError(f'invalid argument "{value}" for "{flag}" flag: {exc}') from None
    if seconds < 0:
        raise UsageError(f'invalid argument "{value}" for "{flag}" flag: a duration cannot be negative')
    return seconds


def parse_timeout(value: str, flag: str = "--request-timeout") -> Optional[float]:
    """kubectl's --request-timeout (clientcmd.ParseTimeout): a non-negative integer is seconds, else a Go duration
    (`500ms`, `1m30s`); `0` means no timeout (None). kubectl's error text; a negative duration is refused."""
    text = value.strip() if value else ""
    if text.isascii() and text.isdigit():
        return float(text) or None
    try:
        seconds = go_duration(text)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise UsageError(f'invalid {flag} "{value}": Timeout must be a single integer in seconds, or an integer '
                         "followed by a corresponding time unit (e.g. 1s | 2m | 3h)")
    return seconds or None
