"""Shell completion: kubectl's plugin protocol (`kubectl_complete-reach`) and click's own.

kubectl (1.26+) runs `kubectl_complete-reach WORDS... CURRENT` and reads one candidate per line, then
`:<directive>` (cobra's ShellCompDirective). Completing resource names lists them from the cluster;
everything else is answered without importing the Kubernetes client.
"""

import sys
from typing import Any, Dict, List, Optional, Tuple

from .argv import COMPLETE_VAR
from .kinds import ROUTE_ROLES, TARGETS

NO_SPACE, NO_FILE = 2, 4
SUBCOMMANDS = {"convert": "change how a target is exposed", "undo": "restore the previous exposure",
               "demo": "run against a built-in demo cluster", "show": "print external URLs (default)",
               "audit": "everything exposed, with its risks", "completion": "print shell completion code",
               "version": "print the version", "help": "help for a command"}


def flag_values() -> Dict[str, Tuple[str, ...]]:
    """The values of the flags that take one of a few, from their owners (imported only when completing)."""
    from .addresses import ADDRESS_TYPES, AUTO
    from .audit import SEVERITIES
    from .convert.ingress import PATH_TYPES
    from .convert.strategies import STRATEGIES
    from .options import OUTPUTS

    return {"-o": OUTPUTS, "--output": OUTPUTS, "--address-type": (AUTO, *ADDRESS_TYPES),
            "--to": tuple(s.to for s in STRATEGIES), "--external-traffic-policy": ("Cluster", "Local"),
            "--path-type": PATH_TYPES, "--fail-on": SEVERITIES}


COMMON_FLAGS = ("--kubeconfig", "--context", "--namespace", "-n", "--request-timeout", "--help")
COMMAND_FLAGS = {
    "show": ("--all-namespaces", "-A", "--output", "-o", "--address-type", "--probe", "--timeout", "--probe-allow-local"),
    "audit": ("--all-namespaces", "-A", "--output", "-o", "--fail-on"),
    "convert": ("--to", "--node-port", "--lb-class", "--source-range", "--external-traffic-policy", "--host", "--path",
                "--path-type", "--class", "--tls-secret", "--ingress-name", "--port", "--undo", "--dry-run", "--yes",
                "--output"),
    "undo": ("--dry-run", "--yes", "--output"),
    "demo": ("--serve",), "completion": (), "version": (), "help": (),  # (+ the common flags)
}
VALUE_FLAGS = {"-n", "--namespace", "--context", "--kubeconfig", "--request-timeout", "-v", "--v", "-o", "--output",
               "--address-type", "--to", "--node-port", "--lb-class", "--source-range", "--external-traffic-policy",
               "--host", "--path", "--path-type", "--class", "--tls-secret", "--ingress-name", "--port", "--timeout",
               "--fail-on"}


def _flag_value(words: List[str], flag_names: Tuple[str, ...]) -> Optional[str]:
    for i, word in enumerate(words):
        for flag in flag_names:
            if word == flag and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(flag + "="):
                return word.split("=", 1)[1]
    return None


def _positionals(words: List[str]) -> List[str]:
    found, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in VALUE_FLAGS and "=" not in word
        else:
            found.append(word)
    return found


def _names(words: List[str], resource: str) -> List[str]:
    """Names of `resource` in the namespace the command line points at (one LIST; nothing on any error)."""
    from .errors import ReachError
    from .kubeflags import KubeFlags
    from .streams import Streams
    from .terminal import is_clean

    flags = KubeFlags(_flag_value(words, ("--kubeconfig",)), _flag_value(words, ("--context",)),
                      _flag_value(words, ("-n", "--namespace")), "5s")
    try:
        session = flags.connect(Streams())
        kube, namespace = session.kube, session.namespace
        if resource == "namespaces":
            items = kube.list("namespaces")
        else:
            from .kinds import BY_RESOURCE

            if BY_RESOURCE[resource].optional and resource not in kube.discover():
                return []
            items = kube.list(resource, namespace)
    except (ReachError, KeyError, TypeError):
        return []
    # a name a server sent with a newline or control character would inject candidates or a directive: dropped
    names = ((i.get("metadata") or {}).get("name") if isinstance(i, dict) else None for i in items)
    return sorted(n for n in names if isinstance(n, str) and n and is_clean(n) and " " not in n)


def _contexts(words: List[str]) -> List[str]:
    """Context names from the kubeconfig(s) the command line would use, read as kubectl reads them."""
    from .errors import ConfigError
    from .kubeconfig import merged, paths

    try:
        return sorted(merged(paths(_flag_value(words, ("--kubeconfig",))))[0]["contexts"])
    except ConfigError:  # completion must never fail loudly: no candidates is the answer
        return []


def complete(args: List[str]) -> Tuple[List[str], int]:
    """(candidates, directive) for `kubectl reach ARGS...`, the last arg being the word under the cursor."""
    words, current = list(args[:-1]), args[-1] if args else ""
    command = words[0] if words and words[0] in SUBCOMMANDS else "show"
    previous = words[-1] if words else ""
    values = flag_values()
    if previous == "--to":
        from .convert.strategies import targets_for
        from .kinds import target_kind

        target = next(iter(_positionals(words[1:])), "")
        kind = target_kind(target.split("/")[0]) if "/" in target else None
        choices = targets_for(kind.role) if kind else values["--to"]
        return [v for v in choices if v.startswith(current)], NO_FILE
    if previous in values:
        return [v for v in values[previous] if v.startswith(current)], NO_FILE
    if previous in ("-n", "--namespace"):
        return [n for n in _names(words, "namespaces") if n.startswith(current)], NO_FILE
    if previous == "--context":
        return [c for c in _contexts(words) if c.startswith(current)], NO_FILE
    if previous == "--kubeconfig":
        return [], 0  # the shell completes file names
    if previous in VALUE_FLAGS:
        return [], NO_FILE
    if current.startswith("-"):
        return [f for f in COMMAND_FLAGS.get(command, ()) + COMMON_FLAGS if f.startswith(current)], NO_FILE
    positionals = _positionals(words[1:] if words and words[0] in SUBCOMMANDS else words)
    if command in ("demo", "completion", "audit") or positionals:
        if command == "completion" and not positionals:
            return [s for s in ("bash", "zsh", "fish", "kubectl") if s.startswith(current)], NO_FILE
        return [], NO_FILE
    if "/" in current:
        kind_word, _, prefix = current.partition("/")
        from .errors import UsageError
        from .options import kind_by_name

        try:
            kind = kind_by_name(kind_word)
        except UsageError:
            return [], NO_FILE
        return [f"{kind_word}/{n}" for n in _names(words, kind.resource) if n.startswith(prefix)], NO_FILE
    kinds = [f"{k.short}/" for k in TARGETS if command == "show" or k.role not in ROUTE_ROLES]
    candidates = [k for k in kinds if k.startswith(current)]
    if command == "show" and not words:
        candidates += [s for s in SUBCOMMANDS if s.startswith(current)]
    return candidates, NO_FILE | (NO_SPACE if all(c.endswith("/") for c in candidates) else 0)


def plugin_main(argv: Optional[List[str]] = None) -> int:
    """`kubectl_complete-reach`: kubectl's plugin completion protocol on stdout."""
    candidates, directive = complete(list(sys.argv[1:] if argv is None else argv))
    for candidate in candidates:
        print(candidate)
    print(f":{directive}")
    return 0


def main() -> None:
    sys.exit(plugin_main())


PLUGIN_WRAPPER = ("#!/bin/sh\n# kubectl calls this for `kubectl reach <TAB>` (kubectl 1.26+).\n"
                  "exec kubectl-reach __complete \"$@\"\n")


def click_completer(ctx, param, incomplete):
    """click's completion for TARGET when `kubectl-reach` is completed directly (bash, zsh, fish)."""
    words = [ctx.info_name] if ctx.info_name in SUBCOMMANDS and ctx.info_name != "show" else []
    for name in ("kubeconfig", "context", "namespace"):
        if ctx.params.get(name):
            words += [f"--{name}", ctx.params[name]]
    words += list(ctx.params.get("target") or ())
    return complete(words + [incomplete])[0]


def shell_script(shell: str, command: Any) -> str:
    """The completion script for `kubectl-reach` (bash, zsh, fish: of click `command`) or kubectl's plugin wrapper."""
    if shell == "kubectl":
        return PLUGIN_WRAPPER
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None  # click declares the three shells the command accepts
    return completer(command, {}, "kubectl-reach", COMPLETE_VAR).source()

