#!/usr/bin/env python3
"""The JSON path against `json.loads` on the same bytes: a LIST page of 500 pods (bench/cluster.py's shape,
managedFields included) and a page of 500 nodes (~19 KB each), decoded whole by json.loads, and item by item by
listjson.decode_list (what kube.Kube.list does: each item slimmed as it is decoded, shapes.conform on what is kept).
Prints time (min / median of --repeat, ms) and the peak of Python allocations (tracemalloc) side by side. Not a
test: nothing here passes or fails.

    python bench/decode.py [--repeat 15]
"""

import argparse
import json
import random
import statistics
import time
import tracemalloc

from cluster import node, pod

from kubectl_expose_ext.listjson import decode_list
from kubectl_expose_ext.shapes import conform
from kubectl_expose_ext.targets import slim_node, slim_pod


def page(kind: str, items: list) -> bytes:
    body = {"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion": "123", "continue": "token"}, "items": items}
    return json.dumps(body, separators=(",", ":")).encode()


def pages() -> dict:
    rng = random.Random(7)
    pods = [pod(f"web-{i}", "bench", {"app": "web"}, f"ip-{i}", f"10.1.{i // 250}.{i % 250}", 8080) for i in range(500)]
    return {"pods (500, with managedFields)": ("pods", slim_pod, page("PodList", pods)),
            "nodes (500, ~19 KB each)": ("nodes", slim_node, page("NodeList", [node(i, rng) for i in range(500)]))}


def timed(work, repeat: int):
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        walls.append(time.perf_counter() - started)
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(walls), statistics.median(walls), peak


def row(name: str, resource: str, keep, raw: bytes, repeat: int) -> str:
    def whole():
        return [keep(i) for i in json.loads(raw)["items"]]

    def each(item, _):
        kept = keep(item)
        conform(resource, kept)
        return kept

    def streamed():
        return decode_list(raw, each)["items"]

    assert whole() == streamed()
    cells, figures = [], []
    for work in (lambda: json.loads(raw), whole, streamed):
        low, mid, peak = timed(work, repeat)
        cells.append(f"{low * 1e3:.0f} / {mid * 1e3:.0f} ms, {peak / 1e6:.1f} MB")
        figures.append((mid, peak))
    (floor, floor_peak), (now, now_peak) = figures[0], figures[-1]
    return (f"| {name} | {len(raw) / 1e6:.1f} MB | {' | '.join(cells)} | {now / floor:.2f}x time, "
            f"{now_peak / floor_peak:.2f}x memory |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print("| page | bytes | json.loads alone | json.loads, then slimmed (before) | item by item, slimmed (now) "
          "| now vs json.loads alone |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (resource, keep, raw) in pages().items():
        print(row(name, resource, keep, raw, args.repeat))


if __name__ == "__main__":
    main()
