"""`kubectl reach version`: this plugin's version, then the API server's (GET /version), as `kubectl version`
prints both; `--client` asks nothing of the server. `-o json|yaml` is kubectl's document shape
(`clientVersion`, `serverVersion`)."""

from dataclasses import dataclass
from typing import Optional

from .. import VERSION_LINE
from ..errors import UsageError
from ..exitcodes import ExitCode
from ..flags import flag
from ..kubeflags import Session
from ..streams import Streams

OUTPUTS = ("json", "yaml")


@dataclass(frozen=True)
class VersionOptions:
    """The flags as typed, each declared here once (flags.flag)."""

    client: bool = flag("--client", default=False, help="version: this plugin's version only (no request to the "
                                                         "server).")
    output: Optional[str] = flag("-o", "--output", metavar="FORMAT", values="version-outputs",
                                 help="version: json or yaml (kubectl's clientVersion and serverVersion).")

    def validate(self) -> "Version":
        if self.output not in (None, "", *OUTPUTS):
            raise UsageError("--output must be 'yaml' or 'json'")  # kubectl's words
        return Version(self.client, self.output or None)


@dataclass(frozen=True)
class Version:
    client: bool
    output: Optional[str]

    def client_document(self) -> dict:
        from .. import __version__

        return {"clientVersion": {"gitVersion": f"v{__version__}"}}

    def run(self, streams: Streams, session: Optional[Session]) -> int:
        """`session` is None with --client: nothing is asked of the server."""
        document = self.client_document()
        server = None
        if session is not None:
            answer = session.kube.request("GET", "/version")
            server = {k: v for k, v in answer.items() if isinstance(v, str)}  # the server's strings only
            document["serverVersion"] = server
        if self.output:
            from ..render import dump

            text = dump(document, self.output) + "\n"
        else:
            text = VERSION_LINE + "\n" + (f"Server Version: {server.get('gitVersion', 'unknown')}\n" if server else "")
        streams.print(text, end="")
        return ExitCode.OK
