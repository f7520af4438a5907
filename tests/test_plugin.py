"""The installed plugin: console script, kubectl plugin discovery, the demo."""

import json
import sys

import pytest

from kubectl_expose_ext import __version__
from support import requires_kubectl, run_installed

pytestmark = pytest.mark.both_backends


def run(args, env=None):
    return run_installed(args, env)


def test_console_script_and_module_entry_points():
    out = run(["kubectl-reach", "--version"])
    assert (out.returncode, out.stdout.strip()) == (0, f"kubectl reach v{__version__}")
    out = run([sys.executable, "-m", "kubectl_expose_ext", "--help"])
    assert out.returncode == 0 and out.stdout.startswith("Usage: kubectl reach [OPTIONS] [TARGET | COMMAND] [ARGS]...")


def test_demo_shows_all_five_methods():
    out = run(["kubectl-reach", "demo"])
    assert out.returncode == 0, out.stderr
    for method in ("hostNetwork", "hostPort", "NodePort", "LoadBalancer", "Ingress"):
        assert f" {method} " in out.stdout, method
    assert "https://influxdb.example.com/" in out.stdout and '"url": "http://203.0.113.11:8086"' in out.stdout
    # why each way in works, hop by hop
    assert "$ kubectl reach explain svc/influxdb-lb\nsvc/influxdb-lb in namespace default: 2 way(s) in: 2 healthy" \
        in out.stdout
    # and a change, previewed by the API server (dryRun=All) but not made
    assert "$ kubectl reach convert svc/influxdb --to clusterip --dry-run" in out.stdout
    assert "+  type: ClusterIP" in out.stdout and "Dry run: nothing was changed" in out.stderr


@requires_kubectl
def test_kubectl_discovers_and_runs_the_plugin(realworld):
    listed = run(["kubectl", "plugin", "list", "--name-only"])
    assert "kubectl-reach" in listed.stdout.split()
    out = run(["kubectl", "reach", "--help"])
    assert out.returncode == 0 and "How do I reach this Pod or Service from outside the cluster?" in out.stdout
    out = run(["kubectl", "reach", "deploy/api", "-o", "json"], env=realworld.env())
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["endpoints"][0]["url"] == "https://www.example.com/api"
    out = run(["kubectl", "reach", "svc/nope"], env=realworld.env())
    assert (out.returncode, out.stderr) == (1, 'error: services "nope" not found\n')
