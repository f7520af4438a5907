"""Target resolution: which objects a command needs, fetched with a constant number of requests.

No request is ever made per object: one GET for the target, then at most one LIST (or GET) per
kind of neighbour, narrowed by namespace and label selector.
"""

from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from .addresses import AUTO, NodeTable, ip_family, node_is_ready
from .endpoints.gateway import cross_namespaces, grants_services, reads_namespace_labels, tag_kind
from .endpoints.openshift import backend_services
from .endpoints.hostports import uses_host_network
from .endpoints.service import has_node_ports, single_family
from .errors import ApiError, Forbidden, NotFound
from .kinds import BY_NAME, GATEWAY_ROUTE, GATEWAY_ROUTES, INGRESS, OPENSHIFT_ROUTE, POD, SERVICE, Kind
from .kube import Kube
from .objects import field, items, label_selector_string, name
from .options import BARE_NAME_ORDER, TargetSpec
from .reach import selecting_any
from .snapshot import SERVICE_NAME_LABEL, Snapshot

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


def slim_slice(eps: dict) -> dict:
    """What Snapshot reads of an EndpointSlice: its service label, each endpoint's node and readiness, its ports."""
    return {"metadata": {"name": field(eps, "metadata", "name"), "namespace": field(eps, "metadata", "namespace"),
                         "labels": field(eps, "metadata", "labels")},
            "endpoints": [{"nodeName": e.get("nodeName"), "conditions": e.get("conditions")} for e in items(eps, "endpoints")],
            "ports": [{"name": p.get("name"), "port": p.get("port")} for p in items(eps, "ports")]}


def slim_namespace(ns: dict) -> dict:
    """What a Gateway listener's namespace selector reads of a Namespace: its name and labels."""
    return {"metadata": {"name": field(ns, "metadata", "name"), "labels": field(ns, "metadata", "labels")}}


def host_networked(pod: dict) -> Optional[dict]:
    """Keep a pod only when it uses hostNetwork or hostPort (for the listing)."""
    return pod if uses_host_network(pod) else None


def node_list(kube: Kube, address_type: str, families: Set[str], only: Optional[Set[str]] = None,
              every_address: bool = False) -> List[dict]:
    """Every node, slim: from the server's Table where its columns hold the answer (a 5,000-node LIST of 20 KB nodes
    is ~90 MB of JSON, its Table ~1 MB), else (a forced Hostname, a node without IPs, a family the columns lack,
    `every_address`: the audit names every public address, and a Table prints only a node's first ExternalIP) from
    the objects: a second LIST, still not one request per node."""
    if address_type != "Hostname" and not every_address:  # the watch cache: 20 ms against 119 ms for 2,000 nodes
        nodes = kube.list("nodes", keep=slim_node, table=True, cached=True)
        if printed_suffices(nodes, families, only):
            return nodes
    return kube.list("nodes", keep=slim_node)


def list_nodes(kube: Kube, address_type: str, services: Sequence[dict] = (), every_address: bool = False) -> NodeTable:
    """The full node table (for NodePorts), from a LIST that keeps only what the table needs."""
    families = {f for s in services if has_node_ports(s) for f in [single_family(s)] if f}
    try:
        return NodeTable.complete(node_list(kube, address_type, families, every_address=every_address), address_type)
    except Forbidden as exc:
        table = NodeTable([], address_type)
        table.unavailable = f"forbidden: {exc}"
        return table


def optional_list(kube: Kube, resource: str, **kwargs) -> Optional[List[dict]]:
    """A LIST whose absence only weakens the answer (RBAC may hide it): None when forbidden."""
    try:
        return selected_list(kube, resource, **kwargs)
    except (Forbidden, NotFound):
        return None


def selected_list(kube: Kube, resource: str, namespace: Optional[str] = None, label_selector: Optional[str] = None,
                  field_selector: Optional[str] = None, **kwargs: Any) -> List[dict]:
    """kube.list, where a selector the server refuses (400: `field label not supported: spec.type` names no kind) is
    named as kubectl names it (cli-runtime resource.EnhanceListError): `Unable to find "/v1, Resource=pods" that
    match label selector "", field selector "spec.type=LoadBalancer": field label not supported: spec.type`."""
    try:
        return kube.list(resource, namespace, label_selector, field_selector, **kwargs)
    except ApiError as exc:
        if exc.code != 400 or not (label_selector or field_selector):
            raise
        path = kube.path(resource).split("/")  # /api/v1/pods, /apis/networking.k8s.io/v1/ingresses
        group_version = "/" + path[2] if path[1] == "api" else f"{path[2]}/{path[3]}"
        raise ApiError(f'Unable to find "{group_version}, Resource={resource}" that match label selector '
                       f'"{label_selector or ""}", field selector "{field_selector or ""}": {exc}', code=exc.code,
                       reason=exc.reason, status=exc.status) from None


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


def gateways_for(kube: Kube, routes: List[dict]) -> List[dict]:
    """The Gateways routes may attach to: one LIST in the namespace they all point to, else cluster-wide."""
    if not routes or "gateways" not in kube.discover():
        return []
    parents = {p.get("namespace") or field(r, "metadata", "namespace") for r in routes
               for p in items(r, "spec", "parentRefs")}
    return optional_list(kube, "gateways", namespace=next(iter(parents)) if len(parents) == 1 else None) or []


def route_namespaces(kube: Kube, gateways: List[dict], routes: List[dict]) -> Optional[List[dict]]:
    """The routes' Namespaces (name and labels), where a Gateway listener admits routes by namespace selector: one
    GET for one namespace, else one LIST. None when no listener needs them, or when they cannot be read (RBAC: the
    answer then says which selector it could not check)."""
    if not routes or not reads_namespace_labels(gateways):
        return None
    names = sorted({field(r, "metadata", "namespace") or "" for r in routes})
    try:
        if len(names) == 1:
            return [slim_namespace(kube.get("namespaces", names[0]))]
        return [n for n in kube.list("namespaces", keep=slim_namespace) if name(n) in names]
    except (Forbidden, NotFound):
        return None


def one_list(kube: Kube, resource: str, namespaces: List[str], **kwargs) -> Optional[List[dict]]:
    """A LIST in the one namespace given, else across the cluster narrowed to them: never one request per
    namespace. None when forbidden."""
    if len(namespaces) == 1:
        return optional_list(kube, resource, namespace=namespaces[0], **kwargs)
    found = optional_list(kube, resource, **kwargs)
    return None if found is None else [o for o in found if field(o, "metadata", "namespace") in namespaces]


def routes_granted_into(kube: Kube, namespace: str, grants: List[dict], **chosen: Optional[str]) -> List[dict]:
    """Gateway routes of other namespaces that the ReferenceGrants of `namespace` let refer to its Services
    (`chosen`: the listing's label and field selectors)."""
    sources: Dict[str, set] = {}
    for grant in grants:
        if grants_services(grant):
            for source in items(grant, "spec", "from"):
                if source.get("namespace") not in (None, namespace):
                    sources.setdefault(str(source.get("kind")), set()).add(source["namespace"])
    routes: List[dict] = []
    served = kube.discover()
    for kind in GATEWAY_ROUTES:
        if kind.resource in served and kind.name in sources:
            routes += one_list(kube, kind.resource, sorted(sources[kind.name]), keep=tag_kind(kind.resource),
                               **chosen) or []
    return routes


def backends_elsewhere(kube: Kube, routes: List[dict], namespace: Optional[str],
                       grants: Optional[List[dict]]) -> Tuple[List[dict], Optional[List[dict]]]:
    """The Services and ReferenceGrants of the other namespaces the routes' backendRefs name (one LIST of each);
    `grants`: those read already. No ReferenceGrant API: none allows anything."""
    others = sorted({ns for route in routes for ns in cross_namespaces(route)} - {namespace})
    if not others:
        return [], grants
    if "referencegrants" not in kube.discover():
        return [], grants or []
    elsewhere = one_list(kube, "referencegrants", others)
    services = (one_list(kube, "services", others) or []) if namespace is not None else []  # -A: all read
    return services, None if elsewhere is None else (grants or []) + elsewhere


def newer_front_doors(kube: Kube, namespace: Optional[str], **chosen: Optional[str]
                      ) -> Tuple[Dict[str, Any], List[dict]]:
    """Gateway API routes, the Gateways they attach to, and OpenShift Routes, where the cluster serves them; and
    the Services of other namespaces that routes lead to (where a ReferenceGrant there allows it).

    Discovery says which APIs exist (absent ones cost nothing). Gateways are listed first, across the
    cluster (routes attach to Gateways in other namespaces): with none, no route can be accepted and
    the routes are not read. Each other API is one LIST in the namespace. ReferenceGrants cost requests only where
    they matter: those of the namespace (which other namespaces' routes may lead here; then one LIST of those
    routes), and those of the namespaces the routes' backendRefs name. `chosen` (the listing's -l and
    --field-selector) narrows the routes, not the Gateways and grants they depend on.
    """
    served = kube.discover()
    gateways = optional_list(kube, "gateways") if "gateways" in served else []
    routes: List[dict] = []
    grants: Optional[List[dict]] = None
    elsewhere: List[dict] = []
    if gateways != []:  # None: not readable cluster-wide; the routes say which namespace to read
        for kind in GATEWAY_ROUTES:
            if kind.resource in served:
                routes.extend(optional_list(kube, kind.resource, namespace=namespace, keep=tag_kind(kind.resource),
                                            **chosen) or [])
        if "referencegrants" in served:
            grants = optional_list(kube, "referencegrants", namespace=namespace)
            if namespace is not None and grants:
                routes += routes_granted_into(kube, namespace, grants, **chosen)
        elsewhere, grants = backends_elsewhere(kube, routes, namespace, grants)
        if gateways is None:
            gateways = gateways_for(kube, routes)
    openshift = (optional_list(kube, "routes", namespace=namespace, **chosen) or []) if "routes" in served else []
    return {"gateway_routes": routes, "gateways": gateways, "openshift_routes": openshift, "reference_grants": grants,
            "namespaces": route_namespaces(kube, gateways or [], routes)}, elsewhere


def slices_of(kube: Kube, namespace: str, services: List[str]) -> Optional[List[dict]]:
    """The EndpointSlices of these Services (one LIST, by label), slimmed; None when not readable."""
    names = sorted(set(services))
    selector = f"{SERVICE_NAME_LABEL}={names[0]}" if len(names) == 1 else f"{SERVICE_NAME_LABEL} in ({','.join(names)})"
    return optional_list(kube, "endpointslices", namespace=namespace, label_selector=selector, keep=slim_slice)


def surroundings(kube: Kube, namespace: str, services: List[dict], pods: List[dict],
                 address_type: str, all_services: Optional[List[dict]] = None) -> Snapshot:
    """Ingresses, IngressClasses, EndpointSlices and nodes for the services and pods involved
    (`all_services`: the namespace's services, when they were listed). An ExternalName Service has no slices and
    no node ports, but front doors may proxy to it."""
    exposable = [s for s in services if field(s, "spec", "type") != "ExternalName"]
    ingresses = kube.list("ingresses", namespace) if services else []
    classes = optional_list(kube, "ingressclasses") if ingresses else None
    slices = slices_of(kube, namespace, [name(s) for s in exposable]) if exposable else None
    doors, elsewhere = newer_front_doors(kube, namespace) if services else ({}, [])
    return Snapshot(nodes=fetch_nodes(kube, pods, exposable, address_type), services=all_services or services,
                    backends_elsewhere=elsewhere, ingresses=ingresses, pods=pods, slices=slices,
                    ingress_classes=classes, **doors)


def resolve(kube: Kube, spec: TargetSpec, namespace: str, address_type: str = AUTO,
            note: Note = lambda message: None) -> Resolved:
    """The target and everything its endpoints depend on."""
    if spec.kind is not None and spec.kind.optional and spec.kind.resource not in kube.discover():
        raise NotFound(f'the server doesn\'t have a resource type "{spec.kind.resource}"', code=404)
    kind, obj = get_target(kube, spec, namespace, note)
    if kind.role == OPENSHIFT_ROUTE:  # the router matches spec.port.targetPort against the endpoints' ports
        backends = backend_services(obj)
        return Resolved(kind, obj, Snapshot(services=kube.list("services", namespace), openshift_routes=[obj],
                                            slices=slices_of(kube, namespace, backends) if backends else None))
    if kind.role == GATEWAY_ROUTE:
        obj["kind"] = kind.name
        elsewhere, grants = backends_elsewhere(kube, [obj], namespace, None)
        gateways = gateways_for(kube, [obj])
        return Resolved(kind, obj, Snapshot(services=kube.list("services", namespace), backends_elsewhere=elsewhere,
                                            gateway_routes=[obj], gateways=gateways, reference_grants=grants,
                                            namespaces=route_namespaces(kube, gateways, [obj])))
    if kind.role == SERVICE:
        return Resolved(kind, obj, surroundings(kube, namespace, [obj], [], address_type))
    if kind.role == INGRESS:
        snapshot = Snapshot(services=kube.list("services", namespace), ingresses=[obj],
                            ingress_classes=optional_list(kube, "ingressclasses"))
        return Resolved(kind, obj, snapshot)
    if kind.role == POD:
        pods = [obj]
    else:
        selector = label_selector_string(field(obj, "spec", "selector"))
        pods = kube.list("pods", namespace, label_selector=selector) if selector else []
    all_services = kube.list("services", namespace)
    involved = selecting_any(pods, Snapshot(services=all_services))
    snapshot = surroundings(kube, namespace, involved, pods, address_type, all_services)
    return Resolved(kind, obj, snapshot, pods)


def fetch_everything(kube: Kube, namespace: Optional[str], address_type: str = AUTO, every_address: bool = False,
                     label_selector: Optional[str] = None, field_selector: Optional[str] = None) -> Snapshot:
    """For the listing and the audit: every Service, Ingress, route and host-networked pod (one namespace or
    all), and every EndpointSlice (slimmed to readiness: `Local` services and the findings need it).
    `every_address` (the audit): every address of every node, not the Table's first of each type.

    `label_selector`/`field_selector` (-l, --field-selector) choose which objects are listed, as kubectl get
    chooses them (on the server; a field a kind does not support is the server's error). What the chosen ones
    depend on is read whole: the Services an Ingress or route leads to (a second LIST, only then), slices, nodes."""
    chosen = {"label_selector": label_selector, "field_selector": field_selector}
    services = selected_list(kube, "services", namespace, label_selector, field_selector)
    ingresses = selected_list(kube, "ingresses", namespace, label_selector, field_selector)
    # hostPort cannot be selected on the server (hostNetwork could): every pod is read, few are kept
    pods = selected_list(kube, "pods", namespace, label_selector, field_selector, keep=host_networked)
    slices = optional_list(kube, "endpointslices", namespace=namespace, keep=slim_slice)
    nodes = list_nodes(kube, address_type, services, every_address)
    classes = optional_list(kube, "ingressclasses") if ingresses else None
    doors, elsewhere = newer_front_doors(kube, namespace, **chosen)
    if (label_selector or field_selector) and (ingresses or doors["gateway_routes"] or doors["openshift_routes"]):
        listed = {(field(s, "metadata", "namespace"), name(s)) for s in services}  # backends that are not listed
        elsewhere += [s for s in kube.list("services", namespace) if (field(s, "metadata", "namespace"), name(s))
                      not in listed]
    return Snapshot(nodes=nodes, services=services, backends_elsewhere=elsewhere, ingresses=ingresses, pods=pods,
                    slices=slices, ingress_classes=classes, **doors)
