"""The listing of the whole cluster (`-A`, `audit -A`) namespace by namespace, each namespace's rows printed as soon
as its answer is complete, as kubectl get -A prints each chunk of a list as it arrives (cli-runtime's printer
flushes per chunk): over 20,000 Services the first rows come after a few pages, not after the last.

How, and why it is right:
- What an answer may read in any namespace is read first, whole: the nodes and the front doors (Ingresses,
  Gateway routes and Gateways, OpenShift Routes..., and what they depend on: targets.front_doors).
- The namespaced lists (Services, EndpointSlices, the host-networked pods) are then read page by page in lockstep,
  the one furthest behind first. The API server lists by key (`/registry/services/<namespace>/<name>`: a continue
  token is the last key given), so a namespace is complete once each of the three lists has gone past it or ended.
- A front door whose backend is in a namespace still being read (a Gateway route's cross-namespace backendRef, a
  Traefik service in another namespace) raises snapshot.Unread: it is answered at the end, in the last chunk.
- A server that lists out of namespace order (none does; a fake might): an object of a namespace already printed
  is printed in a chunk of its own at the end, and a warning says the rows of that namespace are split.
- After an expired continue token (410) a list restarts whole (Kube.pages): what it repeats of the namespaces
  already printed is dropped.
"""

import itertools
from collections import defaultdict
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from .errors import Forbidden, NotFound
from .fetch import slim_slice
from .objects import namespace

Pages = Iterator[Tuple[bool, List[dict]]]


class Reading:
    """One list read page by page (Kube.pages), noting the namespace of the last object the server sent, kept or
    not: 500 pods of which `keep` retains none still move the list past their namespace."""

    def __init__(self, kube: Any, resource: str, keep: Optional[Any] = None):
        self.last = ""

        def noting(obj: dict) -> Optional[dict]:
            self.last = namespace(obj)
            return keep(obj) if keep else obj

        noting.slims = getattr(keep, "slims", False)  # type: ignore[attr-defined]  # (listjson.slimming)
        self.pages: Pages = kube.pages(resource, keep=noting)

    def optional(self) -> Optional["Reading"]:
        """Itself, for a list whose absence only weakens the answer (fetch.optional_list); None when forbidden or
        not served, known from its first page."""
        try:
            first = next(self.pages)
        except StopIteration:
            return self
        except (Forbidden, NotFound):
            return None
        self.pages = itertools.chain([first], self.pages)
        return self


class Lockstep:
    """Lists ordered by namespace, read page by page together: each namespace's objects of every list, once all
    the lists have gone past it (`namespaces`: others that must be yielded in order too, e.g. the front doors')."""

    def __init__(self, lists: Dict[str, Reading], namespaces: Set[str]):
        self.lists = lists
        self.live = dict(lists)
        self.held: Dict[str, Dict[str, List[dict]]] = {key: defaultdict(list) for key in lists}
        self.frontier = {key: "" for key in lists}  # every namespace before it is complete in that list
        self.restarted: Set[str] = set()
        self.pending = set(namespaces)
        self.done: Set[str] = set()  # namespaces yielded
        self.late: Dict[str, Dict[str, List[dict]]] = {}  # out of order: namespace -> list -> objects

    def complete(self, ns: str) -> bool:
        """Whether every list has gone past `ns` (its objects, if any, are all read)."""
        return ns in self.done or all(self.frontier[key] > ns for key in self.live)

    def __iter__(self) -> Iterator[Tuple[str, Dict[str, List[dict]]]]:
        while self.live:
            key = min(self.live, key=lambda k: self.frontier[k])
            try:
                restarted, page = next(self.live[key].pages)
            except StopIteration:
                del self.live[key]
            else:
                self._take(key, restarted, page)
                self.frontier[key] = max(self.frontier[key], self.live[key].last)
            ready = sorted(ns for ns in self.pending if self.complete(ns))
            for ns in ready:
                self.pending.discard(ns)
                self.done.add(ns)
                yield ns, {k: self.held[k].pop(ns, []) for k in self.lists}

    def _take(self, key: str, restarted: bool, page: List[dict]) -> None:
        if restarted:  # the whole list again: drop what it held, and what it repeats of namespaces yielded
            self.held[key].clear()
            self.restarted.add(key)
        for obj in page:
            ns = namespace(obj)
            if ns in self.done:
                if key not in self.restarted:
                    self.late.setdefault(ns, {k: [] for k in self.lists})[key].append(obj)
                continue
            self.held[key][ns].append(obj)
            self.pending.add(ns)


def assessed_by_namespace(kube: Any, address_type: str, every_address: bool = False) -> Iterator[List[Any]]:
    """The listing of every namespace (audit.assess's assessments), one namespace's at a time in namespace order,
    then (if any) one last chunk: the front doors answered at the end and the objects listed out of order."""
    from .audit import assess
    from .endpoints.service import has_node_ports, single_family
    from .reach import listed_doors
    from .snapshot import Snapshot
    from .targets import front_doors, host_networked, list_nodes, without_bookkeeping

    doors = front_doors(kube, None)
    nodes = list_nodes(kube, address_type, [], every_address)
    slices = Reading(kube, "endpointslices", slim_slice).optional()
    snapshot = Snapshot(nodes=nodes, services=[], pods=[], slices=None if slices is None else [], **doors)
    door_objects: Dict[str, List[tuple]] = defaultdict(list)
    for door, obj in listed_doors(snapshot):
        door_objects[namespace(obj)].append((door, obj))
    lists = {"services": Reading(kube, "services", without_bookkeeping), "pods": Reading(kube, "pods", host_networked)}
    if slices is not None:
        lists["endpointslices"] = slices
    lockstep = Lockstep(lists, set(door_objects))
    snapshot.unread = lambda ns: not lockstep.complete(ns)
    families: Dict[str, dict] = {}  # an IP family single-stack NodePort Services need -> one such Service
    later: List[tuple] = []
    for ns, read in lockstep:
        wanted = {f: s for s in read["services"] if has_node_ports(s) for f in [single_family(s)] if f}
        if wanted.keys() - families.keys():  # the node Table may not show that family: list_nodes decides again
            families.update(wanted)
            snapshot.nodes = list_nodes(kube, address_type, list(families.values()), every_address)
        snapshot.grow(read["services"], read.get("endpointslices"), read["pods"])
        yield assess(snapshot, services=read["services"], doors=door_objects.pop(ns, []), pods=read["pods"],
                     later=later)
    snapshot.unread = None
    out_of_order = {k: [o for parts in lockstep.late.values() for o in parts[k]] for k in lists}
    if any(out_of_order.values()):
        kube.malformed.append("the server listed objects out of namespace order: the rows of namespace(s) "
                              f"{', '.join(sorted(lockstep.late))} are printed in two chunks")
        snapshot.grow(out_of_order["services"], out_of_order.get("endpointslices"), out_of_order["pods"])
    if later or any(out_of_order.values()):
        yield assess(snapshot, services=out_of_order["services"], doors=later, pods=out_of_order["pods"])
