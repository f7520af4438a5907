"""The click shell: flag declarations only. Each command hands its flags to an Options class (commands/), whose
validate() makes a plan before any request; the plan runs with a Session (the client, the namespace, the streams).
`run()` is the one place errors become exit codes (commands/__init__.py lists them). Each command is declared in a
builder (`@cli.lazy`) that runs when the command is first looked up (Commands): a command imports its own modules only.
"""

import inspect
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, MutableMapping, Optional

import click

if TYPE_CHECKING:
    from .commands import Options

from . import VERSION_LINE, __version__
from .argv import (COMPLETE_VAR, OPTIONAL_VALUES, boolean_flags, kubectl_spellings, near_command, unknown_command,
                   verbose)
from .errors import ReachError
from .flags import click_options
from .exitcodes import ExitCode, help_lines
from .kubeflags import KubeFlags, kube_flags
from .streams import Streams

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


def current_streams() -> Streams:
    """The streams run() was given (click's context object), else the process's."""
    context = click.get_current_context(silent=True)
    found = context.find_object(Streams) if context is not None else None
    return found if found is not None else Streams()


def execute(options: "Options", flags: KubeFlags) -> int:
    """Flags -> Options -> Run: every check that needs no cluster, then connect, then the plan runs."""
    plan = options.validate()
    flags.validate()
    streams = current_streams()
    names = flags.contexts()
    if names is not None:  # several clusters at once
        from .contexts import run_contexts

        return run_contexts(plan, flags, names, streams)
    return plan.run(flags.connect(streams))


class Commands(MutableMapping[str, click.Command]):
    """The group's commands by name, each built (its module imported, its click options declared) when it is first
    looked up: `kubectl reach svc/x` imports show's modules only, not audit's, explain's or mcp's (issue 30: start-up).
    Names, membership and iteration build nothing; `.values()` and `.items()` build every command (--help, docs).
    click reads a group's commands through this mapping only (Group.get_command, list_commands, add_command)."""

    def __init__(self) -> None:
        self.builders: Dict[str, Callable[[str], click.Command]] = {}
        self.built: Dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self.built:
            self.built[name] = self.builders[name](name)
        return self.built[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.builders[name] = lambda _: command

    def __delitem__(self, name: str) -> None:
        del self.builders[name]
        self.built.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self.builders

    def __iter__(self) -> Iterator[str]:
        return iter(self.builders)

    def __len__(self) -> int:
        return len(self.builders)


class DefaultGroup(click.Group):
    """`kubectl reach TARGET` runs `show`: a word that is not a subcommand is a target."""

    default_command = "show"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: Commands = Commands()

    def lazy(self, name: str) -> Callable[[Callable[[str], click.Command]], Callable[[str], click.Command]]:
        """Declare command `name`, built by the decorated function (given the name) when it is first looked up."""
        def declare(build: Callable[[str], click.Command]) -> Callable[[str], click.Command]:
            self.commands.builders[name] = build
            return build
        return declare

    def chosen(self, args: List[str]) -> str:
        """The command these arguments run: the first word when it names one, else the default (a target)."""
        return args[0] if args and args[0] in self.commands else self.default_command

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            if near_command(args[0], self.commands):  # before any request: `kubectl reach audti` is a typo, not
                raise unknown_command(args[0], self.commands, target_hint=True)  # a service named "audti"
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help", "--version")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_options(self, ctx, formatter):
        """--help: the options and commands, then the flags of the default command (what `kubectl reach TARGET`
        takes), as `kubectl get --help` lists its own; the connection flags every command shares are named, not
        listed (kubectl's `kubectl options` keeps them apart the same way)."""
        super().format_options(ctx, formatter)
        show = self.commands[self.default_command]
        shared = {p.name for p in getattr(kube_flags(lambda **_: None), "__click_params__", [])}
        with click.Context(show, info_name=self.default_command, parent=ctx) as sub:
            records = [p.get_help_record(sub) for p in show.get_params(sub)
                       if isinstance(p, click.Option) and p.name not in shared and "--help" not in p.opts]
        with formatter.section("Flags of the default command (kubectl reach [TARGET] [flags])"):
            formatter.write_dl([r for r in records if r])
        with formatter.section("Flags of every command"):
            formatter.write_text("kubectl's connection flags: --kubeconfig, --context, -n/--namespace, --cluster, --user, "
                                 "-s/--server, --token, --as, --as-group, --as-uid, --request-timeout, -v, and the TLS "
                                 "flags (kubectl reach show --help lists them all).")


@click.group(cls=DefaultGroup, context_settings=CONTEXT_SETTINGS, subcommand_metavar="[TARGET | COMMAND] [ARGS]...")
@click.version_option(__version__, message=VERSION_LINE)  # listed in --help; run() answers it first
def cli():
    """How do I reach this Pod or Service from outside the cluster?

    Resolves the target, follows Services, EndpointSlices, Nodes, Ingresses, Gateway API routes and
    OpenShift Routes, and prints every external URL (hostNetwork, hostPort, NodePort, LoadBalancer,
    ExternalIP, Ingress, Gateway, Route), with warnings where the answer is partial.

    \b
    Examples:
      kubectl reach pod/influxdb              # every way into one pod
      kubectl reach svc/web -o url            # one URL per line, for scripts
      kubectl reach deploy/api -n shop -o json
      kubectl reach -A                        # everything the cluster exposes
      kubectl reach svc/web --probe           # ... and which of those URLs answer
      kubectl reach audit -A                  # the same inventory, with its risks
      kubectl reach demo                      # try it on a built-in demo cluster

    """


cli.help = inspect.cleandoc(cli.help or "") + "\n\n\b\nExit codes:\n" + help_lines("  ")


def complete_target(ctx, param, incomplete):
    from .completion import click_completer

    return click_completer(ctx, param, incomplete)


class Documented(click.Command):
    """A command whose help is written from the tables it documents (kinds, strategies, checks), when shown."""

    def __init__(self, *args: Any, doc: Any, **kwargs: Any) -> None:
        self._doc = doc
        super().__init__(*args, **kwargs)

    @property
    def help(self) -> str:
        return self._doc()

    @help.setter
    def help(self, value: Optional[str]) -> None:
        pass  # click sets it from the docstring: the tables are the source


def show_help() -> str:
    from .kinds import TARGETS

    types = ", ".join(k.short for k in TARGETS[:-1]) + f" or {TARGETS[-1].short}"
    return f"""Print every external URL of TARGET (the default command).

    TARGET is TYPE/NAME, TYPE NAME, or a bare NAME (tried as service, then pod, then deployment).
    TYPE is {types}. With no TARGET: every externally reachable Service, Ingress, route and host-networked pod
    in the namespace (-A: in the cluster), one row per URL.

    \b
    Examples:
      kubectl reach pod/influxdb
      kubectl reach svc influxdb -o wide
      kubectl reach influxdb --address-type InternalIP
      kubectl reach -A -o json
      kubectl reach deploy/api --probe --timeout 1s
      curl "$(kubectl reach svc/web --probe -o url | head -1)"   # a URL that answered
    """


@cli.lazy("show")
def show_command(name: str) -> click.Command:
    from .commands.show import ShowOptions

    @click.command(name, cls=Documented, doc=show_help, context_settings=CONTEXT_SETTINGS,
                   short_help="Print every external URL of TARGET (the default command).")
    @click.argument("target", nargs=-1, shell_complete=complete_target)
    @kube_flags
    @click_options(ShowOptions)
    def show(flags: KubeFlags, **typed: Any) -> int:
        return execute(ShowOptions(**typed), flags)
    return show


def convert_help() -> str:
    from .convert.strategies import STRATEGIES
    from .kinds import POD, TARGETS

    def kinds(roles) -> str:  # a Pod is refused (its spec is immutable): its owner is converted
        return ", ".join(k.short for k in TARGETS if k.role in roles and k.role != POD)

    targets = "\n".join(f"      {s.to:<13} {s.summary} ({kinds(s.roles)})" for s in STRATEGIES)
    return f"""Change how TARGET is exposed, in place, after showing a dry-run diff.

    \b
    --to:
{targets}

    Nothing is lost: allocated nodePorts survive NodePort <-> LoadBalancer, fields the new type does not
    allow are removed, everything else is untouched, and the previous exposure is recorded on the object
    (annotation kubectl-reach/previous-exposure) so that `kubectl reach undo` can restore it. The write
    carries the resourceVersion the diff was computed from: a concurrent change makes it fail, unapplied.
    A workload's pod template is patched (deploy, sts, ds).

    \b
    Examples:
      kubectl reach convert svc/web --to nodeport --dry-run
      kubectl reach convert svc/web --to loadbalancer --source-range 203.0.113.0/24 --yes
      kubectl reach convert svc/web --to nodeport --node-port http=30080 --node-port https=30443
      kubectl reach convert svc/web --to ingress --host web.example.com --tls-secret web-tls
      kubectl reach convert deploy/influxdb --to hostport --port 8086
    """


@cli.lazy("explain")
def explain_command(name: str) -> click.Command:
    from .commands.explain import ExplainOptions

    @click.command(name, context_settings=CONTEXT_SETTINGS)
    @click.argument("target", nargs=-1, shell_complete=complete_target)
    @kube_flags
    @click_options(ExplainOptions)
    def explain(flags: KubeFlags, **typed: Any) -> int:
        """Why TARGET can or cannot be reached: every way in, hop by hop, with a verdict.

        For each way in (a load balancer, a node port, an external IP, a host port, each front door object), the hops
        from the client to the container: name resolution, the entry address, the front door, the Service port, the
        EndpointSlice endpoints, the container port and the NetworkPolicies (a static prediction). Each hop has a verdict
        (ok, broken, warning, unknown), the evidence read and a kubectl command that shows it; a way rolls up to healthy,
        degraded, unknown or broken, and names its first broken hop. --probe, --via-apiserver and --from-cluster add what
        this machine, the API server's proxy and a probe pod see, each apart.

        \b
        Examples:
          kubectl reach explain svc/web
          kubectl reach explain pod/influxdb -o wide
          kubectl reach explain ingress/shop -n prod -o json
          kubectl reach explain deploy/api --probe
          kubectl reach explain svc/web --via-apiserver       # through the API server's proxy (RBAC checked first)
          kubectl reach explain svc/web --from-cluster        # the probe pod's dry run; --yes runs it, then deletes it
        """
        return execute(ExplainOptions(**typed), flags)
    return explain


@cli.lazy("convert")
def convert_command(name: str) -> click.Command:
    from .commands.convert import ConvertOptions

    @click.command(name, cls=Documented, doc=convert_help, context_settings=CONTEXT_SETTINGS,
                   short_help="Change how TARGET is exposed, in place, after showing a dry-run diff.")
    @click.argument("target", nargs=-1, shell_complete=complete_target)
    @click_options(ConvertOptions)
    @kube_flags
    def convert(flags: KubeFlags, **typed: Any) -> int:
        return execute(ConvertOptions(**typed), flags)
    return convert


@cli.lazy("undo")
def undo_command(name: str) -> click.Command:
    from .commands.convert import ConvertOptions, WriteFlags

    @click.command(name, context_settings=CONTEXT_SETTINGS)
    @click.argument("target", nargs=-1, shell_complete=complete_target)
    @click_options(WriteFlags)
    @kube_flags
    def undo(flags: KubeFlags, **typed: Any) -> int:
        """Restore the exposure the last `convert` replaced (svc, deploy, sts, ds), or delete an Ingress it created.

        What to restore is read from the object itself, so undo works from any machine. Undoing twice
        goes back to the converted state.

        \b
        Examples:
          kubectl reach undo svc/web --dry-run
          kubectl reach undo ingress/web --yes
        """
        return execute(ConvertOptions(undo=True, **typed), flags)
    return undo


def audit_help() -> str:
    from .audit import checks_table

    return f"""Everything exposed to the outside, with its risks (-A: in every namespace).

    One row per exposing object (Service, Ingress, Gateway route, OpenShift Route, host-networked pod),
    riskiest first. Findings:

    \b
{checks_table("      ")}

    \b
    Examples:
      kubectl reach audit -A
      kubectl reach audit -n shop -o json | jq '.items[] | select(.risk == "high")'
      kubectl reach audit -A --fail-on high      # exit code 4 when anything is high
    """


@cli.lazy("audit")
def audit_command(name: str) -> click.Command:
    from .commands.audit import AuditOptions

    @click.command(name, cls=Documented, doc=audit_help, context_settings=CONTEXT_SETTINGS,
                   short_help="Everything exposed to the outside, with its risks (-A: in every namespace).")
    @kube_flags
    @click_options(AuditOptions)
    def audit(flags: KubeFlags, **typed: Any) -> int:
        return execute(AuditOptions(**typed), flags)
    return audit


@cli.lazy("diff")
def diff_command(name: str) -> click.Command:
    from .commands.diff import DiffOptions

    @click.command(name, context_settings=CONTEXT_SETTINGS)
    @click_options(DiffOptions)
    @kube_flags
    def diff(flags: KubeFlags, **typed: Any) -> int:
        """The URLs, warnings and audit findings that applying these manifests would add, remove or change.

        The manifests go to the API server as a server-side apply with dryRun=All: nothing is persisted. Exit codes are
        kubectl diff's: 0 no change, 1 a change, 2 an error (--fail-on: 4 for a new finding that severe, else 0).

        \b
        Examples:
          kubectl reach diff -f service.yaml
          kubectl reach diff -f k8s/ -R -o json
          helm template shop ./chart | kubectl reach diff -f - --fail-on high
        """
        return execute(DiffOptions(**typed), flags)
    return diff


@cli.lazy("mcp")
def mcp_command(name: str) -> click.Command:
    from .commands.mcp import McpOptions

    @click.command(name, context_settings=CONTEXT_SETTINGS)
    @click_options(McpOptions)
    @kube_flags
    def mcp(flags: KubeFlags, **typed: Any) -> int:
        """Serve kubectl reach to AI agents: a Model Context Protocol server on stdio.

        Tools: urls, explain, exposure, audit (read-only), probe (--allow-probe), convert (--allow-convert: a dry run
        unless the call confirms). Each answers with the document -o json prints, for the cluster the usual flags select. Needs
        Python 3.10+ and the extra: pip install 'kubectl-reach[mcp]'.

        \b
        Examples:
          kubectl reach mcp --context prod -n shop
          kubectl reach mcp --allow-probe --allow-convert
        """
        plan = McpOptions(**typed).validate()
        flags.validate()
        if flags.contexts() is not None:
            from .errors import UsageError

            raise UsageError("this command works on one context: give --context NAME")
        return plan.run(flags, current_streams(), run)
    return mcp


@cli.lazy("demo")
def demo_command(name: str) -> click.Command:
    from .commands.demo import DemoOptions

    @click.command(name, context_settings=CONTEXT_SETTINGS)
    @click_options(DemoOptions)
    def demo(**typed: Any) -> int:
        """Run kubectl reach against a built-in demo cluster (no cluster needed).

        Starts a small fake Kubernetes API server on 127.0.0.1, loaded with every way to reach an InfluxDB pod,
        and runs the real command path against it.
        """
        from .demo import run_demo

        return run_demo(run, DemoOptions(**typed).serve)
    return demo


@cli.lazy("version")
def version_command(name: str) -> click.Command:
    from .commands.version import VersionOptions

    @click.command(name, context_settings=CONTEXT_SETTINGS)
    @click_options(VersionOptions)
    @kube_flags
    def version(flags: KubeFlags, **typed: Any) -> int:
        """Print this plugin's version and the API server's, as `kubectl version` does (--client: this plugin's only).

        \b
        Examples:
          kubectl reach version
          kubectl reach version --client
          kubectl reach version -o json --context prod
        """
        plan = VersionOptions(**typed).validate()
        flags.validate()
        if flags.contexts() is not None:
            from .errors import UsageError

            raise UsageError("this command works on one context: give --context NAME")
        return plan.run(current_streams(), None if plan.client else flags.connect(current_streams()))
    return version


@cli.command("help", context_settings=CONTEXT_SETTINGS)
@click.argument("command", required=False)
@kube_flags
@click.pass_context
def help_command(ctx, command, flags: KubeFlags):
    """Help for kubectl reach, or for one COMMAND."""
    if command is None:
        click.echo(ctx.parent.get_help())
        return ExitCode.OK
    if command not in cli.commands:
        raise unknown_command(command, cli.commands)
    with click.Context(cli.commands[command], info_name=command, parent=ctx.parent) as sub:
        click.echo(cli.commands[command].get_help(sub))
    return ExitCode.OK


@cli.command("completion", context_settings=CONTEXT_SETTINGS)
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish", "kubectl"]))
def completion(shell):
    """Print shell completion code.

    \b
    kubectl reach completion kubectl > ~/.krew/bin/kubectl_complete-reach && chmod +x ~/.krew/bin/kubectl_complete-reach
        (kubectl 1.26+ then completes `kubectl reach <TAB>`; any directory on PATH works)
    eval "$(kubectl-reach completion bash)"     # or zsh; fish: kubectl-reach completion fish | source
    """
    from .completion import shell_script

    click.echo(shell_script(shell, cli), nl=False)


def run(argv: Optional[List[str]] = None, streams: Optional[Streams] = None) -> int:
    """Run the CLI with these arguments (default: the process's) and streams (default: the process's), as httpie's
    `main(args, env)`: every byte it prints goes to `streams`, click's own help and usage output included. Every error
    a user can cause ends as one `error: ...` line; the exit code is an ExitCode."""
    import contextlib

    streams = streams or Streams()
    args = list(sys.argv[1:] if argv is None else argv)
    own = streams.out is sys.stdout and streams.err is sys.stderr
    with contextlib.ExitStack() as routed:
        if not own:  # click writes to sys.stdout/stderr: route them to the given streams for this run
            routed.enter_context(contextlib.redirect_stdout(streams.out))
            routed.enter_context(contextlib.redirect_stderr(streams.err))
        return _run(args, streams)


def _run(args: List[str], streams: Streams) -> int:
    failed = ExitCode.DIFF_ERROR if args[:1] == ["diff"] else ExitCode.ERROR  # kubectl diff's: 1 means a change
    if args[:1] == ["__complete"]:  # kubectl's plugin completion protocol, through kubectl_complete-reach
        from .completion import plugin_main

        return plugin_main(args[1:], cli)
    try:
        args = kubectl_spellings(args, boolean_flags(cli, cli.commands[cli.chosen(args)]), OPTIONAL_VALUES)
        if "--version" in args[:args.index("--") if "--" in args else len(args)]:  # at any level, as kubectl
            streams.write(VERSION_LINE + "\n")
            return ExitCode.OK
        result = cli.main(args=args, prog_name="kubectl reach", standalone_mode=False, complete_var=COMPLETE_VAR,
                          obj=streams)
    except click.exceptions.Exit as exc:
        return ExitCode(exc.exit_code) if exc.exit_code in {c.value for c in ExitCode} else ExitCode.ERROR
    except click.ClickException as exc:  # usage errors: kubectl exits 1 for these too
        streams.warn(f"error: {exc.format_message()}")
        return failed
    except ReachError as exc:
        streams.warn(f"error: {exc}")
        return failed if exc.exit_code == ExitCode.ERROR else exc.exit_code
    except click.Abort:
        streams.warn("error: aborted")
        return failed
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except Exception as exc:
        # (nor its message: it may carry a credential). With -v the traceback is shown, for a bug report.
        from .errors import internal_error_line

        if verbose(args):  # for a bug report: every line masked and escaped like any other output
            import traceback

            for line in traceback.format_exc().rstrip("\n").split("\n"):
                streams.warn(line)
        streams.warn(internal_error_line(exc))
        return failed
    return result if isinstance(result, int) else ExitCode.OK


HELP_WIDTHS = range(50, 109)  # every width click wraps help to: the terminal's columns, at most 110, minus 2, >= 50


def rendered_help() -> str:
    """helptext.py's source: what launch.py prints without importing click, as click renders it at every width it
    can wrap to (HELP_WIDTHS: a terminal of 40 or 200 columns gets one of these), compressed into one blob (neighbouring
    widths differ little: 59 renderings are ~20 KB)."""
    import zlib

    texts = []
    for width in HELP_WIDTHS:
        with click.Context(cli, info_name="kubectl reach", **{**cli.context_settings, "terminal_width": width}) as ctx:
            texts.append(cli.get_help(ctx) + "\n")
    blob = zlib.compress("\0".join(texts).encode(), 9)
    lines = [repr(blob[i:i + 96]) for i in range(0, len(blob), 96)]
    return (f'"""Generated by `python krew/build.py` from cli.py (cli.rendered_help; a test checks it is current):\n'
            f'what launch.py prints for --help and --version without importing click: HELP holds the help at every\n'
            f'width from {HELP_WIDTHS[0]} to {HELP_WIDTHS[-1]}, NUL-separated and zlib-compressed."""\n\n'
            f"VERSION = {VERSION_LINE + chr(10)!r}\nFIRST_WIDTH = {HELP_WIDTHS[0]}\nHELP = (\n" +
            "".join(f"    {line}\n" for line in lines) + ")\n")


def flags_markdown() -> str:
    """The README's flag table, from the click declarations: each flag once, with the commands that take it."""
    rows: dict = {}
    for name, command in cli.commands.items():
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            spelled = ", ".join(sorted(param.opts + param.secondary_opts, key=lambda o: (o.startswith("--"), o)))
            shown = f"`{spelled}{'' if param.is_flag or not param.metavar else ' ' + param.metavar}`"
            default = f" (default `{param.default}`)" if param.show_default and param.default not in (None, ()) else ""
            meaning = (param.help or "").replace("|", "\\|") + default
            rows.setdefault((shown, meaning), []).append(name)
    every = list(cli.commands)
    lines = ["| flag | commands | meaning |", "| --- | --- | --- |"]
    for (shown, meaning), commands in rows.items():
        others = [c for c in every if c not in commands]
        where = ", ".join(commands) if len(others) > 2 else "all but " + ", ".join(others) if others else "all"
        lines.append(f"| {shown} | {where} | {meaning} |")
    return "\n".join(lines)


def complete_main() -> None:
    """`kubectl_complete-reach`, which kubectl (1.26+) runs for `kubectl reach <TAB>`."""
    from .completion import plugin_main

    sys.exit(plugin_main(sys.argv[1:], cli))


def main() -> None:
    import signal

    # SIGTERM ends the process through SystemExit, so atexit still removes the temporary client-key files
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sys.exit(run())
