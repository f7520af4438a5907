"""The FrontDoor interface: what every front door (a family of kinds that routes outside traffic to Services) declares,
in one place, and what the rest of kubectl reach reads from it.

A door declares the kinds it reads (kinds.py gathers them: the target parser, API paths, discovery, completion, help
and the type checks follow), fetches them with a constant number of requests (`fetch`, `fetch_target`), says which of
its objects may lead to a namespace's Services (`reaching`), turns an object into URLs for a `Resolve` (`endpoints`),
says what is wrong with an object whatever the target (`problems`) and why an accepted-looking object is not
(`refusals`: the audit's not-accepted), explains an object hop by hop (`hops`: `kubectl reach explain`), and names
the kinds a `--wait`/`--watch` must watch (`watched`). Door modules are imported at start-up (kinds.py gathers their
kinds for `--help` and completion): they import computation helpers (loadbalancers, endpoints.service...) inside the
functions that use them.
"""

from typing import TYPE_CHECKING, Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from ..kind import Kind

if TYPE_CHECKING:
    from ..endpoints import Found, Resolve
    from ..snapshot import Snapshot

OK, BROKEN, WARNING, UNKNOWN = "ok", "broken", "warning", "unknown"
VERDICTS = (OK, BROKEN, WARNING, UNKNOWN)


class Hop(NamedTuple):
    """One link of the chain from a client to a Service, as a door sees it (`kubectl reach explain`): its name, a
    verdict (ok, broken, warning, unknown), what was found, the evidence (object and field path read), a kubectl
    command that shows that evidence, and where it was seen from (explain.py: the cluster's objects, this machine,
    the API server's proxy...)."""

    name: str
    verdict: str
    detail: str
    evidence: str
    command: str
    vantage: str = "cluster state"

    def to_dict(self) -> Dict[str, str]:
        return {"hop": self.name, "verdict": self.verdict, "detail": self.detail, "evidence": self.evidence,
                "command": self.command, "vantage": self.vantage}


def evidence_command(kind: Kind, namespace: str, name: str, path: str = "") -> str:
    """`kubectl get httproute.gateway.networking.k8s.io web -n shop -o jsonpath='{.status.parents}'`: the command
    that shows a field (the whole object as YAML without a path); the group keeps the kind unambiguous."""
    resource = f"{kind.plural}.{kind.group}" if kind.group else kind.plural
    scope = f" -n {namespace}" if kind.namespaced and namespace else ""
    shown = f" -o jsonpath='{{{path}}}'" if path else " -o yaml"
    return f"kubectl get {resource} {name}{scope}{shown}"


Keep = Optional[Callable[[dict], Any]]


class Reader:
    """What a door may ask of the API server while fetching: LISTs and GETs of the kinds it declares, sent only where
    discovery finds them served, and degraded where RBAC forbids them: nothing read, and one warning on stderr
    (`Warning: cannot list ...`) naming what the answer then leaves out."""

    def __init__(self, kube: Any):
        self.kube = kube

    def served(self, kind: Kind) -> bool:
        return not kind.optional or kind.resource in self.kube.discover()

    def list(self, kind: Kind, namespace: Optional[str] = None, label_selector: Optional[str] = None,
             field_selector: Optional[str] = None, keep: Keep = None, leaves_out: str = "") -> Optional[List[dict]]:
        """The objects (an unserved kind: none, and no request); None when the server refuses (403, 404): then
        `leaves_out` (what the answer lacks without them) is warned about once, unless empty."""
        from ..errors import Forbidden, NotFound
        from ..fetch import selected_list

        if not self.served(kind):
            return []
        extra = {"keep": keep} if keep is not None else {}
        try:
            return selected_list(self.kube, kind.resource, namespace, label_selector, field_selector, **extra)
        except (Forbidden, NotFound) as exc:
            if leaves_out:
                where = f" in namespace {namespace}" if namespace else ""
                self.kube.malformed.append(f"cannot list {kind.plural}.{kind.group or 'core'}{where} "
                                           f"({exc}): {leaves_out}")
            return None

    def get(self, kind: Kind, name: str, namespace: Optional[str]) -> Optional[dict]:
        from ..errors import Forbidden, NotFound

        try:
            return self.kube.get(kind.resource, name, namespace)
        except (Forbidden, NotFound):
            return None


def tag(kind: Kind) -> Callable[[dict], dict]:
    """A LIST `keep` that records each item's kind and apiVersion group (list items need not carry them; two groups
    may serve one kind name): one function per kind, so that Kube.list sends the same LIST once."""
    return _tags.setdefault(kind.resource, _tagger(kind))


def _tagger(kind: Kind) -> Callable[[dict], dict]:
    def keep(item: dict) -> dict:
        item["kind"] = kind.name
        version = str(item.get("apiVersion") or "").rpartition("/")[2] or kind.versions[0]
        item["apiVersion"] = f"{kind.group}/{version}"
        return item
    return keep


_tags: Dict[str, Callable[[dict], dict]] = {}

class Watch(NamedTuple):
    """One kind a door reads, as waiting.py watches it: across the cluster or in the target's namespace, only the
    objects with these labels (a controller's Services), and whether the answer does without it (the door's
    route kinds are what it is made of; every other kind only refines it)."""

    kind: Kind
    cluster_wide: bool = False
    labels: Optional[Dict[str, str]] = None


Fetched = Dict[str, Any]  # Snapshot keyword arguments: what a door read (its own objects under `extra`)


class FrontDoor:
    """One front door. Subclasses set the class attributes and override what their kinds need.

    `role`: the kinds.py role of its route kinds (the targets it adds: `kubectl reach ingressroute/x`); `kinds`: every
    kind it reads, its route kinds first; `method`: the `method` of its URLs (and the ranking's way in: a virtual host
    on a shared proxy); `title`, `rules`, `source`: its row in docs/rules.md's table of doors.
    """

    name: str = ""
    role: str = ""
    method: str = ""
    kinds: Tuple[Kind, ...] = ()
    title: str = ""
    rules: str = ""
    source: str = ""

    # --- what it reads ------------------------------------------------------------------------------------------

    @property
    def route_kinds(self) -> Tuple[Kind, ...]:
        return tuple(k for k in self.kinds if k.role == self.role)

    def fetch(self, reader: Reader, namespace: Optional[str], chosen: Dict[str, Optional[str]]) -> Fetched:
        """Its objects of `namespace` (None: the cluster) and what they depend on, for a Service, pod or workload
        target and for the listing (`chosen`: the listing's -l and --field-selector, which narrow its route kinds):
        a constant number of requests, none for an API the cluster does not serve."""
        extra: Dict[str, List[dict]] = {}
        for kind in self.route_kinds:
            extra[kind.resource] = reader.list(kind, namespace, keep=tag(kind), leaves_out=self.unread(kind),
                                               **chosen) or []
        return {"extra": extra}

    def fetch_target(self, reader: Reader, kind: Kind, obj: dict, namespace: str) -> Fetched:
        """What one of its own objects needs (`kubectl reach ingressroute/x`), besides the Services of `namespace`."""
        obj["kind"] = kind.name
        return {"extra": {kind.resource: [obj]}}

    def unread(self, kind: Kind) -> str:
        return f"the ways in through {self.title or kind.name} objects are not shown"

    def watched(self, served: Dict[str, str]) -> List["Watch"]:
        """What a --wait or --watch follows: every kind it reads that the cluster serves, in the target's namespace
        unless it reads it across the cluster (`cluster_wide`)."""
        return [Watch(k, not k.namespaced or k in self.cluster_wide) for k in self.kinds
                if not k.optional or k.resource in served]

    cluster_wide: Tuple[Kind, ...] = ()  # the kinds it reads across namespaces (a Gateway, a controller's Service)

    # --- what it computes (pure) ------------------------------------------------------------------------------------

    def objects(self, snapshot: "Snapshot") -> List[dict]:
        """Every object of its route kinds in the snapshot (the listing)."""
        return [o for k in self.route_kinds for o in snapshot.extra.get(k.resource, [])]

    def reaching(self, snapshot: "Snapshot", namespace: str) -> List[dict]:
        """Those that may lead to Services of `namespace`."""
        from ..objects import namespace as namespace_of

        return [o for o in self.objects(snapshot) if namespace_of(o) == namespace]

    def kind_of(self, obj: dict) -> str:
        kind = obj.get("kind")
        return kind if isinstance(kind, str) and any(k.name == kind for k in self.route_kinds) else \
            self.route_kinds[0].name

    def kind_for(self, obj: dict) -> Kind:
        """Its Kind (the group the object's apiVersion names, where two groups serve the kind)."""
        name = self.kind_of(obj)
        group = str(obj.get("apiVersion") or "").rpartition("/")[0]
        same = [k for k in self.kinds if k.name == name]
        return next((k for k in same if k.group == group), same[0])

    def listed(self, obj: dict) -> bool:
        """Whether it is an entrance from outside at all (a mesh-only route is not)."""
        return True

    def endpoints(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> "Found":
        raise NotImplementedError

    def problems(self, obj: dict) -> List[str]:
        """What is wrong with it whatever the target."""
        return []

    def refusals(self, obj: dict, snapshot: "Snapshot") -> List[str]:
        """Why its controller does not serve it (not accepted, invalid, orphaned): the audit's `not-accepted`."""
        return []

    def plain_http(self, obj: dict) -> str:
        """Why a host of it is served over plain http (the audit's `plain-http`)."""
        return "an HTTP listener"

    def hops(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> List[Hop]:
        """Why it gives (or does not give) a URL, hop by hop, from the client to the backend Service."""
        raise NotImplementedError


def backends_hop(door: FrontDoor, obj: dict, refs: Sequence[Any], resolve: "Resolve", path: str) -> Hop:
    """The hop every door ends with: which of its backends lead to the target's Service ports (`resolve`)."""
    from ..objects import name, namespace

    kind = door.kind_for(obj)
    leading = [r for r in refs if resolve(r) is not None]
    shown = ", ".join(f"{r.service}:{r.port if r.port not in (None, '') else '(first port)'}" for r in refs)
    command = evidence_command(kind, namespace(obj), name(obj), path)
    if not refs:
        return Hop("backend", BROKEN, f"{kind.ref(name(obj))} names no Service backend", f"{kind.ref(name(obj))} "
                   f"{path.lstrip('.')}", command)
    if not leading:
        return Hop("backend", BROKEN, f"none of its backends ({shown}) leads to the Service port",
                   f"{kind.ref(name(obj))} {path.lstrip('.')}", command)
    return Hop("backend", OK, f"backends {', '.join(dict.fromkeys(f'{r.service}:{r.port}' for r in leading))} lead to "
               "the Service",
               f"{kind.ref(name(obj))} {path.lstrip('.')}", command)


# --- a controller's own Service: where a door without an address in its status is reached ---------------------------

class Entry(NamedTuple):
    """One address a controller's Service port is reached at from outside, with what loadbalancers.py knows of it."""

    address: Optional[str]      # None: a node's address (a NodePort: which node is the client's choice)
    port: int
    internal: Optional[str]     # why it works only from a private network, else None
    tls: Optional[str]          # why TLS ends at the load balancer on this port, else None
    note: str = ""


def service_port(service: dict, name: str, protocol: str = "TCP") -> Optional[dict]:
    """The port of a controller's Service named `name` (Traefik's entry points, Istio's server ports by number)."""
    from ..objects import items, port_number

    return next((p for p in items(service, "spec", "ports") if (p.get("name") == name or (
        port_number(name) is not None and port_number(p.get("port")) == port_number(name)))
        and str(p.get("protocol") or "TCP").upper() == protocol), None)


def controller_entries(service: dict, port: dict) -> Tuple[List[Entry], List[str]]:
    """Where a controller's Service port is reached from outside, by its type, with the load balancer's facts
    (loadbalancers.py: internal, TLS at the load balancer): each `status.loadBalancer.ingress` address of a
    LoadBalancer, each `externalIPs` entry, the nodePort on a node; and why there is none (a pending load balancer,
    a ClusterIP Service)."""
    from ..loadbalancers import port_key, read, status_reason
    from ..objects import field, items, name, namespace, port_number, strings

    shown = f"service {namespace(service)}/{name(service)}"
    kind = field(service, "spec", "type", default="ClusterIP")
    number = port_number(port.get("port")) or 0
    entries: List[Entry] = []
    warnings: List[str] = []
    if kind == "LoadBalancer":
        reading = read(service)
        tls = reading.tls.get(port_key(port))
        warnings += [f"{shown}: {w}" for w in reading.warnings]
        for entry in items(service, "status", "loadBalancer", "ingress"):
            host = entry.get("ip") or entry.get("hostname")
            if isinstance(host, str) and host:
                entries.append(Entry(host, number, reading.internal or status_reason(host), tls))
        if not entries:
            warnings.append(f"{shown}: load balancer pending (no address in status.loadBalancer.ingress yet)")
    entries += [Entry(ip, number, status_reason(ip), None) for ip in strings(service, "spec", "externalIPs")]
    node_port = port_number(port.get("nodePort"))
    if not entries and node_port and kind in ("NodePort", "LoadBalancer"):
        entries.append(Entry(None, node_port, None, None,
                             f"through {shown}'s nodePort {node_port}: the host's DNS must point at a node"))
    if not entries and kind not in ("NodePort", "LoadBalancer"):
        warnings.append(f"{shown} is {kind}: nothing outside the cluster reaches it (a hostPort or hostNetwork "
                        "controller aside)")
    return entries, warnings
