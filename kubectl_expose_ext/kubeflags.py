"""kubectl's connection flags: one declaration, one value (`KubeFlags`) handed to every command, one connect.

A plugin must implement these itself: kubectl passes them through untouched. `Valued` is how any flag declares the
values completion offers for it, so that the click parser and the completion read one declaration.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Tuple

import click

from .flags import flag
from .kubeconfig import NO_OVERRIDES, Overrides
from .streams import Streams

if TYPE_CHECKING:
    from .kube import Kube


@dataclass(frozen=True)
class KubeFlags:
    """kubectl's global flags, each declared here once (flags.flag); the connection overrides are OverrideFlags."""

    kubeconfig: Optional[str] = flag("--kubeconfig", metavar="FILE", type=click.Path(),
                                     help="Path to the kubeconfig file to use.")
    context: Optional[str] = flag("--context", metavar="NAME", values="contexts",
                                  help="The kubeconfig context to use (show, audit: several, comma-separated).")
    all_contexts: bool = flag("--all-contexts", default=False,
                              help="show, audit: every context of the kubeconfig, at once.")
    namespace: Optional[str] = flag("-n", "--namespace", metavar="NS", values="namespaces",
                                    help="Namespace (default: the context's, else default).")
    request_timeout: str = flag("--request-timeout", default="30s", show_default=True, metavar="DURATION",
                                help="How long to wait for each API request (0: forever).")
    verbosity: int = flag("-v", "--v", default=0, metavar="LEVEL", type=click.IntRange(0, 10),
                          help="Log level, as kubectl: 6 logs each API request, 8 also its headers (credentials "
                               "masked).")
    overrides: Overrides = NO_OVERRIDES  # --cluster, --user, -s, --token, --as...: OverrideFlags declares them

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
        return Session(kube, self.namespace or connection.namespace, streams, self.kubectl_args(connection.context))

    def kubectl_args(self, context: Optional[str]) -> Tuple[str, ...]:
        """The global flags a kubectl run on the user's behalf needs to reach the same cluster as the same user
        (--fallback port-forward): these flags as given, and the context this command resolved."""
        from .flags import declared

        args = []
        values = {**{item.name: getattr(self, item.name) for item, _ in declared(KubeFlags)},
                  **{item.name: getattr(self.overrides, item.name) for item, _ in declared(OverrideFlags)},
                  "context": context or self.context}
        for item, spec in [*declared(KubeFlags), *declared(OverrideFlags)]:
            value = values[item.name]
            if item.name in ("all_contexts", "verbosity", "request_timeout", "namespace") or value in (None, False, ()):
                continue
            for one in value if isinstance(value, tuple) else [value]:
                args += [spec.names[-1]] if one is True else [f"{spec.names[-1]}={one}"]
        return tuple(args)


@dataclass(frozen=True)
class Session:
    """What a validated command runs with: the API client, the namespace it works in, the streams, and the global
    flags a kubectl started on the user's behalf repeats (KubeFlags.kubectl_args)."""

    kube: "Kube"
    namespace: str
    streams: Streams
    kubectl_args: Tuple[str, ...] = ()




@dataclass(frozen=True)
class OverrideFlags:
    """kubectl's connection flags, declared once; each lands in the kubeconfig.Overrides field of its name."""

    cluster: Optional[str] = flag("--cluster", metavar="NAME", values="clusters",
                                  help="The kubeconfig cluster to use (over the context's).")
    user: Optional[str] = flag("--user", metavar="NAME", values="users",
                               help="The kubeconfig user to use (over the context's).")
    server: Optional[str] = flag("-s", "--server", metavar="URL", help="The API server's address (over the cluster's).")
    certificate_authority: Optional[str] = flag("--certificate-authority", metavar="FILE", type=click.Path(),
                                                help="A CA certificate file for the API server.")
    insecure_skip_tls_verify: bool = flag("--insecure-skip-tls-verify", default=False,
                                          help="Do not verify the API server's certificate (insecure).")
    tls_server_name: Optional[str] = flag("--tls-server-name", metavar="NAME",
                                          help="The name to verify the API server's certificate for.")
    token: Optional[str] = flag("--token", metavar="TOKEN", help="A bearer token (over the user's credentials).")
    client_certificate: Optional[str] = flag("--client-certificate", metavar="FILE", type=click.Path(),
                                             help="A client certificate file for TLS.")
    client_key: Optional[str] = flag("--client-key", metavar="FILE", type=click.Path(), help="A client key file for TLS.")
    impersonate: Optional[str] = flag("--as", metavar="USER", help="Act as this user (impersonation).")
    impersonate_groups: Tuple[str, ...] = flag("--as-group", default=(), metavar="GROUP",
                                               help="Act as this group (repeatable; needs --as).")
    impersonate_uid: Optional[str] = flag("--as-uid", metavar="UID", help="Act as this UID (needs --as).")


def kube_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """Declare the connection flags on a click command and hand them to it as one `flags` argument."""
    import functools

    from .flags import click_options, declared

    @functools.wraps(command)
    def with_flags(**kwargs: Any) -> Any:
        given = {item.name: kwargs.pop(item.name) for item, _ in declared(OverrideFlags)}
        given["impersonate_groups"] = tuple(given["impersonate_groups"])
        values = {item.name: kwargs.pop(item.name) for item, _ in declared(KubeFlags)}
        return command(flags=KubeFlags(**values, overrides=Overrides(**given)), **kwargs)

    return click_options(KubeFlags, OverrideFlags)(with_flags)
