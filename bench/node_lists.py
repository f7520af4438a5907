#!/usr/bin/env python3
"""Node LISTs on a real kube-apiserver: the objects or the server's Table, consistent or from the watch cache
(`resourceVersion=0`). The figures behind the README's "Measured on 2026-12-02" table.

    python bench/node_lists.py     # needs the real tier's binaries (python tests/realcluster/controlplane.py --build)
"""

import json
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
CASES = (("objects, consistent", "limit=500", "application/json"),
         ("objects, resourceVersion=0", "limit=500&resourceVersion=0", "application/json"),
         ("Table, consistent", "limit=500&includeObject=None", TABLE),
         ("Table, resourceVersion=0", "limit=500&includeObject=None&resourceVersion=0", TABLE))


def timed_list(pool, url, token, query, accept):
    """(seconds, bytes) of one whole LIST, page by page."""
    begun, cont, size = time.perf_counter(), "", 0
    while True:
        response = pool.request("GET", f"{url}/api/v1/nodes?{query}{cont}",
                                headers={"Authorization": f"Bearer {token}", "Accept": accept})
        size += len(response.data)
        token_next = json.loads(response.data).get("metadata", {}).get("continue")
        if not token_next:
            return time.perf_counter() - begun, size
        cont = f"&continue={token_next}"


def main(factor: float = 0.4, runs: int = 7) -> None:
    import urllib3

    from bench.cluster import build
    from realcluster.controlplane import TOKENS, ControlPlane, binaries
    from realcluster.loader import Loader

    nodes = [o for o in build(factor).objects.values() if o["kind"] == "Node"]
    for node in nodes:  # what the server sets itself
        for key in ("resourceVersion", "uid", "managedFields", "creationTimestamp"):
            node["metadata"].pop(key, None)
    plane = ControlPlane(pathlib.Path(tempfile.mkdtemp()) / "plane").start(binaries())
    try:
        Loader(plane).load(nodes)
        pool = urllib3.PoolManager(ca_certs=str(plane.ca), cert_reqs="CERT_REQUIRED")
        print(f"| {len(nodes)} nodes | median of {runs} | bytes |\n| --- | --- | --- |")
        for label, query, accept in CASES:
            results = [timed_list(pool, plane.url, TOKENS["admin"], query, accept) for _ in range(runs)]
            print(f"| {label} | {statistics.median(r[0] for r in results) * 1000:.0f} ms | {results[0][1] / 1e6:.2f} MB |")
    finally:
        plane.stop()


if __name__ == "__main__":
    main()
