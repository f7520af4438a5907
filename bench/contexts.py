#!/usr/bin/env python3
"""Several clusters at once: `reach svc/x --context c0,...,c19` against the slowest context alone.

20 demo clusters on fake API servers in a separate process (so that their work does not share this measurement's
interpreter), each answering the target's GET after DELAY seconds, as a distant cluster would. Prints the ratio the
README quotes. Not a test: nothing here passes or fails.

    python bench/contexts.py [--count 20] [--delay 1.0] [--repeat 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

SERVE = r'''
import pathlib, sys, time
from kubectl_expose_ext.demo import demo_cluster
from kubectl_expose_ext.demo.apiserver import Fault, FakeAPIServer
count, delay, path = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
servers = []
for _ in range(count):
    cluster = demo_cluster()
    cluster.faults.append(Fault(path="/api/v1/namespaces/default/services/influxdb-lb", times=10**6, delay=delay))
    servers.append(FakeAPIServer(cluster).start())
lines = ["apiVersion: v1", "kind: Config", "current-context: c0", "clusters:"]
lines += [f"- {{name: c{i}, cluster: {{server: '{s.url}'}}}}" for i, s in enumerate(servers)]
lines += ["users:", "- {name: u, user: {token: fake-token}}", "contexts:"]
lines += [f"- {{name: c{i}, context: {{cluster: c{i}, user: u, namespace: default}}}}" for i in range(count)]
pathlib.Path(path).write_text("\n".join(lines) + "\n")
print("ready", flush=True)
time.sleep(3600)
'''


def timed(argv, env) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kubeconfig = os.path.join(tempfile.mkdtemp(), "kubeconfig")
    servers = subprocess.Popen([sys.executable, "-c", SERVE, str(args.count), str(args.delay), kubeconfig],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert servers.stdout is not None and servers.stdout.readline().strip() == "ready"
        env = {**os.environ, "KUBECONFIG": kubeconfig}
        every = ",".join(f"c{i}" for i in range(args.count))
        ones, manies = [], []
        for _ in range(args.repeat):  # alternately: side by side, whatever the machine does meanwhile
            ones.append(timed(["kubectl-reach", "svc/influxdb-lb", "--context", "c0", "-o", "json"], env))
            manies.append(timed(["kubectl-reach", "svc/influxdb-lb", "--context", every, "-o", "json"], env))
        one, many = statistics.median(ones), statistics.median(manies)
        print(f"| {args.count} contexts at once | {many:.2f} s | one context (the slowest) {one:.2f} s | "
              f"{many / one:.2f}x |")
    finally:
        servers.kill()


if __name__ == "__main__":
    main()
