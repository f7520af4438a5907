"""What the tests share besides fixtures and object builders: the installed executables, the checkout, CI rules.

The suite tests what users install. `pytest` (the console script) does not put the checkout on sys.path, and
tests/ has no __init__.py, so `import kubectl_expose_ext` is the installed package; the executables run from
a directory outside the checkout, so nothing there can stand in for what pip installed.
"""

import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"

requires_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl binary on PATH")


def needs(condition: bool, reason: str) -> None:
    """Skip when a prerequisite is missing, except under CI, where a missing prerequisite is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing prerequisite is a failure, not a skip)")
    pytest.skip(reason)


def plugin_path() -> str:
    """The directory holding the installed `kubectl-reach` (pip puts it beside the interpreter's scripts)."""
    for directory in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        if os.path.exists(os.path.join(directory, "kubectl-reach")):
            return directory
    found = shutil.which("kubectl-reach")
    assert found, "kubectl-reach is not installed: run `pip install .` first"
    return os.path.dirname(found)


def outside_checkout() -> str:
    """A working directory that is not the checkout, nor inside it."""
    directory = os.path.join(tempfile.gettempdir(), "kubectl-reach-tests-cwd")
    os.makedirs(directory, exist_ok=True)
    assert ROOT not in pathlib.Path(directory).resolve().parents
    return directory


def run_installed(args, env=None, timeout=120, **kwargs) -> subprocess.CompletedProcess:
    """Run an installed executable (kubectl-reach, kubectl_complete-reach, kubectl...) outside the checkout."""
    env = dict(os.environ if env is None else env)
    env["PATH"] = plugin_path() + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONPATH", None)
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=kwargs.pop("cwd", outside_checkout()), **kwargs)


def pythons() -> dict:
    """{"oldest": path, "newest": path}: the oldest Python the README promises (3.9) and the newest installed,
    from pyenv's versions (these machines have 3.9-3.13 there) or python3.N on PATH."""
    import re

    found = {}
    root = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv")) / "versions"
    for directory in sorted(root.glob("3.*")) if root.is_dir() else ():
        match = re.fullmatch(r"3\.(\d+)\.\d+", directory.name)
        if match and (directory / "bin" / "python3").exists():
            found[int(match.group(1))] = str(directory / "bin" / "python3")
    for minor in range(9, 20):
        on_path = shutil.which(f"python3.{minor}")
        if on_path and minor not in found:
            found[minor] = on_path
    usable = {minor: path for minor, path in found.items() if minor >= 9}
    result = {}
    if 9 in usable:
        result["oldest"] = usable[9]
    if usable and max(usable) > 9:
        result["newest"] = usable[max(usable)]
    return result


def on_terminal(api, args, answer, env_extra=None, timeout=60):
    """Run the CLI on a pseudo-terminal, answer its question, return everything it printed."""
    import os
    import select
    import subprocess
    import sys
    import time

    master, slave = os.openpty()
    env = {**api.env(), "TERM": "xterm", **(env_extra or {})}
    env.pop("NO_COLOR", None) if "NO_COLOR" not in (env_extra or {}) else None
    process = subprocess.Popen([sys.executable, "-m", "kubectl_expose_ext", *args], stdin=slave, stdout=slave,
                               stderr=slave, env=env, close_fds=True)
    os.close(slave)
    output, deadline, answered = b"", time.time() + timeout, False
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if not answered and b"[y/N]" in output:
            os.write(master, answer)
            answered = True
        if process.poll() is not None and not ready:
            break
    process.wait(timeout=10)
    os.close(master)
    return process.returncode, output.decode()


def kubeconfig_file(path, cluster: str, user: str = "{}") -> str:
    """A one-context kubeconfig at `path`; `cluster` and `user` are flow-style YAML maps."""
    path.write_text(f"""apiVersion: v1
kind: Config
current-context: c
clusters: [{{name: c, cluster: {cluster}}}]
users: [{{name: c, user: {user}}}]
contexts: [{{name: c, context: {{cluster: c, user: c}}}}]
""")
    return str(path)


# The API groups of the front doors a cluster serves only with their controller installed (kubectl_expose_ext/doors/)
OTHER_DOOR_GROUPS = ("traefik.io", "traefik.containo.us", "networking.istio.io", "projectcontour.io", "k8s.nginx.org")
