"""`kubectl reach mcp`: tested end to end through the official SDK's own client over stdio (tests/mcp_run.py) against
the demo's fake API server: the tools listed with their JSON schemas, each answering with the document `-o json`
prints, probe and convert only behind their start flags, convert a dry run unless confirmed. The SDK needs Python
3.10+: these tests skip on 3.9 by Python version, and on 3.9 the command says which Python it needs."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from kubectl_expose_ext.mcp_server import TOOLS, requirement_error
from support import needs, outside_checkout, plugin_path, run_installed

HERE = pathlib.Path(__file__).parent
NEW_ENOUGH = sys.version_info >= (3, 10)
sdk = pytest.mark.skipif(not NEW_ENOUGH, reason="the mcp SDK needs Python 3.10+ (on 3.9 the command says so, "
                                               "test_python_3_9_is_told_which_python_it_needs)")


def session(request: dict, netns: bool = False) -> dict:
    """One MCP session (tests/mcp_run.py), with the installed kubectl-reach as the server."""
    try:
        import mcp  # noqa: F401
    except ImportError:
        needs(False, "the mcp SDK (pip install '.[test]' installs it on Python 3.10+)")
    request = {"command": os.path.join(plugin_path(), "kubectl-reach"), **request}
    command = [sys.executable, str(HERE / "mcp_run.py")]
    if netns:
        needs(shutil.which("unshare") is not None and shutil.which("ip") is not None, "needs unshare and ip")
        command = ["unshare", "-rn", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" "{HERE / "mcp_run.py"}"']
    done = subprocess.run(command, input=json.dumps(request), capture_output=True, text=True, timeout=300,
                          cwd=outside_checkout())
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@sdk
def test_an_mcp_client_lists_the_tools_and_gets_the_demos_urls():
    seen = session({"calls": [["urls", {"target": "svc/influxdb-lb"}], ["exposure", {}], ["audit", {}],
                              ["urls", {"target": "influxdb", "namespace": "default"}],
                              ["explain", {"target": "svc/influxdb-lb"}]],
                    "cli": [["svc/influxdb-lb", "-o", "json"], ["-o", "json"], ["audit", "-o", "json"],
                            ["influxdb", "-n", "default", "-o", "json"], ["explain", "svc/influxdb-lb", "-o", "json"]]})
    assert seen["server"]["name"] == "kubectl-reach"
    tools = {t["name"]: t for t in seen["tools"]}
    assert list(tools) == ["urls", "explain", "exposure", "audit"]  # read-only by default: no probe, no convert
    assert tools["urls"]["inputSchema"]["required"] == ["target"]
    assert set(tools["audit"]["inputSchema"]["properties"]) == {"namespace", "all_namespaces", "selector"}
    assert all(t["annotations"]["readOnlyHint"] is True for t in seen["tools"])
    for result, printed in zip(seen["results"], seen["cli"]):
        assert result["isError"] is False
        assert result["structured"] == json.loads(printed)  # the very document -o json prints
    urls = [e["url"] for e in seen["results"][0]["structured"]["endpoints"]]
    assert urls == ["http://198.51.100.20:8086", "http://203.0.113.10:31086", "http://203.0.113.11:31086"]
    assert seen["writes"] == []


@sdk
def test_errors_are_tool_errors_and_an_argument_is_never_a_flag():
    seen = session({"calls": [["urls", {"target": "svc/nope"}], ["urls", {"target": "--kubeconfig=/etc/passwd"}],
                              ["urls", {"target": "-A"}], ["urls", {}], ["urls", {"target": "svc/x", "bogus": 1}],
                              ["audit", {"all_namespaces": "yes"}], ["probe", {"target": "svc/influxdb"}],
                              ["convert", {"target": "svc/influxdb", "to": "clusterip"}], ["whois", {}]]})
    texts = [(r["isError"], r["text"]) for r in seen["results"]]
    assert texts == [
        (True, 'error: services "nope" not found'),
        (True, 'error: invalid target "--kubeconfig=/etc/passwd": arguments in resource/name form must have a single '
               "resource and name"),
        (True, 'error: invalid resource name "-A": must be lower case alphanumeric characters, \'-\' or \'.\', start '
               "and end with an alphanumeric character, at most 253 characters"),
        (True, 'error: urls: the argument "target" is required'),
        (True, 'error: urls: unknown argument "bogus" (it takes namespace, target)'),
        (True, 'error: audit: the argument "all_namespaces" must be a boolean'),
        (True, 'error: the tool "probe" is off: start the server with --allow-probe'),
        (True, 'error: the tool "convert" is off: start the server with --allow-convert'),
        (True, 'error: no tool "whois" (there are: urls, explain, exposure, audit)')]


@sdk
def test_convert_is_a_dry_run_unless_confirmed():
    seen = session({"server_args": ["--allow-convert"],
                    "calls": [["convert", {"target": "svc/influxdb", "to": "clusterip"}],
                              ["convert", {"target": "svc/influxdb-lb", "to": "loadbalancer",
                                           "source_range": ["203.0.113.0/24"]}]],
                    "get": [["Service", "influxdb"], ["Service", "influxdb-lb"]]})
    tools = {t["name"]: t for t in seen["tools"]}
    assert list(tools) == ["urls", "explain", "exposure", "audit", "convert"]
    convert = tools["convert"]
    assert convert["annotations"]["readOnlyHint"] is False and convert["annotations"]["destructiveHint"] is True
    assert convert["inputSchema"]["required"] == ["target", "to"]
    assert convert["inputSchema"]["properties"]["source_range"]["type"] == "array"  # from the convert flags
    assert {"confirm", "node_port", "host", "tls_secret", "lb_class"} <= set(convert["inputSchema"]["properties"])
    preview = seen["results"][0]
    assert preview["isError"] is False and preview["structured"]["applied"] is False
    assert "-  type: NodePort\n+  type: ClusterIP" in preview["structured"]["dryRun"]["diff"]
    assert "URLs removed:\n  - http://203.0.113.10:30000" in preview["text"]
    assert preview["text"].endswith("Nothing was changed: call again with confirm: true to make this change.")
    assert seen["objects"]["Service/influxdb"]["spec"]["type"] == "NodePort"
    assert seen["objects"]["Service/influxdb-lb"].get("spec", {}).get("loadBalancerSourceRanges") is None
    assert all(dry for _, _, dry in seen["writes"])

    confirmed = session({"server_args": ["--allow-convert"],
                         "calls": [["convert", {"target": "svc/influxdb", "to": "clusterip", "confirm": True}]],
                         "get": [["Service", "influxdb"]]})
    result = confirmed["results"][0]
    assert result["isError"] is False and result["structured"]["applied"] is True
    assert confirmed["objects"]["Service/influxdb"]["spec"]["type"] == "ClusterIP"
    assert [dry for method, path, dry in confirmed["writes"]] == [True, True, False]  # previewed, dry run, change


@sdk
def test_probe_only_when_allowed_and_from_this_machine():
    """Run in a network namespace with only lo: the demo's documentation addresses lead nowhere from here."""
    seen = session({"server_args": ["--allow-probe"],
                    "calls": [["probe", {"target": "svc/influxdb-lb", "timeout": "300ms"}]]}, netns=True)
    assert [t["name"] for t in seen["tools"]] == ["urls", "explain", "exposure", "audit", "probe"]
    assert next(t for t in seen["tools"] if t["name"] == "probe")["annotations"]["openWorldHint"] is True
    result = seen["results"][0]
    assert result["isError"] is False  # nothing answered: an answer (exit code 3), not an error
    probes = [e["probe"]["status"] for e in result["structured"]["endpoints"]]
    assert probes and all(status not in ("ok",) for status in probes), probes


def test_the_requirements_are_said():
    assert requirement_error((3, 9, 18)) == (
        "kubectl reach mcp needs Python 3.10 or newer (the MCP SDK does); this is Python 3.9.18: install "
        "kubectl-reach with a newer Python, e.g. pipx install --python python3.12 'kubectl-reach[mcp]'")
    assert [t.name for t in TOOLS] == ["urls", "explain", "exposure", "audit", "probe", "convert"]


@pytest.mark.skipif(NEW_ENOUGH, reason="Python 3.9 only: newer ones run the server")
def test_python_3_9_is_told_which_python_it_needs(demo_api):
    done = run_installed(["kubectl-reach", "mcp"], demo_api.env())
    assert done.returncode == 1
    assert done.stderr.startswith("error: kubectl reach mcp needs Python 3.10 or newer (the MCP SDK does); this is "
                                  "Python 3.9.")


@sdk
def test_without_the_extra_it_says_how_to_get_it(demo_api):
    script = ("import sys; sys.modules['mcp'] = None\n"  # as if the extra were not installed
              "from kubectl_expose_ext.cli import run\nsys.exit(run(['mcp']))")
    done = subprocess.run([sys.executable, "-c", script], env=demo_api.env(), capture_output=True, text=True,
                          timeout=60, cwd=outside_checkout())
    assert (done.returncode, done.stderr) == (1, "error: kubectl reach mcp needs the MCP SDK, an optional extra: "
                                                 "pip install 'kubectl-reach[mcp]'\n")
