"""Vantages for `kubectl reach explain`: the API server's proxy, an in-cluster view that changes nothing.

`through_apiserver(kube, targets)` asks, for each target, the API server to fetch it for us
(`GET /api/v1/namespaces/NS/services/[https:]NAME:PORT/proxy/`, or `pods/...`: the API reference's "proxy"
subresource, whose name is `[scheme:]name[:port]`; k8s.io/apimachinery/pkg/util/net SplitSchemeNamePort).
The result is *indirect*: the API server, not a client of the Service, made the connection (it dials an endpoint's
address itself, without kube-proxy: a ClusterIP, a NetworkPolicy or a node port is not on its path), so it is
labelled as such and never painted onto another vantage.

RBAC first: one SelfSubjectAccessReview per distinct (namespace, resource) for `get` on `services/proxy` or
`pods/proxy` (what `kubectl auth can-i get services/proxy -n NS` sends, pkg/cmd/auth/cani.go); where it is not
allowed, nothing is proxied and the result is `unknown`. The review asks without a name: RBAC sees a proxy request's
name as `[scheme:]name:port`, which a grant by resourceNames rarely spells, so a name-scoped grant shows as not
allowed (a decision: the answer stays one request per namespace and kind).

The proxied answer comes from the cluster: sent once, no redirect followed, at most BODY_LIMIT bytes read (only to
tell the API server's own Status from the backend's page; a body is never printed), every text shown passed through
terminal.clean and cut short, and the whole exchange bounded by the caller's timeout. The API server removes our
Authorization header once it has authenticated us (k8s.io/apiserver endpoints/filters/authentication.go), so the
backend never sees the credential; it appears in no result either.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from .doors.base import BROKEN, OK, UNKNOWN, WARNING
from .errors import ApiError, Unreachable, redact
from .terminal import clean

if TYPE_CHECKING:
    from .kube import Kube

APISERVER_PROXY = "API server proxy (indirect)"
BODY_LIMIT = 4096  # bytes of a proxied answer kept: enough for the API server's Status, never a whole page
DETAIL_LIMIT = 200  # characters of a message from the cluster shown in a detail line
DEFAULT_TIMEOUT = 5.0  # seconds for one proxied GET when the caller gives none
PROXY_RESOURCES = ("services", "pods")
SCHEMES = ("http", "https")


@dataclass(frozen=True)
class ProxyTarget:
    """What the API server is asked to fetch: a Service port (its number or name) or a pod port (a number), over
    http or https, and the path to ask for (a URL's path; `/` by default)."""

    namespace: str
    name: str
    port: Union[int, str]
    resource: str = "services"
    scheme: str = "http"
    path: str = "/"

    @property
    def tried(self) -> str:
        """What was tried, in words: `service shop/web port 443 (https)`."""
        kind = "service" if self.resource == "services" else "pod"
        return clean(f"{kind} {self.namespace}/{self.name} port {self.port} ({self.scheme}), path {self.path or '/'}")


class VantageResult(NamedTuple):
    """One vantage's finding for one target: who looked (`vantage`), what was tried, the verdict (ok, broken,
    warning, unknown: doors.base), one line of detail, and a kubectl command that reproduces it."""

    vantage: str
    tried: str
    verdict: str
    detail: str
    command: str

    def to_dict(self) -> Dict[str, str]:
        return {"vantage": self.vantage, "tried": self.tried, "verdict": self.verdict, "detail": self.detail,
                "command": self.command}


# --- pure: paths, requests, verdicts ---------------------------------------------------------------------

def proxy_path(target: ProxyTarget) -> str:
    """`/api/v1/namespaces/shop/services/https:web:443/proxy/`: the scheme only when it is not http (the API
    server's default), the path percent-encoded where it could end the request line (probe.wire_path)."""
    from urllib.parse import quote

    from .probe import wire_path

    if target.resource not in PROXY_RESOURCES or target.scheme not in SCHEMES:
        raise ValueError(f"no proxy for {target.resource} over {target.scheme}")
    port = str(target.port)
    if not port or not all(c.isascii() and (c.isalnum() or c == "-") for c in port):  # a number or an IANA_SVC_NAME
        raise ValueError(f"invalid port {port!r}")
    if target.resource == "pods" and not port.isdigit():  # a pod's proxy dials the port as given: a number
        raise ValueError(f"a pod is proxied on a port number, not {port!r}")
    prefix = "https:" if target.scheme == "https" else ""
    return (f"/api/v1/namespaces/{quote(target.namespace, safe='')}/{target.resource}/"
            f"{prefix}{quote(target.name, safe='')}:{port}/proxy{wire_path(target.path)}")


def access_review(namespace: str, resource: str, subresource: str = "proxy", verb: str = "get") -> dict:
    """The SelfSubjectAccessReview `kubectl auth can-i VERB RESOURCE/SUBRESOURCE -n NAMESPACE` sends (core group)."""
    attributes = {"namespace": namespace, "verb": verb, "group": "", "resource": resource}
    if subresource:
        attributes["subresource"] = subresource
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attributes}}


def allowed(kube: "Kube", namespace: str, resource: str, subresource: str = "proxy", verb: str = "get") -> bool:
    """Whether a SelfSubjectAccessReview says yes (its errors are the caller's: ApiError, Unreachable)."""
    review = kube.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", None,
                          access_review(namespace, resource, subresource, verb))
    status = review.get("status")
    return isinstance(status, dict) and status.get("allowed") is True


def can_i_command(namespace: str, resource: str) -> str:
    return f"kubectl auth can-i get {resource}/proxy -n {namespace}"


def raw_command(target: ProxyTarget) -> str:
    """`kubectl get --raw /api/v1/.../proxy/`: the same request, sent by kubectl (quoted for a shell)."""
    import shlex

    return f"kubectl get --raw {shlex.quote(proxy_path(target))}"


def _short(text: str) -> str:
    """A message from the cluster as one short, safe line: credentials masked, controls escaped, cut short."""
    text = clean(redact(" ".join(str(text).split())))
    return text if len(text) <= DETAIL_LIMIT else text[:DETAIL_LIMIT - 3] + "..."


def _apiserver_status(content_type: str, body: bytes) -> Optional[dict]:
    """The API server's own failure Status (metav1.Status, kind Status): the proxy itself answered (no endpoints,
    no such Service, a refused dial), not the backend."""
    if "json" not in content_type.lower():
        return None
    try:
        import json

        status = json.loads(body.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return None  # a cut-short body (BODY_LIMIT) is a backend's page, not a Status
    if isinstance(status, dict) and status.get("kind") == "Status" and status.get("status") == "Failure":
        return status
    return None


def verdict_of(resource: str, status: int, content_type: str, body: bytes) -> Tuple[str, str]:
    """(verdict, detail) of a proxied GET's answer.

    The API server's own Status says the path broke before any backend answered: `no endpoints available` (503),
    a dial refused (502/503), no such Service or port (404, 400), and is `broken`; its 403 (an authorizer that
    disagrees with the review) is `unknown`. Older servers said the same in plain text (`Error trying to reach
    service: ...`). Anything else is the backend's answer: any status below 500 means it was reached (`ok`, as
    --probe counts an answer); a 5xx from the backend is a `warning`: reached, but failing.
    """
    apiserver = _apiserver_status(content_type, body)
    if apiserver is not None:
        message = apiserver.get("message") if isinstance(apiserver.get("message"), str) else ""
        said = f"the API server's proxy answered {status}" + (f": {_short(message)}" if message else "")
        if status in (401, 403):
            return UNKNOWN, f"not allowed to use {resource}/proxy ({said})"
        return BROKEN, said
    text = body[:DETAIL_LIMIT].decode("utf-8", "replace")
    if status >= 500 and text.lstrip().lower().startswith(("error trying to reach service", "error: '")):
        return BROKEN, f"the API server's proxy answered {status}: {_short(text.splitlines()[0] if text else '')}"
    if status >= 500:
        return WARNING, f"the backend answered HTTP {status} (through the API server's proxy)"
    return OK, f"the backend answered HTTP {status} (through the API server's proxy)"


def http_scheme(scheme: str) -> Optional[str]:
    """http or https for a URL scheme that speaks HTTP (ws and wss start as HTTP), else None."""
    return {"http": "http", "ws": "http", "https": "https", "wss": "https"}.get(scheme)


def service_targets(service: Dict[str, Any], path: str = "/") -> List[ProxyTarget]:
    """A Service's TCP ports that speak HTTP or HTTPS (scheme.port_scheme: appProtocol, port name, number), as
    proxy targets by port number. None for an ExternalName Service: it has no endpoints to proxy to."""
    from .objects import field
    from .scheme import port_scheme

    if field(service, "spec", "type") == "ExternalName":
        return []
    namespace, name = str(field(service, "metadata", "namespace") or "default"), str(field(service, "metadata", "name"))
    targets = []
    for port in field(service, "spec", "ports") or []:
        if not isinstance(port, dict) or not isinstance(port.get("port"), int):
            continue
        scheme = http_scheme(port_scheme(port.get("appProtocol"), port.get("name"), (port.get("port"),),
                                         port.get("protocol") or "TCP"))
        if scheme:
            targets.append(ProxyTarget(namespace, name, port["port"], "services", scheme, path))
    return targets


# --- I/O ---------------------------------------------------------------------------------------------------

def allowed_proxies(kube: "Kube", pairs: Sequence[Tuple[str, str]]) -> Dict[Tuple[str, str], Optional[str]]:
    """(namespace, resource) -> None where `get RESOURCE/proxy` is allowed, else why not (one line): one
    SelfSubjectAccessReview per distinct pair, in order."""
    answers: Dict[Tuple[str, str], Optional[str]] = {}
    for namespace, resource in pairs:
        if (namespace, resource) in answers:
            continue
        try:
            yes = allowed(kube, namespace, resource)
        except (ApiError, Unreachable) as exc:
            answers[(namespace, resource)] = f"could not check RBAC for {resource}/proxy: {_short(str(exc))}"
            continue
        answers[(namespace, resource)] = None if yes else \
            f"not allowed to use {resource}/proxy in namespace {clean(namespace)}"
    return answers


def through_apiserver(kube: "Kube", targets: Sequence[ProxyTarget], timeout: Optional[float] = DEFAULT_TIMEOUT
                      ) -> List[VantageResult]:
    """Each target, fetched through the API server's proxy where RBAC allows it: one result per target, in order.

    Requests: one SelfSubjectAccessReview per distinct (namespace, resource), then one GET per allowed target, each
    bounded by `timeout` seconds (the command's --timeout; None: --request-timeout) and BODY_LIMIT bytes."""
    refusals = allowed_proxies(kube, [(t.namespace, t.resource) for t in targets])
    results = []
    for target in targets:
        refusal = refusals[(target.namespace, target.resource)]
        if refusal is not None:
            results.append(VantageResult(APISERVER_PROXY, target.tried, UNKNOWN, refusal,
                                         can_i_command(target.namespace, target.resource)))
            continue
        try:
            path, command = proxy_path(target), raw_command(target)
        except ValueError as exc:  # a port or scheme the proxy cannot take: said, not sent
            results.append(VantageResult(APISERVER_PROXY, target.tried, UNKNOWN, _short(str(exc)), ""))
            continue
        try:
            status, content_type, body = kube.read(path, BODY_LIMIT, timeout=timeout)
        except Unreachable as exc:
            detail = (f"no answer through the API server's proxy within {timeout:g}s" if exc.timed_out and timeout
                      else _short(str(exc)))
            results.append(VantageResult(APISERVER_PROXY, target.tried, UNKNOWN, detail, command))
            continue
        except ApiError as exc:
            results.append(VantageResult(APISERVER_PROXY, target.tried, UNKNOWN, _short(str(exc)), command))
            continue
        verdict, detail = verdict_of(target.resource, status, content_type, body)
        results.append(VantageResult(APISERVER_PROXY, target.tried, verdict, detail, command))
    return results
