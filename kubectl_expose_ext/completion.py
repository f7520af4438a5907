"""Shell completion, read from the CLI's own declarations: kubectl's plugin protocol (`kubectl_complete-reach`)
and click's (bash, zsh, fish).

kubectl (1.26+) runs `kubectl_complete-reach WORDS... CURRENT` and reads one candidate per line, then
`:<directive>` (cobra's ShellCompDirective). The commands, their flags, which flags take a value and which values
(flags.Valued: the VALUES entry it names; click.Path: files) come from cli.py's click declarations: nothing here
lists them again. Every spelling kubectl accepts is read: `-n NS`, `-nNS`, `-n=NS`, `--namespace=NS`, `TYPE NAME`.
Completing resource names and namespaces lists them from the cluster (one LIST; everything the cluster is asked,
credentials included, within DEADLINE seconds in all: a silent server gets no candidates, not a frozen prompt);
nothing else sends a request. Every candidate, whoever supplied it (a cluster's names, a kubeconfig's contexts,
clusters and users), is offered only when it is one word of printable text (`offered`): a name holding a newline
would inject candidates of its own, or a `:0` line kubectl would read as the directive.
"""

from typing import Any, Callable, Dict, List, Optional, Tuple

from .argv import COMPLETE_VAR
from .kinds import ROUTE_ROLES, TARGETS, target_kind

NO_SPACE, NO_FILE = 2, 4
SHELLS = ("bash", "zsh", "fish", "kubectl")
DEADLINE = 5.0  # seconds for all a completion asks a cluster (the connection and its credentials included)


def offered(candidates: List[Any]) -> List[str]:
    """The candidates that are one word of printable text: no control, invisible or bidi character (terminal.py's
    rule: a newline would start a candidate, or a forged `:4` directive line, of its own) and no whitespace (a shell
    would insert it as two words)."""
    from .terminal import is_clean

    return [c for c in candidates if isinstance(c, str) and c and is_clean(c) and not any(ch.isspace() for ch in c)]


def within_deadline(work: Callable[[], List[str]]) -> List[str]:
    """`work()`'s answer, or none once DEADLINE has passed: the request timeout alone is per attempt, and reads are
    retried, so a silent server held `svc/<TAB>` for 22 s. The worker is a daemon thread, left behind: the process
    ends once the candidates are printed."""
    import threading

    answer: List[List[str]] = []

    def run() -> None:
        try:
            answer.append(work())
        except Exception:  # completion never fails loudly: no candidates is the answer
            answer.append([])

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(DEADLINE)
    return answer[0] if answer else []


def _kubeconfig_entries(section: str) -> Callable[[Dict[str, str]], List[str]]:
    def entries(flags: Dict[str, str]) -> List[str]:
        """Names from the kubeconfig(s) the command line would use, read as kubectl reads them."""
        from .errors import ConfigError
        from .kubeconfig import merged, paths

        try:
            return sorted(offered(list(merged(paths(flags.get("kubeconfig")))[0][section])))
        except ConfigError:  # completion must never fail loudly: no candidates is the answer
            return []
    return entries


def _strategies(flags: Dict[str, str]) -> List[str]:
    """--to: the targets the kind being converted takes (all of them before a kind is typed)."""
    from .convert.strategies import STRATEGIES, targets_for

    target = next((t for t in flags.get("targets", "").split() if "/" in t), "")
    kind = target_kind(target.split("/")[0]) if target else None
    return list(targets_for(kind.role) if kind else (s.to for s in STRATEGIES))


def _address_types() -> List[str]:
    from .addresses import ADDRESS_TYPES, AUTO

    return [AUTO, *ADDRESS_TYPES]


def _choices(owner: str, name: str) -> Callable[[Dict[str, str]], List[str]]:
    def choices(flags: Dict[str, str]) -> List[str]:
        import importlib

        return list(getattr(importlib.import_module(owner, __package__), name))
    return choices


def _outputs(plain: str) -> Callable[[Dict[str, str]], List[str]]:
    def outputs(flags: Dict[str, str]) -> List[str]:
        """Every -o the command accepts: its own outputs, then kubectl's printers (printers.parse_output), those that
        take a value offered with their `=` (the shell then adds no space)."""
        from . import options
        from .printers import TEMPLATE_FORMATS

        return [*getattr(options, plain), "name", *(f"{f}=" for f in TEMPLATE_FORMATS if f != "name")]
    return outputs


# values=NAME on an option (flags.Valued) -> the candidates, from their owners (imported only when completing)
VALUES: Dict[str, Callable[[Dict[str, str]], List[str]]] = {
    "show-outputs": _outputs("OUTPUTS"),
    "audit-outputs": _outputs("AUDIT_OUTPUTS"),
    "write-outputs": _choices(".options", "WRITE_OUTPUTS"),
    "fallbacks": _choices(".portforward", "FALLBACKS"),
    "version-outputs": _choices(".commands.version", "OUTPUTS"),
    "explain-outputs": _choices(".commands.explain", "EXPLAIN_OUTPUTS"),
    "address-types": lambda flags: _address_types(),
    "strategies": _strategies,
    "traffic-policies": lambda flags: ["Cluster", "Local"],
    "path-types": _choices(".convert.ingress", "PATH_TYPES"),
    "severities": _choices(".audit", "SEVERITIES"),
    "namespaces": lambda flags: _names(flags, "namespaces"),
    "contexts": _kubeconfig_entries("contexts"),
    "clusters": _kubeconfig_entries("clusters"),
    "users": _kubeconfig_entries("users"),
}


def _names(flags: Dict[str, str], resource: str) -> List[str]:
    """Names of `resource` in the namespace the command line points at (one LIST; nothing on any error, nor after
    DEADLINE)."""
    return within_deadline(lambda: _listed_names(flags, resource))


def _listed_names(flags: Dict[str, str], resource: str) -> List[str]:
    from dataclasses import fields

    from .errors import ReachError
    from .kube import Connection, Kube
    from .kubeconfig import Overrides

    known = {f.name for f in fields(Overrides)} - {"impersonate_groups", "insecure_skip_tls_verify"}
    overrides: Dict[str, Any] = {k: v for k, v in flags.items() if k in known and isinstance(v, str)}
    try:
        connection = Connection.load(flags.get("kubeconfig"), flags.get("context"), Overrides(**overrides))
        kube, namespace = Kube(connection, DEADLINE), flags.get("namespace") or connection.namespace
        if resource == "namespaces":
            items = kube.list("namespaces")
        else:
            from .kinds import BY_RESOURCE

            if BY_RESOURCE[resource].optional and resource not in kube.discover():
                return []
            items = kube.list(resource, namespace)
    except (ReachError, KeyError, TypeError, ValueError):
        return []
    return sorted(offered([(i.get("metadata") or {}).get("name") if isinstance(i, dict) else None for i in items]))


class Line:
    """The words before the cursor, read against one command's declared options."""

    def __init__(self, words: List[str], root: Any):
        self.group = root
        self.command_name = words[0] if words and words[0] in root.commands else "show"
        self.command = root.commands[self.command_name]
        rest = words[1:] if words and words[0] in root.commands else words
        self.options: Dict[str, Any] = {opt: p for p in self.command.params if hasattr(p, "opts")
                                        for opt in (*p.opts, *p.secondary_opts)}
        self.flags: Dict[str, str] = {}  # option name -> value, for the connection flags and --to
        self.positionals: List[str] = []
        self.pending: Optional[Any] = None  # the option whose value the last word still awaits
        for word in rest:
            if self.pending is not None:
                self.flags[self.pending.name] = word
                self.pending = None
            elif word.startswith("-") and word != "-":
                option, value = self.split(word)
                if option is not None and self.takes_value(option):
                    if value is None:
                        self.pending = option
                    else:
                        self.flags[option.name] = value
            else:
                self.positionals.append(word)
        self.flags["targets"] = " ".join(self.positionals)

    def split(self, word: str) -> Tuple[Optional[Any], Optional[str]]:
        """(option, attached value): `--namespace=x`, `-n=x`, `-nx`, or a bare `--flag` (value None)."""
        if word in self.options:
            return self.options[word], None
        if word.startswith("--"):
            name, equals, value = word.partition("=")
            return (self.options.get(name), value) if equals else (None, None)
        option = self.options.get(word[:2])
        return option, word[2:][1:] if word[2:3] == "=" else word[2:]

    @staticmethod
    def takes_value(option: Any) -> bool:
        return not getattr(option, "is_flag", False) and not getattr(option, "count", False)

    def values(self, option: Any, prefix: str) -> Tuple[List[str], int]:
        """The candidates for an option's value: its declared VALUES, files (directive 0), or nothing."""
        import click

        if isinstance(option.type, click.Path):
            return [], 0
        name = getattr(option, "values", None)
        candidates = [v for v in VALUES[name](self.flags) if v.startswith(prefix)] if name else []
        return candidates, NO_FILE | (NO_SPACE if candidates and all(c.endswith("=") for c in candidates) else 0)

    def flag_names(self) -> List[str]:
        helps = self.group.context_settings.get("help_option_names", ["--help"])
        return sorted({o for o in self.options if o.startswith("--")} | {h for h in helps if h.startswith("--")}) + \
            sorted({o for o in self.options if not o.startswith("--")} | {h for h in helps if not h.startswith("--")})

    def kinds(self) -> List[str]:
        """The TYPE/ prefixes this command takes: show every target kind; convert and undo what they can change."""
        from .convert.strategies import CONVERTIBLE, UNDO
        from .kinds import POD

        roles = {"convert": set(CONVERTIBLE) - {POD}, "undo": set(UNDO) - {POD}}.get(self.command_name)
        return [f"{k.short}/" for k in TARGETS
                if (roles is None and self.command_name == "show") or (roles is not None and k.role in roles
                                                                        and k.role not in ROUTE_ROLES)]


def complete(args: List[str], root: Any) -> Tuple[List[str], int]:
    """(candidates, directive) for `kubectl reach ARGS...`, the last arg being the word under the cursor; `root`:
    the click group whose declarations answer (cli.cli). Only `offered` candidates."""
    candidates, directive = _complete(args, root)
    return offered(candidates), directive


def _complete(args: List[str], root: Any) -> Tuple[List[str], int]:
    words, current = list(args[:-1]), args[-1] if args else ""
    line = Line(words, root)
    if line.pending is not None:
        return line.values(line.pending, current)
    if current.startswith("-"):
        option, value = line.split(current)
        if option is not None and value is not None and line.takes_value(option):
            shown = current[: len(current) - len(value)]  # `--namespace=`, `-n=` or `-n`
            candidates, directive = line.values(option, value)
            return [shown + c for c in candidates], directive
        return [f for f in line.flag_names() if f.startswith(current)], NO_FILE
    takes_targets = any(getattr(p, "name", None) == "target" for p in line.command.params)
    if line.command_name == "completion":
        return ([s for s in SHELLS if s.startswith(current)] if not line.positionals else []), NO_FILE
    if line.command_name == "help":
        return ([c for c in line.group.commands if c.startswith(current)] if not line.positionals else []), NO_FILE
    if not takes_targets:
        return [], NO_FILE
    if "/" in current:
        kind_word, _, prefix = current.partition("/")
        kind = target_kind(kind_word)
        if kind is None or f"{kind.short}/" not in line.kinds():
            return [], NO_FILE
        return [f"{kind_word}/{n}" for n in _names(line.flags, kind.resource) if n.startswith(prefix)], NO_FILE
    first = line.positionals[0] if line.positionals else ""
    kind = target_kind(first) if first and "/" not in first else None
    if kind is not None and f"{kind.short}/" in line.kinds():  # TYPE NAME [NAME...]
        typed = set(line.positionals[1:])
        return [n for n in _names(line.flags, kind.resource) if n.startswith(current) and n not in typed], NO_FILE
    candidates = [k for k in line.kinds() if k.startswith(current)]
    if line.command_name == "show" and not words:
        candidates += [c for c in line.group.commands if c.startswith(current)]
    return candidates, NO_FILE | (NO_SPACE if candidates and all(c.endswith("/") for c in candidates) else 0)


def click_values(name: str, ctx: Any, incomplete: str) -> List[str]:
    """A Valued option's candidates in click's own completion (bash, zsh, fish)."""
    flags = {k: v for k, v in ctx.params.items() if isinstance(v, str)}
    flags["targets"] = " ".join(ctx.params.get("target") or ())
    return offered([v for v in VALUES[name](flags) if v.startswith(incomplete)])


def plugin_main(argv: List[str], root: Any) -> int:
    """`kubectl_complete-reach` (`kubectl-reach __complete`): kubectl's plugin completion protocol on stdout."""
    candidates, directive = complete(argv, root)
    for candidate in candidates:
        print(candidate)
    print(f":{directive}")
    return 0


PLUGIN_WRAPPER = ("#!/bin/sh\n# kubectl calls this for `kubectl reach <TAB>` (kubectl 1.26+).\n"
                  "exec kubectl-reach __complete \"$@\"\n")


def click_completer(ctx, param, incomplete):
    """click's completion for TARGET when `kubectl-reach` is completed directly (bash, zsh, fish)."""
    root = ctx.find_root().command
    words = [ctx.info_name] if ctx.info_name in root.commands and ctx.info_name != "show" else []
    for name, value in ctx.params.items():
        if isinstance(value, str) and name in ("kubeconfig", "context", "namespace", "cluster", "user", "server",
                                               "token"):
            words += [f"--{name}", value]
    words += list(ctx.params.get("target") or ())
    return complete(words + [incomplete], root)[0]


def shell_script(shell: str, command: Any) -> str:
    """The completion script for `kubectl-reach` (bash, zsh, fish: of click `command`) or kubectl's plugin wrapper."""
    if shell == "kubectl":
        return PLUGIN_WRAPPER
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None  # click declares the three shells the command accepts
    return completer(command, {}, "kubectl-reach", COMPLETE_VAR).source()
