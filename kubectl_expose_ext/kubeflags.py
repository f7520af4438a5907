"""kubectl's connection flags: one declaration, one value (`KubeFlags`) handed to every command, one connect.

A plugin must implement these itself: kubectl passes them through untouched. `Valued` is how any flag declares the
values completion offers for it, so that the click parser and the completion read one declaration.
"""

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Callable, List, Optional

import click

from .kubeconfig import NO_OVERRIDES, Overrides
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
    all_contexts: bool = False
    overrides: Overrides = NO_OVERRIDES  # --cluster, --user, -s, --token, --as...: kubeconfig.Overrides owns them

    def contexts(self) -> Optional[List[str]]:
        """The contexts of a many-cluster command (`--context a,b`, `--all-contexts`); None for one context."""
        if self.all_contexts:
            from .errors import ConfigError
            from .kubeconfig import merged, paths

            names = sorted(merged(paths(self.kubeconfig))[0]["contexts"])
            if not names:
                raise ConfigError("--all-contexts: the kubeconfig has no contexts")
            return names
        if self.context and "," in self.context:
            return list(dict.fromkeys(n.strip() for n in self.context.split(",") if n.strip()))
        return None

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

        connection = Connection.load(self.kubeconfig, self.context, self.overrides)
        kube = Kube(connection, parse_timeout(self.request_timeout), self.verbosity, log=streams.warn)
        return Session(kube, self.namespace or connection.namespace, streams)


@dataclass(frozen=True)
class Session:
    """What a validated command runs with: the API client, the namespace it works in, and the streams."""

    kube: "Kube"
    namespace: str
    streams: Streams




class Valued(click.Option):
    """An option whose values completion offers: `values` names an entry of completion.VALUES (output formats,
    namespaces, contexts...). kubectl_complete-reach and click's bash/zsh/fish scripts both ask it."""

    def __init__(self, *args: Any, values: str, **kwargs: Any) -> None:
        self.values = values
        super().__init__(*args, shell_complete=self._complete, **kwargs)

    def _complete(self, ctx: Any, param: Any, incomplete: str) -> list:
        from .completion import click_values

        return click_values(self.values, ctx, incomplete)


def kube_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """Declare the connection flags on a click command and hand them to it as one `flags` argument."""
    import functools

    @functools.wraps(command)
    def with_flags(**kwargs: Any) -> Any:
        given = {f.name: kwargs.pop(f.name) for f in fields(Overrides)}
        given["impersonate_groups"] = tuple(given["impersonate_groups"])
        values = {f.name: kwargs.pop(f.name) for f in fields(KubeFlags) if f.name != "overrides"}
        return command(flags=KubeFlags(**values, overrides=Overrides(**given)), **kwargs)

    options = [
        click.option("--kubeconfig", metavar="FILE", type=click.Path(), help="Path to the kubeconfig file to use."),
        click.option("--context", metavar="NAME", cls=Valued, values="contexts",
                     help="The kubeconfig context to use (show, audit: several, comma-separated)."),
        click.option("--all-contexts", is_flag=True, help="show, audit: every context of the kubeconfig, at once."),
        click.option("-n", "--namespace", metavar="NS", cls=Valued, values="namespaces",
                     help="Namespace (default: the context's, else default)."),
        click.option("--request-timeout", default="30s", show_default=True, metavar="DURATION",
                     help="How long to wait for each API request (0: forever)."),
        click.option("-v", "--v", "verbosity", type=click.IntRange(0, 10), default=0, metavar="LEVEL",
                     help="Log level, as kubectl: 6 logs each API request, 8 also its headers (credentials masked)."),
        click.option("--cluster", metavar="NAME", cls=Valued, values="clusters",
                     help="The kubeconfig cluster to use (over the context's)."),
        click.option("--user", metavar="NAME", cls=Valued, values="users",
                     help="The kubeconfig user to use (over the context's)."),
        click.option("-s", "--server", metavar="URL", help="The API server's address (over the cluster's)."),
        click.option("--certificate-authority", metavar="FILE", type=click.Path(),
                     help="A CA certificate file for the API server."),
        click.option("--insecure-skip-tls-verify", is_flag=True, default=False,
                     help="Do not verify the API server's certificate (insecure)."),
        click.option("--tls-server-name", metavar="NAME", help="The name to verify the API server's certificate for."),
        click.option("--token", metavar="TOKEN", help="A bearer token (over the user's credentials)."),
        click.option("--client-certificate", metavar="FILE", type=click.Path(), help="A client certificate file for TLS."),
        click.option("--client-key", metavar="FILE", type=click.Path(), help="A client key file for TLS."),
        click.option("--as", "impersonate", metavar="USER", help="Act as this user (impersonation)."),
        click.option("--as-group", "impersonate_groups", metavar="GROUP", multiple=True,
                     help="Act as this group (repeatable; needs --as)."),
        click.option("--as-uid", "impersonate_uid", metavar="UID", help="Act as this UID (needs --as)."),
    ]
    for option in reversed(options):
        with_flags = option(with_flags)
    return with_flags
