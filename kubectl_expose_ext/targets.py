"""Target resolution: which objects a command needs, fetched with a constant number of requests.

No request is ever made per object: one GET for the target, then at most one LIST (or GET) per
kind of neighbour, narrowed by namespace and label selector.
"""

import dataclasses
import functools
import sys
import threading
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from .addresses import AUTO, FAMILIES, NodeTable, ip_family, is_public, node_is_ready
from .endpoints.hostports import uses_host_network
from .endpoints.service import has_node_ports, single_family
from .errors import Forbidden, NotFound
from .listjson import slimming
from .doors import DOORS
from .kinds import BY_NAME, POD, SERVICE, Kind, siblings
from .kube import Kube
from .objects import field, items, label_selector_string, name
from .options import BARE_NAME_ORDER, TargetSpec
from .reach import selecting_any
from .fetch import one_list, optional_list, selected_list, slices_of, slim_namespace, slim_slice  # noqa: F401
from .snapshot import Snapshot

Note = Callable[[str], None]


@dataclass
class Resolved:
    kind: Kind
    obj: dict
    snapshot: Snapshot
    pods: List[dict] = dc_field(default_factory=list)


def get_target(kube: Kube, spec: TargetSpec, namespace: str, note: Note) -> Tuple[Kind, dict]:
    """GET the target; a bare NAME tries service, then pod, then deployment, and says which it picked."""
    if spec.kind is not None:
        return spec.kind, kube.get(spec.kind.resource, spec.name, namespace)
    for kind in (BY_NAME[k] for k in BARE_NAME_ORDER):
        try:
            obj = kube.get(kind.resource, spec.name, namespace)
        except NotFound:
            continue
        note(f"{spec.name} is {kind.short}/{spec.name}")
        return kind, obj
    tried = ", ".join(k.lower() for k in BARE_NAME_ORDER[:-1]) + " or " + BARE_NAME_ORDER[-1].lower()
    raise NotFound(f'no {tried} named "{spec.name}" in namespace "{namespace}"', code=404)


@slimming
def slim_node(node: dict) -> Optional[dict]:
    """What NodeTable reads of a node: its name, whether it is cordoned, its addresses and conditions (not images,
    capacity, nodeInfo); from the object, or from a Table row (then `printed` holds its STATUS column, and only the
    first InternalIP and ExternalIP are known)."""
    if "table" in node:
        return node_from_row(node["table"])
    status: Dict[str, Any] = node["status"] if isinstance(node.get("status"), dict) else {}
    return {"metadata": {"name": field(node, "metadata", "name")},
            "spec": {"unschedulable": field(node, "spec", "unschedulable")},
            "status": {"addresses": status.get("addresses"), "conditions": status.get("conditions")}}


# The STATUS column's first word (printNode): Ready, NotReady (the condition False or Unknown), or Unknown when the
# node reports no Ready condition at all, which counts as ready (addresses.node_is_ready).
_READY = {"Ready": [{"type": "Ready", "status": "True"}], "NotReady": [{"type": "Ready", "status": "False"}]}


def node_from_row(cells: Dict[str, Any]) -> Optional[dict]:
    """A node as the server prints it (kubectl get nodes -o wide: NAME, STATUS, INTERNAL-IP, EXTERNAL-IP...), in the
    shape of a slim node: `STATUS` is `Ready`, `NotReady` or `Unknown`, `,SchedulingDisabled` when cordoned."""
    cells = {str(k).lower(): v for k, v in cells.items()}
    name, status = cells.get("name"), cells.get("status")
    if not isinstance(name, str) or not name or not isinstance(status, str):
        return None
    words = status.split(",")
    addresses = [{"type": kind, "address": cells[column]} for kind, column in
                 (("InternalIP", "internal-ip"), ("ExternalIP", "external-ip"))
                 if isinstance(cells.get(column), str) and cells[column] not in ("", "<none>")]
    return {"metadata": {"name": name}, "printed": words[0], "spec": {"unschedulable": "SchedulingDisabled" in words},
            "status": {"addresses": addresses, "conditions": _READY.get(words[0], [])}}


def printed_suffices(nodes: List[dict], families: Set[str], only: Optional[Set[str]] = None) -> bool:
    """Whether the printed columns (the first InternalIP and ExternalIP of each node) hold the answer: every Ready
    node the answer reads (`only`: those, else all) shows an IP (else its Hostname may be the one to use) of each IP
    family a single-stack Service needs (a dual-stack node prints one family)."""
    for node in nodes:
        if not node.get("printed") or (only is not None and field(node, "metadata", "name") not in only):
            continue
        if not node_is_ready(node):
            continue
        shown = {ip_family(a["address"]) for a in node["status"]["addresses"]}
        if not shown or not families <= shown:
            return False
    return True


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def without_bookkeeping(obj: dict) -> dict:
    """An object as the listing keeps it (its Services): whole but for what no answer reads and a real server
    adds to every object: managedFields, and kubectl apply's copy of the object in an annotation."""
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    if not isinstance(metadata, dict) or not ("managedFields" in metadata or isinstance(annotations, dict)
                                              and LAST_APPLIED in annotations):
        return obj
    kept = {k: v for k, v in metadata.items() if k != "managedFields"}
    if isinstance(kept.get("annotations"), dict):
        kept["annotations"] = {k: v for k, v in kept["annotations"].items() if k != LAST_APPLIED}
    return {**obj, "metadata": kept}


@slimming
def slim_pod(pod: dict) -> dict:
    """What an answer reads of a pod (reach_pod, endpoints/hostports.py, hints.py; waiting.py watches the same):
    its name, labels, whether it is terminating, its owners' kinds and names, its node, host network, containers'
    and restartable init containers' ports, phase and its Ready condition's status (objects.condition_true);
    not its volumes, env, probes, resources, managedFields, other conditions, times (a DaemonSet on 5,000 nodes:
    its pods were kept whole, 143 MB on a real server)."""
    metadata: Dict[str, Any] = pod["metadata"] if isinstance(pod.get("metadata"), dict) else {}
    status: Dict[str, Any] = pod["status"] if isinstance(pod.get("status"), dict) else {}
    spec: Dict[str, Any] = pod["spec"] if isinstance(pod.get("spec"), dict) else {}
    slim: Dict[str, Dict[str, Any]] = {
        "metadata": _only(metadata, "name", "namespace", "deletionTimestamp"),
        "spec": {**_only(spec, "nodeName", "hostNetwork"),
                 **{kind: [_container(c) for c in items(pod, "spec", kind)]
                    for kind in ("containers", "initContainers") if kind in spec}},
        "status": _only(status, "phase", "reason")}
    if "labels" in metadata:
        slim["metadata"]["labels"] = _interned(metadata["labels"])
    if "ownerReferences" in metadata:
        slim["metadata"]["ownerReferences"] = [_only(o, "kind", "name") for o in items(pod, "metadata", "ownerReferences")]
    if "conditions" in status:
        slim["status"]["conditions"] = [_only(c, "type", "status") for c in items(pod, "status", "conditions")
                                        if c.get("type") == "Ready"]
    return slim


# Each page's items are decoded one by one (listjson), so equal keys and values are distinct strings in every pod:
# what is kept of 5,000 pods is made of shared strings (sys.intern) and of the constant keys below.
_PORT_FIELDS = ("name", "containerPort", "hostPort", "hostIP", "protocol")


def _container(container: Dict[str, Any]) -> Dict[str, Any]:
    slim = _only(container, "name", "restartPolicy")
    ports = container.get("ports")
    if "ports" in container:  # the wrong JSON type is kept for shapes.conform to report
        slim["ports"] = [_only(p, *_PORT_FIELDS) if isinstance(p, dict) else p for p in ports] \
            if isinstance(ports, list) else ports
    return slim


def _interned(labels: Any) -> Any:
    if not isinstance(labels, dict):
        return labels
    return {sys.intern(k): sys.intern(v) if isinstance(v, str) else v for k, v in labels.items()}


def _only(obj: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    """These keys of an object, where it has them (the projection keeps an object's shape: shapes.conform checks
    it as sent)."""
    return {k: obj[k] for k in keys if k in obj}


@slimming
def host_networked(pod: dict) -> Optional[dict]:
    """Keep a pod only when it uses hostNetwork or hostPort (for the listing), slim, with its annotations (the
    links it declares: links.py)."""
    if not uses_host_network(pod):
        return None
    slim = slim_pod(pod)
    slim["metadata"].update(_only(pod["metadata"], "annotations") if isinstance(pod.get("metadata"), dict) else {})
    return slim


def node_list(kube: Kube, address_type: str, families: Set[str], only: Optional[Set[str]] = None,
              every_address: bool = False, printed: bool = True) -> List[dict]:
    """Every node, slim: from the server's Table where its columns hold the answer (a 5,000-node LIST of 20 KB nodes
    is ~90 MB of JSON, its Table ~1 MB), else (a forced Hostname, a node without IPs, a family the columns lack, and
    for `every_address` a printed ExternalIP that is not public) from the objects: a second LIST, still not one
    request per node. `printed` False: this command's Table has already fallen short."""
    if printed and address_type != "Hostname":  # the watch cache: 20 ms against 119 ms for 2,000 nodes
        nodes = kube.list("nodes", keep=slim_node, table=True, cached=True, remember=False)
        if printed_suffices(nodes, families, only) and (not every_address or every_public_printed(nodes)):
            return nodes
    return kube.list("nodes", keep=slim_node, remember=False)


def every_public_printed(nodes: List[dict]) -> bool:
    """Whether the printed columns name every node with a public ExternalIP and its first public one (what the
    audit reports). The EXTERNAL-IP column is a node's first ExternalIP (kubernetes pkg/printers/internalversion,
    getNodeExternalIP): `<none>` means it has none, a public one is the first public one; only a printed private
    ExternalIP (bare metal, k3s's --node-external-ip) may hide a public one behind it, and then the objects are read."""
    return all(is_public(a["address"]) for node in nodes if node.get("printed")
               for a in node["status"]["addresses"] if a["type"] == "ExternalIP")


def list_nodes(kube: Kube, address_type: str, services: Sequence[dict] = (), every_address: bool = False) -> NodeTable:
    """The full node table (for NodePorts), from a LIST that keeps only what the table needs; made once per
    command for the same question (`reach svc/a svc/b`), and the table kept, not the LIST's rows."""
    families = {f for s in services if has_node_ports(s) for f in [single_family(s)] if f}
    made: List[Tuple[Set[str], NodeTable]] = kube.derived.setdefault(("nodes", address_type, every_address), [])
    for answers, table in made:  # a table made for other Services may hold these families too
        if families <= answers:
            return table
    try:
        # a table made before and not enough for these families was printed: the Table cannot answer them either
        nodes = node_list(kube, address_type, families, every_address=every_address, printed=not made)
    except Forbidden as exc:
        table = NodeTable([], address_type)
        table.unavailable = f"forbidden: {exc}"
        made.append((set(FAMILIES), table))
        return table
    printed = any(node.get("printed") for node in nodes)
    made.append(({f for f in FAMILIES if not printed or printed_suffices(nodes, {f})},
                 NodeTable.complete(nodes, address_type)))
    return made[-1][1]


def fetch_nodes(kube: Kube, pods: List[dict], services: List[dict], address_type: str) -> NodeTable:
    """The full node list when a NodePort is involved; else just the pods' own node when host ports are."""
    if any(has_node_ports(s) for s in services):
        return list_nodes(kube, address_type, services)
    node_names = sorted({field(p, "spec", "nodeName") for p in pods if uses_host_network(p)} - {None, ""})
    if len(node_names) > 1:
        try:
            return NodeTable(node_list(kube, address_type, set(), set(node_names)), address_type)
        except (Forbidden, NotFound):
            return NodeTable([], address_type)
    table = NodeTable([], address_type)
    if node_names:
        try:
            table.add(kube.get("nodes", node_names[0]))
        except (NotFound, Forbidden):
            pass  # lookup() then says the node was not found
    return table


def merged(parts: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The doors' fetched parts as one set of Snapshot arguments: lists of the same field joined, `extra` merged."""
    found: Dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "extra":
                found.setdefault("extra", {}).update(value)
            elif key == "backends_elsewhere":
                found[key] = found.get(key, []) + value
            else:
                found[key] = value
    return found


def front_doors(kube: Kube, namespace: Optional[str], **chosen: Optional[str]) -> Dict[str, Any]:
    """Every front door's objects (doors/: Ingresses, Gateway API routes and the Gateways they attach to, OpenShift
    Routes, Traefik IngressRoutes...) and what they depend on, as Snapshot arguments: each door's `fetch`, a
    constant number of requests, none for an API the cluster does not serve (discovery: one request), its refusals
    warned about (RBAC). `chosen` (the listing's -l and --field-selector) narrows the doors' own objects, not what
    they depend on."""
    from .doors import DOORS
    from .doors.base import Reader

    reader = Reader(kube)
    return merged(kube.together([functools.partial(door.fetch, reader, namespace, chosen) for door in DOORS]))


def surroundings(kube: Kube, namespace: str, services: List[dict], pods: List[dict],
                 address_type: str, all_services: Optional[List[dict]] = None) -> Snapshot:
    """The front doors, EndpointSlices and nodes for the services and pods involved (`all_services`: the
    namespace's services, when they were listed). The three are read at once (Kube.together): none needs another's
    answer."""
    with_slices = exposable(services)
    doors, slices, nodes = kube.together([
        lambda: front_doors(kube, namespace) if services else {},
        lambda: slices_of(kube, namespace, [name(s) for s in with_slices]) if with_slices else None,
        lambda: fetch_nodes(kube, pods, with_slices, address_type)])
    return Snapshot(nodes=nodes, services=all_services or services, pods=pods, slices=slices, **doors)


def resolve(kube: Kube, spec: TargetSpec, namespace: str, address_type: str = AUTO,
            note: Note = lambda message: None) -> Resolved:
    """The target and everything its endpoints depend on."""
    from .doors import BY_ROLE
    from .doors.base import Reader

    if spec.kind is not None and spec.kind.optional and spec.kind.resource not in kube.discover():
        served = [k for k in siblings(spec.kind) if k.resource in kube.discover()]  # IngressRoute's legacy group
        if not served:
            raise NotFound(f'the server doesn\'t have a resource type "{spec.kind.plural}"', code=404)
        spec = dataclasses.replace(spec, kind=served[0])
    try:
        kind, obj, snapshot = target_and_beside(kube, spec, namespace, address_type, note)
    except NotFound:  # `ingressroute/x` of the legacy group, on a cluster that serves both (Traefik v2.10, v2.11)
        others = [k for k in siblings(spec.kind) if k.resource in kube.discover()] if spec.kind is not None else []
        found = next(((k, o) for k in others for o in [_get_or_none(kube, k, spec.name, namespace)] if o), None)
        if found is None:
            raise
        kind, obj = found
        snapshot = None
    if kind.role in BY_ROLE:  # one of a front door's own objects: the Services it may lead to, and what it needs
        services = kube.list("services", namespace)
        return Resolved(kind, obj, Snapshot(services=services,
                                            **merged([BY_ROLE[kind.role].fetch_target(Reader(kube), kind, obj,
                                                                                      namespace)])))
    if kind.role == SERVICE:
        if snapshot is None:  # a bare NAME's Service: its surroundings after it
            snapshot = surroundings(kube, namespace, [obj], [], address_type)
        return Resolved(kind, obj, snapshot)
    if kind.role == POD:
        pods = [obj]
    else:
        selector = label_selector_string(field(obj, "spec", "selector"))
        pods = kube.list("pods", namespace, label_selector=selector, keep=slim_pod) if selector else []
    all_services = kube.list("services", namespace)
    involved = selecting_any(pods, Snapshot(services=all_services))
    snapshot = surroundings(kube, namespace, involved, pods, address_type, all_services)
    return Resolved(kind, obj, snapshot, pods)


def target_and_beside(kube: Kube, spec: TargetSpec, namespace: str, address_type: str, note: Note
                      ) -> Tuple[Kind, dict, Optional[Snapshot]]:
    """The target, and what its kind always needs, read at the same time (Kube.together): a distant cluster's
    round trip for the target overlaps the others instead of coming before them.

    A Service: its whole Snapshot (returned): the namespace's front doors and the Service's EndpointSlices (for an
    ExternalName, one LIST read for nothing) beside its GET, its nodes once the GET has answered (they depend on its
    ports), not once the doors have. Every other kind: the namespace's Services, a remembered LIST that resolve()
    then reads from memory. A bare NAME, whose kind is known only after its GETs, reads nothing beside.
    The reads beside begin once the GET is on its way (Kube.sent): 20 contexts' GETs go out before the 500 reads
    beside them. A target that does not exist ends them (Kube.together): at most those already under way were made.
    What they report comes in the order of one after another: the GET, the doors, the slices, the nodes.
    """
    if spec.kind is None:
        return (*get_target(kube, spec, namespace, note), None)
    service = spec.kind.role == SERVICE
    got: Dict[str, Tuple[Kind, dict]] = {}
    answered = threading.Event()

    def target() -> Tuple[Kind, dict]:
        try:
            got["target"] = get_target(kube, spec, namespace, note)
            return got["target"]
        finally:
            kube.sent.set()  # (also a GET that failed before it was sent)
            answered.set()

    def beside() -> Any:
        kube.sent.wait()
        if service:
            return kube.together([lambda: front_doors(kube, namespace),
                                  lambda: slices_of(kube, namespace, [spec.name])])
        return kube.list("services", namespace)

    def nodes() -> Optional[NodeTable]:
        answered.wait()
        return fetch_nodes(kube, [], exposable([got["target"][1]]), address_type) if "target" in got else None

    if not service:
        (kind, obj), _ = kube.together([target, beside])
        return kind, obj, None
    (kind, obj), (doors, slices), table = kube.together([target, beside, nodes])
    return kind, obj, Snapshot(nodes=table, services=[obj], pods=[], slices=slices if exposable([obj]) else None,
                               **doors)


def exposable(services: List[dict]) -> List[dict]:
    """The Services with EndpointSlices and node ports: an ExternalName Service has neither (front doors may still
    proxy to it)."""
    return [s for s in services if field(s, "spec", "type") != "ExternalName"]


def _get_or_none(kube: Kube, kind: Kind, name_: str, namespace: str) -> Optional[dict]:
    try:
        return kube.get(kind.resource, name_, namespace)
    except (NotFound, Forbidden):
        return None


def fetch_everything(kube: Kube, namespace: Optional[str], address_type: str = AUTO, every_address: bool = False,
                     label_selector: Optional[str] = None, field_selector: Optional[str] = None) -> Snapshot:
    """For the listing and the audit: every Service, Ingress, route and host-networked pod (one namespace or
    all), and every EndpointSlice (slimmed to readiness: `Local` services and the findings need it).
    `every_address` (the audit): every node's public ExternalIPs known (node_list).

    `label_selector`/`field_selector` (-l, --field-selector) choose which objects are listed, as kubectl get
    chooses them (on the server; a field a kind does not support is the server's error). What the chosen ones
    depend on is read whole: the Services an Ingress or route leads to (a second LIST, only then), slices, nodes."""
    chosen = {"label_selector": label_selector, "field_selector": field_selector}
    services = selected_list(kube, "services", namespace, label_selector, field_selector, keep=without_bookkeeping)
    doors = front_doors(kube, namespace, **chosen)
    # hostPort cannot be selected on the server (hostNetwork could): every pod is read, few are kept
    pods = selected_list(kube, "pods", namespace, label_selector, field_selector, keep=host_networked)
    slices = optional_list(kube, "endpointslices", namespace=namespace, keep=slim_slice)
    nodes = list_nodes(kube, address_type, services, every_address)
    snapshot = Snapshot(nodes=nodes, services=services, pods=pods, slices=slices, **doors)
    if (label_selector or field_selector) and any(door.objects(snapshot) for door in DOORS):
        listed = {(field(s, "metadata", "namespace"), name(s)) for s in services}  # backends that are not listed
        unlisted = [s for s in kube.list("services", namespace) if (field(s, "metadata", "namespace"), name(s))
                    not in listed]
        snapshot = dataclasses.replace(snapshot, backends_elsewhere=snapshot.backends_elsewhere + unlisted)
    return snapshot
