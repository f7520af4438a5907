"""What pip users get: the suite runs the install, the wheel and sdist carry everything, fresh venvs on 3.9 and 3.13.

`pip install .` once shipped a wheel without `convert/` while every test passed, because the tests imported the
checkout. These tests fail when that can happen again.
"""

import re
import email
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

import kubectl_expose_ext
from kubectl_expose_ext import __version__
from support import IN_CI, ROOT, needs, outside_checkout, pythons, run_installed

PACKAGE = ROOT / "kubectl_expose_ext"


def test_the_suite_imports_the_installed_package_not_the_checkout():
    imported = pathlib.Path(kubectl_expose_ext.__file__).resolve()
    inside = ROOT in imported.parents
    if IN_CI:
        assert not inside, (f"the tests imported {imported}, the checkout, instead of the installed package: "
                            "run the README's test command (`pytest`, not `python -m pytest`)")
    elif inside:
        pytest.skip(f"development install ({imported} is the checkout, e.g. pip install -e)")
    assert (imported.parent / "commands" / "convert.py").is_file()


def source_tree() -> set:
    """Every file the package consists of, relative to the checkout: modules, subpackages and data files."""
    return {path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo")}


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """The sdist, and the wheel built from that sdist (what `python -m build` does, so both are proven at once)."""
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                           capture_output=True, text=True, timeout=600, cwd=outside_checkout())
    needs(build.returncode == 0 or "Could not find a version" not in build.stderr, "PyPI is unreachable")
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


@pytest.mark.slow
def test_the_wheel_holds_every_subpackage_and_data_file(dists):
    wheel, _ = dists
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = email.message_from_bytes(archive.read(f"kubectl_reach-{__version__}.dist-info/METADATA"))
        entry_points = archive.read(f"kubectl_reach-{__version__}.dist-info/entry_points.txt").decode()
    missing = source_tree() - names
    assert not missing, f"the wheel lacks {sorted(missing)}"
    assert {"kubectl_expose_ext/commands/convert.py", "kubectl_expose_ext/convert/strategies.py", "kubectl_expose_ext/demo/cluster.yaml"} <= names
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    assert "kubectl-reach = kubectl_expose_ext.launch:main" in entry_points
    assert "kubectl_complete-reach = kubectl_expose_ext.cli:complete_main" in entry_points
    assert metadata["Version"] == __version__ and metadata["Requires-Python"] == ">=3.9"
    required = {line.split(">")[0].split("=")[0].strip().lower() for line in metadata.get_all("Requires-Dist")
                if "extra ==" not in line}
    assert required == {"click", "kubernetes", "pyyaml", "tabulate", "urllib3"}
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL"))
    assert urls["Issues"].startswith("https://") and "Homepage" in urls
    assert "Programming Language :: Python :: 3.9" in metadata.get_all("Classifier")


@pytest.mark.slow
def test_the_sdist_carries_what_building_and_testing_need(dists):
    _, sdist = dists
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE", "plugin.yaml", "MANIFEST.in",
                   "tests/conftest.py", "tests/support.py", "tests/fixtures/realworld.yaml",
                   "tests/test_packaging.py", "docs/usage.md", "krew/build.py", "krew/requirements.lock", "krew/plugins/reach.yaml",
                   "bench/run.py", ".ci/run"):
        assert needed in names, needed
    assert source_tree() <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.both_backends
def test_installed_console_script_converts_and_undoes(demo_api):
    """convert --dry-run, convert, undo --dry-run and undo through the installed `kubectl-reach`, outside the checkout."""
    def reach(*args):
        return run_installed(["kubectl-reach", *args], demo_api.env())

    out = reach("convert", "svc/influxdb", "--to", "clusterip", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "+  type: ClusterIP" in out.stdout and "Dry run: nothing was changed" in out.stderr
    assert demo_api.get("Service", "influxdb")["spec"]["type"] == "NodePort"
    assert reach("convert", "svc/influxdb", "--to", "clusterip", "--yes").returncode == 0
    out = reach("undo", "svc/influxdb", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "+  type: NodePort" in out.stdout and "http://203.0.113.10:30000" in out.stdout
    assert demo_api.get("Service", "influxdb")["spec"]["type"] == "ClusterIP"
    out = reach("undo", "svc/influxdb", "--yes")
    assert out.returncode == 0, out.stderr
    assert demo_api.get("Service", "influxdb")["spec"]["type"] == "NodePort"
    out = run_installed(["kubectl_complete-reach", "convert", "svc/"], demo_api.env())
    assert out.stdout.splitlines() == ["svc/influxdb", "svc/influxdb-ext", "svc/influxdb-lb", "svc/kubernetes", ":4"]


@pytest.fixture
def package_without_convert(tmp_path):
    """The installed package with `convert/` missing: the wheel this project once shipped."""
    copy = tmp_path / "site" / "kubectl_expose_ext"
    shutil.copytree(pathlib.Path(kubectl_expose_ext.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(copy / "convert")
    return {**os.environ, "PYTHONPATH": str(copy.parent)}


def test_an_internal_error_names_exception_module_and_tracker_in_one_line(demo_api, package_without_convert):
    env = {**package_without_convert, "KUBECONFIG": demo_api.kubeconfig}
    command = [sys.executable, "-m", "kubectl_expose_ext", "convert", "svc/influxdb", "--to", "nodeport", "--dry-run"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, cwd=outside_checkout())
    assert out.returncode == 1
    assert out.stderr == ("error: internal error (ModuleNotFoundError for module kubectl_expose_ext.convert "
                          "in kubectl_expose_ext.commands.convert); please report it at "
                          "https://github.com/kubectl-reach/kubectl-reach/issues with the command you ran "
                          "(-v shows the traceback)\n")
    for flag in (["-v6"], ["-v=6"], ["--v=6"], ["-v", "6"]):
        out = subprocess.run([*command, *flag], env=env, capture_output=True, text=True, timeout=60,
                             cwd=outside_checkout())
        assert out.stderr.startswith("Traceback (most recent call last):"), flag
        assert out.stderr.splitlines()[-1].startswith("error: internal error (ModuleNotFoundError"), flag


@pytest.mark.slow
@pytest.mark.parametrize("which", ["oldest", "newest"])
def test_pip_install_into_a_fresh_venv(dists, tmp_path, which, demo_api):
    """The issue's "done when": a fresh venv per Python, `pip install` the wheel, then demo, convert, undo from /."""
    python = pythons().get(which)
    needs(python is not None, f"no {which} Python (3.9 and the newest are under ~/.pyenv/versions on these machines)")
    wheel, _ = dists
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                              "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "KUBECONFIG": demo_api.kubeconfig}

    def reach(*args):
        return subprocess.run([str(venv / "bin" / "kubectl-reach"), *args], env=env, capture_output=True, text=True,
                              timeout=120, cwd="/")

    out = reach("demo")
    assert out.returncode == 0, out.stderr
    assert re.search(r"LoadBalancer +http://198\.51\.100\.20:8086", out.stdout)
    out = reach("convert", "svc/influxdb", "--to", "loadbalancer", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "+  type: LoadBalancer" in out.stdout
    assert reach("convert", "svc/influxdb", "--to", "clusterip", "--yes").returncode == 0
    out = reach("undo", "svc/influxdb", "--yes")
    assert out.returncode == 0, out.stderr
    assert demo_api.get("Service", "influxdb")["spec"]["type"] == "NodePort"
