#!/usr/bin/env python3
"""Build the krew release archive and fill its sha256 into the manifests. One command:

    python krew/build.py            # -> dist/kubectl-reach_vX.Y.Z.tar.gz, plugin.yaml, krew/plugins/reach.yaml

The archive holds `kubectl-reach`, a zipapp (a `#!/usr/bin/env python3` line followed by a zip) with
this package and its dependencies inside (click, PyYAML, tabulate, urllib3: not the official Kubernetes client,
which only legacy auth-provider users need), pure Python only, pinned in krew/requirements.lock for
Python 3.9+; `kubectl_complete-reach`, kubectl's completion hook; and LICENSE. Why a zipapp and not
shiv or pex: the standard library writes it (no build-time tool to trust or pin), and the file is
deterministic because this script writes the zip itself (sorted entries, fixed timestamps and modes).
zipimport compiles nothing, so on its first run the zipapp unpacks itself once into a cache directory
named after its content hash, as shiv does, compiles it, and imports from there (warm start well under
a second instead of several). The cache is used only where no one else can plant or change a file: every
directory on the way checked, the copy verified against the archive's own HASHES on every run (the threat
model: docs/install.md); else a private temporary directory serves the run. `--help`, `-h`, `help`,
`--version` and `version --client` are answered before any of that, by __main__.py alone (launch.py's code,
copied: docs/development.md).

Reproducible: the same source and lock file give the same bytes and sha256 (the test builds twice).
Needs network access to PyPI (pip downloads the pinned wheels, checking their hashes).
"""

import argparse
import ast
import gzip
import hashlib
import io
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kubectl_expose_ext.completion import PLUGIN_WRAPPER  # noqa: E402 - the same hook pip installs
HOMEPAGE = "https://github.com/kubectl-reach/kubectl-reach"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
PRUNE_SUFFIXES = (".so", ".pyd", ".dylib", ".pyc", ".pyi", ".c", ".h")

MAIN = '''"""kubectl-reach, self-contained: runs with any python3 >= 3.9 and nothing else installed.

`--help`, `-h`, `help`, `--version` and `version --client` are answered here, as the pip install answers them (by
launch.py's own code, which krew/build.py copies here), before any cache work: nothing read but COLUMNS, the
terminal's size and this archive's __help__.zlib. Everything else runs __bootstrap__.py (kept out of this file: Python
compiles all of it on every run, issue 30).
"""
import os
import sys

if sys.version_info < (3, 9):
    sys.stderr.write("error: kubectl reach needs Python 3.9 or newer; python3 here is %d.%d\\n" % sys.version_info[:2])
    sys.exit(1)

# krew/build.py writes here the definitions launch.py names in EMBEDDED, then helptext.py's VERSION and FIRST_WIDTH
EMBEDDED = None

if sys.argv[1:] in ANSWERED:
    answer(sys.argv[1:], VERSION, FIRST_WIDTH, __loader__.get_data("__help__.zlib"))  # helptext.py's HELP
else:
    exec(__loader__.get_code("__bootstrap__"))  # (the zipimporter of this archive: nothing found elsewhere)
'''

BOOTSTRAP = '''"""The zipapp's bootstrap, run by its __main__.py (in its namespace) for all but the answers from text.

zipimport compiles nothing, so the first run unpacks the archive into a cache and compiles it there; later runs
import from it. Nothing another user (or a directory the command runs in) can plant is ever imported: the threat
model and every rule are in docs/install.md.
"""
import os
import sys

STALE_SECONDS = 3600  # a staging directory older than this, or whose process is gone, is dead: removed
BUILD = None  # krew/build.py writes this build's id here: the cache directory's name
HASHES = None  # and the sha256 of every file the cache holds, which each run checks its copy against


def _say(line):
    sys.stderr.write("kubectl reach: %s\\n" % line)


def _cache_base():
    """$XDG_CACHE_HOME when absolute (the XDG spec: a relative one is invalid, ignored), else ~/.cache when the home
    (HOME, else the passwd entry) is absolute; None otherwise: never a directory relative to where the command runs."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return xdg
    home = os.path.expanduser("~")
    return os.path.join(home, ".cache") if os.path.isabs(home) else None


def _unsafe(path, uid, ours):
    """Why the directory `path` is not one only this user controls, else None, read with lstat (never followed): a
    symlink, another owner (root is trusted as an ancestor, `ours` must be the user's own), writable by group or
    others (an ancestor may be, when sticky, as /tmp is: then no other user can rename what is ours in it)."""
    import stat

    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return "%s is a symlink" % path
    if not stat.S_ISDIR(info.st_mode):
        return "%s is not a directory" % path
    if info.st_uid != uid and (ours or info.st_uid != 0):
        return "%s is owned by another user (uid %d)" % (path, info.st_uid)
    if info.st_mode & 0o022 and (ours or not info.st_mode & stat.S_ISVTX):
        return "%s is writable by %s" % (path, "others" if info.st_mode & 0o002 else "its group")
    return None


def _private(path, uid):
    """Make `path` (absolute, resolved) a directory only this user controls: each existing directory on the way
    checked, each missing one created 0700. Raises OSError saying why not."""
    current = os.sep
    for part in [os.sep] + [p for p in path.split(os.sep) if p]:
        current = os.path.join(current, part)
        if not os.path.lexists(current):
            try:
                os.mkdir(current, 0o700)
            except FileExistsError:
                pass
        why = _unsafe(current, uid, ours=False)
        if why:
            raise OSError(why)


def _intact(tree, manifest):
    """Whether `tree` holds exactly the archive's files, each with its hash, and nothing else but bytecode (no
    symlink, no extra module that an import could find)."""
    import hashlib
    import stat

    seen = 0
    for directory, subdirectories, files in os.walk(tree):
        for name in subdirectories:
            if stat.S_ISLNK(os.lstat(os.path.join(directory, name)).st_mode):
                return False
        bytecode = os.path.basename(directory) == "__pycache__"
        for name in files:
            path = os.path.join(directory, name)
            if not stat.S_ISREG(os.lstat(path).st_mode):
                return False
            if bytecode and name.endswith(".pyc"):
                continue
            expected = manifest.get(os.path.relpath(path, tree).replace(os.sep, "/"))
            with open(path, "rb") as handle:
                if expected is None or hashlib.sha256(handle.read()).hexdigest() != expected:
                    return False
            seen += 1
    return seen == len(manifest)


def _remove(path):
    """Remove an entry of the cache without following links: a symlink (or file) itself, a directory's tree."""
    import shutil
    import stat

    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)  # (it never follows the links inside)
        else:
            os.unlink(path)
    except OSError:
        pass


def _dead(root, name):
    """A staging directory whose process is gone, or older than STALE_SECONDS: an interrupted unpacking."""
    import time

    try:
        pid = int(name.split("-")[1])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return True
    except OSError:  # the process exists (another user's: not ours to judge)
        pass
    try:
        return time.time() - os.lstat(os.path.join(root, name)).st_mtime > STALE_SECONDS
    except OSError:
        return False


def _clean(root, build):
    """Earlier builds, dead staging directories and anything else in the cache root, never following a link."""
    for name in os.listdir(root):
        if name != build and (not name.startswith(".unpacking-") or _dead(root, name)):
            _remove(os.path.join(root, name))


def _extract(archive, into):
    """The archive's files (those HASHES lists: not this bootstrap) into `into`."""
    import zipfile

    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(into, members=sorted(HASHES))


def _unpack(archive, into):
    """Extract, and compile: checked-hash bytecode, which each import checks against its (verified) source."""
    import compileall
    import py_compile

    _extract(archive, into)
    compileall.compile_dir(into, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)


def _cached(archive):
    """The cache directory of this build, verified (unpacked first when missing, again when it differs)."""
    import tempfile

    uid = os.getuid()
    base = _cache_base()
    if base is None:
        raise OSError("no absolute cache directory (HOME and XDG_CACHE_HOME unset or relative)")
    root = os.path.join(os.path.realpath(base), "kubectl-reach")
    _private(os.path.dirname(root), uid)
    try:
        os.mkdir(root, 0o700)
    except FileExistsError:
        pass
    why = _unsafe(root, uid, ours=True)
    if why:
        raise OSError(why)
    target = os.path.join(root, BUILD)
    if os.path.lexists(target):
        if _unsafe(target, uid, ours=True) is None and _intact(target, HASHES):
            return target
        _say("the cached copy in %s is not this build's: unpacking it again" % target)
    else:
        _say("preparing its first run (unpacking into %s; remove it with rm -rf %s)" % (target, root))
    staging = tempfile.mkdtemp(prefix=".unpacking-%d-" % os.getpid(), dir=root)
    _unpack(archive, staging)
    if os.path.lexists(target):  # replaced whole: moved aside in one rename, then removed
        stale = tempfile.mkdtemp(prefix=".stale-", dir=root)
        os.rename(target, os.path.join(stale, "tree"))
    try:
        os.rename(staging, target)
    except OSError:  # another run put its copy there first
        _remove(staging)
    _clean(root, BUILD)
    if _unsafe(target, uid, ours=True) is None and _intact(target, HASHES):
        return target
    raise OSError("the unpacked copy in %s does not verify" % target)


def _private_copy(archive, why):
    """A temporary directory of this run's own (created 0700, removed at exit): when no cache can be trusted."""
    import atexit
    import shutil
    import tempfile

    _say("not using a cache (%s): unpacking into a private temporary directory, on every run" % why)
    tree = tempfile.mkdtemp(prefix="kubectl-reach-")
    atexit.register(shutil.rmtree, tree, True)
    _extract(archive, tree)
    sys.dont_write_bytecode = True
    return tree


def _tree(archive):
    """Where to import from: the verified cache, else a private temporary copy, else (None) the zip itself."""
    try:
        return _cached(archive)
    except (OSError, AttributeError) as exc:  # AttributeError: no os.getuid (not a POSIX system)
        try:
            return _private_copy(archive, str(exc))
        except OSError:
            return None


_archive = os.path.dirname(os.path.abspath(__file__))
_unpacked = _tree(_archive)
if _unpacked:
    sys.path.insert(0, _unpacked)
from kubectl_expose_ext.launch import main  # noqa: E402

main()
'''


MANIFEST = """apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: reach
spec:
  version: {version}
  homepage: {homepage}
  shortDescription: Every external URL of a pod, service or workload
  description: |
    Answers "how do I reach this Pod or Service from outside the cluster?".
    Follows Services, EndpointSlices, Nodes, Ingresses, Gateway API routes and
    OpenShift Routes from a pod, service, workload, ingress or route, and
    prints every external URL (hostNetwork, hostPort, NodePort, LoadBalancer,
    externalIPs, Ingress, Gateway, Route) with warnings where the answer is
    partial. `--probe` tells which URLs answer (TCP, HTTP, TLS certificate);
    `reach audit` lists what a namespace or cluster exposes, with its risks;
    `reach convert` switches a Service's type in place after a server-side
    dry-run diff, losing nothing.
  caveats: |
    This plugin needs python3 (3.9 or newer) on your PATH.

    For `kubectl reach <TAB>` completion (kubectl 1.26+), run once:
      kubectl reach completion kubectl > "${{KREW_ROOT:-$HOME/.krew}}/bin/kubectl_complete-reach"
      chmod +x "${{KREW_ROOT:-$HOME/.krew}}/bin/kubectl_complete-reach"
  platforms:
{platforms}"""

PLATFORM = """  - selector:
      matchLabels:
        os: {os}
        arch: {arch}
    uri: {uri}
    sha256: {sha256}
    files:
    - from: kubectl-reach
      to: .
    - from: kubectl_complete-reach
      to: .
    - from: LICENSE
      to: .
    bin: kubectl-reach
"""
PLATFORMS = [("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64")]


def version() -> str:
    text = (ROOT / "kubectl_expose_ext" / "__init__.py").read_text()
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def vendor(lib: pathlib.Path, write_help: bool = False) -> None:
    """The package and its pinned, hashed dependencies, pure Python only, as Python 3.9 would install them;
    `write_help`: first render kubectl_expose_ext/helptext.py with the pinned click."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--no-deps", "--no-compile", "--only-binary=:all:", "--require-hashes",
                    "--python-version", "3.9", "--implementation", "cp", "--abi", "cp39",
                    "--platform", "manylinux2014_x86_64", "--target", str(lib),
                    "-r", str(ROOT / "krew" / "requirements.lock")], check=True)
    if write_help:
        (ROOT / "kubectl_expose_ext" / "helptext.py").write_text(rendered_help(lib))
    shutil.copytree(ROOT / "kubectl_expose_ext", lib / "kubectl_expose_ext",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    write_metadata(lib)
    shutil.rmtree(lib / "bin", ignore_errors=True)
    for path in sorted(lib.rglob("*"), reverse=True):
        if path.is_dir() and path.name == "__pycache__":
            shutil.rmtree(path)
        elif path.is_file() and (path.suffix in PRUNE_SUFFIXES or path.name.endswith("_test.py")
                                 or path.name == "RECORD"):
            path.unlink()


def rendered_help(lib: pathlib.Path) -> str:
    """helptext.py (what launch.py prints for --help without importing click), rendered by the checkout's CLI with
    the dependencies in `lib`: the same bytes whichever click the builder has."""
    code = "from kubectl_expose_ext.cli import rendered_help; import sys; sys.stdout.write(rendered_help())"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(lib)]), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout


def write_metadata(lib: pathlib.Path) -> None:
    """The package's core metadata, as a wheel would install it, so that `importlib.metadata` finds its version and
    project URLs (the issue tracker an internal error names). Written here, not by a build backend, so the bytes
    depend on pyproject.toml alone."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11: pip carries the same parser
        from pip._vendor import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {version()}",
             f"Summary: {project['description']}", f"Requires-Python: {project['requires-python']}"]
    lines += [f"Project-URL: {label}, {url}" for label, url in project.get("urls", {}).items()]
    info = lib / f"{project['name'].replace('-', '_')}-{version()}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("\n".join(lines) + "\n")


def embedded(lib: pathlib.Path) -> tuple:
    """(__main__.py's source, __help__.zlib): launch.py's answers from text, its definitions that EMBEDDED names copied
    as written in the archive's own launch.py, and helptext.py's values (one declaration of each)."""
    package = lib / "kubectl_expose_ext"
    launch, helptext = (top_level((package / name).read_text()) for name in ("launch.py", "helptext.py"))
    names = ast.literal_eval(launch["EMBEDDED"][0].value)
    code = "\n\n\n".join([launch[name][1] for name in names] + [helptext[name][1] for name in ("VERSION", "FIRST_WIDTH")])
    return MAIN.replace("\nEMBEDDED = None\n", f"\n{code}\n", 1), ast.literal_eval(helptext["HELP"][0].value)


def top_level(source: str) -> dict:
    """{name: (node, its source)} of the functions defined and the names assigned at the top level of `source`."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = (node, ast.get_source_segment(source, node))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = (node, ast.get_source_segment(source, node))
    return found


def zipapp_bytes(lib: pathlib.Path) -> bytes:
    """A deterministic zipapp: sorted entries, fixed timestamps and modes; __main__.py (the answers from text) and
    __help__.zlib (stored: zlib already) beside the bootstrap, __bootstrap__.py, which holds the build's id and the
    sha256 of every file the cache holds (each run checks its cached copy against them: reading them needs no
    zipfile, the cache's warm start stays fast)."""
    files = {p.relative_to(lib).as_posix(): p.read_bytes() for p in lib.rglob("*") if p.is_file()}
    build_id = hashlib.sha256((MAIN + BOOTSTRAP).encode()
                              + b"".join(k.encode() + b"\0" + v for k, v in sorted(files.items())))
    hashes = "".join(f"\n    {name!r}: {hashlib.sha256(data).hexdigest()!r}," for name, data in sorted(files.items()))
    files["__bootstrap__.py"] = BOOTSTRAP.replace("BUILD = None", f"BUILD = {version() + '-' + build_id.hexdigest()[:16]!r}") \
        .replace("HASHES = None", f"HASHES = {{{hashes}\n}}").encode()
    main, help_blob = embedded(lib)
    files["__main__.py"], files["__help__.zlib"] = main.encode(), help_blob
    buffer = io.BytesIO()
    buffer.write(b"#!/usr/bin/env python3\n")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "__help__.zlib" else zipfile.ZIP_DEFLATED
            bundle.writestr(info, files[name])
    return buffer.getvalue()


def tar_gz(members) -> bytes:
    """A deterministic .tar.gz: regular files only (krew refuses links), root-owned, mtime 0."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()


def manifest(sha256: str, release_url: str) -> str:
    v = f"v{version()}"
    uri = f"{release_url}/{v}/kubectl-reach_{v}.tar.gz"
    platforms = "".join(PLATFORM.format(os=o, arch=a, uri=uri, sha256=sha256) for o, a in PLATFORMS)
    return MANIFEST.format(version=v, homepage=HOMEPAGE, platforms=platforms)


def build(out_dir: pathlib.Path, release_url: str, write_manifests: bool = True) -> pathlib.Path:
    with tempfile.TemporaryDirectory() as tmp:
        lib = pathlib.Path(tmp) / "lib"
        vendor(lib, write_help=write_manifests)
        app = zipapp_bytes(lib)
    archive = tar_gz([("kubectl-reach", app, 0o755),
                      ("kubectl_complete-reach", PLUGIN_WRAPPER.encode(), 0o755),
                      ("LICENSE", (ROOT / "LICENSE").read_bytes(), 0o644)])
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"kubectl-reach_v{version()}.tar.gz"
    path.write_bytes(archive)
    sha256 = hashlib.sha256(archive).hexdigest()
    if write_manifests:
        text = manifest(sha256, release_url)
        (ROOT / "plugin.yaml").write_text(text)
        (ROOT / "krew" / "plugins" / "reach.yaml").write_text(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "dist"), help="where to write the archive (default: dist/)")
    parser.add_argument("--release-url", default=f"{HOMEPAGE}/releases/download",
                        help="base URL of the release downloads, for the manifests' uri")
    parser.add_argument("--no-manifest", action="store_true", help="build the archive only")
    args = parser.parse_args()
    path = build(pathlib.Path(args.out), args.release_url, not args.no_manifest)
    print(f"{path}  sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    os.umask(0o022)
    main()
