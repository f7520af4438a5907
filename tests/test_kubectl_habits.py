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
    assert done.returncode == 0 and urls(done)[0] == "https://influxdb.example.com/"
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
    (["-o", "jsonpath={.endpoints[0].url}"], "https://influxdb.example.com/"),
    (["-o", "name"], "service/influxdb\n"),
    (["-o", "custom-columns=URL:.url", "--no-headers", "--sort-by", ".url"], "http://203.0.113.10:30000\n"),
    (["--show-labels", "--no-headers"], "Ingress"),
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
    done, sent = kubectl("reach", "version", "--client")
    assert done.stdout.startswith("kubectl reach v") and sent == []
    done, sent = kubectl("reach", "version")  # as `kubectl version`: the server's too
    assert done.stdout.splitlines()[1].startswith("Server Version: v") and [r.path for r in sent] == ["/version"]
    assert kubectl("reach", "help")[0].stdout.startswith("Usage: kubectl reach")
    assert kubectl("reach", "audit", "--version")[0].stdout.startswith("kubectl reach v")
    assert kubectl("reach", "convert", "-h")[0].stdout.startswith("Usage: kubectl reach convert")


@pytest.mark.parametrize("typo, meant", [(["audti"], "audit"), (["covert", "svc/x"], "convert")])
def test_typos_are_caught_before_any_request(kubectl, typo, meant):
    done, sent = kubectl("reach", *typo)
    assert done.returncode == 1 and f'did you mean "{meant}"?' in done.stderr and sent == []


@pytest.mark.parametrize("words, expected", [
    (["svc", ""], ["influxdb", "influxdb-ext", "influxdb-lb", "kubernetes"]),
    (["--namespace=default", "svc/influxdb-"], ["svc/influxdb-ext", "svc/influxdb-lb"]),
    (["-ndefault", "svc/influxdb-"], ["svc/influxdb-ext", "svc/influxdb-lb"]),
    (["convert", ""], ["svc/", "deploy/", "sts/", "ds/"]),
    (["svc/x", "-o", "ya"], ["yaml"]),
])
def test_completion_through_kubectl(kubectl, words, expected):
    done, _ = kubectl("__complete", "reach", *words)
    assert done.stdout.splitlines()[:-1] == expected, done.stdout


# Issue #25: durations as Go's time.ParseDuration reads them, side by side with kubectl's own duration flags
# (`kubectl wait --timeout` is a pflag Duration, `--request-timeout` clientcmd.ParseTimeout).
DURATIONS = ["5s", "1m30s", "1h30m", "300ms", "1.5h", ".5s", "2h45m30.5s", "10us", "5", "5q", "1..5s", ".s", "s",
             "soon", "1s2"]


@pytest.mark.parametrize("value", DURATIONS)
def test_durations_as_kubectl_parses_them(demo_api, value):
    """Both refuse the same values with the same words (after kubectl's "Error: " / our "error: "), and accept the
    same; a value both accept goes on to the server (kubectl to a closed port, so it fails there instead)."""
    ours = run_installed(["kubectl-reach", "svc/influxdb", f"--wait={value}", "-o", "url"], demo_api.env())
    theirs = run_installed(["kubectl", "wait", "pod/x", "--for=delete", f"--timeout={value}", "-s",
                            "http://127.0.0.1:1"], demo_api.env())
    refused = 'for "--timeout" flag: ' in theirs.stderr
    assert (ours.returncode != 0 and "invalid argument" in ours.stderr) == refused, (ours.stderr, theirs.stderr)
    if refused:
        reason = theirs.stderr.split('flag: ', 1)[1].splitlines()[0]
        assert ours.stderr == f'error: invalid argument "{value}" for "--wait" flag: {reason}\n'


@pytest.mark.parametrize("value, accepted", [("30", True), ("0", True), ("1m30s", True), ("5x", False), ("soon", False)])
def test_request_timeout_as_kubectl_parses_it(demo_api, value, accepted):
    ours = run_installed(["kubectl-reach", "svc/influxdb", f"--request-timeout={value}", "-o", "url"], demo_api.env())
    theirs = run_installed(["kubectl", "get", "svc/influxdb", f"--request-timeout={value}"], demo_api.env())
    assert (ours.returncode == 0) == accepted == ("Invalid timeout value" not in theirs.stderr), (ours, theirs)
    if not accepted:
        assert theirs.stderr.splitlines()[0].endswith(ours.stderr.split('": ', 1)[1].strip())


def test_a_misspelt_type_is_named_with_the_likely_one(kubectl):
    done, sent = kubectl("reach", "sevrice/np")
    assert done.returncode == 1 and sent == []
    assert done.stderr.startswith('error: unknown resource type "sevrice"; did you mean "service"?')
    theirs, _ = kubectl("get", "sevrice/np")
    assert 'the server doesn\'t have a resource type "sevrice"' in theirs.stderr  # kubectl names it, without a guess


def test_sort_by_a_field_no_row_has_is_an_error_as_in_kubectl(kubectl):
    ours, _ = kubectl("reach", "svc/influxdb", "--sort-by=.nope")
    theirs, _ = kubectl("get", "svc", "-o", "json", "--sort-by=.nope")  # (the fake prints no Table kubectl can sort)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr == theirs.stderr == 'error: couldn\'t find any field with path "{.nope}" in the list of objects\n'
    assert kubectl("reach", "svc/influxdb", "--sort-by=.url", "-o", "url")[0].returncode == 0


def test_a_refused_field_selector_names_the_kind_as_kubectl_does(kubectl):
    """The server's 400 (`field label not supported: spec.nope`) names no kind; kubectl's EnhanceListError adds it."""
    ours, _ = kubectl("reach", "--field-selector", "spec.nope=x")
    theirs, _ = kubectl("get", "services", "--field-selector", "spec.nope=x")
    assert ours.returncode == theirs.returncode == 1
    expected = ('Unable to find "/v1, Resource=services" that match label selector "", field selector "spec.nope=x": '
                "field label not supported: spec.nope")
    assert ours.stderr == f"error: {expected}\n"
    assert theirs.stderr.strip() == f"Error from server (BadRequest): {expected}"


@pytest.mark.parametrize("output", ["json", "yaml", "name", "url", "jsonpath={.target}", "custom-columns=U:.url"])
def test_show_labels_with_a_printer_that_has_no_columns_is_refused_as_kubectl_does(kubectl, output):
    ours, sent = kubectl("reach", "svc/influxdb", "-o", output, "--show-labels")
    assert (ours.returncode, ours.stderr) == (1, f"error: --show-labels option cannot be used with {output} printer\n")
    assert sent == []
    if output != "url":  # kubectl has no url printer
        theirs, _ = kubectl("get", "svc", "-o", output.replace(".target", ".kind").replace(".url", ".kind"),
                            "--show-labels")
        assert theirs.returncode == 1 and "--show-labels option cannot be used with" in theirs.stderr


def test_sort_by_orders_every_printer_as_kubectl_does(kubectl):
    """kubectl sorts the items of -o json/yaml/name too; a document here keeps its targets and sorts their URLs."""
    done, _ = kubectl("reach", "svc/influxdb", "-o", "json", "--sort-by=.url")
    urls = [e["url"] for e in json.loads(done.stdout)["endpoints"]]
    assert urls == sorted(urls) and len(urls) == 7
    done, _ = kubectl("reach", "svc/influxdb", "-o", "jsonpath={.endpoints[*].port}", "--sort-by=.port")
    assert done.stdout.split() == sorted(done.stdout.split(), key=int)
