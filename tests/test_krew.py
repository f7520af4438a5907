"""The krew release: manifest rules, the archive it names, and an install done the way krew does it."""

import hashlib
import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from kubectl_expose_ext import __version__
from support import needs, outside_checkout, plugin_path, pythons, requires_kubectl, run_installed

ROOT = pathlib.Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow  # builds the release archive (pinned wheels from PyPI)
SUPPORTED = {(os_, arch) for os_, arches in {"linux": ("386", "amd64", "arm", "arm64", "ppc64le"),
                                             "darwin": ("386", "amd64", "arm64"),
                                             "windows": ("386", "amd64", "arm64")}.items() for arch in arches}
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
SEMVER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def load_build():
    spec = importlib.util.spec_from_file_location("krew_build", ROOT / "krew" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def archive(tmp_path_factory):
    """The release archive, built from this checkout by the one documented command's code."""
    return load_build().build(tmp_path_factory.mktemp("dist"), "https://example.invalid", write_manifests=False)


def selector_matches(selector, os_, arch):
    labels = {"os": os_, "arch": arch}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        inside = labels.get(expr["key"]) in expr.get("values", [])
        if (expr["operator"] == "In") != inside:
            return False
    return True


def krew_validate(manifest: dict, file_name: str) -> None:
    """krew's ValidatePlugin and validate-krew-manifest rules (internal/index/validation/validate.go)."""
    assert manifest["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2"
    assert manifest["kind"] == "Plugin"
    name = manifest["metadata"]["name"]
    assert re.match(r"^[\w-]+$", name) and name.lower() not in WINDOWS_RESERVED
    assert name == file_name
    spec = manifest["spec"]
    short = spec["shortDescription"]
    assert short and "\n" not in short and "\r" not in short and len(short) <= 50  # krew search cuts at 50
    assert SEMVER.match(spec["version"])
    for key in ("homepage", "description", "caveats"):
        assert spec.get(key), key
    assert spec["platforms"]
    covered = []
    for platform in spec["platforms"]:
        selector = platform["selector"]
        assert selector and (selector.get("matchLabels") or selector.get("matchExpressions"))
        keys = set(selector.get("matchLabels") or {}) | {e["key"] for e in selector.get("matchExpressions") or []}
        assert keys <= {"os", "arch"}
        assert platform["uri"].endswith((".tar.gz", ".zip"))
        assert re.match(r"^[a-f0-9]{64}$", platform["sha256"])  # lowercase only
        assert platform["bin"]
        files = platform.get("files")
        assert files is None or files  # `files: []` is an error
        for op in files or []:
            assert op["from"] and op["to"] and op["to"] == os.path.normpath(op["to"]) and not op["to"].startswith("./")
        if files:
            assert platform["bin"] in {pathlib.PurePosixPath(op["to"], pathlib.PurePosixPath(op["from"]).name).as_posix()
                                       .lstrip("./") for op in files}
        matched = {p for p in SUPPORTED if selector_matches(selector, *p)}
        assert matched, f"selector {selector} matches no supported platform"
        assert not matched & set(covered), "overlapping selectors"
        covered.extend(matched)
    assert {("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64")} <= set(covered)


def manifests():
    return {path: yaml.safe_load(path.read_text()) for path in (ROOT / "plugin.yaml", ROOT / "krew/plugins/reach.yaml")}


def test_manifests_follow_krew_rules_and_are_identical():
    top, index = (ROOT / "plugin.yaml").read_text(), (ROOT / "krew/plugins/reach.yaml").read_text()
    assert top == index
    for manifest in manifests().values():
        krew_validate(manifest, "reach")
        assert manifest["spec"]["version"] == f"v{__version__}"


def test_committed_manifest_names_the_archive_this_checkout_builds(archive):
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    for manifest in manifests().values():
        for platform in manifest["spec"]["platforms"]:
            assert platform["sha256"] == sha, "plugin.yaml is stale: run `python krew/build.py` and commit the result"
            assert platform["uri"].endswith(f"/v{__version__}/{archive.name}")


def test_build_is_reproducible(archive, tmp_path):
    again = load_build().build(tmp_path, "https://example.invalid", write_manifests=False)
    assert again.read_bytes() == archive.read_bytes()


def test_archive_holds_regular_files_krew_can_install(archive):
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert set(members) == {"kubectl-reach", "kubectl_complete-reach", "LICENSE"}
        assert all(m.isfile() and ".." not in m.name and not m.name.startswith("/") for m in members.values())
        assert members["kubectl-reach"].mode == 0o755 and members["LICENSE"].mode == 0o644
        app = tar.extractfile("kubectl-reach").read()
    assert app.startswith(b"#!/usr/bin/env python3\n")
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(app)) as bundle:
        names = bundle.namelist()
    assert "__main__.py" in names and "kubectl_expose_ext/cli.py" in names and "urllib3/__init__.py" in names
    assert not any(n.startswith("kubernetes/") for n in names)  # the official client: pip installs only
    assert not [n for n in names if n.endswith((".so", ".pyd", ".pyc"))]  # pure Python: any platform, any 3.9+


def krew_install(archive: pathlib.Path, manifest: dict, krew_root: pathlib.Path) -> pathlib.Path:
    """What `kubectl krew install --manifest --archive` does: unpack, apply `files`, link `bin`."""
    platform = next(p for p in manifest["spec"]["platforms"] if selector_matches(p["selector"], "linux", "amd64"))
    staging = krew_root / "staging"
    with tarfile.open(archive) as tar:  # krew's own untar refuses links and paths out of the directory, as "data"
        tar.extractall(staging, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    store = krew_root / "store" / "reach" / manifest["spec"]["version"]
    store.mkdir(parents=True)
    for op in platform["files"]:
        shutil.move(str(staging / op["from"]), str(store / op["to"] / pathlib.Path(op["from"]).name))
    bin_dir = krew_root / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl-reach").symlink_to(store / platform["bin"])
    return bin_dir


@requires_kubectl
def test_install_like_krew_then_use_through_kubectl(archive, tmp_path, demo_api):
    manifest = yaml.safe_load((ROOT / "plugin.yaml").read_text())
    bin_dir = krew_install(archive, manifest, tmp_path / "krew")
    tools = tmp_path / "tools"  # python3 and kubectl only: no pip-installed kubectl-reach can answer instead
    tools.mkdir()
    (tools / "python3").symlink_to(sys.executable)
    (tools / "kubectl").symlink_to(shutil.which("kubectl"))
    env = {"PATH": f"{bin_dir}:{tools}", "HOME": str(tmp_path), "KUBECONFIG": demo_api.kubeconfig,
           "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def kubectl(*args):
        return subprocess.run([str(tools / "kubectl"), *args], env=env, capture_output=True, text=True, timeout=120)

    listed = kubectl("plugin", "list")
    assert f"{bin_dir}/kubectl-reach" in listed.stdout, listed.stderr
    out = kubectl("reach", "--help")
    assert out.returncode == 0 and out.stdout.startswith("Usage: kubectl reach"), out.stderr
    out = kubectl("reach", "pod/influxdb", "-o", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["endpoints"][0]["url"] == "http://198.51.100.20:8086"  # the best way in first
    assert kubectl("reach", "svc/nope").stderr == 'error: services "nope" not found\n'
    # completion, as the caveats tell users to set it up
    hook = kubectl("reach", "completion", "kubectl").stdout
    (bin_dir / "kubectl_complete-reach").write_text(hook)
    (bin_dir / "kubectl_complete-reach").chmod(0o755)
    out = kubectl("__complete", "reach", "svc/")
    assert out.stdout.splitlines() == ["svc/influxdb", "svc/influxdb-ext", "svc/influxdb-lb", "svc/kubernetes", ":4"]


@pytest.mark.parametrize("which", ["oldest", "newest"])
def test_zipapp_converts_on_the_oldest_and_newest_python(archive, tmp_path, which, demo_api):
    """The archive krew installs, run by the oldest Python the README promises (3.9) and by the newest."""
    python = pythons().get(which)
    needs(python is not None, f"no {which} Python (3.9 and the newest are under ~/.pyenv/versions on these machines)")
    with tarfile.open(archive) as tar:
        app = tmp_path / "kubectl-reach"
        app.write_bytes(tar.extractfile("kubectl-reach").read())
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KUBECONFIG": demo_api.kubeconfig,
           "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def run(*args):
        return subprocess.run([python, *args], env=env, capture_output=True, text=True, timeout=300,
                              cwd=outside_checkout())

    out = run(str(app), "convert", "svc/influxdb", "--to", "clusterip", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "+  type: ClusterIP" in out.stdout and "Dry run: nothing was changed" in out.stderr
    # the first run says, in one line, that it unpacks and where to (and how to remove it); later runs do not
    assert out.stderr.splitlines()[0].startswith("kubectl reach: preparing its first run (unpacking into "
                                                 f"{tmp_path / 'cache' / 'kubectl-reach'}")
    out = run(str(app), "undo", "svc/influxdb", "--dry-run")  # no convert recorded: a clear refusal, not a crash
    assert out.returncode == 1 and out.stderr.startswith("error: ") and "internal error" not in out.stderr
    # the archive carries the package metadata: an internal error can name the issue tracker
    out = run("-c", f"import sys; sys.path.insert(0, {str(app)!r}); from kubectl_expose_ext.errors import "
                    "issue_tracker; print(issue_tracker())")
    assert out.stdout == "https://github.com/kubectl-reach/kubectl-reach/issues\n", out.stderr


# --- the zipapp's cache: nothing planted runs, nothing outside it is removed (issue 24) -----------------------

PLANTED = '''import os
def main():
    open(os.environ["MARKER"], "w").write("planted code ran")
    print("PLANTED")
'''
ATTACKER = 65534  # nobody: another local user, who plants trees where the victim's zipapp may look


@pytest.fixture(scope="module")
def zipapp(archive):
    """The archive's kubectl-reach in a directory any user can read (another uid runs it too)."""
    import tempfile

    directory = pathlib.Path(tempfile.mkdtemp(prefix="reach-zipapp-"))
    directory.chmod(0o755)
    app = directory / "kubectl-reach"
    with tarfile.open(archive) as tar:
        app.write_bytes(tar.extractfile("kubectl-reach").read())
    app.chmod(0o755)
    yield app
    shutil.rmtree(directory)


def build_of(app: pathlib.Path) -> str:
    import zipfile

    with zipfile.ZipFile(app) as bundle:
        return re.search(r"^BUILD = '([^']+)'", bundle.read("__bootstrap__.py").decode(), re.M).group(1)


def plant(tree: pathlib.Path, owner: int = None) -> pathlib.Path:
    """A tree that would run planted code if imported: its kubectl_expose_ext.launch writes $MARKER."""
    package = tree / "kubectl_expose_ext"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "launch.py").write_text(PLANTED)
    if owner is not None:
        for path in [tree, *tree.rglob("*")]:
            os.chown(path, owner, owner)
    return tree


def zipapp_run(app, tmp_path, env, cwd=None, python=sys.executable, as_uid=None):
    """`python kubectl-reach version --client=true` with exactly `env` (+ PATH, MARKER); as another uid through
    setpriv. (Not `--client` alone: __main__.py answers that one from text, without the cache these tests examine.)"""
    marker = tmp_path / "marker"
    command = [python, str(app), "version", "--client=true"]
    if as_uid is not None:
        command = ["setpriv", f"--reuid={as_uid}", f"--regid={as_uid}", "--clear-groups", *command]
    out = subprocess.run(command, env={"PATH": "/usr/bin:/bin", "MARKER": str(marker), **env}, capture_output=True,
                         text=True, timeout=300, cwd=cwd or outside_checkout())
    assert out.stdout == f"kubectl reach v{__version__}\n" and out.returncode == 0, (out.stdout, out.stderr)
    assert not marker.exists(), "planted code ran"
    return out.stderr


def refused(stderr: str, why: str) -> None:
    """One line: the cache was not used, and why."""
    assert stderr.splitlines() == [f"kubectl reach: not using a cache ({why}): unpacking into a private temporary "
                                   "directory, on every run"], stderr


def test_a_tree_planted_in_a_shared_cache_is_never_imported(zipapp, tmp_path):
    """XDG_CACHE_HOME shared and world-writable (as /tmp is, sticky): another user made its kubectl-reach/."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    plant(shared / "kubectl-reach" / build_of(zipapp), owner=ATTACKER)
    os.chown(shared / "kubectl-reach", ATTACKER, ATTACKER)
    refused(zipapp_run(zipapp, tmp_path, {"XDG_CACHE_HOME": str(shared), "HOME": str(tmp_path)}),
            f"{shared}/kubectl-reach is owned by another user (uid {ATTACKER})")
    unshared = tmp_path / "attackers"  # a cache directory another user owns, anywhere on the way
    plant(unshared / "kubectl-reach" / build_of(zipapp))
    os.chown(unshared, ATTACKER, ATTACKER)
    refused(zipapp_run(zipapp, tmp_path, {"XDG_CACHE_HOME": str(unshared), "HOME": str(tmp_path)}),
            f"{unshared} is owned by another user (uid {ATTACKER})")


def test_a_world_writable_home_is_no_place_for_the_cache(zipapp, tmp_path):
    home = tmp_path / "home"
    plant(home / ".cache" / "kubectl-reach" / build_of(zipapp), owner=ATTACKER)
    home.chmod(0o777)
    refused(zipapp_run(zipapp, tmp_path, {"HOME": str(home)}), f"{home} is writable by others")


def test_a_symlinked_cache_root_is_refused_and_nothing_it_points_at_is_removed(zipapp, tmp_path):
    precious = tmp_path / "precious"
    (precious / "0.0.1-older-build").mkdir(parents=True)  # what the clean-up of earlier builds would have removed
    (precious / "0.0.1-older-build" / "thesis.tex").write_text("years of work")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "kubectl-reach").symlink_to(precious)
    refused(zipapp_run(zipapp, tmp_path, {"XDG_CACHE_HOME": str(cache), "HOME": str(tmp_path)}),
            f"{cache}/kubectl-reach is a symlink")
    assert (precious / "0.0.1-older-build" / "thesis.tex").read_text() == "years of work"
    assert sorted(p.name for p in precious.iterdir()) == ["0.0.1-older-build"]  # nothing unpacked there either
    # a symlink the user made to a directory of their own, on the way to the cache, is followed (then checked)
    real = tmp_path / "real-cache"
    real.mkdir(mode=0o700)
    (tmp_path / "linked").symlink_to(real)
    assert "preparing its first run" in zipapp_run(zipapp, tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "linked")})
    assert (real / "kubectl-reach" / build_of(zipapp) / "kubectl_expose_ext" / "cli.py").is_file()


def test_a_relative_cache_home_is_never_the_current_directory(zipapp, tmp_path):
    """XDG_CACHE_HOME=rel (invalid, says the XDG spec: ignored) in a repository that carries rel/kubectl-reach/."""
    repository, home = tmp_path / "repository", tmp_path / "home"
    plant(repository / "rel" / "kubectl-reach" / build_of(zipapp))
    home.mkdir(mode=0o700)
    stderr = zipapp_run(zipapp, tmp_path, {"XDG_CACHE_HOME": "rel", "HOME": str(home)}, cwd=repository)
    assert stderr.startswith(f"kubectl reach: preparing its first run (unpacking into {home}/.cache/kubectl-reach/")


def test_no_home_and_no_passwd_entry_use_a_private_temporary_directory(zipapp, tmp_path):
    """An arbitrary uid (no passwd entry), no HOME: never `./~/.cache` under the current directory, where a
    repository can carry a tree; a private temporary directory, removed at exit."""
    import pwd

    python = "/usr/bin/python3"
    needs(os.getuid() == 0 and shutil.which("setpriv") is not None and os.path.exists(python),
          "needs root, setpriv and a system python3 another uid can run")
    uid = 54321
    with pytest.raises(KeyError):
        pwd.getpwuid(uid)
    import tempfile

    own = pathlib.Path(tempfile.mkdtemp(prefix="reach-uid-"))  # (pytest's directories are root's alone)
    try:
        repository, temporary = own / "repository", own / "tmp"
        plant(repository / "~" / ".cache" / "kubectl-reach" / build_of(zipapp), owner=uid)
        temporary.mkdir(mode=0o700)
        for path in (own, repository, temporary):
            os.chown(path, uid, uid)
        before = sorted(p.name for p in repository.iterdir())
        stderr = zipapp_run(zipapp, own, {"TMPDIR": str(temporary)}, cwd=repository, python=python, as_uid=uid)
        refused(stderr, "no absolute cache directory (HOME and XDG_CACHE_HOME unset or relative)")
        assert sorted(p.name for p in repository.iterdir()) == before and list(temporary.iterdir()) == []
    finally:
        shutil.rmtree(own)


@pytest.mark.parametrize("which", ["current", "oldest", "newest"])
def test_a_changed_or_added_file_in_the_cache_is_replaced_before_anything_runs(zipapp, tmp_path, which):
    python = sys.executable if which == "current" else pythons().get(which)
    needs(python is not None, f"no {which} Python")
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    zipapp_run(zipapp, tmp_path, env, python=python)
    tree = tmp_path / "cache" / "kubectl-reach" / build_of(zipapp)
    assert {oct(p.stat().st_mode & 0o777) for p in (tree.parent.parent, tree.parent, tree)} == {"0o700"}  # created so
    launch = tree / "kubectl_expose_ext" / "launch.py"
    original = launch.read_bytes()
    for change in ("modified", "added"):
        if change == "modified":
            launch.write_text(PLANTED)
        else:  # a module the package tries first, found before the real one
            (tree / "yaml" / "_yaml.py").write_text("import os; open(os.environ['MARKER'], 'w')")
        stderr = zipapp_run(zipapp, tmp_path, env, python=python)
        assert stderr == f"kubectl reach: the cached copy in {tree} is not this build's: unpacking it again\n", stderr
        assert launch.read_bytes() == original and not (tree / "yaml" / "_yaml.py").exists()
        assert zipapp_run(zipapp, tmp_path, env, python=python) == ""  # verified, silent
    assert sorted(p.name for p in tree.parent.iterdir()) == [tree.name]  # the replaced copies are gone


def test_the_clean_up_removes_dead_staging_and_old_builds_and_follows_no_link(zipapp, tmp_path):
    root = tmp_path / "cache" / "kubectl-reach"
    root.mkdir(parents=True, mode=0o700)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("kept")
    dead = root / ".unpacking-999999999-abc"  # an interrupted first run: its process is gone
    (dead / "kubectl_expose_ext").mkdir(parents=True)
    live = root / f".unpacking-{os.getpid()}-def"  # another run unpacking right now (this process is alive)
    live.mkdir()
    (root / "0.0.1-0123456789abcdef").mkdir()  # an earlier build
    (root / "0.0.2-link").symlink_to(precious)  # a link: removed itself, never what it points at
    (root / "stray").write_text("x")
    zipapp_run(zipapp, tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)})
    assert sorted(p.name for p in root.iterdir()) == sorted([build_of(zipapp), live.name])
    assert (precious / "keep.txt").read_text() == "kept"


# --- answers from text before the cache (issue 30: `--help` within 2x Python's own start-up) --------------------

ARCHIVED = ("kubectl_expose_ext", "click", "yaml", "_yaml", "tabulate", "urllib3", "__bootstrap__")
CACHE_WORK = ("hashlib", "zipfile", "tempfile", "compileall", "shutil")  # what the bootstrap imports to check or unpack


def test_zipapp_answers_before_the_cache_with_launch_pys_own_code(zipapp):
    """__main__.py holds launch.py's definitions (those launch.EMBEDDED names) as the archive's launch.py has them,
    and helptext.py's values: one declaration of each, copied by the build (the runs below prove the behaviour)."""
    import ast
    import zipfile

    from kubectl_expose_ext import helptext, launch

    def top_level(source):
        return {node.name if isinstance(node, ast.FunctionDef) else node.targets[0].id: ast.dump(node)
                for node in ast.parse(source).body if isinstance(node, (ast.FunctionDef, ast.Assign))}

    with zipfile.ZipFile(zipapp) as bundle:
        main, archived, blob = (bundle.read(n) for n in ("__main__.py", "kubectl_expose_ext/launch.py", "__help__.zlib"))
        help_source = bundle.read("kubectl_expose_ext/helptext.py").decode()
    embedded, ours = top_level(main.decode()), top_level(archived.decode())
    assert launch.EMBEDDED and all(embedded[name] == ours[name] for name in launch.EMBEDDED)
    assert archived == pathlib.Path(launch.__file__).read_bytes()  # the archive's launch.py is the installed one
    namespace: dict = {}
    exec(help_source, namespace)
    assert (blob, namespace["HELP"]) == (helptext.HELP, helptext.HELP)
    assert all(embedded[name] == top_level(help_source)[name] for name in ("VERSION", "FIRST_WIDTH"))


@pytest.mark.parametrize("which", ["oldest", "newest"])
def test_zipapp_answers_help_and_version_as_the_pip_install_does_without_touching_the_cache(zipapp, tmp_path, which):
    """`--help`, `-h`, `help`, `--version`, `version --client` through the zipapp on 3.9 and the newest Python, at
    40 to 200 columns: byte for byte what the pip install's kubectl-reach prints; no cache made, nothing imported
    from the archive."""
    from kubectl_expose_ext.launch import ANSWERED

    python = pythons().get(which)
    needs(python is not None, f"no {which} Python (3.9 and the newest are under ~/.pyenv/versions on these machines)")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for argv in ANSWERED:
        for columns in (40, 63, 80, 109, 110, 200):
            sized = {**env, "COLUMNS": str(columns)}
            ours = subprocess.run([python, "-X", "importtime", str(zipapp), *argv], env=sized, capture_output=True,
                                  text=True, timeout=60, cwd=outside_checkout())
            pip = run_installed(["kubectl-reach", *argv], env=sized, timeout=60)
            imported = {line.split("|")[-1].strip() for line in ours.stderr.splitlines() if line.startswith("import time:")}
            assert imported and not {m for m in imported if m.split(".")[0] in ARCHIVED + CACHE_WORK}, (argv, imported)
            other = [line for line in ours.stderr.splitlines() if not line.startswith("import time:")]
            assert (ours.returncode, ours.stdout, other) == (pip.returncode, pip.stdout, pip.stderr.splitlines()), argv
            assert pip.returncode == 0 and pip.stdout.startswith(("Usage: kubectl reach", "kubectl reach v"))
    assert not (tmp_path / "cache").exists()


def on_a_terminal(argv, columns, env) -> bytes:
    """Everything `argv` writes to a pseudo-terminal `columns` wide (no COLUMNS: the terminal's size decides)."""
    import fcntl
    import select
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env,
                               cwd=outside_checkout())
    os.close(slave)
    output = b""
    try:
        while select.select([master], [], [], 60)[0]:  # (a bound, not a timing: a hung program fails the test)
            try:
                chunk = os.read(master, 65536)  # what the program wrote; EIO once it has exited and all is read
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        else:
            process.kill()
    finally:
        os.close(master)
        assert process.wait(timeout=60) == 0, output
    return output


@pytest.mark.parametrize("which", ["oldest", "newest"])
def test_zipapp_help_on_a_terminal_is_the_pip_installs(zipapp, tmp_path, which):
    """No COLUMNS: the terminal's width (os.get_terminal_size on stdout) chooses the rendering, in both installs."""

    python = pythons().get(which)
    needs(python is not None, f"no {which} Python")
    env = {"PATH": f"{plugin_path()}:/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "TERM": "xterm"}
    for columns in (40, 72, 100, 200):
        ours = on_a_terminal([python, str(zipapp), "--help"], columns, env)
        pip = on_a_terminal(["kubectl-reach", "--help"], columns, env)
        sized = run_installed(["kubectl-reach", "--help"], env={**env, "COLUMNS": str(columns)}).stdout
        assert ours == pip == sized.replace("\n", "\r\n").encode(), columns  # (the terminal adds the \r)
    assert not (tmp_path / "cache").exists()


def test_zipapp_on_a_python_older_than_3_9_says_so(zipapp):
    """__main__.py (launch.py's copied code included) compiles on an old python3, and runs far enough to refuse it."""
    older = sorted((pathlib.Path.home() / ".pyenv" / "versions").glob("3.[5-8].*/bin/python3"))
    if not older:
        pytest.skip("no Python older than 3.9 under ~/.pyenv/versions")
    for python in older:
        minor = re.search(r"/3\.(\d+)\.", str(python)).group(1)
        for argv in (["--help"], ["show"]):
            out = subprocess.run([str(python), str(zipapp), *argv], capture_output=True, text=True, timeout=60,
                                 cwd=outside_checkout())
            assert (out.returncode, out.stdout, out.stderr) == (
                1, "", f"error: kubectl reach needs Python 3.9 or newer; python3 here is 3.{minor}\n"), python
