"""--fallback port-forward (issue 29): when nothing reaches the target from here, the user's kubectl port-forward on a
free local port, its URL printed, stopped on Ctrl-C. kubectl is a recording stand-in on PATH (port-forward needs a
kubelet, which neither API server of the suite has): what matters here is what is run, read and stopped."""

import os
import signal
import subprocess
import sys

from support import outside_checkout, plugin_path

FAKE_KUBECTL = """#!{python}
import json, signal, sys, time
open({record!r}, "w").write(json.dumps(sys.argv[1:]))
def stop(signum, frame):
    open({record!r} + ".stopped", "w").write(str(signum))
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
if {fail}:
    print("error: unable to forward port because pod is not running", file=sys.stderr)
    sys.exit(1)
print("Forwarding from 127.0.0.1:43215 -> 9000", flush=True)
print("Forwarding from [::1]:43215 -> 9000", flush=True)
while True:
    time.sleep(1)
"""


def stand_in(tmp_path, fail=False):
    record = tmp_path / "kubectl.json"
    script = tmp_path / "bin" / "kubectl"
    script.parent.mkdir()
    script.write_text(FAKE_KUBECTL.format(python=sys.executable, record=str(record), fail=fail))
    script.chmod(0o755)
    return record, {**os.environ, "PATH": f"{script.parent}{os.pathsep}{plugin_path()}{os.pathsep}{os.environ['PATH']}"}


def start(args, env):
    return subprocess.Popen([os.path.join(plugin_path(), "kubectl-reach"), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=outside_checkout())


def test_nothing_reaches_the_pod_so_kubectl_port_forward_runs_until_ctrl_c(realworld, tmp_path):
    record, env = stand_in(tmp_path)
    reach = start(["pod/lonely", "-n", "shop", "--fallback", "port-forward", "--kubeconfig", realworld.kubeconfig], env)
    line = reach.stdout.readline()  # the event: kubectl said where it forwards, and the URL was printed
    assert line == "tcp://127.0.0.1:43215\n"
    reach.send_signal(signal.SIGINT)
    out, err = reach.communicate(timeout=60)
    assert reach.returncode == 0, err
    assert "Forwarding tcp://127.0.0.1:43215 to pod/lonely port 9000" in err
    import json

    argv = json.loads(record.read_text())
    assert argv == ["port-forward", "-n", "shop", f"--kubeconfig={realworld.kubeconfig}", "--context=fake",
                    "--address=127.0.0.1", "pod/lonely", ":9000"]
    assert (tmp_path / "kubectl.json.stopped").read_text() == str(int(signal.SIGTERM))  # stopped, not left behind


def test_a_kubectl_that_fails_is_one_error_line(realworld, tmp_path):
    _, env = stand_in(tmp_path, fail=True)
    reach = start(["pod/lonely", "-n", "shop", "--fallback", "port-forward", "--kubeconfig", realworld.kubeconfig], env)
    out, err = reach.communicate(timeout=60)
    assert reach.returncode == 1 and out == ""
    assert err.splitlines()[-1] == ("error: --fallback port-forward: kubectl port-forward pod/lonely did not start: "
                                    "error: unable to forward port because pod is not running")


def test_no_fallback_where_a_url_can_work(demo_api, tmp_path):
    record, env = stand_in(tmp_path)
    done = subprocess.run([os.path.join(plugin_path(), "kubectl-reach"), "svc/influxdb", "--fallback", "port-forward",
                           "-o", "url", "--kubeconfig", demo_api.kubeconfig], env=env, capture_output=True, text=True,
                          timeout=60, cwd=outside_checkout())
    assert done.returncode == 0 and done.stdout.startswith("https://influxdb.example.com/")
    assert not record.exists()  # kubectl never ran


def test_usage(demo_api):
    assert demo_api.reach("--fallback", "port-forward").err.startswith("error: --fallback port-forward needs one target")
    assert demo_api.reach("svc/influxdb", "--fallback", "tunnel").err == \
        'error: invalid --fallback "tunnel": use port-forward\n'


def test_explain_falls_back_after_its_trace(realworld, tmp_path):
    record, env = stand_in(tmp_path)
    reach = start(["explain", "pod/lonely", "-n", "shop", "--fallback", "port-forward", "--kubeconfig",
                   realworld.kubeconfig], env)
    lines = [reach.stdout.readline() for _ in range(5)]  # the trace, then (the event) the forwarded URL
    assert lines[0] == "pod/lonely in namespace shop: 1 way(s) in: 1 broken\n"
    while lines[-1] != "tcp://127.0.0.1:43215\n":
        lines.append(reach.stdout.readline())
        assert lines[-1], lines
    reach.send_signal(signal.SIGINT)
    out, err = reach.communicate(timeout=60)
    assert reach.returncode == 0, err
    assert "Hint: nothing reaches pod/lonely from this machine: falling back to kubectl port-forward" in err
    assert (tmp_path / "kubectl.json.stopped").read_text() == str(int(signal.SIGTERM))
