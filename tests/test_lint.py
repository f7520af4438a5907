"""Lint and types of the source tree, with the configuration committed in pyproject.toml: CI runs both."""

import shutil
import subprocess
import sys
from pathlib import Path

from support import ROOT, needs


def tool(name):
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    needs(found is not None, f"{name} is not installed (pip install '.[test]')")
    return found


def test_ruff_passes():
    out = subprocess.run([tool("ruff"), "check", "kubectl_expose_ext", "tests", "bench"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_passes():
    out = subprocess.run([tool("mypy")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success: no issues found" in out.stdout
