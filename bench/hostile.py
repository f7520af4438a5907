#!/usr/bin/env python3
"""Costs a big or hostile cluster controls, measured side by side with the algorithm they replaced:

- a DaemonSet behind a NodePort: the pods of a workload computed per pod (pods x nodes endpoints before
  de-duplication, the old reach_pods) against once per Service (reach.reach_pods now);
- convert's URL diff with 40,000 URLs: list membership (the old url_changes) against ordered sets (now).

    python bench/hostile.py            # prints the README's table rows
"""

import os
import resource
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from builders import endpoint_slice, node, pod, service

from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.convert.diff import url_changes
from kubectl_expose_ext.endpoints import Found
from kubectl_expose_ext.reach import Snapshot, reach_pod, reach_pods


def daemonset_world(count: int) -> tuple:
    nodes = [node(f"n{i}", ("ExternalIP", f"10.{i // 250}.{i % 250}.1")) for i in range(count)]
    pods = [pod(f"ds-{i}", [{"containerPort": 9100}], labels={"app": "ds"}, node=f"n{i}") for i in range(count)]
    svc = service("ds", {"port": 9100, "nodePort": 30910, "targetPort": 9100}, type="NodePort", selector={"app": "ds"})
    slices = [endpoint_slice("ds", *[(f"n{i}", True) for i in range(count)])]
    return Snapshot(nodes=NodeTable.complete(nodes), services=[svc], pods=pods, slices=slices), pods


def per_pod(pods, snapshot) -> Found:
    """The old reach_pods: every pod computes its Services' endpoints again."""
    found = Found()
    for p in pods:
        found.add(reach_pod(p, snapshot))
    return found.deduplicated()


def old_url_changes(before, after):
    before, after = list(dict.fromkeys(before)), list(dict.fromkeys(after))
    return [u for u in before if u not in after], [u for u in after if u not in before]


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main() -> None:
    rows = []
    for count in (800, 5000):
        snapshot, pods = daemonset_world(count)
        new, found = timed(reach_pods, pods, snapshot)
        assert len(found.endpoints) == count
        if count <= 800:
            old, old_found = timed(per_pod, pods, snapshot)
            assert [e.url for e in old_found.endpoints] == [e.url for e in found.endpoints]
            ratio = f"{new / old:.3f}x ({old:.2f} s -> {new:.3f} s)"
        else:
            ratio = f"{new:.3f} s (the old way: est. {count ** 2 / 800 ** 2:.0f}x the 800-node time)"
        rows.append(f"| reach ds/x, DaemonSet on {count} nodes behind a NodePort | {ratio} |")
    before = [f"http://10.{i // 250 % 250}.{i % 250}.1:30080" for i in range(40000)]
    after = [f"http://10.{i // 250 % 250}.{i % 250}.1:30081" for i in range(40000)]
    new, result = timed(url_changes, before, after)
    old, expected = timed(old_url_changes, before[:4000], after[:4000])  # 40k x 40k would take minutes
    assert url_changes(before[:4000], after[:4000]) == expected and len(result[0]) == 40000
    rows.append(f"| convert URL diff, 40,000 URLs each side | {new:.3f} s (list membership: {old:.2f} s for "
                f"4,000, x100 for 40,000) |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; peak RSS {peak:.0f} MB\n")
    print("| case | now (vs before) |\n| --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
