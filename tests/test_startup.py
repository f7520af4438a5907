"""Start-up: a command imports what it uses, nothing more (`python -X importtime`, the installed package)."""

import subprocess
import sys

import pytest

from support import outside_checkout

HEAVY = ("kubernetes", "urllib3", "yaml", "tabulate", "ssl", "socket", "ipaddress", "json",
         "kubectl_expose_ext.kube", "kubectl_expose_ext.audit", "kubectl_expose_ext.reach", "kubectl_expose_ext.probe")


def imported(*argv):
    code = f"import sys; sys.argv = {['kubectl-reach', *argv]!r}; from kubectl_expose_ext.cli import main; main()"
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=outside_checkout())
    return {line.split("|")[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["version"], ["show", "--help"], ["completion", "bash"]])
def test_help_and_version_import_no_heavy_module(argv):
    modules = imported(*argv)
    assert "click" in modules or argv in (["--version"], ["version"])  # the measurement itself works
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY) == []
