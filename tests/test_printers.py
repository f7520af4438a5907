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
    assert columns.out.splitlines()[6].split() == ["NodePort", "http://203.0.113.10:30000", "node-a"]
    spec = tmp_path / "columns"
    spec.write_text("URL  PORT\n.url .port\n")
    from_file = demo_api.reach("svc/influxdb", "-o", f"custom-columns-file={spec}", "--no-headers", "--sort-by",
                               "{.port}")
    assert [line.split()[1] for line in from_file.out.splitlines()] == ["443", "443", "443", "443", "443", "30000", "30000"]
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


# --- a user's template costs time linear in its length (issue 24) ---------------------------------------------

def parse_steps(template: str) -> int:
    """Python lines jsonpath.py executes to parse `template` (a refusal included): steps, not seconds."""
    import sys

    import kubectl_expose_ext.jsonpath as module

    lines = [0]

    def local(frame, event, arg):
        if event == "line":
            lines[0] += 1
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename == module.__file__ else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        parse(template)
    except JSONPathError:
        pass
    finally:
        sys.settrace(previous)
    return lines[0]


STEPS_PER_CHARACTER = 25  # measured: under 18 for any template; a backtracking or rescanning parser needs thousands


def templates():
    """Generated templates: text from the characters the grammar reacts to, and well-formed actions that nest
    paths, brackets and filters."""
    from hypothesis import strategies as st

    noise = st.text(alphabet="{}[]'\".$@*?()=!<>,:- 019ab\\\t", max_size=160).map(lambda t: "{" + t + "}")
    name = st.sampled_from(["a", "items", "metadata", "*", "x y"])
    path = st.deferred(lambda: st.lists(step, min_size=1, max_size=6).map("".join))
    step = st.one_of(name.map(lambda n: "." + n), name.map(lambda n: ".." + n),
                     st.sampled_from(["[0]", "[-1]", "[1:3]", "[::2]", "[0,1]", "['a','b']", "[*]", "['"]),
                     st.tuples(path, st.sampled_from(["==", "!=", "<", " >= ", ""]),
                               st.sampled_from(['"x"', "1", "@.b", ""])).map(lambda t: f"[?(@{t[0]}{t[1]}{t[2]})]"))
    action = path.map(lambda p: "{" + p + "}")
    return st.one_of(noise, st.lists(st.one_of(action, st.just("{range .items[*]}"), st.just("{end}"),
                                               st.just("text")), max_size=8).map("".join))


def test_parsing_costs_steps_linear_in_the_template():
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(templates())
    def linear(template):
        assert parse_steps(template) <= STEPS_PER_CHARACTER * (len(template) + 1), template

    linear()
    # what hung before: 40 quotes in a bracket backtracked exponentially; nested filters were rescanned
    for template in ["{['" + "'" * 40 + "}", "{.x" + "[?(@.a" * 300 + ")]" * 300 + "}", "{.a" + "[0]" * 2000 + "}",
                     "{range .x}" * 500 + "{end}" * 500]:
        assert parse_steps(template) <= STEPS_PER_CHARACTER * (len(template) + 1), template[:40]
    with pytest.raises(JSONPathError, match="nested more than 32 deep"):
        parse("{.x" + "[?(@.a" * 300 + ")]" * 300 + "}")  # an error, not a RecursionError
    with pytest.raises(UsageError, match="--sort-by: error parsing jsonpath .*unterminated"):
        from kubectl_expose_ext.printers import parse_sort_by

        parse_sort_by("{['" + "'" * 41 + "}")


def test_a_template_that_selects_too_much_is_an_error_not_a_hang():
    """Evaluating `..*` after `..*` grows as the document's size to the power of the steps: bounded, one error."""
    deep = {"a": [{"b": [{"c": list(range(30))} for _ in range(30)]} for _ in range(30)]}
    assert len(render(parse("{..c[*]}"), deep).split()) == 30 * 30 * 30  # a big but honest selection works
    chain: dict = {}
    for _ in range(300):  # 300 levels: each `..*` selects every value under each value before it
        chain = {"a": chain}
    with pytest.raises(UsageError, match="the template selects more than 1,000,000 values"):
        render(parse("{..*..*..*..*}"), chain)
    with pytest.raises(UsageError, match="selects more than"):
        render(parse("{range ..*}{range ..*}{range ..*}{.x}{end}{end}{end}"), chain)
