"""`--wait` and `-w/--watch`: the answer computed again when what it reads changes, woken by the API's watches.

What "can be reached" means for `--wait`, decided per target (`missing` says what is not there yet, in words the
timeout prints): at least one URL that can work (`-o url` would print it: not an Ingress without its class or address,
nothing the URL rule refuses); a LoadBalancer Service waits for its load balancer (its nodePorts alone are not what
was asked for); a Service with a selector, a pod and a workload wait for a ready pod; with `--probe`, for a URL that
answers.

How it watches, as client-go's reflector does (k8s.io/client-go/tools/cache/reflector.go), bounded whatever the server
does:

- one watch per kind the answer reads (`watched_for`, `watched_by_listing`): the target itself by
  `fieldSelector=metadata.name=`; in its namespace Services and EndpointSlices (and pods, for a workload); nodes;
  and every kind each front door reads (doors/: `FrontDoor.watched`), where the cluster serves it: Ingresses and
  IngressClasses, the Gateway API kinds, OpenShift Routes, Traefik, Istio, Contour and NGINX kinds and the
  controllers' Services they read. A kind that cannot be read (403) and that the answer does without (nodes,
  IngressClasses, the optional front doors) is not watched; any other refusal to watch (403, 405) makes the wait
  poll instead, every 1 s doubling to 10 s;
- each watch starts from the resourceVersion of a one-item LIST, asks for bookmarks, and runs for a random 5 to 10
  minutes (client-go's timeoutSeconds); ended by the server at its timeout, it starts again at once from the last
  version it saw; it LISTs again only when the watch says so (410 Gone / Expired);
- before any other new start (an error, a 410, an empty 200, a stream the server closed before half its timeout)
  it backs off: 0.8 s doubling to 30 s, each with up to as much again at random, back to 0.8 s after 2 minutes
  without one (client-go's ExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0));
- an event counts only when it changes what the answer reads of that object (`reads`: a node's addresses, readiness
  and schedulability, not its heartbeats; a pod's labels, node, ports, IPs and readiness, not its container
  statuses; an EndpointSlice of the target Service, not of others; a workload's own pods, by its selector, not
  others), so a flood of unrelated events computes nothing;
  and however fast the ones that count arrive, the answer is computed at most RECOMPUTES_PER_SECOND times a second;
- every request the wait makes (the watches, their LISTs, and the computations' own LISTs) draws on one budget of
  REQUESTS_PER_SECOND a second after a burst of BURST: at most BURST + 60 x REQUESTS_PER_SECOND requests in any
  minute, plus one computation's. client-go's rest client limits each client to 5 a second after 10; twice that
  here, and a burst for a dozen watches starting at once (two requests each) and a few computations after them,
  because a computation re-reads the answer whole (about 30 LISTs where every front door is served) and a change
  must still print within a second.
"""

import json
import random
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from .errors import ApiError, Gone, ReachError
from .kinds import BY_NAME, POD, SERVICE, WORKLOAD
from .snapshot import SERVICE_NAME_LABEL

POLL_FIRST, POLL_MAX = 1.0, 10.0
WATCH_SECONDS = 300  # a watch's timeoutSeconds: this to twice this, at random (client-go's minWatchTimeout)
BACKOFF_FIRST, BACKOFF_MAX, BACKOFF_RESET = 0.8, 30.0, 120.0
REQUESTS_PER_SECOND, BURST = 10.0, 100
RECOMPUTES_PER_SECOND = 2
SETTLE = 0.1  # seconds a burst of events has to land before the answer is computed
T = TypeVar("T")


# --- what the answer reads of each kind ---------------------------------------------------------------------

_VOLATILE = ("resourceVersion", "managedFields", "generation", "uid", "creationTimestamp", "selfLink")
_TIMES = ("lastTransitionTime", "lastHeartbeatTime", "lastProbeTime", "lastUpdateTime", "observedGeneration")


def _untimed(value: Any) -> Any:
    """`value` without the fields that change with time alone (heartbeats, transition times)."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in _TIMES}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def everything(obj: dict) -> Any:
    """An object as the answer reads it: all of it but its bookkeeping (resourceVersion, managedFields...) and times."""
    meta: dict = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    return _untimed({**obj, "metadata": {k: v for k, v in meta.items() if k not in _VOLATILE}})


def node_fields(node: dict) -> Any:
    """What the node table reads (targets.slim_node): addresses, conditions, schedulability; not heartbeats, images,
    capacity."""
    from .targets import slim_node

    return _untimed(slim_node(node))


def pod_fields(pod: dict) -> Any:
    """What the answer reads of a pod (targets.slim_pod): a change to anything else is not a change."""
    from .targets import slim_pod

    return _untimed(slim_pod(pod))


def host_network_pod(pod: dict) -> Any:
    """The listing reads only the pods on their node's network or ports (targets.host_networked)."""
    from .targets import host_networked

    slim = host_networked(pod)
    return None if slim is None else _untimed(slim)


def slice_fields(eps: dict) -> Any:
    """What the answer reads of an EndpointSlice (targets.slim_slice): its Service, endpoints' nodes and readiness."""
    from .targets import slim_slice

    return _untimed(slim_slice(eps))


Requirement = Tuple[str, str, Tuple[str, ...]]  # (label, In | NotIn | Exists | DoesNotExist, values)


def requirements(selector: Any) -> Optional[Tuple[Requirement, ...]]:
    """A LabelSelector (matchLabels and matchExpressions) as requirements; None (every object) when it has none."""
    from .objects import field, items, strings

    found: List[Requirement] = [(str(k), "In", (str(v),))
                                for k, v in sorted((field(selector, "matchLabels", default={}) or {}).items())]
    found += [(str(e.get("key")), str(e.get("operator")), tuple(strings(e, "values")))
              for e in items(selector, "matchExpressions") if e.get("key")]
    return tuple(found) or None


def _selects(wanted: Tuple[Requirement, ...], labels: Any) -> bool:
    """Whether `labels` meet every requirement (an operator unknown here: met, rather than miss a change)."""
    labels = labels if isinstance(labels, dict) else {}
    return all((key in labels and labels[key] in values) if op == "In" else
               not (key in labels and labels[key] in values) if op == "NotIn" else
               (key in labels) if op == "Exists" else (key not in labels) if op == "DoesNotExist" else True
               for key, op, values in wanted)


@dataclass(frozen=True)
class Watched:
    """One watch: `resource` in `namespace` (None: the cluster), `name` alone (the target), objects whose labels
    meet `selector` (None: all; the API's watch is narrowed here by fieldSelector only, so labels, and the name and
    namespace again, are checked as events arrive); `reads`: what the answer reads of an object (None: nothing);
    `optional`: the answer does without it."""

    resource: str
    namespace: Optional[str]
    name: Optional[str] = None
    reads: Callable[[dict], Any] = everything
    optional: bool = False
    selector: Optional[Tuple[Requirement, ...]] = None

    @property
    def field_selector(self) -> Optional[str]:
        return f"metadata.name={self.name}" if self.name else None

    def admits(self, obj: dict) -> bool:
        """Whether `obj` is one this watch is about (a server may send others)."""
        from .objects import field

        if self.name is not None and field(obj, "metadata", "name") != self.name:
            return False
        if self.namespace is not None and field(obj, "metadata", "namespace") not in (None, self.namespace):
            return False
        return self.selector is None or _selects(self.selector, field(obj, "metadata", "labels"))


def _around(namespace: Optional[str], served: Dict[str, str]) -> List[Watched]:
    """What every answer may read besides its own objects: nodes, and every front door's kinds (doors/: each door
    says which it reads, where, and which objects of them)."""
    from .doors import DOORS

    doors = [Watched(w.kind.resource, None if w.cluster_wide else namespace,
                     optional=w.kind.optional or w.kind.role != door.role,
                     selector=tuple((k, "In", (v,)) for k, v in sorted(w.labels.items())) if w.labels else None)
             for door in DOORS for w in door.watched(served)]
    return [Watched("nodes", None, reads=node_fields, optional=True), *doors]


def watched_for(kube, answer, namespace: str) -> List[Watched]:
    """What a target's answer (a Reach) reads: a Service's own EndpointSlices only; a workload's own pods only (its
    selector, immutable in apps/v1, read with one GET), so other pods' and Services' churn counts for nothing."""
    kind = BY_NAME[answer.kind]
    ns = namespace if kind.namespaced else None
    slices = ((SERVICE_NAME_LABEL, "In", (answer.name,)),) if kind.role == SERVICE else None
    own = [Watched(kind.resource, ns, name=answer.name, reads=pod_fields if kind.role == POD else everything),
           Watched("services", namespace), Watched("endpointslices", namespace, reads=slice_fields, selector=slices)]
    if kind.role == WORKLOAD:
        from .objects import field

        try:
            pods = requirements(field(kube.get(kind.resource, answer.name, namespace), "spec", "selector"))
        except ReachError:  # gone, or not readable now: every pod of the namespace then
            pods = None
        own.append(Watched("pods", namespace, reads=pod_fields, selector=pods))
    return own[:1] + [w for w in own[1:] + _around(namespace, kube.discover()) if w.resource != kind.resource]


def watched_by_listing(kube, scope: Optional[str]) -> List[Watched]:
    """What the listing reads: Services, the host-networked pods, EndpointSlices, and what is around (the doors)."""
    return [Watched("services", scope), Watched("pods", scope, reads=host_network_pod),
            Watched("endpointslices", scope, reads=slice_fields), *_around(scope, kube.discover())]


# --- bounds ----------------------------------------------------------------------------------------------------

class Backoff:
    """client-go's ExponentialBackoffManager: BACKOFF_FIRST doubling to BACKOFF_MAX, each pause up to as long again
    at random (jitter 1.0), back to the first after BACKOFF_RESET seconds without a pause."""

    def __init__(self) -> None:
        self.delay, self.last = 0.0, float("-inf")

    def next(self) -> float:
        now = time.monotonic()
        self.delay = BACKOFF_FIRST if now - self.last > BACKOFF_RESET else min(self.delay * 2, BACKOFF_MAX)
        self.last = now
        return self.delay * (1 + random.random())


class Budget:
    """A token bucket shared by every request of one wait: REQUESTS_PER_SECOND, after a burst of BURST."""

    def __init__(self, rate: float = REQUESTS_PER_SECOND, burst: int = BURST):
        self.rate, self.burst, self.tokens, self.at = rate, burst, float(burst), time.monotonic()
        self.lock = threading.Lock()

    def take(self, n: int, pause: Callable[[float], Any] = time.sleep, limit: float = float("inf")) -> bool:
        """Wait until `n` requests (at most BURST) can be made, at most `limit` seconds, then spend them; False when
        `pause` says to stop (it returns true) or the limit passed first."""
        deadline = time.monotonic() + limit
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
                self.at = now
                short = min(n, self.burst) - self.tokens
                if short <= 0:
                    self.tokens -= n
                    return True
            wait = min(short / self.rate, deadline - now)
            if wait <= 0 or pause(wait):
                return False

    def charge(self, n: int) -> None:
        """Requests made beyond those taken (a computation's: its cost is known after it; negative: a refund)."""
        with self.lock:
            self.tokens -= n


# --- the watches -------------------------------------------------------------------------------------------------

class Changes:
    """Watches (a thread each) that set `changed` when something the answer reads changes; `polling` when some
    server refused to watch (the caller then polls). `compute` runs a computation under the shared budget."""

    def __init__(self, kube, watched: List[Watched]):
        self.kube, self.changed, self.polling = kube, threading.Event(), False
        self.budget, self._stop = Budget(), threading.Event()
        self._pause, self._cost, self._last = POLL_FIRST, 1, float("-inf")
        started = []
        for one in dict.fromkeys(watched):
            started.append(threading.Event())
            threading.Thread(target=self._watch, args=(one, started[-1]), daemon=True).start()
        deadline = time.monotonic() + (kube.timeout or 30)
        for event in started:  # each watch has its starting version: no change between then and the answer is lost
            if not event.wait(max(0.0, deadline - time.monotonic())):
                self.polling = True

    def stop(self) -> None:
        """Each watch ends at its next event or pause (a daemon thread: never holds the exit)."""
        self._stop.set()

    def settle(self, tick: float, limit: float) -> bool:
        """Wait for a change, at most `tick` seconds (the caller's clock); True when the answer is to be computed
        again: a change arrived (a burst had SETTLE seconds to land, and the last computation is at least
        1/RECOMPUTES_PER_SECOND old), or, polling, the next poll is due (at most `limit` seconds away)."""
        if self.polling:
            time.sleep(max(0.0, min(self._pause, limit)))
            self._pause = min(self._pause * 2, POLL_MAX)
            return True
        if not self.changed.wait(max(0.0, min(tick, limit))):
            return False
        due = max(time.monotonic() + SETTLE, self._last + 1 / RECOMPUTES_PER_SECOND)
        time.sleep(max(0.0, min(due - time.monotonic(), limit)))
        self.changed.clear()
        return True

    def compute(self, work: Callable[[], T], limit: float = float("inf")) -> T:
        """`work()` (a computation of the answer) once the budget holds as many requests as the last one made (at
        most `limit` seconds of waiting), charging what this one made."""
        taken = self._cost if self.budget.take(self._cost, limit=limit) else 0  # (the deadline: computed anyway)
        before = self.kube.requests
        try:
            return work()
        finally:
            made = self.kube.requests - before
            self.budget.charge(made - taken)
            self._cost, self._last = max(1, made), time.monotonic()

    def _spend(self) -> bool:
        """One request of a watch, from the budget; False once stopped."""
        return self.budget.take(1, pause=self._stop.wait) and not self._stop.is_set()

    def _current(self, watched: Watched) -> str:
        page = self.kube.request("GET", self.kube.path(watched.resource, watched.namespace),
                                 {"limit": 1, "fieldSelector": watched.field_selector})
        return str((page.get("metadata") or {}).get("resourceVersion") or "")

    def _watch(self, watched: Watched, started: threading.Event) -> None:
        """One reflector: LIST for a version, watch from it, again and again (see the module's docstring)."""
        backoff, version = Backoff(), None
        seen: Dict[Tuple[Any, Any], int] = {}  # (namespace, name) -> a hash of what the answer read of it last
        while not self._stop.is_set():
            if version is None:
                if not self._spend():
                    return
                try:
                    version = self._current(watched)
                except ReachError as exc:
                    if not self._refused(watched, exc):
                        self._stop.wait(backoff.next())
                        continue
                    return
                finally:
                    started.set()
            if not self._spend():
                return
            seconds, began = int(WATCH_SECONDS * (1 + random.random())), time.monotonic()
            try:
                for kind, obj in self.kube.watch(watched.resource, watched.namespace, version, watched.field_selector,
                                                 seconds):
                    version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                    if self._stop.is_set():
                        return
                    if kind != "BOOKMARK" and _counts(watched, seen, kind, obj):
                        self.changed.set()
                if time.monotonic() - began >= seconds / 2:
                    continue  # ended at its timeout: again at once, from the last version seen
            except Gone:
                version = None  # the version is gone: LIST again (after the pause), and compute (a change was missed)
                self.changed.set()
            except ReachError as exc:
                if self._refused(watched, exc):
                    return
            self._stop.wait(backoff.next())  # an error, a 410, an empty answer or a stream closed early

    def _refused(self, watched: Watched, error: ReachError) -> bool:
        """A kind the server will not let us list or watch (403, 405; 404: not served): an optional one is left
        unwatched; any other makes the wait poll. False for errors worth trying again."""
        if not isinstance(error, ApiError) or error.code not in (403, 404, 405):
            return False
        if not watched.optional:
            self.polling = True
            self.changed.set()
        return True


def _counts(watched: Watched, seen: Dict[Tuple[Any, Any], int], kind: str, obj: dict) -> bool:
    """Whether an event changes what the answer reads: `seen` keeps, per object, a hash of what it read last."""
    from .objects import field

    key = (field(obj, "metadata", "namespace"), field(obj, "metadata", "name"))
    admitted = watched.admits(obj)
    read = watched.reads(obj) if admitted and kind != "DELETED" else None
    if read is None:  # gone, or no longer one the answer reads (a pod relabelled): a change if it was one
        return seen.pop(key, None) is not None or (kind == "DELETED" and admitted and watched.reads(obj) is not None)
    digest = hash(json.dumps(read, sort_keys=True, default=str))
    if seen.get(key) == digest:
        return False
    seen[key] = digest
    return True


# --- --wait and --watch ------------------------------------------------------------------------------------------

def missing(resolved, answer, probes: Optional[dict] = None) -> List[str]:
    """What the target still lacks to be reachable; empty when it is."""
    from .endpoints.service import is_exposed
    from .objects import condition_true, field
    from .render import unusable

    gaps: List[str] = []
    live = [e for e in answer.found.endpoints if unusable(e) is None]
    role, obj, snapshot = resolved.kind.role, resolved.obj, resolved.snapshot
    if role == SERVICE and field(obj, "spec", "type") == "LoadBalancer" and \
            not any(e.method == "LoadBalancer" for e in live):
        gaps.append("load balancer pending (no address in its status yet)")
    if role == SERVICE and is_exposed(obj) and snapshot.has_no_ready_pod(obj):
        gaps.append("no ready endpoints")
    if role == POD and condition_true(obj, "Ready") is not True:
        gaps.append(f"pod {field(obj, 'metadata', 'name')} is not ready")
    if role == WORKLOAD and not any(condition_true(p, "Ready") for p in resolved.pods):
        gaps.append("no ready pod")
    if not live:
        gaps.append("no external URL that can work yet")
    elif probes is not None and not any(probes.get(e.key()) is not None and probes[e.key()].answered for e in live):
        gaps.append("no URL answers yet")
    return gaps


def follow(compute: Callable[[], list], kube, watched: List[Watched], changed: Callable[[list], None]) -> int:
    """--watch: compute() again after every change, handing each new answer list to `changed`, until Ctrl-C
    (exit code 0). Polls with backoff where the server refuses to watch."""
    changes = Changes(kube, watched)
    try:
        changed(changes.compute(compute))  # what changed between the first answer and the watches' start
        while True:
            if changes.settle(1.0, POLL_MAX):  # (1 s ticks: Ctrl-C is seen at once)
                kube.forget()
                changed(changes.compute(compute))
    except KeyboardInterrupt:
        changes.stop()
        return 0


def wait_until_reachable(compute: Callable[[], tuple], kube, namespace: str, deadline: float,
                         status: Callable[[str], None]) -> tuple:
    """compute() -> (resolved list, answers, probes), again after each change, until no target lacks anything or
    the deadline passes: (resolved list, answers, probes, {ref: what it still lacks}) of the last computation."""
    started, changes = time.monotonic(), None
    while True:
        resolved, answers, probes = compute() if changes is None else \
            changes.compute(compute, limit=max(0.0, deadline - time.monotonic()))
        waiting = {a.ref: gaps for r, a in zip(resolved, answers) for gaps in [missing(r, a, probes)] if gaps}
        if not waiting or time.monotonic() >= deadline:
            if changes is not None:
                changes.stop()
            return resolved, answers, probes, waiting
        if changes is None:
            changes = Changes(kube, [w for a in answers for w in watched_for(kube, a, namespace)])
        ref, gaps = next(iter(waiting.items()))
        while True:  # until a change, a poll, or the deadline; the status line's clock ticks each second
            remaining = deadline - time.monotonic()
            status(f"waiting for {ref}: {gaps[0]} ({time.monotonic() - started:.0f}s)")
            if remaining <= 0 or changes.settle(1.0, remaining):
                break
        kube.forget()  # the next computation reads the cluster again, not the command's remembered LISTs
