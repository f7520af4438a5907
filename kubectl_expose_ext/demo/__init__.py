"""`kubectl reach demo`: the real command path against a built-in fake cluster, no cluster needed."""

import os
import tempfile
from importlib import resources
from typing import Callable, List

import click

from .apiserver import FakeAPIServer, FakeCluster

DEMO_COMMANDS = [
    [],                            # everything the namespace exposes: all five ways
    ["pod/influxdb"],              # one pod, reached three ways through its Services and Ingress
    ["pod/influxdb-hostnetwork", "-o", "json"],
    ["audit"],                     # the same inventory, with its risks
    ["convert", "svc/influxdb", "--to", "clusterip", "--dry-run"],  # a change, previewed by the server, not made
]


def demo_cluster() -> FakeCluster:
    text = resources.files(__package__).joinpath("cluster.yaml").read_text()
    return FakeCluster().load_yaml(text)


def run_demo(run: Callable[[List[str]], int], serve: bool = False) -> int:
    """Start the demo API server, write a kubeconfig for it, and run the scripted commands through `run`."""
    with FakeAPIServer(demo_cluster()) as server, tempfile.TemporaryDirectory() as tmp:
        kubeconfig = os.path.join(tmp, "kubeconfig")
        with open(kubeconfig, "w") as handle:
            handle.write(server.kubeconfig())
        click.echo(f"# A demo cluster is serving on {server.url}: 3 nodes (node-c NotReady), the five classic ways\n"
                   "# to reach an InfluxDB pod (hostNetwork, hostPort, NodePort, LoadBalancer, Ingress) and two\n"
                   "# modern relatives (a Gateway API HTTPRoute, an OpenShift Route).\n")
        for args in DEMO_COMMANDS:
            click.echo(click.style(f"$ kubectl reach {' '.join(args)}".rstrip(), bold=True))
            code = run([*args, "--kubeconfig", kubeconfig])
            click.echo()
            if code:
                return code
        if serve:
            click.echo(f"The demo cluster keeps serving. In another shell:\n"
                       f"  export KUBECONFIG={kubeconfig}\n  kubectl reach svc/influxdb-lb\n"
                       "Press Ctrl-C to stop.")
            try:
                server.thread.join()
            except KeyboardInterrupt:
                pass
    return 0
