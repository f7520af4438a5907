"""Completion: kubectl's plugin protocol (kubectl_complete-reach) and click's own, against the fake API server."""

import pytest

from kubectl_expose_ext.cli import cli
from kubectl_expose_ext.completion import NO_FILE, NO_SPACE
from kubectl_expose_ext.completion import complete as complete_with


def complete(args):
    return complete_with(args, cli)
from support import requires_kubectl, run_installed

pytestmark = pytest.mark.both_backends


@pytest.mark.parametrize("args, expected", [
    (["s"], ["svc/", "sts/", "show"]),
    (["convert", ""], ["svc/", "deploy/", "sts/", "ds/"]),  # what convert changes: not a pod, not an ingress
    (["undo", ""], ["svc/", "deploy/", "sts/", "ds/", "ingress/"]),  # undo also deletes the Ingress it created
    (["svc/x", "-o", ""], ["table", "wide", "json", "yaml", "url", "headlamp", "name", "jsonpath=", "jsonpath-file=",
                           "custom-columns=", "custom-columns-file="]),  # every -o the command accepts
    (["svc/x", "--address-type", "I"], ["InternalIP"]),
    (["convert", "svc/x", "--to", ""], ["clusterip", "nodeport", "loadbalancer", "ingress"]),
    (["convert", "sts/x", "--to", "h"], ["hostport", "hostnetwork"]),
    (["convert", "svc/x", "--dr"], ["--dry-run"]),
    (["svc/x", "--a"], ["--address-type", "--all-contexts", "--all-namespaces", "--as", "--as-group", "--as-uid"]),
    (["svc/x", "-o=j"], ["-o=json", "-o=jsonpath=", "-o=jsonpath-file="]),  # kubectl's spellings of a value
    (["svc/x", "--output=y"], ["--output=yaml"]),
    (["svc/x", "-oj"], ["-ojson", "-ojsonpath=", "-ojsonpath-file="]),
    (["audit", "-o", ""], ["table", "json", "yaml", "sarif", "html", "name", "jsonpath=", "jsonpath-file=",
                           "custom-columns=", "custom-columns-file="]),  # each command's own values
    (["convert", "svc/x", "-o", ""], ["json", "yaml"]),
    (["audit", "--fail-on", "h"], ["high"]),
    (["help", "co"], ["convert", "completion"]),
    (["svc/x", "sv"], ["svc/"]),               # several targets: another one
    (["completion", ""], ["bash", "zsh", "fish", "kubectl"]),
    (["nope/x"], []),
])
def test_offline_candidates(args, expected):
    assert complete(args)[0] == expected


def test_directives():
    assert complete(["s"])[1] == NO_FILE
    assert complete(["convert", "d"])[1] == NO_FILE | NO_SPACE  # "deploy/", "ds/": the name comes next
    assert complete(["--kubeconfig", ""])[1] == 0               # files
    assert complete(["svc/x", "-o", "jsonp"]) == (["jsonpath=", "jsonpath-file="], NO_FILE | NO_SPACE)  # the value next
    assert complete(["svc/x", "-o=c"]) == (["-o=custom-columns=", "-o=custom-columns-file="], NO_FILE | NO_SPACE)
    assert complete(["svc/x", "-o", "j"])[1] == NO_FILE  # json is complete: a space after it


@pytest.mark.parametrize("command, words", [("show", ["svc/x"]), ("audit", ["audit"])])
def test_every_output_offered_is_accepted(command, words, tmp_path):
    """Each -o completion offers is one the command takes (with a template where it needs one)."""
    from kubectl_expose_ext.options import AUDIT_OUTPUTS, OUTPUTS
    from kubectl_expose_ext.printers import parse_output

    template = tmp_path / "template"
    template.write_text("URL\n.url\n")
    offered = complete([*words, "-o", ""])[0]
    for value in offered:
        argument = {"jsonpath=": "{.x}", "custom-columns=": "URL:.url"}.get(value, str(template))
        parse_output(value + argument if value.endswith("=") else value, OUTPUTS if command == "show" else AUDIT_OUTPUTS)
    assert {"name", "jsonpath=", "custom-columns="} <= set(offered)


def test_names_come_from_the_cluster(demo_api):
    flags = ["--kubeconfig", demo_api.kubeconfig]
    assert complete([*flags, "svc/infl"])[0] == ["svc/influxdb", "svc/influxdb-ext", "svc/influxdb-lb"]
    assert complete(["convert", *flags, "deploy/"])[0] == []
    assert complete([*flags, "pod/influxdb-h"])[0] == ["pod/influxdb-hostnetwork", "pod/influxdb-hostport"]
    assert complete([*flags, "-n", ""])[0] == demo_api.names("Namespace")  # default, infra, kube-system...
    assert complete([*flags, "route/"])[0] == ["route/influxdb"]
    assert complete(["--kubeconfig", "/nonexistent", "svc/"])[0] == []  # no cluster: no candidates, no error
    assert complete([*flags, "svc", "influxdb-"])[0] == ["influxdb-ext", "influxdb-lb"]  # TYPE NAME
    assert complete([*flags, "svc", "influxdb", "influxdb"])[0] == ["influxdb-ext", "influxdb-lb"]  # TYPE NAME NAME: not twice
    assert complete([*flags, "-n=def"])[0] == ["-n=default"]
    assert complete([*flags, "--namespace=def"])[0] == ["--namespace=default"]
    assert complete([*flags, "-ndef"])[0] == ["-ndefault"]


def test_no_names_of_an_api_the_cluster_does_not_serve(api_factory):
    from kubectl_expose_ext.demo import demo_cluster

    api = api_factory(cluster=demo_cluster(), absent=("route.openshift.io",))
    assert complete(["--kubeconfig", api.kubeconfig, "route/"])[0] == []
    assert not [r for r in api.log() if "openshift" in r.path]  # not served: nothing, and no request for it


def test_plugin_protocol_output(demo_api):
    out = run_installed(["kubectl_complete-reach", "svc/"], demo_api.env())
    assert (out.returncode, out.stdout, out.stderr) == (0, "svc/influxdb\nsvc/influxdb-ext\nsvc/influxdb-lb\nsvc/kubernetes\n:4\n", "")


@requires_kubectl
def test_through_kubectl(demo_api):
    out = run_installed(["kubectl", "__complete", "reach", "pod/influxdb-host"], demo_api.env())
    assert out.stdout.splitlines() == ["pod/influxdb-hostnetwork", "pod/influxdb-hostport", ":4"]
    out = run_installed(["kubectl", "__complete", "reach", "convert", "svc/influxdb", "--to", "n"], demo_api.env())
    assert out.stdout.splitlines() == ["nodeport", ":4"]
    for spelled in (["--namespace=default"], ["-ndefault"], ["-n", "default"]):
        out = run_installed(["kubectl", "__complete", "reach", *spelled, "svc", "influxdb-"], demo_api.env())
        assert out.stdout.splitlines() == ["influxdb-ext", "influxdb-lb", ":4"], spelled
    out = run_installed(["kubectl", "__complete", "reach", "-n", "kube-system", "svc/"], demo_api.env())
    assert "svc/influxdb" not in out.stdout  # that namespace's names, not the context's


def test_clicks_own_completion_for_the_executable(demo_api):
    env = {**demo_api.env(), "_KUBECTL_REACH_COMPLETE": "bash_complete", "COMP_WORDS": "kubectl-reach convert svc/in",
           "COMP_CWORD": "2"}
    out = run_installed(["kubectl-reach"], env)
    assert out.stdout.splitlines() == ["plain,svc/influxdb", "plain,svc/influxdb-ext", "plain,svc/influxdb-lb"]
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


def test_completion_offers_every_declared_flag_and_value():
    """One declaration: the flags completion offers are the click options, and each Valued option's values exist."""
    from kubectl_expose_ext.cli import cli
    from kubectl_expose_ext.completion import VALUES

    assert set(complete([""])[0]) >= {"show", "audit", "convert", "undo", "demo", "version", "help", "completion"}
    for name, command in cli.commands.items():
        declared = {opt for param in command.params for opt in getattr(param, "opts", ()) if opt.startswith("--")}
        words = [] if name == "show" else [name]
        assert set(complete([*words, "--"])[0]) == declared | {"--help"}, name
        for param in command.params:
            if getattr(param, "values", None):
                assert param.values in VALUES and VALUES[param.values]({}) != [] or param.values in (
                    "namespaces", "contexts", "clusters", "users"), (name, param.name)


def test_value_completion_in_clicks_own_scripts(demo_api):
    """bash/zsh/fish (click's protocol) complete flag values from the same declaration."""
    env = {**demo_api.env(), "_KUBECTL_REACH_COMPLETE": "bash_complete", "COMP_WORDS": "kubectl-reach svc/x -o ",
           "COMP_CWORD": "3"}
    out = run_installed(["kubectl-reach"], env)
    assert out.stdout.splitlines() == [f"plain,{v}" for v in ("table", "wide", "json", "yaml", "url", "headlamp", "name",
                                                              "jsonpath=", "jsonpath-file=", "custom-columns=",
                                                              "custom-columns-file=")]
    env.update(COMP_WORDS="kubectl-reach audit -n ", COMP_CWORD="3")
    out = run_installed(["kubectl-reach"], env)
    assert [line.split(",", 1)[1] for line in out.stdout.splitlines()] == demo_api.names("Namespace")


# --- hostile names and silent servers (issue 24) ----------------------------------------------------------------

FORGED = ["good", "evil\n:0", "two\nwords", "tab\tbed", "sp ace", "\x1b]0;title\x07", "cr\rlf", "line\u2028sep",
          "rtl\u202eexe.txt", ""]


def test_kubeconfig_names_cannot_inject_candidates_or_a_directive(tmp_path):
    import yaml

    config = tmp_path / "config"
    config.write_text(yaml.safe_dump({
        "contexts": [{"name": n, "context": {"cluster": n, "user": n}} for n in FORGED],
        "clusters": [{"name": n, "cluster": {"server": "https://127.0.0.1:1"}} for n in FORGED],
        "users": [{"name": n, "user": {"token": "t"}} for n in FORGED]}))
    for flag in ("--context", "--cluster", "--user"):
        assert complete(["--kubeconfig", str(config), flag, ""]) == (["good"], NO_FILE), flag
        assert complete(["--kubeconfig", str(config), f"{flag}="]) == ([f"{flag}=good"], NO_FILE), flag
    out = run_installed(["kubectl_complete-reach", "--kubeconfig", str(config), "--context", ""])
    assert out.stdout == "good\n:4\n"  # one candidate, then the one directive line


@pytest.mark.fake_only(reason="the fake stores names the real API server would refuse")
def test_names_a_server_sends_cannot_inject_candidates(api_factory):
    forged = [n for n in FORGED if n]
    api = api_factory(objects=[{"kind": "Service", "metadata": {"name": n}, "spec": {"ports": [{"port": 80}]}}
                               for n in forged] + [{"kind": "Namespace", "metadata": {"name": n}} for n in forged])
    flags = ["--kubeconfig", api.kubeconfig]
    assert complete([*flags, "svc/"])[0] == ["svc/good", "svc/kubernetes"]
    assert "good" in complete([*flags, "-n", ""])[0] and not [n for n in complete([*flags, "-n", ""])[0] if "\n" in n]


def silent_server():
    """Accepts connections and never answers (nor closes them)."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []

    def accept():
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return
    threading.Thread(target=accept, daemon=True).start()
    return listener, held


def test_a_silent_server_gets_no_candidates_within_the_deadline(tmp_path):
    import time

    from kubectl_expose_ext.completion import DEADLINE
    from support import kubeconfig_file

    listener, held = silent_server()
    try:
        config = kubeconfig_file(tmp_path / "config", f"{{server: 'http://127.0.0.1:{listener.getsockname()[1]}'}}")
        for words in (["svc/"], ["-n", ""], ["svc", ""]):
            started = time.monotonic()
            out = run_installed(["kubectl_complete-reach", "--kubeconfig", config, *words])
            assert (out.returncode, out.stdout, out.stderr) == (0, ":4\n", ""), words
            # (it waited 22 s: four attempts of 5 s and their backoff); the deadline plus an interpreter's start
            assert time.monotonic() - started < DEADLINE + 4, words
        assert held  # the server was asked, and never answered
    finally:
        listener.close()
