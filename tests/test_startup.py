"""Start-up: a command imports what it uses, nothing more (`python -X importtime`, the installed package)."""

import os
import pathlib
import subprocess
import sys

import pytest

from support import outside_checkout, run_installed

HEAVY = ("kubernetes", "urllib3", "yaml", "tabulate", "ssl", "socket", "ipaddress", "json",
         "kubectl_expose_ext.kube", "kubectl_expose_ext.audit", "kubectl_expose_ext.reach", "kubectl_expose_ext.probe")


def imported(*argv, env=None):
    code = f"import sys; sys.argv = {['kubectl-reach', *argv]!r}; from kubectl_expose_ext.launch import main; main()"
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=outside_checkout(), env=env)
    return {line.split("|")[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["version", "--client"], ["show", "--help"], ["completion", "bash"]])
def test_help_and_version_import_no_heavy_module(argv):
    modules = imported(*argv)
    assert ("click" in modules) == (argv not in (["--help"], ["--version"], ["version", "--client"]))  # launch.py answers those
    assert "kubectl_expose_ext.launch" in modules  # the measurement itself works
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY) == []


OTHER_COMMANDS = tuple(f"kubectl_expose_ext.commands.{c}" for c in ("audit", "convert", "diff", "explain", "mcp", "version",
                                                                   "demo"))
NOT_FOR_A_TARGET = ("kubernetes", "kubectl_expose_ext.audit", "kubectl_expose_ext.explain", "kubectl_expose_ext.probe",
                    "kubectl_expose_ext.probepod", "kubectl_expose_ext.convert", "kubectl_expose_ext.mcp_server",
                    "kubectl_expose_ext.completion", "subprocess", "shlex")


@pytest.mark.parametrize("argv", [["svc/influxdb"], ["svc/influxdb", "-o", "url"], ["svc", "influxdb", "--probe=false"]])
def test_a_target_view_imports_only_what_it_runs(demo_api, argv):
    """`kubectl reach svc/x` imports show's modules: no other command's (issue 30: all were imported, ~40 ms), nor
    what only they, an exec plugin, --probe or --fallback need."""
    modules = imported(*argv, env=demo_api.env())
    assert "kubectl_expose_ext.commands.show" in modules and "urllib3" in modules  # it ran, and asked the server
    assert sorted(m for m in modules if m in OTHER_COMMANDS) == []
    assert sorted(m for m in modules if m.split(".")[0] in NOT_FOR_A_TARGET or m in NOT_FOR_A_TARGET) == []


def answer(argv, columns, through_click=False):
    """The installed console script (launch.main), or the same arguments straight through click (cli.main)."""
    command = ["kubectl-reach", *argv] if not through_click else [
        sys.executable, "-c", "from kubectl_expose_ext.cli import main; main()", *argv]
    env = {**os.environ, "COLUMNS": str(columns)} if columns else {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return run_installed(command, env=env, timeout=60)


@pytest.mark.parametrize("columns", [None, 40, 80, 95, 140, 200])
@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["help"], ["--version"], ["version", "--client"]])
def test_answers_without_click_are_clicks_answers(argv, columns):
    """launch.py's pre-rendered text is what click prints, at any width (issue 30: 40 to 200 columns)."""
    fast, slow = answer(argv, columns), answer(argv, columns, through_click=True)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.returncode, slow.stdout, slow.stderr)
    assert fast.returncode == 0 and fast.stdout.startswith("kubectl reach v" if "version" in argv[0] else "Usage: kubectl reach")


def test_rendered_help_is_current():
    from kubectl_expose_ext import helptext
    from kubectl_expose_ext.cli import rendered_help

    assert rendered_help() == pathlib.Path(helptext.__file__).read_text(), \
        "kubectl_expose_ext/helptext.py is stale: run `python krew/build.py` and commit the result"


def test_every_width_is_rendered_and_click_is_not_imported_for_it():
    """From 40 to 200 columns, --help is answered from helptext.py: click is never imported (it was, at 81-109)."""
    for columns in (40, 52, 81, 95, 109, 110, 200):
        code = ("import os, sys; os.environ['COLUMNS'] = %r; sys.argv = ['kubectl-reach', '--help']; "
                "from kubectl_expose_ext.launch import main; main(); assert 'click' not in sys.modules") % str(columns)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                              cwd=outside_checkout())
        assert done.returncode == 0 and done.stdout.startswith("Usage: kubectl reach"), (columns, done.stderr)
