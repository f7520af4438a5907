"""`kubectl reach demo`: the real command path against a built-in fake cluster, no cluster needed."""

import os
import tempfile
from importlib import resources
from typing import Callable, List

import click

from ..exitcodes import ExitCode
from .apiserver import FakeAPIServer, FakeCluster

DEMO_COMMANDS = [
    [],                            # everything the namespace exposes: every way in
    ["pod/influxdb"],              # one pod, through its Services and every front door, best way in first
    ["svc/influxdb-lb", "--wait=30s", "-o", "url"],  # once it can be reached, one URL per line (the load balancer's first)
    ["pod/influxdb-hostnetwork", "-o", "json"],
    ["explain", "svc/influxdb-lb"],  # why it works: each way in, hop by hop, with a verdict
    ["audit"],                     # the same inventory, with its risks
    ["convert", "svc/influxdb", "--to", "clusterip", "--dry-run"],  # a change, previewed by the server, not made
]
INTRO = """# A demo cluster is serving on {url}: 3 nodes (node-c NotReady), the five classic ways to reach an
# InfluxDB pod (hostNetwork, hostPort, NodePort, LoadBalancer, Ingress), Service externalIPs, and four modern
# relatives (a Gateway API HTTPRoute, an OpenShift Route, a Traefik IngressRoute, an Istio VirtualService).
"""
OUTRO = """# Next: `kubectl-reach demo --serve` keeps this cluster up for your own commands (and plain kubectl get).
# Its addresses are documentation addresses (RFC 5737) that reach nothing: --probe, -w and --open are for a
# real cluster."""


def demo_cluster() -> FakeCluster:
    text = resources.files(__package__).joinpath("cluster.yaml").read_text()
    return FakeCluster().load_yaml(text)


def run_demo(run: Callable[[List[str]], int], serve: bool = False) -> int:
    """Start the demo API server, write a kubeconfig for it, and run the scripted commands through `run`."""
    with FakeAPIServer(demo_cluster()) as server, tempfile.TemporaryDirectory() as tmp:
        kubeconfig = os.path.join(tmp, "kubeconfig")
        with open(kubeconfig, "w") as handle:
            handle.write(server.kubeconfig())
        click.echo(INTRO.format(url=server.url))
        for args in DEMO_COMMANDS:
            click.echo(click.style(f"$ kubectl reach {' '.join(args)}".rstrip(), bold=True))
            code = run([*args, "--kubeconfig", kubeconfig])
            click.echo()
            if code:
                return code
        if not serve:
            click.echo(OUTRO)
        if serve:
            click.echo(f"The demo cluster keeps serving. In another shell:\n"
                       f"  export KUBECONFIG={kubeconfig}\n  kubectl reach svc/influxdb-lb\n"
                       "Press Ctrl-C to stop.")
            try:
                server.thread.join()
            except KeyboardInterrupt:
                pass
    return ExitCode.OK
