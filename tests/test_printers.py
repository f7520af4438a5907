"""kubectl's printers: the JSONPath dialect (kubectl's own documentation examples), -o name, custom columns,
--no-headers, --sort-by, through the CLI and through kubectl."""

import json

import pytest

from kubectl_expose_ext.errors import UsageError
from kubectl_expose_ext.jsonpath import JSONPathError, parse, render
from kubectl_expose_ext.printers import parse_output
from support import requires_kubectl, run_installed

# The input of https://kubernetes.io/docs/reference/kubectl/jsonpath/
DOC = {"kind": "List", "items": [
    {"kind": "None", "metadata": {"name": "127.0.0.1"},
     "status": {"capacity": {"cpu": "4"}, "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.1"}]}},
    {"kind": "None", "metadata": {"name": "127.0.0.2"},
     "status": {"capacity": {"cpu": "8"}, "addresses": [{"type": "LegacyHostIP", "address": "127.0.0.2"},
                                                        {"type": "another", "address": "127.0.0.3"}]}}],
    "users": [{"name": "myself", "user": {}}, {"name": "e2e", "user": {"username": "admin", "password": "secret"}}]}


@pytest.mark.parametrize("template, expected", [
    ("{.kind}", "List"),
    ("{['kind']}", "List"),
    ("{$.kind}", "List"),
    ("{..name}", "127.0.0.1 127.0.0.2 myself e2e"),
    ("{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"),
    ("{.users[0].name}", "myself"),
    ("{.users[-1].name}", "e2e"),
    ("{.items[0:1].metadata.name}", "127.0.0.1"),
    ("{.items[1:].metadata.name}", "127.0.0.2"),
    ("{.items[::-1].metadata.name}", "127.0.0.2 127.0.0.1"),
    ("{.users[?(@.name==\"e2e\")].user.password}", "secret"),
    ("{.items[*].status.addresses[?(@.type!='LegacyHostIP')].address}", "127.0.0.3"),
    ("{.users[?(@.user.password)].name}", "e2e"),  # a bare path: it exists
    ("{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
     '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] '),
    ('{range .items[*]}{.metadata.name}{"\\t"}{end}', "127.0.0.1\t127.0.0.2\t"),
    ('{range .users}{.name}{"\\n"}{end}', "myself\ne2e\n"),  # a list without [*]: its elements
    ("{.items[0].metadata}", '{"name":"127.0.0.1"}'),
    ("{.nope}", ""),  # missing keys print nothing (--allow-missing-template-keys=true)
    ("kind: {.kind}!", "kind: List!"),
    ("{.items[*].status.capacity.*}", "4 8"),
])
def test_kubectls_jsonpath_examples(template, expected):
    assert render(parse(template), DOC) == expected


@pytest.mark.parametrize("template, message", [
    ("{.kind", "unclosed action"),
    ("{range .items[*]}{.x}", "unclosed range"),
    ("{end}", "not in range"),
    ("{.items[x]}", "invalid array index"),
])
def test_templates_kubectl_refuses(template, message):
    with pytest.raises(JSONPathError, match=message):
        parse(template)


@pytest.mark.parametrize("value, message", [
    ("go-template={{.x}}", "-o go-template is not supported"),
    ("jsonpath=", "jsonpath format specified but no template given"),
    ("custom-columns=URL", "expected <header>:<json-path-expr>"),
    ("jsonpath-file=/nonexistent/t", "error reading jsonpath-file /nonexistent/t"),
    ("xml", 'allowed formats are: custom-columns,custom-columns-file,json,jsonpath,jsonpath-file,name,table,url,wide,'
            'yaml'),
])
def test_outputs_refused(value, message):
    with pytest.raises(UsageError, match=message):
        parse_output(value, ("table", "wide", "json", "yaml", "url"))


def test_printers_on_the_demo(demo_api, tmp_path):
    urls = demo_api.reach("svc/influxdb", "-o", 'jsonpath={range .endpoints[*]}{.url}{"\\n"}{end}')
    assert urls.out == demo_api.reach("svc/influxdb", "-o", "url").out
    assert demo_api.reach("svc/influxdb", "-o", "name").out == "service/influxdb\n"
    names = demo_api.reach("-o", "name").out.splitlines()
    assert "ingress.networking.k8s.io/influxdb" in names and "route.route.openshift.io/influxdb" in names
    columns = demo_api.reach("svc/influxdb", "-o", "custom-columns=METHOD:.method,URL:.url,NODE:.node")
    assert columns.out.splitlines()[0].split() == ["METHOD", "URL", "NODE"]
    assert columns.out.splitlines()[1].split() == ["Ingress", "https://influxdb.example.com/", "<none>"]
    assert columns.out.splitlines()[4].split() == ["NodePort", "http://203.0.113.10:30000", "node-a"]
    spec = tmp_path / "columns"
    spec.write_text("URL  PORT\n.url .port\n")
    from_file = demo_api.reach("svc/influxdb", "-o", f"custom-columns-file={spec}", "--no-headers", "--sort-by",
                               "{.port}")
    assert [line.split()[1] for line in from_file.out.splitlines()] == ["443", "443", "443", "30000", "30000"]
    table = demo_api.reach("svc/influxdb", "--no-headers", "--sort-by", ".url")
    assert [line.split()[1] for line in table.out.splitlines()] == sorted(urls.out.split())
    template = tmp_path / "t"
    template.write_text("{.target.name}")
    assert demo_api.reach("svc/influxdb", "-o", f"jsonpath-file={template}").out == "influxdb"
    audit = demo_api.reach("audit", "-o", "custom-columns=TARGET:.target.name,RISK:.risk", "--sort-by", ".target.name",
                           "--no-headers")
    assert [line.split()[0] for line in audit.out.splitlines()] == sorted(line.split()[0] for line in audit.out.splitlines())
    assert json.loads(demo_api.reach("audit", "-o", "jsonpath={.summary}").out)["high"] == 2
    assert demo_api.reach("svc/influxdb", "--sort-by", ".url[").err.startswith("error: --sort-by: ")
    labelled = demo_api.reach("pod/influxdb-hostport", "--show-labels").out.splitlines()
    assert labelled[0].split()[-1] == "LABELS" and labelled[1].split()[-1].startswith("app=influxdb-hostport")


@requires_kubectl
def test_printers_through_kubectl(demo_api):
    out = run_installed(["kubectl", "reach", "svc/influxdb", "-o=jsonpath={.endpoints[0].url}"], demo_api.env())
    assert (out.returncode, out.stdout) == (0, "https://influxdb.example.com/")
    out = run_installed(["kubectl", "reach", "svc", "influxdb", "influxdb-lb", "-o", "name"], demo_api.env())
    assert out.stdout.splitlines() == ["service/influxdb", "service/influxdb-lb"]
