"""Completion: kubectl's plugin protocol (kubectl_complete-reach) and click's own, against the fake API server."""

import pytest

from kubectl_expose_ext.completion import NO_FILE, NO_SPACE, complete
from support import requires_kubectl, run_installed

pytestmark = pytest.mark.both_backends


@pytest.mark.parametrize("args, expected", [
    (["s"], ["svc/", "sts/", "show"]),
    (["convert", ""], ["pod/", "svc/", "deploy/", "sts/", "ds/", "ingress/"]),
    (["svc/x", "-o", ""], ["table", "wide", "json", "yaml", "url"]),
    (["svc/x", "--address-type", "I"], ["InternalIP"]),
    (["convert", "svc/x", "--to", ""], ["clusterip", "nodeport", "loadbalancer", "ingress"]),
    (["convert", "sts/x", "--to", "h"], ["hostport", "hostnetwork"]),
    (["convert", "svc/x", "--dr"], ["--dry-run"]),
    (["svc/x", "--a"], ["--all-namespaces", "--address-type"]),
    (["svc/x", ""], []),                      # one target only
    (["completion", ""], ["bash", "zsh", "fish", "kubectl"]),
    (["nope/x"], []),
])
def test_offline_candidates(args, expected):
    assert complete(args)[0] == expected


def test_directives():
    assert complete(["s"])[1] == NO_FILE
    assert complete(["convert", "d"])[1] == NO_FILE | NO_SPACE  # "deploy/", "ds/": the name comes next
    assert complete(["--kubeconfig", ""])[1] == 0               # files


def test_names_come_from_the_cluster(demo_api):
    flags = ["--kubeconfig", demo_api.kubeconfig]
    assert complete([*flags, "svc/infl"])[0] == ["svc/influxdb", "svc/influxdb-lb"]
    assert complete(["convert", *flags, "deploy/"])[0] == []
    assert complete([*flags, "pod/influxdb-h"])[0] == ["pod/influxdb-hostnetwork", "pod/influxdb-hostport"]
    assert complete([*flags, "-n", ""])[0] == demo_api.names("Namespace")  # default, infra, kube-system...
    assert complete([*flags, "route/"])[0] == ["route/influxdb"]
    assert complete(["--kubeconfig", "/nonexistent", "svc/"])[0] == []  # no cluster: no candidates, no error


def test_no_names_of_an_api_the_cluster_does_not_serve(api_factory):
    from kubectl_expose_ext.demo import demo_cluster

    api = api_factory(cluster=demo_cluster(), absent=("route.openshift.io",))
    assert complete(["--kubeconfig", api.kubeconfig, "route/"])[0] == []
    assert not [r for r in api.log() if "openshift" in r.path]  # not served: nothing, and no request for it


def test_plugin_protocol_output(demo_api):
    out = run_installed(["kubectl_complete-reach", "svc/"], demo_api.env())
    assert (out.returncode, out.stdout, out.stderr) == (0, "svc/influxdb\nsvc/influxdb-lb\nsvc/kubernetes\n:4\n", "")


@requires_kubectl
def test_through_kubectl(demo_api):
    out = run_installed(["kubectl", "__complete", "reach", "pod/influxdb-host"], demo_api.env())
    assert out.stdout.splitlines() == ["pod/influxdb-hostnetwork", "pod/influxdb-hostport", ":4"]
    out = run_installed(["kubectl", "__complete", "reach", "convert", "svc/influxdb", "--to", "n"], demo_api.env())
    assert out.stdout.splitlines() == ["nodeport", ":4"]


def test_clicks_own_completion_for_the_executable(demo_api):
    env = {**demo_api.env(), "_KUBECTL_REACH_COMPLETE": "bash_complete", "COMP_WORDS": "kubectl-reach convert svc/in",
           "COMP_CWORD": "2"}
    out = run_installed(["kubectl-reach"], env)
    assert out.stdout.splitlines() == ["plain,svc/influxdb", "plain,svc/influxdb-lb"]
    script = run_installed(["kubectl-reach", "completion", "bash"], demo_api.env()).stdout
    assert "_KUBECTL_REACH_COMPLETE=bash_complete" in script and "complete -o nosort -F" in script
    hook = run_installed(["kubectl-reach", "completion", "kubectl"], demo_api.env()).stdout
    assert hook == '#!/bin/sh\n# kubectl calls this for `kubectl reach <TAB>` (kubectl 1.26+).\nexec kubectl-reach __complete "$@"\n'


def test_contexts_come_from_the_kubeconfig(tmp_path):
    config = tmp_path / "config"
    config.write_text("contexts: [{name: prod, context: {}}, {name: dev, context: {}}]\n")
    assert complete(["--kubeconfig", str(config), "--context", ""])[0] == ["dev", "prod"]
    config.write_text("- not a kubeconfig\n")
    assert complete(["--kubeconfig", str(config), "--context", ""])[0] == []


def test_completion_knows_every_flag_of_every_command():
    from kubectl_expose_ext.cli import cli
    from kubectl_expose_ext.completion import COMMAND_FLAGS, COMMON_FLAGS, SUBCOMMANDS

    assert set(SUBCOMMANDS) == set(cli.commands)
    for name, command in cli.commands.items():
        declared = {opt for param in command.params for opt in param.opts + param.secondary_opts if opt.startswith("--")}
        offered = set(COMMAND_FLAGS[name]) | set(COMMON_FLAGS)
        missing = declared - offered - {"--v"}
        assert not missing, (name, missing)
