"""`kubectl reach mcp`: the flags of the MCP server (mcp_server.py), checked before anything starts."""

from dataclasses import dataclass
from typing import Any, Callable, Tuple

from ..errors import ReachError
from ..exitcodes import ExitCode
from ..flags import flag


@dataclass
class McpOptions:
    """The flags as typed, each declared here once (flags.flag)."""

    allow_probe: bool = flag("--allow-probe", default=False,
                             help="Offer the probe tool: an agent may make this machine connect to a target's URLs.")
    allow_convert: bool = flag("--allow-convert", default=False,
                               help="Offer the convert tool: a dry run by default, a change only when the call "
                                    "confirms it.")

    def validate(self) -> "Mcp":
        allowed = tuple(name for name, on in (("--allow-probe", self.allow_probe),
                                              ("--allow-convert", self.allow_convert)) if on)
        return Mcp(allowed)


@dataclass(frozen=True)
class Mcp:
    allowed: Tuple[str, ...]

    def run(self, flags: Any, streams: Any, cli_run: Callable[..., int]) -> int:
        """Serve until the client closes stdin; each tool runs `cli_run` (cli.run)."""
        from ..mcp_server import Runner, connection_args, requirement_error, serve

        missing = requirement_error()
        if missing:
            raise ReachError(missing)
        flags.connect(streams)  # the kubeconfig and flags are checked now, not at the first tool call
        serve(Runner(cli_run, connection_args(flags)), self.allowed)
        return ExitCode.OK
