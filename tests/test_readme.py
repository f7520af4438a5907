"""The README's example transcripts are real: each is produced again here and must appear verbatim."""

import os
import pathlib

import pytest

from support import OTHER_DOOR_GROUPS

pytestmark = pytest.mark.both_backends
ROOT = pathlib.Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
# the README and the pages it links (docs/): every transcript and generated table in them is checked here
DOCS = README + "".join(page.read_text() for page in sorted((ROOT / "docs").glob("*.md")))


def assert_documented(transcript: str, command: str) -> None:
    """The transcript appears verbatim in the README or a docs page. With REGEN_DOCS=1, a stale one (the block from
    its `$ kubectl reach COMMAND` line to the next `$ ` line or the end of its code block) is rewritten first: the
    change then shows in `git diff`, for review."""
    if transcript not in DOCS and os.environ.get("REGEN_DOCS") == "1":
        header = "\n" + transcript.split("\n", 1)[0] + "\n"
        for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
            text = page.read_text()
            at = text.find(header)
            if at < 0:
                continue
            start = at + 1
            ends = [i + 1 for i in (text.find("\n$ ", start),) if i >= 0] + [text.find("```", start)]
            end = min(i for i in ends if i > start)
            page.write_text(text[:start] + transcript + ("\n" if text.startswith("$ ", end) else "") + text[end:])
            return
    assert transcript in DOCS, f"README is stale for `kubectl reach {command}`; it prints:\n{transcript}"

CASES = [  # (fixture, namespace, command)
    ("demo", "default", ""),
    ("demo", "default", "pod/influxdb"),
    ("demo", "default", "audit"),
    ("realworld.yaml", "shop", "deploy/api -n shop"),
    ("realworld.yaml", "shop", "pod/lonely -n shop"),
    ("gateway.yaml", "shop", "svc/web -n shop"),
    ("gateway.yaml", "shop", "tlsroute/secure -n shop"),
    ("gateway.yaml", "shop", "httproute/web-legacy -n shop"),
    ("realworld.yaml", "shop", "svc/pending-lb -n shop --wait=2s -o url"),
    ("loadbalancers.yaml", "lb", "svc/eks-nlb -n lb"),
    ("loadbalancers.yaml", "lb", "svc/port-error -n lb -o url"),
    ("demo", "default", "explain svc/influxdb-lb"),
    ("realworld.yaml", "shop", "explain svc/pending-lb -n shop"),
    ("gateway.yaml", "shop", "explain httproute/web-legacy -n shop"),
]


@pytest.mark.parametrize("fixture, namespace, command", CASES, ids=[c[2] or "(listing)" for c in CASES])
def test_readme_transcript(api_factory, fixture, namespace, command):
    if fixture == "demo":
        from kubectl_expose_ext.demo import demo_cluster

        api = api_factory(cluster=demo_cluster(), namespace=namespace)
    else:
        absent = ("route.openshift.io", *OTHER_DOOR_GROUPS) if fixture == "realworld.yaml" else ()
        api = api_factory(fixture, namespace=namespace, absent=absent)
    out = api.reach(*command.split())
    transcript = f"$ kubectl reach {command}".rstrip() + "\n" + out.out + out.err
    assert_documented(transcript, command)


def test_readme_opens_with_the_demo_and_the_test_command_ci_runs():
    block = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    demo, tests = (line.split("#")[0].strip() for line in block[:2])
    assert demo == "pip install . && kubectl-reach demo"
    assert tests == "pip install '.[test]' && pytest"
    ci = [line.strip() for line in (pathlib.Path(__file__).parent.parent / ".ci" / "run").read_text().splitlines()]
    assert "python -m pip install --quiet '.[test]'" in ci and "pytest" in ci


@pytest.mark.fake_only("the demo's uids and timestamps are the fake's; a real server makes its own")
def test_readme_convert_transcript(demo_api):
    command = "convert svc/influxdb --to clusterip --dry-run"
    out = demo_api.reach(*command.split())
    transcript = f"$ kubectl reach {command}\n" + out.out + out.err
    assert_documented(transcript, command)


def test_readme_lists_the_audit_checks_of_the_code():
    from kubectl_expose_ext.audit import checks_markdown

    assert checks_markdown() in DOCS, "README's table of audit checks is stale: regenerate it from audit.CHECKS"


def test_help_lists_every_kind_check_and_strategy(demo_api):
    from kubectl_expose_ext.audit import CHECKS
    from kubectl_expose_ext.convert.strategies import STRATEGIES
    from kubectl_expose_ext.kinds import TARGETS

    show = " ".join(demo_api.reach("show", "--help").out.split())
    types = show.split("TYPE is ", 1)[1].split(". ", 1)[0].replace(" or ", ", ").split(", ")
    assert types == [k.short for k in TARGETS], show
    audit = " ".join(demo_api.reach("audit", "--help").out.split())
    assert all(c.id in audit and c.summary in audit for c in CHECKS), audit
    convert = demo_api.reach("convert", "--help").out
    assert all(s.to in convert for s in STRATEGIES), convert


def test_readme_lists_every_flag_of_the_code():
    from kubectl_expose_ext.cli import flags_markdown

    assert flags_markdown() in DOCS, "README's flag table is stale: regenerate it with cli.flags_markdown()"


@pytest.mark.fake_only("several API servers at once: the fake's")
def test_readme_many_clusters_transcript(tmp_path):
    from kubectl_expose_ext.demo import demo_cluster
    from kubectl_expose_ext.demo.apiserver import FakeAPIServer
    from support import run_installed

    servers = [FakeAPIServer(demo_cluster()).start() for _ in range(2)]
    try:
        names = ["prod-eu", "prod-us"]
        lines = ["apiVersion: v1", "kind: Config", "current-context: prod-eu", "clusters:"]
        lines += [f"- {{name: {n}, cluster: {{server: '{s.url}'}}}}" for n, s in zip(names, servers)]
        lines += ["- {name: staging, cluster: {server: 'http://127.0.0.1:1'}}", "users:",
                  "- {name: u, user: {}}", "contexts:"]
        lines += [f"- {{name: {n}, context: {{cluster: {n}, user: u, namespace: default}}}}" for n in names]
        lines += ["- {name: staging, context: {cluster: staging, user: u, namespace: default}}"]
        (tmp_path / "config").write_text("\n".join(lines) + "\n")
        command = "svc/influxdb-lb --all-contexts"
        done = run_installed(["kubectl-reach", *command.split()], {**os.environ, "KUBECONFIG": str(tmp_path / "config")})
    finally:
        for server in servers:
            server.stop()
    assert done.returncode == 1
    transcript = f"$ kubectl reach {command}\n" + done.stdout + done.stderr
    assert_documented(transcript, command)


def test_readme_links_every_docs_page_and_each_link_resolves():
    import re

    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    linked = set(re.findall(r"\]\(docs/([\w.-]+\.md)\)", README))
    assert linked == pages, f"README links {sorted(linked)}, docs/ has {sorted(pages)}"
    for page in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\((\.\./[\w./-]+|[\w-]+\.md)(?:#[\w-]+)?\)", page.read_text()):
            assert (page.parent / target).exists(), f"{page.name} links {target}, which does not exist"


def test_ci_runs_every_python_the_readme_promises():
    import re

    ci = (ROOT / ".ci" / "run").read_text()
    promised = re.search(r"CI runs the whole suite on ([\d., and]+)\)", README).group(1)
    versions = re.findall(r"3\.\d+", promised)
    assert re.search(r"^PYTHONS=\((.*)\)$", ci, re.M).group(1).split() == versions
    assert "3.9" in versions, "the oldest Python of requires-python must be tested"


def test_the_exit_codes_are_documented_from_their_enum():
    from kubectl_expose_ext.exitcodes import ExitCode, help_lines, markdown

    assert markdown() in DOCS, "docs/usage.md's exit-code table is stale: regenerate it from exitcodes.markdown()"
    from kubectl_expose_ext.cli import cli

    assert help_lines("  ") in cli.help
    assert {c.value for c in ExitCode} == {0, 1, 2, 3, 4, 130}


def test_no_exit_code_literal_is_left_in_the_commands():
    """Exit codes are decided in one place: the commands, the CLI and the engine return ExitCode members."""
    import re

    package = ROOT / "kubectl_expose_ext"
    for path in [package / "cli.py", package / "convert" / "engine.py", package / "contexts.py",
                 package / "demo" / "__init__.py", *sorted((package / "commands").glob("*.py"))]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not re.search(r"\breturn (0|1|2|3|4|130)\b(?!\.)|exit_code = \d", line), f"{path.name}:{number}: {line}"


# --- docs/integrations.md --------------------------------------------------------------------------------------------

def test_integrations_diff_transcript(demo_api, monkeypatch):
    monkeypatch.chdir(ROOT / "tests" / "fixtures")  # the command names the manifest as the page shows it
    command = "diff -f service-lb.yaml"
    out = demo_api.reach(*command.split())
    assert out.code == 1
    assert_documented(f"$ kubectl reach {command}\n" + out.out + out.err, command)


@pytest.mark.fake_only("the document names the kubeconfig context: the fake's is `fake`")
def test_integrations_headlamp_transcript(demo_api):
    command = "svc/influxdb-lb -o headlamp"
    out = demo_api.reach(*command.split())
    assert_documented(f"$ kubectl reach {command}\n" + out.out + out.err, command)


def test_integrations_declared_links_transcript(demo_api):
    for kind, name, annotations in (
            ("Ingress", "influxdb", {"link.argocd.argoproj.io/ui": "InfluxDB UI|https://influxdb.example.com/orgs/1",
                                     "kubectl-reach/primary-url": "https://influxdb.example.com/orgs/1"}),
            ("Service", "influxdb", {"link.argocd.argoproj.io/grafana": "https://grafana.example.com/d/influxdb",
                                     "link.argocd.argoproj.io/api": "http://203.0.113.10:8086/"})):
        obj = demo_api.get(kind, name)
        obj["metadata"]["annotations"] = annotations
        for key in ("uid", "creationTimestamp", "generation"):
            obj["metadata"].pop(key, None)
        demo_api.add(obj)
    command = "svc/influxdb"
    out = demo_api.reach(command)
    assert_documented(f"$ kubectl reach {command}\n" + out.out + out.err, command)


def test_integrations_mcp_tools_are_documented():
    from kubectl_expose_ext.mcp_server import tools_markdown

    assert tools_markdown() in DOCS, "docs/integrations.md's MCP tool table is stale: regenerate it with tools_markdown()"
