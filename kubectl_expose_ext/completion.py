"""Shell completion: kubectl's plugin protocol (`kubectl_complete-reach`) and click's own.

kubectl (1.26+) runs `kubectl_complete-reach WORDS... CURRENT` and reads one candidate per line, then
`:<directive>` (cobra's ShellCompDirective). Completing resource names lists them from the cluster;
everything else is answered without importing the Kubernetes client.
"""

import sys
from typing import List, Optional, Tuple

from .options import KINDS, OUTPUTS, ROUTE_KINDS

NO_SPACE, NO_FILE = 2, 4
SUBCOMMANDS = {"convert": "change how a target is exposed", "undo": "restore the previous exposure",
               "demo": "run against a built-in demo cluster", "show": "print external URLs (default)",
               "audit": "everything exposed, with its risks", "completion": "print shell completion code",
               "version": "print the version", "help": "help for a command"}
CONVERT_TO = {"Service": ("clusterip", "nodeport", "loadbalancer", "ingress"),
              "Workload": ("hostport", "hostnetwork")}
FLAG_VALUES = {"-o": OUTPUTS, "--output": OUTPUTS, "--address-type": ("auto", "ExternalIP", "InternalIP", "Hostname"),
               "--to": CONVERT_TO["Service"] + CONVERT_TO["Workload"], "--external-traffic-policy": ("Cluster", "Local"),
               "--path-type": ("Prefix", "Exact", "ImplementationSpecific"), "--fail-on": ("high", "medium", "low")}
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
    from .cli import KubeFlags
    from .errors import ReachError

    flags = KubeFlags(_flag_value(words, ("--kubeconfig",)), _flag_value(words, ("--context",)),
                      _flag_value(words, ("-n", "--namespace")), "5s")
    from .terminal import is_clean

    try:
        kube, namespace = flags.connect()
        if resource == "namespaces":
            items = kube.list("namespaces")
        else:
            from .kube import OPTIONAL_APIS

            if resource in OPTIONAL_APIS and resource not in kube.discover():
                return []
            items = kube.list(resource, namespace)
    except (ReachError, KeyError, TypeError):
        return []
    # a name a server sent with a newline or control character would inject candidates or a directive: dropped
    names = ((i.get("metadata") or {}).get("name") if isinstance(i, dict) else None for i in items)
    return sorted(n for n in names if isinstance(n, str) and n and is_clean(n) and " " not in n)


def _contexts(words: List[str]) -> List[str]:
    """Context names from the kubeconfig(s) the command line would use, read as kubectl reads them."""
    import os

    from .errors import ConfigError
    from .kubeconfig import merged

    paths = _flag_value(words, ("--kubeconfig",)) or os.environ.get("KUBECONFIG") or "~/.kube/config"
    existing = [os.path.expanduser(p) for p in paths.split(os.pathsep) if p and os.path.exists(os.path.expanduser(p))]
    try:
        return sorted(merged(existing)[0]["contexts"])
    except ConfigError:  # completion must never fail loudly: no candidates is the answer
        return []


def complete(args: List[str]) -> Tuple[List[str], int]:
    """(candidates, directive) for `kubectl reach ARGS...`, the last arg being the word under the cursor."""
    words, current = list(args[:-1]), args[-1] if args else ""
    command = words[0] if words and words[0] in SUBCOMMANDS else "show"
    previous = words[-1] if words else ""
    if previous == "--to":
        target = next(iter(_positionals(words[1:])), "")
        group = "Service" if target.split("/")[0] in ("svc", "service", "services") else "Workload" if "/" in target else ""
        values = CONVERT_TO.get(group, FLAG_VALUES["--to"])
        return [v for v in values if v.startswith(current)], NO_FILE
    if previous in FLAG_VALUES:
        return [v for v in FLAG_VALUES[previous] if v.startswith(current)], NO_FILE
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
    kinds = [f"{k.short}/" for k in KINDS if command == "show" or k.name not in ROUTE_KINDS]
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


PLUGIN_WRAPPER = "#!/bin/sh\n# kubectl calls this for `kubectl reach <TAB>` (kubectl 1.26+).\nexec kubectl-reach __complete \"$@\"\n"


def click_completer(ctx, param, incomplete):
    """click's completion for TARGET when `kubectl-reach` is completed directly (bash, zsh, fish)."""
    words = [ctx.info_name] if ctx.info_name in SUBCOMMANDS and ctx.info_name != "show" else []
    for name in ("kubeconfig", "context", "namespace"):
        if ctx.params.get(name):
            words += [f"--{name}", ctx.params[name]]
    words += list(ctx.params.get("target") or ())
    return complete(words + [incomplete])[0]


def shell_script(shell: str) -> str:
    """The completion script for `kubectl-reach` (bash, zsh, fish) or kubectl's plugin wrapper (kubectl)."""
    if shell == "kubectl":
        return PLUGIN_WRAPPER
    from click.shell_completion import get_completion_class

    from .cli import cli

    return get_completion_class(shell)(cli, {}, "kubectl-reach", COMPLETE_VAR).source()


COMPLETE_VAR = "_KUBECTL_REACH_COMPLETE"
