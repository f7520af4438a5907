#!/usr/bin/env python3
"""The floor, in its own warm process: the very requests a command made, replayed with urllib3 plus `json.loads`.

Run by bench/run.py with a JSON plan on stdin: {"base": URL, "headers": {...}, "ca": CA file or null, "repeat": N,
"requests": [{"method", "path" (with its query), "accept", "body"}], "count_with": optional accept override}.
Prints {"median": seconds, "bytes": bytes on the wire (gzip as sent), "decoded": bytes of JSON decoded}. One pass
first, not timed: the connection, the imports and the server's caches are warm, as they are for nothing we measure,
so the floor is never flattered nor burdened by this process's start-up. Apart from the benchmark's own process: in
it, the floor shared the interpreter (and its GIL) with the fake API server's threads.
"""

import json
import statistics
import sys
import time


def main() -> None:
    import urllib3

    plan = json.load(sys.stdin)
    pool = urllib3.PoolManager(**({"ca_certs": plan["ca"], "cert_reqs": "CERT_REQUIRED"} if plan.get("ca") else {}))

    def replay(count: bool = False):
        wire = decoded = 0
        for request in plan["requests"]:
            headers = {**plan["headers"], "Accept-Encoding": "gzip", "Accept": request.get("accept") or
                       "application/json", "Content-Type": request.get("content_type") or "application/json"}
            body = json.dumps(request["body"]).encode() if request.get("body") is not None else None
            response = pool.request(request["method"], plan["base"] + request["path"], body=body, headers=headers,
                                    preload_content=False, decode_content=False)
            raw = response.read()
            response.release_conn()
            data = raw
            if response.headers.get("Content-Encoding") == "gzip":
                import gzip

                data = gzip.decompress(raw)
            json.loads(data)
            wire, decoded = wire + len(raw), decoded + len(data)
        return wire, decoded

    wire, decoded = replay()
    walls = []
    for _ in range(plan["repeat"]):
        started = time.perf_counter()
        replay()
        walls.append(time.perf_counter() - started)
    json.dump({"median": statistics.median(walls) if walls else None, "bytes": wire, "decoded": decoded}, sys.stdout)


if __name__ == "__main__":
    main()
