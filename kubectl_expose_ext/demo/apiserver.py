"""A small, real Kubernetes API server for the demo and the tests (HTTP on 127.0.0.1).

It speaks the wire format the official client and the `kubectl` binary expect: discovery (/api,
/apis, /version, and aggregated discovery as 1.30+ servers serve it; CRD groups such as the Gateway
API can be switched off with `absent_groups`), GET and LIST with label and field selectors and
`limit`/`continue` pagination, Status errors, POST/PUT/PATCH (merge, JSON and strategic-merge
patches) with `dryRun=All` and resourceVersion conflicts, and a log of every request so tests can
assert on what was sent.
It keeps objects in memory; it does not run controllers.
"""

import base64
import copy
import ssl
import gzip
import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qs, urlsplit

from ..objects import merge_patch


@dataclass(frozen=True)
class ResourceType:
    kind: str
    resource: str
    group: str
    version: str
    namespaced: bool
    short_names: Tuple[str, ...] = ()
    qualify: bool = False  # another group serves the same plural (Istio's gateways): stored as `plural.group`

    @property
    def key(self) -> str:
        """How its objects are stored: the plural, or `plural.group` where two groups share it."""
        return f"{self.resource}.{self.group}" if self.qualify else self.resource

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """How Status messages name it: `services`, `deployments.apps`."""
        return f"{self.resource}.{self.group}" if self.group else self.resource


TYPES = [
    ResourceType("Pod", "pods", "", "v1", True, ("po",)),
    ResourceType("Service", "services", "", "v1", True, ("svc",)),
    ResourceType("Node", "nodes", "", "v1", False, ("no",)),
    ResourceType("Namespace", "namespaces", "", "v1", False, ("ns",)),
    ResourceType("Deployment", "deployments", "apps", "v1", True, ("deploy",)),
    ResourceType("StatefulSet", "statefulsets", "apps", "v1", True, ("sts",)),
    ResourceType("DaemonSet", "daemonsets", "apps", "v1", True, ("ds",)),
    ResourceType("ReplicaSet", "replicasets", "apps", "v1", True, ("rs",)),
    ResourceType("Ingress", "ingresses", "networking.k8s.io", "v1", True, ("ing",)),
    ResourceType("IngressClass", "ingressclasses", "networking.k8s.io", "v1", False),
    ResourceType("EndpointSlice", "endpointslices", "discovery.k8s.io", "v1", True),
    ResourceType("NetworkPolicy", "networkpolicies", "networking.k8s.io", "v1", True, ("netpol",)),
    # CRDs: Gateway API (standard channel; TLSRoute, TCPRoute and UDPRoute still experimental) and OpenShift Routes
    ResourceType("Gateway", "gateways", "gateway.networking.k8s.io", "v1", True, ("gtw",)),
    ResourceType("HTTPRoute", "httproutes", "gateway.networking.k8s.io", "v1", True),
    ResourceType("GRPCRoute", "grpcroutes", "gateway.networking.k8s.io", "v1", True),
    ResourceType("TLSRoute", "tlsroutes", "gateway.networking.k8s.io", "v1alpha2", True),
    ResourceType("TCPRoute", "tcproutes", "gateway.networking.k8s.io", "v1alpha2", True),
    ResourceType("UDPRoute", "udproutes", "gateway.networking.k8s.io", "v1alpha2", True),
    ResourceType("ReferenceGrant", "referencegrants", "gateway.networking.k8s.io", "v1beta1", True, ("refgrant",)),
    ResourceType("Route", "routes", "route.openshift.io", "v1", True),
    ResourceType("Application", "applications", "app.k8s.io", "v1beta1", True),  # kubernetes-sigs/application
    # the other front doors' CRDs (kubectl_expose_ext/doors/), at the version each project stores
    ResourceType("ListenerSet", "listenersets", "gateway.networking.k8s.io", "v1", True, ("lset",)),
    ResourceType("IngressRoute", "ingressroutes", "traefik.io", "v1alpha1", True),
    ResourceType("IngressRouteTCP", "ingressroutetcps", "traefik.io", "v1alpha1", True),
    ResourceType("IngressRouteUDP", "ingressrouteudps", "traefik.io", "v1alpha1", True),
    ResourceType("IngressRoute", "ingressroutes", "traefik.containo.us", "v1alpha1", True, qualify=True),
    ResourceType("IngressRouteTCP", "ingressroutetcps", "traefik.containo.us", "v1alpha1", True, qualify=True),
    ResourceType("IngressRouteUDP", "ingressrouteudps", "traefik.containo.us", "v1alpha1", True, qualify=True),
    ResourceType("Gateway", "gateways", "networking.istio.io", "v1", True, ("gw",), qualify=True),
    ResourceType("VirtualService", "virtualservices", "networking.istio.io", "v1", True, ("vs",)),
    ResourceType("HTTPProxy", "httpproxies", "projectcontour.io", "v1", True, ("proxy", "proxies")),
    ResourceType("VirtualServer", "virtualservers", "k8s.nginx.org", "v1", True, ("vs",)),
    ResourceType("VirtualServerRoute", "virtualserverroutes", "k8s.nginx.org", "v1", True, ("vsr",)),
]
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
# The API server's own Service (pkg/controlplane/controller/kubernetesservice), in every cluster.
KUBERNETES_SERVICE = {"kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default",
                                                      "labels": {"component": "apiserver", "provider": "kubernetes"}},
                      "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                                                    "targetPort": 6443}]}}
# How a cluster's objects come to be: what others refer to first (admission reads IngressClasses and Nodes).
CREATION_ORDER = ["Namespace", "IngressClass", "Node", "Service", "Deployment", "StatefulSet", "DaemonSet",
                  "ReplicaSet", "Pod", "EndpointSlice", "NetworkPolicy", "Ingress", "Gateway", "HTTPRoute",
                  "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute", "ReferenceGrant", "Route", "Application",
                  "ListenerSet", "IngressRoute", "IngressRouteTCP", "IngressRouteUDP", "VirtualService", "HTTPProxy",
                  "VirtualServer", "VirtualServerRoute"]
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
BY_KIND = {t.kind: t for t in reversed(TYPES)}  # a kind name two groups serve: the first one
BY_PATH = {(t.group, t.version, t.resource): t for t in TYPES}
_BY_GROUP_KIND = {(t.group, t.kind): t for t in TYPES}


def type_of(obj: dict) -> ResourceType:
    """An object's type: its kind, in the group its apiVersion names (Istio's Gateway is not the Gateway API's)."""
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    return _BY_GROUP_KIND.get((group, obj["kind"])) or BY_KIND[obj["kind"]]
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
# Field selectors the real API server accepts, per resource (besides metadata.name/namespace).
FIELD_SELECTORS = {
    "pods": {"spec.nodeName", "spec.hostNetwork", "spec.restartPolicy", "spec.schedulerName",
             "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"},
    "nodes": {"spec.unschedulable"},
    "services": {"spec.clusterIP", "spec.type"},
}


class APIStatus(Exception):
    """A failure Status answer: the exception carries the HTTP code, reason and message."""

    def __init__(self, code: int, reason: str, message: str, details: Optional[dict] = None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details or {}

    def body(self) -> dict:
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": self.message,
                "reason": self.reason, "details": self.details, "code": self.code}


def _age(obj: dict) -> str:
    created = (obj.get("metadata") or {}).get("creationTimestamp")
    try:
        seconds = int((datetime.now(timezone.utc) - datetime.strptime(str(created), "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return "<unknown>"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def _node_cells(node: dict) -> list:
    status = node.get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    # printNode (pkg/printers/internalversion): Ready, else NotReady (False and Unknown alike); Unknown: no condition
    state = "Unknown" if ready is None else "Ready" if ready == "True" else "NotReady"
    if (node.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    labels = (node.get("metadata") or {}).get("labels") or {}
    roles = {k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/") and k.count("/") == 1}
    roles |= {labels["kubernetes.io/role"]} if labels.get("kubernetes.io/role") else set()
    shown_roles = sorted(r for r in roles if r)
    info = status.get("nodeInfo") or {}

    def first(kind):
        return next((a.get("address") for a in status.get("addresses") or [] if a.get("type") == kind), "<none>")

    return [node["metadata"]["name"], state, ",".join(shown_roles) or "<none>", _age(node), info.get("kubeletVersion", ""),
            first("InternalIP"), first("ExternalIP"), info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]


def _service_cells(svc: dict) -> list:
    spec = svc.get("spec") or {}
    ingress = [i.get("ip") or i.get("hostname") for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get(
        "ingress") or []]
    external = list(spec.get("externalIPs") or [])
    if spec.get("type") == "LoadBalancer":
        external = ingress + external or ["<pending>"]
    elif spec.get("type") == "ExternalName":
        external = [spec.get("externalName", "")]
    ports = ",".join(f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}" if p.get("nodePort") else
                     f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or [])
    selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
    return [svc["metadata"]["name"], spec.get("type", ""), spec.get("clusterIP") or "<none>",
            ",".join(external) or "<none>", ports or "<none>", _age(svc), selector or "<none>"]


DEFAULT_PRINTER = ([("Name", "string", 0), ("Created At", "date", 0)],
                   lambda o: [o["metadata"]["name"], o["metadata"].get("creationTimestamp", "")])
PRINTERS = {
    "Node": ([("Name", "string", 0), ("Status", "string", 0), ("Roles", "string", 0), ("Age", "string", 0),
              ("Version", "string", 0), ("Internal-IP", "string", 1), ("External-IP", "string", 1),
              ("OS-Image", "string", 1), ("Kernel-Version", "string", 1), ("Container-Runtime", "string", 1)],
             _node_cells),
    "Service": ([("Name", "string", 0), ("Type", "string", 0), ("Cluster-IP", "string", 0),
                 ("External-IP", "string", 0), ("Port(s)", "string", 0), ("Age", "string", 0),
                 ("Selector", "string", 1)], _service_cells),
}


@dataclass(frozen=True)
class RawBody:
    """An answer that is no API object (a proxied page, a pod's log): sent as these bytes, with this type."""

    data: bytes
    content_type: str


class PageNotFound(Exception):
    """A path no API group serves: the real server's mux answers `404 page not found` in text/plain."""


def not_found(rtype: ResourceType, name: str) -> APIStatus:
    return APIStatus(404, "NotFound", f'{rtype.qualified} "{name}" not found', {"name": name, "kind": rtype.resource})


def conflict(rtype: ResourceType, name: str) -> APIStatus:
    return APIStatus(409, "Conflict", f'Operation cannot be fulfilled on {rtype.qualified} "{name}": the object has '
                     "been modified; please apply your changes to the latest version and try again",
                     {"name": name, "kind": rtype.resource})


def invalid(rtype: ResourceType, name: str, causes: List[str]) -> APIStatus:
    return APIStatus(422, "Invalid", f'{rtype.kind} "{name}" is invalid: {", ".join(causes)}',
                     {"name": name, "kind": rtype.resource, "causes": [{"message": c} for c in causes]})


# --- selectors ---------------------------------------------------------------------------------------

_TERM = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9_.-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*$")


def _split_terms(selector: str) -> List[str]:
    terms, depth, current = [], 0, ""
    for char in selector:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    return [t for t in terms + [current] if t.strip()]


def _values(text: str) -> set:
    return {v.strip() for v in text.split(",") if v.strip()}


def _requirement(key: str, op: Optional[str], value: Optional[str], set_op: Optional[str], values: Optional[str],
                 negate: bool) -> Callable[[Dict[str, str]], bool]:
    """One requirement of a label selector, as a predicate on labels."""
    if op:
        return lambda labels: (labels.get(key) == value) == (op != "!=")
    if set_op in ("in", "notin"):
        wanted = _values(values or "")
        return lambda labels: (labels.get(key) in wanted) == (set_op == "in")
    return lambda labels: (key in labels) != negate


def label_selector(selector: str) -> Callable[[Dict[str, str]], bool]:
    """Parse a labelSelector query (=, ==, !=, in, notin, exists, !exists) into a predicate."""
    checks: List[Callable[[Dict[str, str]], bool]] = []
    for term in _split_terms(selector or ""):
        match = _TERM.match(term)
        if not match:
            raise APIStatus(400, "BadRequest", f"unable to parse requirement: invalid label selector: {term!r}")
        negate, key, op, value, set_op, values = match.groups()
        checks.append(_requirement(key, op, value, set_op, values, bool(negate)))
    return lambda labels: all(check(labels) for check in checks)


def _field_value(obj: dict, path: str) -> str:
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def field_selector(rtype: ResourceType, selector: str) -> Callable[[dict], bool]:
    checks = []
    allowed = {"metadata.name", "metadata.namespace"} | FIELD_SELECTORS.get(rtype.key, set())
    for term in _split_terms(selector or ""):
        match = re.match(r"^\s*([A-Za-z.]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not match:
            raise APIStatus(400, "BadRequest", f"invalid field selector: {term!r}")
        path, op, value = match.groups()
        if path not in allowed:
            raise APIStatus(400, "BadRequest", f'field label not supported: {path}')
        checks.append(lambda o, p=path, v=value, neg=op == "!=": (_field_value(o, p) == v) != neg)
    return lambda obj: all(check(obj) for check in checks)


# --- patches -----------------------------------------------------------------------------------------

def _pointer(path: str) -> List[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc: Any, parts: List[str]):
    for part in parts:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def json_patch(doc: Any, operations: Any) -> Any:
    """RFC 6902 JSON patch (add, remove, replace, move, copy, test); a failed test raises ValueError."""
    doc = copy.deepcopy(doc)
    if not isinstance(operations, list):
        raise ValueError("a JSON patch must be a list of operations")
    for op in operations:
        parts = _pointer(op.get("path", ""))
        kind = op.get("op")
        if kind == "test":
            if _walk(doc, parts) != op.get("value"):
                raise ValueError(f"testing value {op.get('path')} failed")
            continue
        if kind in ("move", "copy"):
            value = copy.deepcopy(_walk(doc, _pointer(op.get("from", ""))))
            if kind == "move":
                json_patch_remove(doc, _pointer(op["from"]))
        elif kind in ("add", "replace"):
            value = copy.deepcopy(op.get("value"))
        elif kind == "remove":
            json_patch_remove(doc, parts)
            continue
        else:
            raise ValueError(f"unknown JSON patch operation {kind!r}")
        parent, last = _walk(doc, parts[:-1]), parts[-1]
        if isinstance(parent, list):
            index = len(parent) if last == "-" else int(last)
            if kind == "replace":
                parent[index] = value
            else:
                parent.insert(index, value)
        else:
            if kind == "replace" and last not in parent:
                raise ValueError(f"replace of missing path {op.get('path')}")
            parent[last] = value
    return doc


def json_patch_remove(doc: Any, parts: List[str]) -> None:
    parent = _walk(doc, parts[:-1])
    if isinstance(parent, list):
        del parent[int(parts[-1])]
    elif parts[-1] in parent:
        del parent[parts[-1]]
    else:
        raise ValueError(f"unable to remove nonexistent key: /{'/'.join(parts)}")


# Merge keys of the lists this server knows (from the API's patchMergeKey tags); other lists replace.
_MERGE_KEYS = {"ports": ("port", "containerPort"), "containers": ("name",), "initContainers": ("name",),
               "env": ("name",), "volumes": ("name",), "volumeMounts": ("mountPath",), "tolerations": ()}


def strategic_merge_patch(target: Any, patch: Any, list_name: str = "") -> Any:
    """An approximation of strategic merge patch, enough for the cases kubectl and our tests send: maps merge, lists
    with a merge key merge by it, and the directives `kubectl apply` writes (a list item `{"$patch": "delete"}`,
    `$setElementOrder/LIST`, `$deleteFromPrimitiveList/LIST`, `$retainKeys`).

    Like the real one, it merges `ports` by `port` alone, so two ports that share a number but not
    a protocol collide (kubernetes#105610): the reason our own code never sends strategic patches.
    """
    if not isinstance(patch, dict) or not isinstance(target, dict):
        if isinstance(patch, list) and isinstance(target, list) and _MERGE_KEYS.get(list_name):
            return _merge_list(target, patch, list_name)
        return copy.deepcopy(patch)
    result = copy.deepcopy(target)
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            if isinstance(result.get(name), list) and isinstance(value, list):
                result[name] = [v for v in result[name] if v not in value]
        elif key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch"):
            continue  # the order and the retained keys of what is merged: the merge below keeps both well enough
        elif value is None:
            result.pop(key, None)
        else:
            result[key] = strategic_merge_patch(result.get(key), value, key)
    return result


def _merge_list(target: list, patch: list, list_name: str) -> list:
    result = copy.deepcopy(target)
    for item in patch:
        key = next((k for k in _MERGE_KEYS[list_name] if isinstance(item, dict) and k in item), None)
        index = next((i for i, t in enumerate(result) if key and isinstance(t, dict) and t.get(key) == item[key]), None)
        if isinstance(item, dict) and item.get("$patch") == "delete":
            if index is not None:
                del result[index]
        elif index is None:
            result.append({k: v for k, v in item.items() if v is not None} if isinstance(item, dict) else item)
        else:
            result[index] = strategic_merge_patch(result[index], item)
    return result


# --- the store ---------------------------------------------------------------------------------------

@dataclass
class Request:
    """One request as the server saw it: what tests assert on."""

    method: str
    path: str
    query: Dict[str, str]
    content_type: str
    body: Any
    status: int = 0
    headers: Dict[str, str] = field(default_factory=dict)
    bytes_out: int = 0  # response body bytes as sent (after compression)
    bytes_json: int = 0  # the same body before compression

    @property
    def dry_run(self) -> bool:
        return is_dry_run(self.method, self.query, self.body)

    @property
    def mutating(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


def is_dry_run(method: str, query: Dict[str, str], body: Any) -> bool:
    """As the API server decides it: a DELETE with a body takes its DeleteOptions (dryRun among them) from the body
    alone, ignoring the query; every other write reads `?dryRun=All`."""
    if method == "DELETE" and body:
        return isinstance(body, dict) and body.get("dryRun") == ["All"]
    return query.get("dryRun") == "All"


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Fault:
    """A failure to inject into the next `times` requests that match (for the reliability tests).

    status: answer this HTTP code with a Status body (and Retry-After when given); body: answer 200
    with these raw bytes; delay: wait this long first; truncate: cut the body short and close;
    reset: close the connection without answering. `query` names a parameter the request must carry, `unless`
    one it must not (`unless="dryRun"`: the real write only); `hold`: an event the request waits for (at most a
    minute) before it is answered, so a test acts while the request is surely in flight, not after a guessed sleep.
    """

    method: str = "GET"
    path: str = ""
    query: str = ""
    times: int = 1
    status: int = 0
    retry_after: Optional[str] = None
    body: Optional[bytes] = None
    delay: float = 0.0
    truncate: bool = False
    reset: bool = False
    unless: str = ""
    hold: Optional[threading.Event] = None
    hits: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)  # set when a request has matched

    def matches(self, method: str, path: str, query: Dict[str, str]) -> bool:
        return (self.hits < self.times and method == self.method and self.path in path
                and (not self.query or self.query in query) and not (self.unless and self.unless in query))


APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = ("application/merge-patch+json", "application/json-patch+json", "application/strategic-merge-patch+json",
               APPLY_PATCH)

_REASONS = {410: "Expired", 429: "TooManyRequests", 500: "InternalError", 502: "BadGateway",
            503: "ServiceUnavailable", 504: "Timeout", 401: "Unauthorized", 403: "Forbidden"}


# A validator sees (type, old object or None, new object, dry_run) and may change the new object
# (defaulting, allocation) or raise APIStatus. Tests and the demo register them per kind.
Validator = Callable[[ResourceType, Optional[dict], dict, bool], None]


class FakeCluster:
    """The objects, the resourceVersion counter and the request log, behind one lock."""

    def __init__(self, objects: Any = ()):
        self.lock = threading.RLock()
        self.objects: Dict[Tuple[str, str, str], dict] = {}
        self.revision = itertools.count(1000)
        self._service_ips: set = set()  # the clusterIPs of stored Services (_store keeps it)
        self._ip_cursor = 0  # where the next allocation starts looking
        self._selections: Dict[tuple, List[dict]] = {}  # _selected's memory
        self.events: List[Tuple[int, str, Tuple[str, str, str], dict]] = []  # (version, type, key, object)
        self.changed = threading.Condition(self.lock)  # notified on every stored change (watch streams wait on it)
        self.bookmark_interval = 1.0  # seconds between BOOKMARK events, for watches that allow them
        self.resource_version = "1000"
        self.log: List[Request] = []
        self.forbidden: set = set()  # (verb, resource) pairs answered with 403
        self.validators: Dict[str, Validator] = {
            "Service": self._service_rules, "Ingress": self._ingress_rules, "Deployment": self._template_rules,
            "StatefulSet": self._template_rules, "DaemonSet": self._template_rules, "Pod": self._pod_rules}
        self.user = "system:serviceaccount:default:reach"
        self.response_warnings: List[str] = []
        self.extra_warnings: List[str] = []  # Warning header texts added to every answer (hostile-server tests)
        self.faults: List[Fault] = []
        # the Authorization header -> whether it is accepted (None: every request is); refused: 401, as an expired token
        self.authenticate: Optional[Callable[[Optional[str]], bool]] = None
        self.absent_groups: set = set()  # API groups this cluster does not serve (CRDs not installed)
        self.aggregated_discovery = True  # as 1.30+ servers; False: only the classic discovery documents
        # `kubectl reach explain`'s vantages (_vantage_route): the proxy's backend answer (None: a page for a Service
        # with a ready endpoint), and a kubelet for probe pods: pod -> (phase, log) (None: they stay Pending)
        self.proxy_answer: Optional[Callable[[Request], Tuple[int, str, bytes]]] = None
        self.kubelet: Optional[Callable[[dict], Tuple[str, Optional[str]]]] = None  # log None: it never started
        self.pod_logs: Dict[Tuple[str, str], str] = {}
        for namespace in SYSTEM_NAMESPACES:  # what every API server creates at start
            self.add({"kind": "Namespace", "metadata": {"name": namespace}, "status": {"phase": "Active"}})
        self.add(KUBERNETES_SERVICE)
        for obj in sorted(objects, key=lambda o: CREATION_ORDER.index(o["kind"])):
            self.add(obj)

    # -- loading

    def add(self, obj: dict) -> dict:
        """Store an object as if it had been created (uid, resourceVersion, creationTimestamp)."""
        rtype = type_of(obj)
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if rtype.namespaced:
            meta.setdefault("namespace", "default")
        meta.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{rtype.key}/{meta.get('namespace')}/{meta['name']}")))
        meta.setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
        meta["resourceVersion"] = self._next_version()
        if rtype.kind == "Service":  # stored objects are defaulted, as the API server stores them
            from .rules import default_service

            self._allocate_cluster_ip(obj.setdefault("spec", {}))
            default_service(obj["spec"])
        if rtype.kind == "Pod":
            self._topology_labels(obj)
        if rtype.kind == "Ingress":
            self._default_ingress_class(obj)
        if rtype.namespaced and ("namespaces", "", meta["namespace"]) not in self.objects:
            self.add({"kind": "Namespace", "metadata": {"name": meta["namespace"]}, "status": {"phase": "Active"}})
        obj.setdefault("apiVersion", rtype.api_version)
        self._store((rtype.key, meta.get("namespace", ""), meta["name"]), obj)
        return obj

    def _store(self, key: Tuple[str, str, str], obj: Optional[dict]) -> None:
        """Write (or, with None, delete) one stored object, keeping the index of taken cluster IPs (one scan of every
        Service per allocation made building a 20,000-Service benchmark cluster quadratic) and the watch events."""
        with self.lock:
            old = self.objects.get(key)
            if key[0] == "services":
                if old is not None:
                    self._service_ips.discard((old.get("spec") or {}).get("clusterIP"))
                if obj is not None:
                    self._service_ips.add((obj.get("spec") or {}).get("clusterIP"))
            if obj is None:
                self.objects.pop(key, None)
                if old is not None:
                    gone = copy.deepcopy(old)
                    gone["metadata"]["resourceVersion"] = self._next_version()
                    self._event("DELETED", key, gone)
            else:
                self.objects[key] = obj
                self._event("MODIFIED" if old is not None else "ADDED", key, obj)

    def _event(self, kind: str, key: Tuple[str, str, str], obj: dict) -> None:
        """Keep a watch event (the last WATCH_WINDOW of them: older versions answer 410 Gone) and wake the watchers."""
        version = int(obj["metadata"].get("resourceVersion") or self.resource_version)
        self.events.append((version, kind, key, obj))  # copied when sent: a copy per add would double a big build
        if len(self.events) > 2 * WATCH_WINDOW:
            del self.events[:-WATCH_WINDOW]
        self.changed.notify_all()

    def _topology_labels(self, pod: dict) -> None:
        """PodTopologyLabels admission (on by default since 1.35): a pod bound to a node gets the node's zone and
        region labels."""
        node_name = (pod.get("spec") or {}).get("nodeName")
        node = self.objects.get(("nodes", "", node_name)) if isinstance(node_name, str) else None
        node_labels = ((node or {}).get("metadata") or {}).get("labels") or {}
        for key in ("topology.kubernetes.io/zone", "topology.kubernetes.io/region"):
            if key in node_labels:
                pod["metadata"].setdefault("labels", {})[key] = node_labels[key]

    def load_yaml(self, text: str) -> "FakeCluster":
        import yaml

        for doc in sorted((d for d in yaml.safe_load_all(text) if d), key=lambda o: CREATION_ORDER.index(o["kind"])):
            self.add(doc)
        return self

    def _next_version(self) -> str:
        self.resource_version = str(next(self.revision))
        return self.resource_version

    def get(self, kind: str, name: str, namespace: str = "default") -> Optional[dict]:
        rtype = BY_KIND[kind]
        return copy.deepcopy(self.objects.get((rtype.key, namespace if rtype.namespaced else "", name)))

    def inject(self, **fault) -> Fault:
        """Make matching requests fail; see Fault."""
        self.faults.append(Fault(**fault))
        return self.faults[-1]

    def take_fault(self, method: str, url: str) -> Optional[Fault]:
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, parts.path, query):
                    fault.hits += 1
                    fault.arrived.set()
                    self.log.append(Request(method, parts.path, query, "", None, status=fault.status or -1))
                    return fault
        return None

    def forbid(self, verb: str, resource: str) -> None:
        self.forbidden.add((verb, resource))

    def requests(self, method: Optional[str] = None, path_contains: str = "") -> List[Request]:
        return [r for r in self.log if (method is None or r.method == method) and path_contains in r.path]

    # -- the API server's rules for what convert changes (demo/rules.py)

    def _allocate_cluster_ip(self, spec: dict) -> None:
        """A free address of the service range (10.96.0.0/12) for a Service created without one. Tests must not
        depend on which: the real allocator picks at random."""
        if spec.get("type") == "ExternalName" or spec.get("clusterIP"):
            return
        for n in itertools.count(self._ip_cursor + 1):
            third = 200 + n // 250  # 10.96.200.1 onwards, spilling into 10.97.x.y (still in 10.96.0.0/12)
            candidate = f"10.{96 + third // 256}.{third % 256}.{n % 250 + 1}"
            if candidate not in self._service_ips:
                spec["clusterIP"], self._ip_cursor = candidate, n
                return

    def _service_rules(self, rtype: ResourceType, old: Optional[dict], new: dict, dry_run: bool) -> None:
        from . import rules

        spec = new.setdefault("spec", {})
        if old is None:
            self._allocate_cluster_ip(spec)
        rules.drop_type_dependent_fields(old, new)
        rules.default_service(spec)
        name = new["metadata"].get("name", "")
        errors = rules.validate_service(old, new)
        if not errors and old is None and spec.get("clusterIP") not in (None, "", "None") and \
                spec["clusterIP"] in self._service_ips:
            errors = [f'spec.clusterIPs: Invalid value: ["{spec["clusterIP"]}"]: failed to allocate IP '
                      f'{spec["clusterIP"]}: provided IP is already allocated']
        if spec.get("externalIPs"):
            self.response_warnings.append("spec.externalIPs is deprecated and may no longer be implemented in some "
                                          "clusters")
        if not errors:
            taken = {p.get("nodePort") for (resource, ns, n), svc in self.objects.items()
                     if resource == "services" and (ns, n) != (new["metadata"].get("namespace"), name)
                     for p in (svc.get("spec") or {}).get("ports") or [] if p.get("nodePort")}
            errors = rules.allocate_node_ports(old, new, taken, dry_run)
        if errors:
            raise invalid(rtype, name, errors)
        if spec["type"] != "LoadBalancer":
            new.setdefault("status", {})["loadBalancer"] = {}

    def _ingress_rules(self, rtype: ResourceType, old: Optional[dict], new: dict, dry_run: bool) -> None:
        from . import rules

        errors = rules.validate_ingress(new)
        if errors:
            raise invalid(rtype, new["metadata"].get("name", ""), errors)
        if old is None:
            self._default_ingress_class(new)

    def _default_ingress_class(self, ingress: dict) -> None:
        """DefaultIngressClass admission: an Ingress created without a class gets the one default IngressClass (with
        several defaults, the newest; the real plugin then also warns)."""
        spec = ingress.setdefault("spec", {})
        if spec.get("ingressClassName") or "kubernetes.io/ingress.class" in (ingress["metadata"].get("annotations") or {}):
            return
        defaults = sorted((c["metadata"].get("creationTimestamp") or "", c["metadata"]["name"])
                          for (resource, _, _), c in self.objects.items() if resource == "ingressclasses"
                          and ((c["metadata"].get("annotations") or {}).get(
                              "ingressclass.kubernetes.io/is-default-class") == "true"))
        if defaults:
            spec["ingressClassName"] = defaults[-1][1]

    def _enforced_level(self, obj: dict) -> str:
        namespace = self.objects.get(("namespaces", "", obj["metadata"].get("namespace", ""))) or {}
        return ((namespace.get("metadata") or {}).get("labels") or {}).get("pod-security.kubernetes.io/enforce", "")

    def _template_rules(self, rtype: ResourceType, old: Optional[dict], new: dict, dry_run: bool) -> None:
        from . import rules

        errors = rules.validate_pod_template(new)
        if errors:
            raise invalid(rtype, new["metadata"].get("name", ""), errors)
        template = ((new.get("spec") or {}).get("template") or {}).get("spec") or {}
        level, violations = self._enforced_level(new), rules.pod_security_violations(template)
        if level in ("baseline", "restricted") and violations:
            # PodSecurity admission only warns for workloads; it rejects their pods later.
            self.response_warnings.append(f'would violate PodSecurity "{level}:latest": {", ".join(violations)}')

    def _pod_rules(self, rtype: ResourceType, old: Optional[dict], new: dict, dry_run: bool) -> None:
        """PodSecurity admission refuses a pod that breaks its namespace's enforced level."""
        from . import rules

        level, violations = self._enforced_level(new), rules.pod_security_violations(new.get("spec") or {})
        if old is None and level in ("baseline", "restricted") and violations:
            raise APIStatus(403, "Forbidden", f'pods "{new["metadata"].get("name", "")}" is forbidden: violates '
                            f'PodSecurity "{level}:latest": {", ".join(violations)}')

    # -- request handling

    def handle(self, method: str, url: str, headers: Dict[str, str], raw: bytes
               ) -> Tuple[int, List[Tuple[str, str]], Union[bytes, "WatchStream"]]:
        """Answer one request: (status, headers, body bytes)."""
        parts = urlsplit(url)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        content_type = headers.get("content-type", "").split(";")[0].strip()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
            if content_type == APPLY_PATCH:  # server-side apply sends YAML (a JSON body parsed above is YAML too)
                import yaml

                try:
                    body = yaml.safe_load(body)
                except yaml.YAMLError:
                    pass
        request = Request(method, parts.path, query, content_type, body, headers=headers)
        with self.lock:
            self.log.append(request)
            self.response_warnings = []
            try:
                if self.authenticate is not None and not self.authenticate(headers.get("authorization")):
                    raise APIStatus(401, "Unauthorized", "Unauthorized")
                status, payload = self._route(request, headers.get("accept", ""))
            except APIStatus as exc:
                status, payload = exc.code, exc.body()
            except PageNotFound:
                request.status = 404
                return 404, [("Content-Type", "text/plain; charset=utf-8"), ("X-Content-Type-Options", "nosniff")], \
                    b"404 page not found\n"
            request.status = status
            if isinstance(payload, RawBody):
                return status, [("Content-Type", payload.content_type)], payload.data
            if isinstance(payload, WatchStream):
                return status, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")], payload
            aggregated = isinstance(payload, dict) and payload.get("kind") == "APIGroupDiscoveryList"
            out = [("Content-Type", AGGREGATED if aggregated else "application/json")]
            out += [("Warning", f'299 - "{w}"') for w in self.response_warnings + self.extra_warnings]
        data = json.dumps(payload, separators=(",", ":")).encode()
        request.bytes_json = len(data)
        if len(data) > GZIP_ABOVE and "gzip" in headers.get("accept-encoding", ""):
            data = gzip.compress(data, compresslevel=1)
            out.append(("Content-Encoding", "gzip"))
        request.bytes_out = len(data)
        return status, out, data

    def _route(self, request: Request, accept: str) -> Tuple[int, Any]:
        path = request.path.rstrip("/")
        if path == "/version":
            return 200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-fake", "platform": "linux/amd64"}
        aggregated = self.aggregated_discovery and "as=APIGroupDiscoveryList" in accept and ";v=v2;" in accept
        if path == "/api":
            if aggregated:
                return 200, self._aggregated([""])
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
        if path == "/apis":
            return 200, self._aggregated(self._groups()) if aggregated else self._group_list()
        if path == "/openapi/v3" or path.startswith("/openapi/v3/"):
            return 200, self._openapi_v3(path[len("/openapi/v3/"):])
        segments = [s for s in path.split("/") if s]
        vantage = self._vantage_route(request, segments)
        if vantage is not None:
            return vantage
        if segments[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", segments[2:]
        elif len(segments) >= 3 and segments[0] == "apis":
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise APIStatus(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return 200, self._resource_list(group, version)
        namespace = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        if group and (group not in self._groups() or version not in self._versions(group)):
            raise PageNotFound()  # no handler for that group at all: Go's mux answers, not the API machinery
        subresource = rest[2] if len(rest) == 3 else None
        if len(rest) > 3 or subresource not in (None, "status") or (group, version, rest[0]) not in BY_PATH \
                or group in self.absent_groups:
            raise APIStatus(404, "NotFound", "the server could not find the requested resource")
        rtype = BY_PATH[(group, version, rest[0])]
        name = rest[1] if len(rest) >= 2 else None
        verb = self._verb(request.method, name)
        if request.content_type and request.method in ("POST", "PUT", "PATCH") and \
                request.content_type not in (*PATCH_TYPES, "application/json", "application/yaml"):
            # kubectl's typed clients send protobuf first; the API machinery's 415 makes client-go use JSON instead
            raise APIStatus(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted "
                            "media types include: application/json, application/yaml")
        if subresource == "status":
            if verb in ("get", "update", "patch"):
                return self._status(rtype, namespace, name, request, verb, accept)
            raise APIStatus(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        if verb == "list" and request.query.get("watch") in ("true", "1"):
            verb = "watch"
        if (verb, rtype.resource) in self.forbidden:
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            what = f'{rtype.qualified} "{name}"' if name else rtype.qualified
            raise APIStatus(403, "Forbidden", f'{what} is forbidden: User "{self.user}" cannot {verb} resource '
                            f'"{rtype.resource}" in API group "{rtype.group}" {scope}')
        if "dryRun" in request.query and request.query["dryRun"] != "All":
            raise APIStatus(400, "BadRequest", f'Unsupported value: "{request.query["dryRun"]}": supported values: "All"')
        handler = getattr(self, f"_{verb}")
        return handler(rtype, namespace, name, request, accept)

    @staticmethod
    def _verb(method: str, name: Optional[str]) -> str:
        verbs = {"GET": "get" if name else "list", "POST": "create", "PUT": "update", "PATCH": "patch",
                 "DELETE": "delete"}
        if method not in verbs or (method in ("PUT", "PATCH", "DELETE") and not name) or (method == "POST" and name):
            raise APIStatus(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        return verbs[method]

    def _groups(self) -> List[str]:
        return sorted({t.group for t in TYPES if t.group and t.group not in self.absent_groups})

    @staticmethod
    def _versions(group: str) -> List[str]:
        """Served versions, preferred first (v1 before alphas, as the API server orders them)."""
        return sorted({t.version for t in TYPES if t.group == group}, key=lambda v: (v != "v1", v))

    def _group_list(self) -> dict:
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in self._versions(g)],
             "preferredVersion": {"groupVersion": f"{g}/{self._versions(g)[0]}", "version": self._versions(g)[0]}}
            for g in self._groups()]}

    def _aggregated(self, groups: List[str]) -> dict:
        """Aggregated discovery (apidiscovery.k8s.io/v2): every group, version and resource in one document."""
        def resource(t: ResourceType) -> dict:
            entry = {"resource": t.resource, "responseKind": {"group": t.group, "version": t.version, "kind": t.kind},
                     "scope": "Namespaced" if t.namespaced else "Cluster", "singularResource": t.kind.lower(),
                     "verbs": VERBS}
            return {**entry, "shortNames": list(t.short_names)} if t.short_names else entry
        return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": [
            {"metadata": {"name": g, "creationTimestamp": None}, "versions": [
                {"version": v, "resources": [resource(t) for t in TYPES if t.group == g and t.version == v],
                 "freshness": "Current"} for v in (self._versions(g) if g else ["v1"])]} for g in groups]}

    def _resource_list(self, group: str, version: str) -> dict:
        types = [t for t in TYPES if t.group == group and t.version == version and group not in self.absent_groups]
        if not types:
            raise APIStatus(404, "NotFound", "the server could not find the requested resource")
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": types[0].api_version, "resources": [
            {"name": t.resource, "singularName": t.kind.lower(), "namespaced": t.namespaced, "kind": t.kind,
             "verbs": VERBS, **({"shortNames": list(t.short_names)} if t.short_names else {})} for t in types]}

    def _stored(self, rtype: ResourceType, namespace: str, name: str) -> dict:
        obj = self.objects.get((rtype.key, namespace if rtype.namespaced else "", name))
        if obj is None:
            raise not_found(rtype, name)
        return obj

    def _watch(self, rtype, namespace, name, request, accept):
        """A watch: the HTTP layer streams it (WatchStream), outside the lock."""
        version = request.query.get("resourceVersion") or ""
        if version not in ("", "0") and not version.isdigit():
            raise APIStatus(400, "BadRequest", f'invalid resource version "{version}"')
        try:
            timeout = min(float(request.query.get("timeoutSeconds") or 60), 600.0)
        except ValueError:
            raise APIStatus(400, "BadRequest", "invalid timeoutSeconds") from None
        return 200, WatchStream(self, rtype, namespace, version, request.query.get("labelSelector", ""),
                                request.query.get("fieldSelector", ""), timeout,
                                request.query.get("allowWatchBookmarks") == "true")

    def _get(self, rtype, namespace, name, request, accept):
        obj = copy.deepcopy(self._stored(rtype, namespace, name))
        return 200, self._as_table(rtype, [obj], None, request.query.get("includeObject", "Metadata")) \
            if "as=Table" in accept else obj

    def _list(self, rtype, namespace, name, request, accept):
        selected = self._selected(rtype, namespace, request.query.get("labelSelector", ""),
                                  request.query.get("fieldSelector", ""))
        start = 0
        if request.query.get("continue"):
            try:
                start = int(json.loads(base64.b64decode(request.query["continue"]))["start"])
            except (ValueError, KeyError, TypeError):
                raise APIStatus(400, "BadRequest", "invalid continue token") from None
        # resourceVersion=0 is served from the watch cache, which (as kube-apiserver v1.36 measured) answers whole
        limit = 0 if request.query.get("resourceVersion") == "0" else int(request.query.get("limit") or 0)
        end = start + limit if limit else len(selected)
        meta: Dict[str, Any] = {"resourceVersion": self.resource_version}
        if end < len(selected):
            meta["continue"] = base64.b64encode(json.dumps({"start": end}).encode()).decode()
            meta["remainingItemCount"] = len(selected) - end
        page = [{k: v for k, v in obj.items() if k not in ("kind", "apiVersion")} for obj in selected[start:end]]
        if "as=Table" in accept:
            return 200, self._as_table(rtype, page, meta, request.query.get("includeObject", "Metadata"))
        return 200, {"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version, "metadata": meta,
                     "items": page}  # serialised at once, under the lock: no copy needed

    def _selected(self, rtype, namespace: str, labels: str, fields: str) -> List[dict]:
        """The objects a LIST selects, sorted by (namespace, name). The last few selections are kept until the store
        changes, so the pages of one LIST filter the store once (a 50,000-pod LIST is 100 pages), as the real
        server's snapshot does."""
        stamp = (self.resource_version, len(self.objects))
        key = (stamp, rtype.key, namespace or "", labels, fields)
        if key not in self._selections:
            match_labels, match_fields = label_selector(labels), field_selector(rtype, fields)
            self._selections = {k: v for k, v in self._selections.items() if k[0] == stamp and len(self._selections) < 8}
            self._selections[key] = [obj for _, obj in self._sorted(rtype.key, namespace or "")
                                     if match_labels(obj.get("metadata", {}).get("labels") or {}) and match_fields(obj)]
        return self._selections[key]

    def _sorted(self, resource: str, namespace: str = "") -> List[Tuple[Tuple[str, str], dict]]:
        """The objects of one resource (of one namespace, if given), sorted by (namespace, name); cached until the
        store changes."""
        stamp = (self.resource_version, len(self.objects))
        if getattr(self, "_index_stamp", None) != stamp:
            index: Dict[Tuple[str, str], list] = {}
            for (kind, ns, name), obj in self.objects.items():
                index.setdefault((kind, ""), []).append(((ns, name), obj))
                if ns:
                    index.setdefault((kind, ns), []).append(((ns, name), obj))
            for entries in index.values():
                entries.sort(key=lambda entry: entry[0])
            self._index, self._index_stamp = index, stamp
        return self._index.get((resource, namespace), [])

    def _as_table(self, rtype: ResourceType, objs: List[dict], meta: Optional[dict] = None,
                  include: str = "Metadata") -> dict:
        """Server-side printing (`Accept: ...;as=Table`): the real printers' columns for Nodes and Services
        (pkg/printers/internalversion), Name and Created At for the rest (a CRD without printer columns).
        `includeObject`: None, Metadata (the default: PartialObjectMetadata) or Object."""
        columns, cells = PRINTERS.get(rtype.kind, DEFAULT_PRINTER)

        def row_object(o):
            if include == "None":
                return None
            if include == "Object":
                return o
            return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}

        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta or {},
                "columnDefinitions": [{"name": name, "type": kind, "format": "name" if name == "Name" else "",
                                       "description": name, "priority": priority} for name, kind, priority in columns],
                "rows": [{"cells": cells(o), "object": row_object(o)} for o in objs]}

    def _save(self, rtype, namespace, old, new, request) -> Tuple[int, dict]:
        """Validate, then persist unless dry-run: the end of every create, update and patch."""
        meta = new.setdefault("metadata", {})
        if rtype.namespaced:
            meta["namespace"] = namespace
        for key in ("uid", "creationTimestamp"):
            if old is not None:
                if meta.get(key) not in (None, old["metadata"].get(key)):
                    raise invalid(rtype, meta.get("name", ""), [f'metadata.{key}: Invalid value: "{meta[key]}": '
                                                                "field is immutable"])
                meta[key] = old["metadata"].get(key)
        if old is None:
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now()
        new["kind"], new["apiVersion"] = rtype.kind, rtype.api_version
        validator = self.validators.get(rtype.kind)
        if validator:
            validator(rtype, copy.deepcopy(old) if old else None, new, request.dry_run)
        if request.dry_run:
            meta["resourceVersion"] = old["metadata"]["resourceVersion"] if old else ""
            return (201 if old is None else 200), new
        meta["resourceVersion"] = self._next_version()
        self._store((rtype.key, namespace if rtype.namespaced else "", meta["name"]), new)
        return (201 if old is None else 200), copy.deepcopy(new)

    def _create(self, rtype, namespace, name, request, accept):
        body = request.body
        if not isinstance(body, dict):
            raise APIStatus(400, "BadRequest", "the body of the request was in an unknown format")
        body_name = (body.get("metadata") or {}).get("name")
        generate = (body.get("metadata") or {}).get("generateName")
        if not body_name and isinstance(generate, str) and generate:  # names.SimpleNameGenerator: 5 random chars
            body_name = body["metadata"]["name"] = generate + uuid.uuid4().hex[:5]
        if not body_name:
            raise invalid(rtype, "", ["metadata.name: Required value: name or generateName is required"])
        if (rtype.key, namespace if rtype.namespaced else "", body_name) in self.objects:
            raise APIStatus(409, "AlreadyExists", f'{rtype.qualified} "{body_name}" already exists',
                            {"name": body_name, "kind": rtype.resource})
        status, created = self._save(rtype, namespace, None, copy.deepcopy(body), request)
        if rtype.kind == "Pod" and not request.dry_run:
            self._run_probe_pod(namespace, created)
        return status, created

    # -- kubectl reach explain's vantages: SelfSubjectAccessReview, the proxy subresource, pod logs, a kubelet
    #    for probe pods. Kept apart: one dispatch (_vantage_route) before the API machinery's.

    PROBE_LABEL = ("app.kubernetes.io/name", "kubectl-reach-probe")

    def _vantage_route(self, request: Request, segments: List[str]) -> Optional[Tuple[int, Any]]:
        if request.method == "POST" and segments == ["apis", "authorization.k8s.io", "v1", "selfsubjectaccessreviews"]:
            review = copy.deepcopy(request.body) if isinstance(request.body, dict) else {}
            attributes = (review.get("spec") or {}).get("resourceAttributes") or {}
            what = "/".join(p for p in (attributes.get("resource"), attributes.get("subresource")) if p)
            allowed = (attributes.get("verb"), what) not in self.forbidden
            review["status"] = {"allowed": allowed} if allowed else {"allowed": False, "reason": ""}
            return 201, review
        if request.method != "GET" or segments[:3] != ["api", "v1", "namespaces"] or len(segments) < 7:
            return None
        namespace, resource, name, sub = segments[3], segments[4], segments[5], segments[6]
        if resource == "pods" and sub == "log" and len(segments) == 7:
            if ("get", "pods/log") in self.forbidden:
                raise APIStatus(403, "Forbidden", f'pods "{name}" is forbidden: User "{self.user}" cannot get resource '
                                f'"pods/log" in API group "" in the namespace "{namespace}"')
            self._stored(BY_KIND["Pod"], namespace, name)
            if (namespace, name) not in self.pod_logs:  # as the kubelet says it of a container that never started
                raise APIStatus(400, "BadRequest", f'container "probe" in pod "{name}" is waiting to start: '
                                "ContainerCreating")
            text = self.pod_logs[(namespace, name)].encode()
            limit = request.query.get("limitBytes", "")
            return 200, RawBody(text[: int(limit)] if limit.isdigit() else text, "text/plain")
        if resource not in ("services", "pods") or sub != "proxy":
            return None
        if ("get", f"{resource}/proxy") in self.forbidden:
            raise APIStatus(403, "Forbidden", f'{resource} "{name}" is forbidden: User "{self.user}" cannot get '
                            f'resource "{resource}/proxy" in API group "" in the namespace "{namespace}"')
        target = name.split(":")[1] if name.count(":") == 2 else name.split(":")[0]
        obj = self._stored(BY_KIND["Pod" if resource == "pods" else "Service"], namespace, target)
        if self.proxy_answer is not None:
            status, content_type, data = self.proxy_answer(request)
            return status, RawBody(data, content_type)
        if resource == "services" and not self._ready_endpoint(namespace, target):
            raise APIStatus(503, "ServiceUnavailable", f'no endpoints available for service "{target}"')
        if resource == "pods" and not (obj.get("status") or {}).get("podIP"):
            raise APIStatus(503, "ServiceUnavailable", f'pod "{target}" has no IP address')
        return 200, RawBody(b"<html><body>the fake backend</body></html>\n", "text/html")

    def _ready_endpoint(self, namespace: str, service: str) -> bool:
        slices = self._selected(BY_KIND["EndpointSlice"], namespace, f"kubernetes.io/service-name={service}", "")
        return any((e.get("conditions") or {}).get("ready", True) is not False
                   for s in slices for e in s.get("endpoints") or [])

    def _run_probe_pod(self, namespace: str, pod: dict) -> None:
        """The kubelet's part for a probe pod: run it to its end at once (phase, log from `self.kubelet`)."""
        key, value = self.PROBE_LABEL
        if self.kubelet is None or (pod["metadata"].get("labels") or {}).get(key) != value:
            return
        phase, log = self.kubelet(copy.deepcopy(pod))
        name = pod["metadata"]["name"]
        ran = copy.deepcopy(pod)
        code = 0 if phase == "Succeeded" else 1
        if log is None:  # never started: ended by its activeDeadlineSeconds
            ran["status"] = {"phase": phase, "reason": "DeadlineExceeded",
                             "message": "Pod was active on the node longer than the specified deadline"}
        else:
            self.pod_logs[(namespace, name)] = log
            ran["status"] = {"phase": phase, "containerStatuses": [
                {"name": c.get("name"), "ready": False, "restartCount": 0, "image": c.get("image"),
                 "state": {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}}}
                for c in (pod.get("spec") or {}).get("containers") or []]}
        ran["metadata"]["resourceVersion"] = self._next_version()
        self._store(("pods", namespace, name), ran)

    def _check_version(self, rtype, old: dict, new: dict) -> None:
        wanted = (new.get("metadata") or {}).get("resourceVersion")
        if wanted and wanted != old["metadata"]["resourceVersion"]:
            raise conflict(rtype, old["metadata"]["name"])

    def _update(self, rtype, namespace, name, request, accept):
        old = self._stored(rtype, namespace, name)
        if not isinstance(request.body, dict):
            raise APIStatus(400, "BadRequest", "the body of the request was in an unknown format")
        new = copy.deepcopy(request.body)
        self._check_version(rtype, old, new)
        return self._save(rtype, namespace, old, new, request)

    def _patch(self, rtype, namespace, name, request, accept):
        if request.content_type == APPLY_PATCH:
            return self._apply(rtype, namespace, name, request)
        old = self._stored(rtype, namespace, name)
        try:
            if request.content_type == "application/merge-patch+json":
                new = merge_patch(old, request.body)
            elif request.content_type == "application/json-patch+json":
                new = json_patch(old, request.body)
            elif request.content_type == "application/strategic-merge-patch+json":
                new = strategic_merge_patch(old, request.body)
            else:
                raise APIStatus(415, "UnsupportedMediaType",
                                'the body of the request was in an unknown format - accepted media types include: '
                                "application/json-patch+json, application/merge-patch+json, "
                                "application/strategic-merge-patch+json, application/apply-patch+yaml")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise APIStatus(422, "Invalid", f"the server rejected our request due to an error in our request: {exc}") from None
        self._check_version(rtype, old, new)
        return self._save(rtype, namespace, old, new, request)

    def _apply(self, rtype, namespace, name, request):
        """Server-side apply, as far as a demo needs it: the applied configuration creates the object, or is merged
        into it (JSON merge patch rules: maps merge, lists are replaced). Field ownership (managedFields, conflicts,
        removing fields a manager stopped applying) is not modelled: docs/usage.md says so."""
        body = request.body
        if not isinstance(body, dict):
            raise APIStatus(400, "BadRequest", "the body of the request was in an unknown format")
        if not body.get("apiVersion") or not body.get("kind"):  # the real server's words for it
            raise APIStatus(400, "BadRequest", f"invalid object type: /, Kind={body.get('kind') or ''}")
        if (body.get("metadata") or {}).get("name") not in (None, name):
            raise APIStatus(400, "BadRequest", "the name of the object does not match the name on the URL")
        key = (rtype.key, namespace if rtype.namespaced else "", name)
        if key not in self.objects:
            created = copy.deepcopy(body)
            created.setdefault("metadata", {})["name"] = name
            return self._save(rtype, namespace, None, created, request)
        old = self._stored(rtype, namespace, name)
        applied = {k: v for k, v in body.items() if k not in ("apiVersion", "kind")}
        return self._save(rtype, namespace, old, merge_patch(old, applied), request)

    def _status(self, rtype, namespace, name, request, verb, accept):
        """The status subresource: GET reads the object; PUT and PATCH change its status alone (what they say of
        spec or metadata is ignored, as the API server's status strategies do), as a controller writes it."""
        old = self._stored(rtype, namespace, name)
        if verb == "get":
            return 200, copy.deepcopy(old)
        if verb == "update":
            changed = request.body if isinstance(request.body, dict) else None
            if changed is None:
                raise APIStatus(400, "BadRequest", "the body of the request was in an unknown format")
            self._check_version(rtype, old, changed)
        else:
            try:
                if request.content_type == "application/json-patch+json":
                    changed = json_patch(old, request.body)
                elif request.content_type == "application/strategic-merge-patch+json":
                    changed = strategic_merge_patch(old, request.body)
                else:
                    changed = merge_patch(old, request.body)
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise APIStatus(422, "Invalid", f"the server rejected our request due to an error in our request: "
                                f"{exc}") from None
        new = copy.deepcopy(old)
        new["status"] = copy.deepcopy(changed.get("status")) if isinstance(changed.get("status"), dict) else {}
        meta = new["metadata"]
        if request.dry_run:
            return 200, new
        meta["resourceVersion"] = self._next_version()
        self._store((rtype.key, namespace if rtype.namespaced else "", name), new)
        return 200, copy.deepcopy(new)

    def _openapi_v3(self, group_version: str) -> dict:
        """OpenAPI v3, as much as kubectl reads: the index of group-versions, and for each one its PATCH operations
        with their `x-kubernetes-group-version-kind` and the `fieldValidation` query parameter, from which kubectl
        (cli-runtime's queryParamVerifierV3) learns that the server validates fields itself, so `kubectl apply` and
        `kubectl create -f` need no OpenAPI schema of their own (and send `fieldValidation=Strict`)."""
        served = {(t.group, t.version) for t in TYPES if t.group not in self.absent_groups}

        def path_of(group: str, version: str) -> str:
            return f"apis/{group}/{version}" if group else f"api/{version}"

        if not group_version:
            return {"paths": {path_of(g, v): {"serverRelativeURL": f"/openapi/v3/{path_of(g, v)}?hash=fake"}
                              for g, v in sorted(served)}}
        wanted = next(((g, v) for g, v in served if path_of(g, v) == group_version), None)
        if wanted is None:
            raise APIStatus(404, "NotFound", "the server could not find the requested resource")
        parameter = {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True}}
        paths = {}
        for t in TYPES:
            if (t.group, t.version) == wanted:
                scope = "/namespaces/{namespace}" if t.namespaced else ""
                paths[f"/{group_version}{scope}/{t.resource}/{{name}}"] = {"patch": {
                    "x-kubernetes-group-version-kind": {"group": t.group, "version": t.version, "kind": t.kind},
                    "parameters": [parameter], "responses": {"200": {"description": "OK"}}}}
        return {"openapi": "3.0.0", "info": {"title": "Kubernetes (the demo's fake)", "version": "v1.32.0-fake"},
                "paths": paths}

    def _delete(self, rtype, namespace, name, request, accept):
        obj = self._stored(rtype, namespace, name)
        wanted = ((request.body or {}).get("preconditions") or {}).get("resourceVersion") if isinstance(
            request.body, dict) else None
        if wanted and wanted != obj["metadata"]["resourceVersion"]:
            raise APIStatus(409, "Conflict", f'Operation cannot be fulfilled on {rtype.qualified} "{name}": Precondition '
                            f"failed: ResourceVersion in precondition: {wanted}, ResourceVersion in object meta: "
                            f"{obj['metadata']['resourceVersion']}")
        options = request.body if isinstance(request.body, dict) and request.body else request.query
        grace = options.get("gracePeriodSeconds")
        if rtype.kind == "Pod" and (obj.get("spec") or {}).get("nodeName") and str(grace) != "0":
            # a pod on a node is deleted gracefully: it stays, Terminating, until its kubelet confirms (none here)
            if not request.dry_run and not obj["metadata"].get("deletionTimestamp"):
                obj["metadata"]["deletionTimestamp"] = now()
                obj["metadata"]["deletionGracePeriodSeconds"] = int(str(grace)) if str(grace).isdigit() else int(
                    (obj.get("spec") or {}).get("terminationGracePeriodSeconds", 30))
                obj["metadata"]["resourceVersion"] = self._next_version()
                self._store((rtype.key, namespace, name), obj)
            return 200, copy.deepcopy(obj)
        if not request.dry_run:
            self._store((rtype.key, namespace if rtype.namespaced else "", name), None)
        return 200, copy.deepcopy(obj)


# --- watch ---------------------------------------------------------------------------------------------

WATCH_WINDOW = 1000  # events kept: a watch from an older resourceVersion is told 410 Gone, as after compaction


class WatchStream:
    """One watch, streamed as the API server streams it: chunked JSON `WatchEvent`s, one per line.

    From `resourceVersion` N: every later change; unset or "0": an ADDED event per matching object first; older
    than the events kept: one ERROR event with a 410 Status (the client must list again). BOOKMARK events (the
    current resourceVersion) every `bookmark_interval` when asked; the stream ends after timeoutSeconds."""

    def __init__(self, cluster, rtype, namespace, version, labels, fields, timeout, bookmarks):
        self.cluster, self.rtype, self.namespace, self.version = cluster, rtype, namespace, version
        self.match_labels, self.match_fields = label_selector(labels), field_selector(rtype, fields)
        self.timeout, self.bookmarks = timeout, bookmarks

    def _matches(self, key, obj) -> bool:
        return key[0] == self.rtype.key and (not self.namespace or key[1] == self.namespace) and \
            self.match_labels((obj.get("metadata") or {}).get("labels") or {}) and self.match_fields(obj)

    def serve(self, out) -> None:
        import time

        cluster, deadline = self.cluster, time.monotonic() + self.timeout
        next_bookmark = time.monotonic() + cluster.bookmark_interval
        try:
            with cluster.lock:
                if self.version in ("", "0"):
                    last = int(cluster.resource_version)
                    pending = [("ADDED", o) for k, o in sorted(cluster.objects.items()) if self._matches(k, o)]
                else:
                    last = int(self.version)
                    oldest = cluster.events[0][0] if cluster.events else last
                    if last < oldest - 1 and len(cluster.events) >= WATCH_WINDOW:
                        self._send(out, "ERROR", {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                                  "code": 410, "reason": "Expired",
                                                  "message": f"too old resource version: {last} ({oldest - 1})"})
                        self._end(out)
                        return
                    pending = []
            while True:
                for kind, obj in pending:
                    self._send(out, kind, obj)
                now = time.monotonic()
                if now >= deadline:
                    break
                if self.bookmarks and now >= next_bookmark:
                    self._send(out, "BOOKMARK", {"kind": self.rtype.kind, "apiVersion": self.rtype.api_version,
                                                 "metadata": {"resourceVersion": cluster.resource_version}})
                    next_bookmark = now + cluster.bookmark_interval
                with cluster.lock:
                    fresh = [e for e in cluster.events if e[0] > last]
                    if not fresh:
                        cluster.changed.wait(max(0.01, min(deadline, next_bookmark if self.bookmarks else deadline)
                                                 - time.monotonic()))
                        fresh = [e for e in cluster.events if e[0] > last]
                    if fresh:
                        last = max(e[0] for e in fresh)
                    pending = [(kind, copy.deepcopy(obj)) for _, kind, key, obj in fresh if self._matches(key, obj)]
            self._end(out)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client stopped watching

    def _send(self, out, kind: str, obj: dict) -> None:
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            obj = {"kind": self.rtype.kind, "apiVersion": self.rtype.api_version, **obj}
        line = json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"
        out.write(b"%x\r\n%s\r\n" % (len(line), line))
        out.flush()

    @staticmethod
    def _end(out) -> None:
        out.write(b"0\r\n\r\n")
        out.flush()


# --- HTTP ----------------------------------------------------------------------------------------------

GZIP_ABOVE = 128 * 1024  # the real API server compresses large responses when asked to


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-apiserver"

    def setup(self):
        super().setup()
        # as Go's net/http does: without it, headers and body leave in two segments and Nagle's
        # algorithm meets delayed ACKs (40 ms per request)
        import socket

        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers: Dict[str, str] = {}
        for key, value in self.headers.items():  # a header sent on several lines: its values joined by newlines
            key = key.lower()
            headers[key] = f"{headers[key]}\n{value}" if key in headers else value
        seen = dict(headers)
        peer = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
        if peer:  # a client certificate: who authenticated this way
            seen["tls-client-cn"] = dict(x[0] for x in peer.get("subject", ())).get("commonName", "")
        server: Any = self.server  # the HTTP server FakeAPIServer made: it holds the cluster and the request log
        server.requests_seen.append(seen)
        fault = server.cluster.take_fault(self.command, self.path)
        if fault and self._misbehave(fault):
            return
        status, out_headers, data = server.cluster.handle(self.command, self.path, headers, raw)
        self.send_response(status)
        for key, value in out_headers:  # as Go's net/http: the value's UTF-8 bytes, whatever they are
            self.send_header(key, value.encode("utf-8").decode("latin-1"))
        if isinstance(data, WatchStream):
            self.end_headers()
            data.serve(self.wfile)
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _misbehave(self, fault: Fault) -> bool:
        """Act out an injected fault; True when the request is fully answered (or dropped)."""
        import time

        if fault.delay:
            time.sleep(fault.delay)
        if fault.hold is not None:
            fault.hold.wait(60)
        if fault.reset:
            self.close_connection = True
            self.connection.close()
            return True
        if fault.status or fault.body is not None or fault.truncate:
            status = fault.status or 200
            reason = _REASONS.get(status, "InternalError")
            data = fault.body if fault.body is not None else json.dumps(
                APIStatus(status, reason, f"injected fault: {reason}").body()).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if fault.retry_after:
                self.send_header("Retry-After", fault.retry_after)
            self.send_header("Content-Length", str(len(data) + (4096 if fault.truncate else 0)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2] if fault.truncate else data)
            self.close_connection = fault.truncate
            return True
        return False

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    cluster: "FakeCluster"
    requests_seen: List[Any]

    def handle_error(self, request, client_address):
        """A client that gave up (timeout, reset) is normal here; anything else is a bug worth printing."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


class FakeAPIServer:
    """A FakeCluster served over HTTP on 127.0.0.1 (a random free port); use as a context manager."""

    def __init__(self, cluster: FakeCluster, port: int = 0, tls: Optional["ssl.SSLContext"] = None):
        self.cluster = cluster
        self.tls = tls
        self.httpd = _Server(("127.0.0.1", port), _Handler)
        self.httpd.cluster = cluster
        self.httpd.requests_seen = []  # every request's headers, as received (auth tests look at these)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        # a short poll interval: stop() (httpd.shutdown) waits for it, and the tests stop hundreds of servers
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> "FakeAPIServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def kubeconfig(self, namespace: str = "default", token: str = "fake-token", context: str = "fake") -> str:
        """A kubeconfig (YAML text) that points kubectl and the client at this server. Over plain HTTP the user holds
        no token: kubectl (and kubectl reach) send credentials only over TLS, and warn about any they hold back."""
        user = f"{{token: '{token}'}}" if self.tls else "{}"
        return "\n".join([
            "apiVersion: v1", "kind: Config", f"current-context: {context}",
            "clusters:", f"- name: {context}", f"  cluster: {{server: '{self.url}'}}",
            "users:", f"- name: {context}", f"  user: {user}",
            "contexts:", f"- name: {context}", f"  context: {{cluster: {context}, user: {context}, namespace: {namespace}}}",
            ""])
