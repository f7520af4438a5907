"""`--wait`: block until the target can be reached, woken by the API's watch on what the answer depends on.

What "can be reached" means, decided per target (`missing` says what is not there yet, in words the timeout
prints): at least one URL that can work (`-o url` would print it: not an Ingress without its class or address); a
LoadBalancer Service waits for its load balancer (its nodePorts alone are not what was asked for); a Service with
a selector, a pod and a workload wait for a ready pod; with `--probe`, for a URL that answers.

How it waits: before each answer is computed, one watch per resource the answer reads (the target's kind, and in
its namespace Services, EndpointSlices, Ingresses, pods) runs from the resourceVersion of a one-item LIST, in a
daemon thread for the whole wait; any event (not a BOOKMARK) wakes the main loop, which computes the answer again.
A watch the server ends (timeoutSeconds) restarts from the last version it saw (BOOKMARKs keep that current); one
told 410 Gone restarts from a fresh LIST and wakes the loop (a change may have been missed). A server that refuses
watch (403, 405) is polled instead, every 1 s doubling up to 10 s.
"""

import threading
import time
from typing import Callable, List, Optional

from .errors import ApiError, Gone, ReachError
from .kinds import BY_NAME, GATEWAY_ROUTES, POD, SERVICE, WORKLOAD

POLL_FIRST, POLL_MAX = 1.0, 10.0
WATCH_SECONDS = 300  # one watch request's timeoutSeconds (it is restarted while the wait lasts)


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


class Changes:
    """Set when anything watched changes; `polling` when some server refused to watch (the caller then polls)."""

    def __init__(self, kube, watched: List[tuple]):
        self.kube, self.changed, self.polling, self.stopped = kube, threading.Event(), False, False
        self._pause = POLL_FIRST
        self._ready = threading.Barrier(len(watched) + 1, timeout=kube.timeout or 30)
        for resource, namespace, field_selector in watched:
            threading.Thread(target=self._watch, args=(resource, namespace, field_selector), daemon=True).start()
        try:
            self._ready.wait()  # every watch has its starting version: no change between then and the answer is lost
        except threading.BrokenBarrierError:
            self.polling = True

    def settle(self, tick: float, limit: float) -> bool:
        """Wait for a change, at most `tick` seconds (the caller's clock); True when the answer is to be computed
        again: a change arrived (and a burst of events had 0.1 s to land), or, polling, the next poll is due (at
        most `limit` seconds away)."""
        if self.polling:
            time.sleep(max(0.0, min(self._pause, limit)))
            self._pause = min(self._pause * 2, POLL_MAX)
            return True
        if not self.changed.wait(max(0.0, min(tick, limit))):
            return False
        time.sleep(0.1)
        self.changed.clear()
        return True

    def _current(self, resource: str, namespace: Optional[str], field_selector: Optional[str]) -> str:
        page = self.kube.request("GET", self.kube.path(resource, namespace),
                                 {"limit": 1, "fieldSelector": field_selector})
        return str((page.get("metadata") or {}).get("resourceVersion") or "")

    def _watch(self, resource: str, namespace: Optional[str], field_selector: Optional[str]) -> None:
        try:
            version = self._current(resource, namespace, field_selector)
        except ReachError:
            version, self.polling = "", True
        try:
            self._ready.wait()
        except threading.BrokenBarrierError:
            return
        while not self.polling and not self.stopped:
            try:
                for kind, obj in self.kube.watch(resource, namespace, version, field_selector, WATCH_SECONDS):
                    version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                    if self.stopped:
                        return
                    if kind != "BOOKMARK":
                        self.changed.set()
            except Gone:
                self.changed.set()
                try:
                    version = self._current(resource, namespace, field_selector)
                except ReachError:
                    self.polling = True
            except (ApiError, ReachError):  # refused (403, 405), or the server went away: poll instead
                self.polling = True
        self.changed.set()


def watched_for(answer, namespace: str) -> List[tuple]:
    """(resource, namespace, fieldSelector) of what a target's answer (a Reach) reads."""
    kind = BY_NAME[answer.kind]
    target = (kind.resource, namespace if kind.namespaced else None, f"metadata.name={answer.name}")
    around = [("services", namespace, None), ("endpointslices", namespace, None), ("ingresses", namespace, None)]
    if kind.role in (POD, WORKLOAD):
        around.append(("pods", namespace, None))
    return [target] + [w for w in around if w[0] != kind.resource]


def watched_by_listing(kube, scope: Optional[str]) -> List[tuple]:
    """What the listing reads that changes: Services, Ingresses, pods, EndpointSlices, and the routes served."""
    served = kube.discover()
    routes = [k.resource for k in GATEWAY_ROUTES if k.resource in served] + (["routes"] if "routes" in served else [])
    return [(r, scope, None) for r in ("services", "ingresses", "pods", "endpointslices", *routes)]


def follow(compute: Callable[[], list], kube, watched: List[tuple], changed: Callable[[list], None]) -> int:
    """--watch: compute() again after every change, handing each new answer list to `changed`, until Ctrl-C
    (exit code 0). Polls with backoff where the server refuses to watch."""
    changes = Changes(kube, watched)
    try:
        changed(compute())  # what changed between the first answer and the watches' start
        while True:
            if changes.settle(1.0, POLL_MAX):  # (1 s ticks: Ctrl-C is seen at once)
                kube.forget()
                changed(compute())
    except KeyboardInterrupt:
        changes.stopped = True
        return 0


def wait_until_reachable(compute: Callable[[], tuple], kube, namespace: str, deadline: float,
                         status: Callable[[str], None]) -> tuple:
    """compute() -> (resolved list, answers, probes), again after each change, until no target lacks anything or
    the deadline passes: (resolved list, answers, probes, {ref: what it still lacks}) of the last computation."""
    started, changes = time.monotonic(), None
    while True:
        resolved, answers, probes = compute()
        waiting = {a.ref: gaps for r, a in zip(resolved, answers) for gaps in [missing(r, a, probes)] if gaps}
        if not waiting or time.monotonic() >= deadline:
            if changes is not None:
                changes.stopped = True  # each watch ends at its next event (a daemon thread: never holds the exit)
            return resolved, answers, probes, waiting
        if changes is None:
            changes = Changes(kube, [w for a in answers for w in watched_for(a, namespace)])
        ref, gaps = next(iter(waiting.items()))
        while True:  # until a change, a poll, or the deadline; the status line's clock ticks each second
            remaining = deadline - time.monotonic()
            status(f"waiting for {ref}: {gaps[0]} ({time.monotonic() - started:.0f}s)")
            if remaining <= 0 or changes.settle(1.0, remaining):
                break
        kube.forget()  # the next computation reads the cluster again, not the command's remembered LISTs
