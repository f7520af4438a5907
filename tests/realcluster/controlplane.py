"""A real Kubernetes control plane on 127.0.0.1, as controller-runtime's envtest runs one: etcd, kube-apiserver and
kube-controller-manager (service account and namespace controllers only), no kubelet, no scheduler.

    python tests/realcluster/controlplane.py --build   # build once (cached), as .ci/run does
    python tests/realcluster/controlplane.py           # build if needed, start, print a KUBECONFIG, wait for Ctrl-C

The binaries come from tests/realcluster/build.sh (cached under ~/.cache/kubectl-reach-tests/realcluster/<version>/: cache.py).
TLS from a throw-away CA made by openssl; static tokens: `admin` (system:masters), `nobody` (no rights: tests bind
roles to it for 403s) and `loader` (system:masters; what the fixture loader writes is told apart in the audit log).
The audit log (level Request) is how tests see which requests the CLI sent, as the fake API server's log does.
"""

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import ssl
from dataclasses import dataclass, field
from typing import List, Optional

HERE = pathlib.Path(__file__).resolve().parent
KUBE_VERSION = os.environ.get("KUBE_VERSION", "v1.36.3")  # pinned; another for a one-off run
SERVICE_CIDR = "10.96.0.0/12"  # covers every clusterIP of the fixtures and the demo
NODE_PORTS = "30000-32767"
TOKENS = {"admin": "admin-token-reach", "nobody": "nobody-token-reach", "loader": "loader-token-reach"}
AUDIT_POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: [loader, "system:apiserver", "system:kube-controller-manager"]
- level: None
  userGroups: ["system:serviceaccounts", "system:nodes"]
- level: Request
"""


def cache_dir() -> pathlib.Path:
    try:
        from .cache import machine_cache
    except ImportError:  # run as a script: python tests/realcluster/controlplane.py --build
        from cache import machine_cache  # type: ignore[no-redef]
    return machine_cache("realcluster", KUBE_VERSION)


def binaries(build: bool = False) -> Optional[pathlib.Path]:
    """The directory with etcd, kube-apiserver and kube-controller-manager; built first when `build` is set."""
    explicit = os.environ.get("REACH_REALCLUSTER_BIN")
    directory = pathlib.Path(explicit) if explicit else cache_dir() / "bin"
    names = ("etcd", "kube-apiserver", "kube-controller-manager")
    if all((directory / n).is_file() for n in names):
        return directory
    if build and not explicit and shutil.which("go"):
        subprocess.run(["bash", str(HERE / "build.sh")], check=True, env={
            **os.environ, "KUBE_VERSION": KUBE_VERSION, "REACH_REALCLUSTER_CACHE": str(cache_dir())},
            stdout=subprocess.DEVNULL)
        return binaries(build=False)
    return None


def _die_with_parent() -> None:
    """Linux: the control plane is ended with the test run even when that is killed (no orphans left running)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(directory: pathlib.Path, *args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)


def make_pki(directory: pathlib.Path) -> None:
    """A CA, a serving certificate for 127.0.0.1/localhost, and the service-account signing key pair."""
    openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "7", "-subj", "/CN=kubectl-reach-realcluster-ca")
    openssl(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr",
            "-subj", "/CN=kube-apiserver")
    (directory / "apiserver.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc,IP:10.96.0.1\n")
    openssl(directory, "x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "apiserver.crt", "-days", "7", "-extfile", "apiserver.ext")
    openssl(directory, "genrsa", "-out", "sa.key", "2048")
    openssl(directory, "rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub")


@dataclass
class ControlPlane:
    """A running etcd + kube-apiserver + kube-controller-manager; `stop()` ends them and removes their files."""

    workdir: pathlib.Path
    url: str = ""
    processes: List[subprocess.Popen] = field(default_factory=list)
    audit_offset: int = 0

    @property
    def ca(self) -> pathlib.Path:
        return self.workdir / "ca.crt"

    @property
    def audit_log(self) -> pathlib.Path:
        return self.workdir / "audit.log"

    def kubeconfig(self, user: str = "admin", namespace: str = "default", context: str = "real") -> str:
        return "\n".join([
            "apiVersion: v1", "kind: Config", f"current-context: {context}",
            "clusters:", f"- name: {context}", f"  cluster: {{server: '{self.url}', certificate-authority: '{self.ca}'}}",
            "users:", f"- name: {context}", f"  user: {{token: '{TOKENS[user]}'}}",
            "contexts:", f"- name: {context}",
            f"  context: {{cluster: {context}, user: {context}, namespace: {namespace}}}", ""])

    # -- process management

    def start(self, bin_dir: pathlib.Path, timeout: float = 90.0) -> "ControlPlane":
        w = self.workdir
        w.mkdir(parents=True, exist_ok=True)
        make_pki(w)
        (w / "tokens.csv").write_text("".join(
            f'{token},{user},uid-{user},"{"system:masters" if user in ("admin", "loader") else "reach-tests"}"\n'
            for user, token in TOKENS.items()))
        (w / "audit-policy.yaml").write_text(AUDIT_POLICY)
        etcd_client, etcd_peer, secure = free_port(), free_port(), free_port()
        self._spawn("etcd", [str(bin_dir / "etcd"), "--data-dir", str(w / "etcd"), "--name", "default",
                             "--listen-client-urls", f"http://127.0.0.1:{etcd_client}",
                             "--advertise-client-urls", f"http://127.0.0.1:{etcd_client}",
                             "--listen-peer-urls", f"http://127.0.0.1:{etcd_peer}",
                             "--initial-advertise-peer-urls", f"http://127.0.0.1:{etcd_peer}",
                             "--initial-cluster", f"default=http://127.0.0.1:{etcd_peer}",
                             "--unsafe-no-fsync", "--log-level", "warn"])
        self.url = f"https://127.0.0.1:{secure}"
        self._spawn("kube-apiserver", [
            str(bin_dir / "kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{etcd_client}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={secure}",
            f"--cert-dir={w}", f"--tls-cert-file={w / 'apiserver.crt'}", f"--tls-private-key-file={w / 'apiserver.key'}",
            f"--client-ca-file={w / 'ca.crt'}", f"--token-auth-file={w / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={w / 'sa.pub'}", f"--service-account-signing-key-file={w / 'sa.key'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}", f"--service-node-port-range={NODE_PORTS}",
            "--endpoint-reconciler-type=none", "--allow-privileged=true",
            f"--audit-policy-file={w / 'audit-policy.yaml'}", f"--audit-log-path={w / 'audit.log'}",
            "--audit-log-format=json", "--audit-log-mode=blocking-strict", "--audit-log-maxsize=0",
            "--profiling=false", "--v=0"])
        self._wait_ready(timeout)
        admin = w / "admin.kubeconfig"
        admin.write_text(self.kubeconfig("loader"))
        self._spawn("kube-controller-manager", [
            str(bin_dir / "kube-controller-manager"), f"--kubeconfig={admin}",
            "--controllers=serviceaccount,namespace", "--leader-elect=false", "--secure-port=0",
            f"--service-account-private-key-file={w / 'sa.key'}", f"--root-ca-file={w / 'ca.crt'}", "--v=0"])
        return self

    def _spawn(self, name: str, argv: List[str]) -> None:
        log = open(self.workdir / f"{name}.log", "wb")
        self.processes.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                               start_new_session=True, preexec_fn=_die_with_parent))

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        context = ssl.create_default_context(cafile=str(self.ca))
        context.verify_flags &= ~ssl.VERIFY_X509_STRICT  # 3.13: this CA has no keyUsage, as Go (and kubectl reach) allow
        last = ""
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} exited with {process.returncode}:\n{self.logs()}")
            try:
                request = urllib.request.Request(f"{self.url}/readyz",
                                                 headers={"Authorization": f"Bearer {TOKENS['admin']}"})
                with urllib.request.urlopen(request, context=context, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError) as exc:
                last = str(exc)
            time.sleep(0.1)
        raise RuntimeError(f"kube-apiserver not ready after {timeout}s ({last}):\n{self.logs()}")

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-tail:]}" for p in sorted(self.workdir.glob("*.log"))
                         if p.name != "audit.log")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- the audit log: which requests the CLI (user admin) sent

    def mark(self) -> int:
        """A position in the audit log; `requests_since(mark)` returns what came after it."""
        self._settle()
        return self.audit_log.stat().st_size if self.audit_log.exists() else 0

    def requests_since(self, offset: int) -> List[dict]:
        self._settle()
        if not self.audit_log.exists():
            return []
        with open(self.audit_log, "rb") as log:
            log.seek(offset)
            events = [json.loads(line) for line in log.read().splitlines() if line.strip()]
        return [e for e in events if e.get("stage") == "ResponseComplete" and e["user"]["username"] in ("admin", "nobody")]

    def _settle(self) -> None:
        """blocking-strict writes each event before the response completes; a long-running LIST may finish its
        event just after the client saw the last byte: wait until the log stops growing (bounded)."""
        size, deadline = -1, time.monotonic() + 2
        while time.monotonic() < deadline:
            now = self.audit_log.stat().st_size if self.audit_log.exists() else 0
            if now == size:
                return
            size = now
            time.sleep(0.02)


def main() -> None:
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true", help="build (or find in the cache) the binaries, then exit")
    args = parser.parse_args()
    started = time.monotonic()
    bin_dir = binaries(build=True)
    if bin_dir is None:
        sys.exit("error: no control plane binaries, and no go command to build them (see tests/realcluster/build.sh)")
    if args.build:
        print(f"realcluster: {KUBE_VERSION} binaries in {bin_dir} ({time.monotonic() - started:.0f} s)")
        return

    plane = ControlPlane(pathlib.Path(tempfile.mkdtemp(prefix="reach-realcluster-"))).start(bin_dir)
    config = plane.workdir / "kubeconfig"
    config.write_text(plane.kubeconfig())
    print(f"export KUBECONFIG={config}   # Ctrl-C stops the control plane", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        plane.stop()


if __name__ == "__main__":
    main()
