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


def test_no_shell_pipeline_can_die_of_sigpipe():
    """Under `set -o pipefail`, `cmd | head -1` fails at random (exit 141) when head exits before cmd is done writing:
    it stopped CI before pytest. The scripts CI runs read a command's output whole instead."""
    import re

    scripts = [ROOT / ".ci" / "run", *sorted((ROOT / "tests" / "realcluster").glob("*.sh"))]
    for script in scripts:
        for number, line in enumerate(script.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            assert not re.search(r"\|\s*(head|grep\s+-q|sed\s+-n\s*['\"]?\d+q)\b", code), \
                f"{script.relative_to(ROOT)}:{number}: a pipeline into a reader that stops early: {line.strip()}"
