"""`kubectl reach mcp`: a Model Context Protocol server on stdio, for AI agents, on the official `mcp` SDK (2.x,
Python 3.10+), an optional extra: `pip install 'kubectl-reach[mcp]'`. The plain install and the krew archive do not
carry it; without it the command says how to get it, and on Python 3.9 which Python it needs.

Every tool runs the CLI itself, in-process (cli.run, handed in, with its own streams), with `-o json` and the flags the server
was started with (--kubeconfig, --context, -n, --as...: the usual kubectl flags), so that a tool answers with exactly
the document `-o json` prints. TOOLS is the table: each tool's name, description, input JSON schema, hints, the flag
that must allow it, and how its arguments become a command line (the target always after `--`: an argument can never
become a flag). Tools run one at a time.

- `urls` (a target's URLs), `exposure` (a namespace's or the cluster's ways in), `audit`: read-only, always there.
- `probe`: the target's URLs tried *from the machine the server runs on* (`show --probe`), only with --allow-probe.
- `convert`: only with --allow-convert. A call without `confirm: true` is a dry run (the API server validates the
  change with dryRun=All; nothing changes) and returns the diff and the URLs gained and lost; with `confirm: true` the
  dry run is made again and then the change, guarded by the resourceVersion the diff came from (convert/engine.py).
  Its input schema is generated from the convert flags (commands/convert.py ConvertOptions).
- `explain`: why a target is or is not reachable, hop by hop (`kubectl reach explain TARGET -o json`): read-only,
  always there; it never probes (the cluster's objects only).
"""

import io
import json
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import __version__
from .errors import ReachError

MIN_PYTHON = (3, 10)  # the mcp SDK's requires-python
EXTRA = "pip install 'kubectl-reach[mcp]'"
MAX_ARGUMENT = 1024  # characters of one string argument
INSTRUCTIONS = ("kubectl reach answers how to reach a Kubernetes Pod, Service, workload, Ingress or route from outside "
                "the cluster: its external URLs, best first, with warnings where the answer is partial, and the risks "
                "of what is exposed. Targets are TYPE/NAME (svc/web, pod/x, deploy/api, ingress/web, httproute/web) "
                "or a bare NAME. Every result is the JSON document `kubectl reach ... -o json` prints.")


def requirement_error(version: Optional[Sequence[int]] = None) -> Optional[str]:
    """Why `kubectl reach mcp` cannot run here (None: it can): the Python (`version`: this one's), then the SDK."""
    version = tuple(version or sys.version_info[:3])
    if tuple(version[:2]) < MIN_PYTHON:
        shown = ".".join(str(v) for v in version[:3])
        return (f"kubectl reach mcp needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer (the MCP SDK does); this is "
                f"Python {shown}: install kubectl-reach with a newer Python, e.g. pipx install --python python3.12 "
                f"'kubectl-reach[mcp]'")
    try:
        import mcp  # noqa: F401
    except ImportError:
        return f"kubectl reach mcp needs the MCP SDK, an optional extra: {EXTRA}"
    return None


# --- the tools -----------------------------------------------------------------------------------------------------

def _string(description: str) -> dict:
    return {"type": "string", "description": description, "maxLength": MAX_ARGUMENT}


TARGET = _string("TYPE/NAME (svc/web, pod/x, deploy/api, sts/db, ds/agent, ingress/web, httproute/web, route/web) or a "
                 "bare NAME (tried as a Service, then a Pod, then a Deployment)")
NAMESPACE = _string("the namespace (default: the server's -n, else the kubeconfig context's)")
SCOPE = {"namespace": NAMESPACE,
         "all_namespaces": {"type": "boolean", "description": "every namespace of the cluster"},
         "selector": _string("only objects with these labels (app=web, tier in (web,api))")}


def convert_properties() -> Dict[str, dict]:
    """The convert tool's arguments: the convert flags (ConvertOptions), each with its help; the ones a tool call
    decides itself (dry run, confirmation, output, undo, target, --to) are left out."""
    from .commands.convert import ConvertOptions
    from .flags import declared

    properties: Dict[str, dict] = {}
    for item, spec in declared(ConvertOptions):
        if item.name in ("dry_run", "yes", "output", "undo", "to"):
            continue
        if item.default is False:
            schema: dict = {"type": "boolean"}
        elif isinstance(item.default, tuple):
            schema = {"type": "array", "items": {"type": "string", "maxLength": MAX_ARGUMENT}, "maxItems": 64}
        else:
            schema = {"type": "string", "maxLength": MAX_ARGUMENT}
        properties[item.name] = {**schema, "description": f"{spec.names[-1]}: {spec.help}"}
    return properties


def flag_args(arguments: Dict[str, Any], spellings: Dict[str, str]) -> List[str]:
    """Tool arguments -> flags (`--name value`, repeated for a list, alone for true)."""
    args: List[str] = []
    for name, spelled in spellings.items():
        value = arguments.get(name)
        if value is None or value is False or value == [] or value == "":
            continue
        if value is True:
            args.append(spelled)
        else:
            args += [f"{spelled}={v}" for v in (value if isinstance(value, list) else [value])]
    return args


def scope_args(arguments: Dict[str, Any]) -> List[str]:
    return flag_args(arguments, {"namespace": "--namespace", "all_namespaces": "--all-namespaces",
                                 "selector": "--selector"})


def target_args(arguments: Dict[str, Any]) -> List[str]:
    return ["--", arguments["target"]]


def convert_spellings() -> Dict[str, str]:
    from .commands.convert import ConvertOptions
    from .flags import declared

    return {item.name: spec.names[-1] for item, spec in declared(ConvertOptions)}


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    properties: Callable[[], Dict[str, dict]]
    required: Tuple[str, ...]
    command: Callable[[Dict[str, Any]], List[str]]  # arguments -> the command line (before the server's flags)
    read_only: bool = True
    allowed_by: str = ""  # the start flag that enables it ("" : always there)

    def schema(self) -> dict:
        return {"type": "object", "properties": self.properties(), "required": list(self.required),
                "additionalProperties": False}


TOOLS = (
    Tool("urls", "Every external URL of one target (best first: what to hand out), with warnings where the chain from "
                 "outside breaks and, when nothing works, the fallbacks (port-forward). `kubectl reach TARGET -o json`.",
         lambda: {"target": TARGET, "namespace": NAMESPACE}, ("target",),
         lambda a: ["show", "-o", "json", *scope_args(a), *target_args(a)]),
    Tool("explain", "Why a target can or cannot be reached: every way in as a chain of hops (entry address, front "
                    "door, Service port, endpoints, container port, NetworkPolicy prediction), each with a verdict, "
                    "the evidence and a kubectl command showing it; each way's verdict and first broken hop. "
                    "`kubectl reach explain TARGET -o json`.",
         lambda: {"target": TARGET, "namespace": NAMESPACE}, ("target",),
         lambda a: ["explain", "-o", "json", *scope_args(a), *target_args(a)]),
    Tool("exposure", "Everything externally reachable in a namespace (or the cluster): one item per exposing Service, "
                     "Ingress, route or host-networked pod, with its URLs and audit findings. `kubectl reach -o json`.",
         lambda: dict(SCOPE), (), lambda a: ["show", "-o", "json", *scope_args(a)]),
    Tool("audit", "What is exposed to the outside, riskiest first, with each finding (severity, check, message) and a "
                  "summary. `kubectl reach audit -o json`.",
         lambda: dict(SCOPE), (), lambda a: ["audit", "-o", "json", *scope_args(a)]),
    Tool("probe", "Try each URL of a target from the machine this server runs on (TCP connect, HTTP GET, TLS "
                  "certificate check): ok, refused, timeout, tls-error per URL. `kubectl reach TARGET --probe -o json`.",
         lambda: {"target": TARGET, "namespace": NAMESPACE, "timeout": _string("time limit per URL (Go duration: 2s, "
                                                                                "500ms)")},
         ("target",), lambda a: ["show", "--probe", "-o", "json", *flag_args(a, {"timeout": "--timeout"}),
                                 *scope_args(a), *target_args(a)],
         allowed_by="--allow-probe"),
    Tool("convert", "Change how a Service or workload is exposed (--to clusterip, nodeport, loadbalancer, ingress, "
                    "hostport, hostnetwork). Without confirm: a dry run only (the API server validates it; nothing "
                    "changes): the diff and the URLs gained and lost. With confirm: true, the same dry run, then the "
                    "change, refused if the object changed since.",
         lambda: {"target": TARGET, "to": _string("the new exposure: clusterip, nodeport, loadbalancer, ingress, "
                                                   "hostport or hostnetwork"),
                  "confirm": {"type": "boolean", "description": "make the change (default: a dry run only)"},
                  **{k: v for k, v in convert_properties().items() if k != "target"}},
         ("target", "to"), lambda a: ["convert", "--to", str(a["to"]),
                                      *flag_args({k: v for k, v in a.items() if k not in ("to", "confirm", "target")},
                                                 convert_spellings()), *target_args(a)],
         read_only=False, allowed_by="--allow-convert"),
)


def tools_markdown() -> str:
    """docs/integrations.md's table of tools."""
    rows = [f"| `{t.name}` | {t.allowed_by and f'`{t.allowed_by}`' or 'always'} | "
            f"{', '.join(f'`{p}`' for p in t.properties())} | {t.description} |" for t in TOOLS]
    return "\n".join(["| tool | offered | arguments | what it does |", "| --- | --- | --- | --- |", *rows])


def offered(allowed: Sequence[str]) -> List[Tool]:
    return [tool for tool in TOOLS if not tool.allowed_by or tool.allowed_by in allowed]


def checked_arguments(tool: Tool, arguments: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """The arguments as the schema says (types, lengths, no unknown names, no NUL): an agent's typo is an error, never
    a flag."""
    arguments = dict(arguments or {})
    properties = tool.properties()
    for name in arguments:
        if name not in properties:
            raise ReachError(f'{tool.name}: unknown argument "{name}" (it takes {", ".join(sorted(properties))})')
    for name in tool.required:
        if not isinstance(arguments.get(name), str) or not arguments[name].strip():
            raise ReachError(f'{tool.name}: the argument "{name}" is required')
    for name, value in arguments.items():
        kind = properties[name]["type"]
        if kind == "boolean":
            fits = isinstance(value, bool)
        else:
            values = value if kind == "array" and isinstance(value, list) and len(value) <= 64 else [value]
            fits = (kind == "array") == isinstance(value, list) and all(
                isinstance(v, str) and len(v) <= MAX_ARGUMENT and "\0" not in v for v in values)
        if not fits:
            what = "a list of at most 64 strings" if kind == "array" else f"a {kind}"
            raise ReachError(f'{tool.name}: the argument "{name}" must be {what}')
    return arguments


# --- running the CLI -----------------------------------------------------------------------------------------------

class Runner:
    """Runs `kubectl reach ARGS` in-process with the server's connection flags, one command at a time."""

    def __init__(self, cli_run: Callable[..., int], connection_args: Sequence[str]):
        self.cli_run = cli_run  # cli.run, handed in (this module is below the CLI)
        self.connection_args = list(connection_args)
        self.lock = threading.Lock()

    def run(self, args: Sequence[str]) -> Tuple[int, str, str]:
        from .streams import Streams

        split = list(args).index("--") if "--" in args else len(args)
        argv = [*args[:split], *self.connection_args, *args[split:]]
        out, err = io.StringIO(), io.StringIO()
        with self.lock:
            code = self.cli_run(argv, Streams(out=out, err=err, input=io.StringIO()))
        return int(code), out.getvalue(), err.getvalue()

    def call(self, tool: Tool, arguments: Dict[str, Any]) -> Tuple[bool, Any, str]:
        """(failed, the JSON document or the convert report, the text for the agent)."""
        if tool.name == "convert":
            return self.convert(tool, arguments)
        code, out, err = self.run(tool.command(arguments))
        if code not in (0, 3) or not out.strip():  # 3: --probe ran and no URL answered: an answer all the same
            return True, None, err.strip() or f"exit code {code}"
        document = json.loads(out)
        return False, document, json.dumps(document, indent=2) + (f"\n\n{err.strip()}" if err.strip() else "")

    def convert(self, tool: Tool, arguments: Dict[str, Any]) -> Tuple[bool, Any, str]:
        command = tool.command(arguments)
        split = command.index("--")
        code, preview, notes = self.run([*command[:split], "--dry-run", *command[split:]])
        report: Dict[str, Any] = {"dryRun": {"exitCode": code, "diff": preview, "messages": notes.strip()},
                                  "applied": False}
        if code != 0:
            return True, report, notes.strip() or preview
        if arguments.get("confirm") is True:
            code, out, err = self.run([*command[:split], "--yes", *command[split:]])
            report.update(applied=code == 0, exitCode=code, output=out, messages=err.strip())
            if code != 0:
                return True, report, err.strip() or out
        text = preview + (notes.strip() and "\n" + notes.strip())
        if report["applied"]:
            text += "\n\nApplied:\n" + report["output"] + report["messages"]
        else:
            text += "\n\nNothing was changed: call again with confirm: true to make this change."
        return False, report, text


def connection_args(flags: Any) -> List[str]:
    """The server's kubectl flags, spelled again for each command it runs (their defaults left out)."""
    from .flags import declared
    from .kubeflags import OverrideFlags

    args: List[str] = []
    for source, cls in ((flags, type(flags)), (flags.overrides, OverrideFlags)):
        for item, spec in declared(cls):
            value = getattr(source, item.name)
            if value == item.default or value is None or item.name == "all_contexts":
                continue
            if value is True:
                args.append(spec.names[-1])
            else:
                args += [f"{spec.names[-1]}={v}" for v in (value if isinstance(value, tuple) else [value])]
    return args


# --- the server ----------------------------------------------------------------------------------------------------

def serve(runner: Runner, allowed: Sequence[str]) -> None:
    """Serve the tools on stdin/stdout until the client closes stdin (the SDK's low-level Server)."""
    import anyio
    import mcp.types as types
    from mcp.server import Server
    from mcp.server.stdio import stdio_server

    tools = {tool.name: tool for tool in offered(allowed)}

    async def list_tools(ctx: Any, params: Any) -> "types.ListToolsResult":
        return types.ListToolsResult(tools=[
            types.Tool(name=tool.name, description=tool.description, input_schema=tool.schema(),
                       annotations=types.ToolAnnotations(read_only_hint=tool.read_only,
                                                         destructive_hint=not tool.read_only,
                                                         idempotent_hint=tool.read_only,
                                                         open_world_hint=tool.name == "probe"))
            for tool in tools.values()])

    async def call_tool(ctx: Any, params: "types.CallToolRequestParams") -> "types.CallToolResult":
        tool = tools.get(params.name)
        try:
            if tool is None:
                hidden = next((t for t in TOOLS if t.name == params.name), None)
                raise ReachError(f'the tool "{params.name}" is off: start the server with {hidden.allowed_by}'
                                 if hidden else f'no tool "{params.name}" (there are: {", ".join(tools)})')
            arguments = checked_arguments(tool, params.arguments)
            failed, document, text = await anyio.to_thread.run_sync(runner.call, tool, arguments)
        except ReachError as exc:
            failed, document, text = True, None, f"error: {exc}"
        structured = document if isinstance(document, dict) else None
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)],
                                    structured_content=structured, is_error=failed)

    server: Any = Server("kubectl-reach", version=__version__, instructions=INSTRUCTIONS, on_list_tools=list_tools,
                         on_call_tool=call_tool)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)
