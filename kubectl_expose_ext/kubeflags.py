"""kubectl's connection flags: one declaration, one value (`KubeFlags`) handed to every command, one connect.

A plugin must implement these itself: kubectl passes them through untouched.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from .streams import Streams

if TYPE_CHECKING:
    from .kube import Kube


@dataclass(frozen=True)
class KubeFlags:
    kubeconfig: Optional[str] = None
    context: Optional[str] = None
    namespace: Optional[str] = None
    request_timeout: str = "30s"
    verbosity: int = 0

    def validate(self) -> "KubeFlags":
        """The flags' own checks, before any request."""
        from .options import parse_timeout, validate_namespace

        parse_timeout(self.request_timeout)
        validate_namespace(self.namespace)
        return self

    def connect(self, streams: Streams) -> "Session":
        """The client, and the namespace: the flags', else the context's, else `default`."""
        from .kube import Connection, Kube  # lazy: reads the kubeconfig
        from .options import parse_timeout

        connection = Connection.load(self.kubeconfig, self.context)
        kube = Kube(connection, parse_timeout(self.request_timeout), self.verbosity, log=streams.warn)
        return Session(kube, self.namespace or connection.namespace, streams)


@dataclass(frozen=True)
class Session:
    """What a validated command runs with: the API client, the namespace it works in, and the streams."""

    kube: "Kube"
    namespace: str
    streams: Streams


NAMES = ("kubeconfig", "context", "namespace", "request_timeout", "verbosity")


def kube_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """Declare the connection flags on a click command and hand them to it as one `flags` argument."""
    import functools

    import click

    @functools.wraps(command)
    def with_flags(**kwargs: Any) -> Any:
        return command(flags=KubeFlags(*(kwargs.pop(name) for name in NAMES)), **kwargs)

    options = [
        click.option("--kubeconfig", metavar="FILE", help="Path to the kubeconfig file to use."),
        click.option("--context", metavar="NAME", help="The kubeconfig context to use."),
        click.option("-n", "--namespace", metavar="NS", help="Namespace (default: the context's, else default)."),
        click.option("--request-timeout", default="30s", show_default=True, metavar="DURATION",
                     help="How long to wait for each API request (0: forever)."),
        click.option("-v", "--v", "verbosity", type=click.IntRange(0, 10), default=0, metavar="LEVEL",
                     help="Log level, as kubectl: 6 logs each API request, 8 also its headers (credentials masked)."),
    ]
    for option in reversed(options):
        with_flags = option(with_flags)
    return with_flags
