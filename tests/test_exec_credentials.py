"""Exec credential plugins (credentials.py), through the CLI against an HTTPS fake API server (kubectl runs them for
https servers only): the protocol, every way a plugin can fail, its bounds, and its refresh at expiry and after a
401, a `--watch` included."""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from kubectl_expose_ext import credentials
from kubectl_expose_ext.demo import demo_cluster
from kubectl_expose_ext.demo.apiserver import FakeAPIServer
from kubectl_expose_ext.errors import ConfigError
from pki import make_ca, make_leaf, requires_openssl, serving
from support import outside_checkout, plugin_path

pytestmark = requires_openssl


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    make_ca(directory, ec=True)
    make_leaf(directory, "server", "/CN=kube-apiserver", "subjectAltName=IP:127.0.0.1", ec=True)
    return directory


@pytest.fixture
def api(pki):
    with FakeAPIServer(demo_cluster(), tls=serving(pki)) as server:
        yield server


def plugin(tmp_path, body: str, name: str = "get-token"):
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\nimport json, os, subprocess, sys, time\n{body}\n")
    path.chmod(0o755)
    return path


def config(api, pki, tmp_path, user: str, context_user: str = "c") -> str:
    path = tmp_path / "kc"
    path.write_text(f"""apiVersion: v1
kind: Config
current-context: c
clusters: [{{name: c, cluster: {{server: '{api.url}', certificate-authority: '{pki / "ca.crt"}'}}}}]
users: [{{name: c, user: {user}}}]
contexts: [{{name: c, context: {{cluster: c, user: {context_user}}}}}]
""")
    return str(path)


def reach(api, pki, tmp_path, user: str, *args, env=None, context_user="c"):
    return subprocess.run([sys.executable, "-m", "kubectl_expose_ext", "svc/influxdb", "-o", "url", *args,
                           "--kubeconfig", config(api, pki, tmp_path, user, context_user)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})}, cwd=outside_checkout(),
                          stdin=subprocess.DEVNULL)


def exec_user(path, **extra):
    fields = {"apiVersion": "client.authentication.k8s.io/v1", "command": str(path), "interactiveMode": "Never",
              **extra}
    return json.dumps({"exec": fields})


CREDENTIAL = ('print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", '
              '"status": {"token": TOKEN, "expirationTimestamp": EXPIRES}}))')


def test_the_plugin_gets_exec_info_and_its_env_and_its_token_is_used(api, pki, tmp_path):
    seen = tmp_path / "seen.json"
    path = plugin(tmp_path, f"""
json.dump({{"info": json.loads(os.environ["KUBERNETES_EXEC_INFO"]), "env": os.environ.get("ROLE")}}, open({str(seen)!r}, "w"))
TOKEN, EXPIRES = "exec-token-123", "2099-01-01T00:00:00.25Z"
{CREDENTIAL}""")
    out = reach(api, pki, tmp_path, exec_user(path, env=[{"name": "ROLE", "value": "admin"}], provideClusterInfo=True))
    assert out.returncode == 0, out.stderr
    recorded = json.loads(seen.read_text())
    assert recorded["env"] == "admin"
    assert recorded["info"]["kind"] == "ExecCredential" and recorded["info"]["spec"]["interactive"] is False
    import base64

    assert recorded["info"]["spec"]["cluster"] == {  # the CA file's data, as rest.ConfigToExecCluster reads it
        "server": api.url, "certificate-authority-data": base64.b64encode((pki / "ca.crt").read_bytes()).decode()}
    assert api.httpd.requests_seen[-1]["authorization"] == "Bearer exec-token-123"


@pytest.mark.parametrize("body, says", [
    ('sys.stderr.write("\\x1b[31mAccessDenied: role gone\\n"); sys.exit(3)',
     "failed with exit code 3: \\x1b[31mAccessDenied: role gone"),
    ('print("not json")', "printed no credential"),
    ('print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {}}))',
     "printed no credential"),
    ('print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", '
     '"status": {"token": "t"}}))', 'answered apiVersion "client.authentication.k8s.io/v1beta1"'),
    ('TOKEN, EXPIRES = "t", "tomorrow"\n' + CREDENTIAL, 'its expirationTimestamp "tomorrow" is not an RFC 3339 time'),
    ("time.sleep(30)", "did not answer within 1s"),
    ('sys.stdout.write("x" * (3 * 1024 * 1024)); sys.stdout.flush(); time.sleep(30)', "printed more than 1 MiB: refused"),
])
def test_a_failing_plugin_is_an_error_naming_it_never_an_anonymous_request(api, pki, tmp_path, body, says):
    path = plugin(tmp_path, body)
    before = len(api.cluster.log)
    started = time.monotonic()
    out = reach(api, pki, tmp_path, exec_user(path), env={"KUBECTL_REACH_EXEC_TIMEOUT": "1"})
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1, out.stderr
    assert out.stderr.startswith(f"error: exec plugin {path}") and says in out.stderr, out.stderr
    assert "\x1b" not in out.stderr and len(api.cluster.log) == before  # nothing was sent
    assert time.monotonic() - started < 10


def test_the_whole_process_group_is_killed_at_the_timeout(api, pki, tmp_path):
    """A plugin whose child keeps stdout open (a forgotten background job) used to outlive the timeout."""
    pid_file = tmp_path / "grandchild.pid"
    path = plugin(tmp_path, f"""
child = subprocess.Popen(["sleep", "300"])
open({str(pid_file)!r}, "w").write(str(child.pid))
TOKEN, EXPIRES = "t", None
{CREDENTIAL}""")
    started = time.monotonic()
    out = reach(api, pki, tmp_path, exec_user(path), env={"KUBECTL_REACH_EXEC_TIMEOUT": "1"})
    assert out.returncode == 1 and "did not answer within 1s" in out.stderr, out.stderr
    assert time.monotonic() - started < 10
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent (a container's init may never reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_missing_plugin_says_how_to_install_it(api, pki, tmp_path):
    user = exec_user(tmp_path / "aws-iam-authenticator", installHint="brew install aws-iam-authenticator")
    out = reach(api, pki, tmp_path, user)
    assert out.stderr == (f"error: exec plugin {tmp_path / 'aws-iam-authenticator'} not found: "
                          "brew install aws-iam-authenticator\n")


def test_a_relative_command_is_the_kubeconfigs_never_the_working_directorys(api, pki, tmp_path):
    (tmp_path / "bin").mkdir()
    plugin(tmp_path / "bin", 'TOKEN, EXPIRES = "from-kubeconfig-dir", None\n' + CREDENTIAL)
    planted = tmp_path / "elsewhere"
    (planted / "bin").mkdir(parents=True)
    plugin(planted / "bin", 'TOKEN, EXPIRES = "planted", None\n' + CREDENTIAL)
    out = subprocess.run([sys.executable, "-m", "kubectl_expose_ext", "svc/influxdb", "-o", "url", "--kubeconfig",
                          config(api, pki, tmp_path, exec_user("./bin/get-token"))], capture_output=True, text=True,
                         timeout=60, cwd=planted, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    assert api.httpd.requests_seen[-1]["authorization"] == "Bearer from-kubeconfig-dir"


def test_interactive_always_needs_a_terminal(api, pki, tmp_path):
    path = plugin(tmp_path, "print('{}')")
    out = reach(api, pki, tmp_path, exec_user(path, interactiveMode="Always"))
    assert out.returncode == 1 and "no terminal is attached" in out.stderr


def test_a_context_whose_user_is_missing_is_an_error(api, pki, tmp_path):
    out = reach(api, pki, tmp_path, "{token: t}", context_user="nobody")
    assert out.stderr == 'error: invalid configuration: context "c": user "nobody" not found\n'


def test_a_token_with_a_line_break_is_refused_and_never_printed(api, pki, tmp_path):
    out = reach(api, pki, tmp_path, json.dumps({"token": "abc\ndef-secret"}), "-v", "8")
    assert out.returncode == 1 and "def-secret" not in out.stderr
    assert out.stderr == 'error: invalid configuration: the token of user "c" contains a line break or control character\n'


def test_a_401_runs_the_plugin_once_more_and_sends_the_request_once_more(api, pki, tmp_path):
    runs = tmp_path / "runs"
    path = plugin(tmp_path, f"""
count = len(open({str(runs)!r}).read()) + 1 if os.path.exists({str(runs)!r}) else 1
open({str(runs)!r}, "a").write("x")
TOKEN, EXPIRES = f"token-{{count}}", "2099-01-01T00:00:00Z"
{CREDENTIAL}""")
    api.cluster.authenticate = lambda header: header != "Bearer token-1"  # revoked before its expiry
    out = reach(api, pki, tmp_path, exec_user(path))
    assert out.returncode == 0, out.stderr
    assert runs.read_text() == "xx"  # once more for every request refused at once (the GET, what is read beside it)
    sent = [r["authorization"] for r in api.httpd.requests_seen]
    assert sent[0] == "Bearer token-1" and set(sent) == {"Bearer token-1", "Bearer token-2"}
    assert sent.count("Bearer token-1") <= sent.count("Bearer token-2")  # each refused one sent once more
    accepted = len(sent) - sent.count("Bearer token-1")  # the requests of the command
    api.cluster.authenticate = lambda header: False  # the new token is refused too: one error, no loop
    runs.unlink()
    before = len(api.httpd.requests_seen)
    out = reach(api, pki, tmp_path, exec_user(path))
    assert (out.returncode, out.stderr) == (1, "error: You must be logged in to the server (Unauthorized)\n")
    # the GET and the reads under way beside it, each sent once more; none after the GET's second refusal
    assert runs.read_text().startswith("xx") and 2 <= len(api.httpd.requests_seen) - before <= accepted


def test_a_watch_outlives_credentials_that_expire_every_two_seconds(api, pki, tmp_path):
    """EKS tokens live 15 minutes, GKE's an hour: --watch must run the plugin again at each expirationTimestamp
    (written with fractions of a second, as Go writes them), and the server refuses an expired token."""
    runs = tmp_path / "runs"
    path = plugin(tmp_path, f"""
now = time.time()
open({str(runs)!r}, "a").write("x")
TOKEN = f"t-{{now:.3f}}"
EXPIRES = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now + 2)) + f".{{int((now % 1) * 1e6):06d}}Z"
{CREDENTIAL}""")
    refused = []

    def fresh(header):
        # valid 1.5 s past the expirationTimestamp the plugin states (a request sent just before expiry may arrive
        # late on a loaded machine; 0.5 s was not always enough): refreshed at expiry, never refused. A client that
        # never renews is refused 3.5 s in, well within the 7.5 s below.
        ok = bool(header) and header.startswith("Bearer t-") and float(header[len("Bearer t-"):]) + 3.5 > time.time()
        if not ok:
            refused.append(header)
        return ok

    api.cluster.authenticate = fresh
    api.cluster.add({"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
                     "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "nodePort": 30080}]}})
    process = subprocess.Popen([os.path.join(plugin_path(), "kubectl-reach"), "svc/web", "-w", "-o", "url",
                                "--kubeconfig", config(api, pki, tmp_path, exec_user(path))],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=outside_checkout())
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in process.stdout], daemon=True).start()
    try:
        for index in range(5):  # a new address every 1.5 s: 7.5 s, more than three lifetimes of a token
            time.sleep(1.5)
            service = api.cluster.get("Service", "web")
            service["status"] = {"loadBalancer": {"ingress": [{"ip": f"198.51.100.{index}"}]}}
            api.cluster.add(service)
            wanted, deadline = f"http://198.51.100.{index}:80", time.monotonic() + 15
            while lines.get(timeout=max(0.1, deadline - time.monotonic())) != wanted:  # (the node ports first)
                pass
        assert process.poll() is None  # still watching
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Unauthorized" not in err and len(runs.read_text()) >= 3 and refused == []


@pytest.mark.parametrize("text, seconds", [
    ("2024-05-01T10:00:00Z", 1714557600.0),
    ("2024-05-01T10:00:00.250Z", 1714557600.25),  # fractions (they used to read as "never expires")
    ("2024-05-01T12:00:00.5+02:00", 1714557600.5),
    ("2024-05-01t10:00:00z", 1714557600.0),
    (None, None),
])
def test_expiration_timestamps_as_rfc_3339(text, seconds):
    assert credentials.expiry(text) == seconds


@pytest.mark.parametrize("text", ["2024-05-01 10:00:00", "2024-05-01T10:00:00", "2024-13-01T10:00:00Z", "soon"])
def test_an_expiration_timestamp_that_is_not_rfc_3339_is_an_error(text):
    with pytest.raises(ConfigError, match="expirationTimestamp"):
        credentials.expiry(text, "plugin")


def test_a_watch_refused_with_401_runs_the_plugin_again_and_watches_on(api, pki, tmp_path):
    from kubectl_expose_ext.kube import Connection, Kube

    runs = tmp_path / "runs"
    path = plugin(tmp_path, f"""
count = len(open({str(runs)!r}).read()) + 1 if os.path.exists({str(runs)!r}) else 1
open({str(runs)!r}, "a").write("x")
TOKEN, EXPIRES = f"token-{{count}}", "2099-01-01T00:00:00Z"
{CREDENTIAL}""")
    kube = Kube(Connection.load(config(api, pki, tmp_path, exec_user(path))), 5.0)
    version = kube.request("GET", "/api/v1/namespaces/default/services", {"limit": 1})["metadata"]["resourceVersion"]
    api.cluster.authenticate = lambda header: header != "Bearer token-1"  # revoked while the command runs
    events = list(kube.watch("services", "default", version, None, 1))  # no Unauthorized raised
    assert {kind for kind, _ in events} <= {"BOOKMARK"}  # nothing changed meanwhile
    assert runs.read_text() == "xx"
    watches = [r for r in api.cluster.log if r.query.get("watch") == "true"]
    assert [r.headers.get("authorization") for r in watches] == ["Bearer token-1", "Bearer token-2"]
