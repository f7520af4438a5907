"""Issue #17's table, row by row, through real kubectl (`kubectl reach ...` finds the installed plugin on PATH,
`kubectl __complete reach ...` its completion hook), against the demo cluster on the fake API server."""

import json

import pytest

from support import requires_kubectl, run_installed

pytestmark = requires_kubectl


@pytest.fixture
def kubectl(demo_api):
    def run(*args):
        before = len(demo_api.log())
        done = run_installed(["kubectl", *args], demo_api.env())
        return done, demo_api.log(before)
    return run


def urls(done):
    return done.stdout.split()


@pytest.mark.parametrize("spelled", [["-n=default"], ["-ndefault"], ["--namespace=default"], ["-n", "default"]])
def test_namespace_spellings(kubectl, spelled):
    done, sent = kubectl("reach", *spelled, "svc/influxdb", "-o", "url")
    assert done.returncode == 0 and urls(done)[0] == "http://203.0.113.10:30000"
    assert all("/namespaces/%3D" not in r.path for r in sent)


@pytest.mark.parametrize("spelled", [["-o=json"], ["-ojson"], ["--output=json"]])
def test_output_spellings(kubectl, spelled):
    done, _ = kubectl("reach", "svc/influxdb", *spelled)
    assert json.loads(done.stdout)["target"]["name"] == "influxdb"


def test_boolean_and_dry_run_spellings(kubectl):
    assert kubectl("reach", "--all-namespaces=true", "-o", "url")[0].returncode == 0
    assert kubectl("reach", "-A=false", "-o", "url")[0].returncode == 0
    done, sent = kubectl("reach", "convert", "svc/influxdb", "--to", "clusterip", "--dry-run=server")
    assert done.returncode == 0 and "+++ svc/influxdb (after)" in done.stdout
    assert [r.dry_run for r in sent if r.method in ("PUT", "PATCH", "POST", "DELETE")] == [True]


def test_global_flags_and_impersonation(kubectl):
    done, sent = kubectl("reach", "svc/influxdb", "-o", "url", "--as", "alice", "--as-group", "dev", "--token",
                         "fake-token", "--insecure-skip-tls-verify")
    assert done.returncode == 0, done.stderr
    assert sent and all(r.headers.get("impersonate-user") == "alice" for r in sent)


@pytest.mark.parametrize("args, expected", [
    (["-o", "jsonpath={.endpoints[0].url}"], "http://203.0.113.10:30000"),
    (["-o", "name"], "service/influxdb\n"),
    (["-o", "custom-columns=URL:.url", "--no-headers", "--sort-by", ".url"], "http://203.0.113.10:30000\n"),
    (["--show-labels", "--no-headers"], "NodePort"),
])
def test_printers(kubectl, args, expected):
    done, _ = kubectl("reach", "svc/influxdb", *args)
    assert done.returncode == 0 and done.stdout.startswith(expected), done.stderr


def test_selectors_several_targets_version_help(kubectl):
    assert kubectl("reach", "--field-selector", "metadata.name=influxdb-lb", "-o", "name")[0].stdout == \
        "service/influxdb-lb\n"
    assert kubectl("reach", "-l", "app=influxdb-hostport", "-o", "name")[0].stdout == "pod/influxdb-hostport\n"
    assert kubectl("reach", "svc/influxdb", "svc/influxdb-lb", "-o", "name")[0].stdout.split() == [
        "service/influxdb", "service/influxdb-lb"]
    assert kubectl("reach", "svc", "influxdb", "influxdb-lb", "-o", "name")[0].stdout.split() == [
        "service/influxdb", "service/influxdb-lb"]
    done, sent = kubectl("reach", "version")
    assert done.stdout.startswith("kubectl reach v") and sent == []
    assert kubectl("reach", "help")[0].stdout.startswith("Usage: kubectl reach")
    assert kubectl("reach", "audit", "--version")[0].stdout.startswith("kubectl reach v")
    assert kubectl("reach", "convert", "-h")[0].stdout.startswith("Usage: kubectl reach convert")


@pytest.mark.parametrize("typo, meant", [(["audti"], "audit"), (["covert", "svc/x"], "convert")])
def test_typos_are_caught_before_any_request(kubectl, typo, meant):
    done, sent = kubectl("reach", *typo)
    assert done.returncode == 1 and f'did you mean "{meant}"?' in done.stderr and sent == []


@pytest.mark.parametrize("words, expected", [
    (["svc", ""], ["influxdb", "influxdb-lb", "kubernetes"]),
    (["--namespace=default", "svc/influxdb-"], ["svc/influxdb-lb"]),
    (["-ndefault", "svc/influxdb-"], ["svc/influxdb-lb"]),
    (["convert", ""], ["svc/", "deploy/", "sts/", "ds/"]),
    (["svc/x", "-o", "ya"], ["yaml"]),
])
def test_completion_through_kubectl(kubectl, words, expected):
    done, _ = kubectl("__complete", "reach", *words)
    assert done.stdout.splitlines()[:-1] == expected, done.stdout
