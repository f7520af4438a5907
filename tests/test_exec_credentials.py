"""Exec credential plugins (credentials.py), through the CLI: the protocol, and every way a plugin can fail."""

import json
import os
import subprocess
import sys
import time

import pytest

from support import outside_checkout


def plugin(tmp_path, body: str, name: str = "get-token"):
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\nimport json, os, sys, time\n{body}\n")
    path.chmod(0o755)
    return path


def reach(api, tmp_path, user: str, *args, env=None, context_user="c"):
    config = tmp_path / "kc"
    config.write_text(f"""apiVersion: v1
kind: Config
current-context: c
clusters: [{{name: c, cluster: {{server: '{api.url}'}}}}]
users: [{{name: c, user: {user}}}]
contexts: [{{name: c, context: {{cluster: c, user: {context_user}}}}}]
""")
    return subprocess.run([sys.executable, "-m", "kubectl_expose_ext", "svc/influxdb", "-o", "url", *args,
                           "--kubeconfig", str(config)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=outside_checkout(), stdin=subprocess.DEVNULL)


def exec_user(path, **extra):
    fields = {"apiVersion": "client.authentication.k8s.io/v1", "command": str(path), "interactiveMode": "Never",
              **extra}
    return json.dumps({"exec": fields})


def test_the_plugin_gets_exec_info_and_its_env_and_its_token_is_used(demo_api, tmp_path):
    seen = tmp_path / "seen.json"
    path = plugin(tmp_path, f"""
json.dump({{"info": json.loads(os.environ["KUBERNETES_EXEC_INFO"]), "env": os.environ.get("ROLE")}}, open({str(seen)!r}, "w"))
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {{"token": "exec-token-123", "expirationTimestamp": "2099-01-01T00:00:00Z"}}}}))""")
    out = reach(demo_api, tmp_path, exec_user(path, env=[{"name": "ROLE", "value": "admin"}], provideClusterInfo=True))
    assert out.returncode == 0, out.stderr
    recorded = json.loads(seen.read_text())
    assert recorded["env"] == "admin"
    assert recorded["info"]["kind"] == "ExecCredential" and recorded["info"]["spec"]["interactive"] is False
    assert recorded["info"]["spec"]["cluster"]["server"] == demo_api.url
    assert demo_api.server.httpd.requests_seen[-1]["authorization"] == "Bearer exec-token-123"


@pytest.mark.parametrize("body, says", [
    ('sys.stderr.write("\\x1b[31mAccessDenied: role gone\\n"); sys.exit(3)',
     "failed with exit code 3: \\x1b[31mAccessDenied: role gone"),
    ('print("not json")', "printed no credential"),
    ('print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {}}))',
     "printed no credential"),
    ('print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", '
     '"status": {"token": "t"}}))', 'answered apiVersion "client.authentication.k8s.io/v1beta1"'),
    ("time.sleep(30)", "did not answer within 1s"),
])
def test_a_failing_plugin_is_an_error_naming_it_never_an_anonymous_request(demo_api, tmp_path, body, says):
    path = plugin(tmp_path, body)
    before = len(demo_api.cluster.log)
    started = time.monotonic()
    out = reach(demo_api, tmp_path, exec_user(path), env={"KUBECTL_REACH_EXEC_TIMEOUT": "1"})
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1, out.stderr
    assert out.stderr.startswith(f"error: exec plugin {path}") and says in out.stderr, out.stderr
    assert "\x1b" not in out.stderr and len(demo_api.cluster.log) == before  # nothing was sent
    assert time.monotonic() - started < 10


def test_a_missing_plugin_says_how_to_install_it(demo_api, tmp_path):
    user = exec_user(tmp_path / "aws-iam-authenticator", installHint="brew install aws-iam-authenticator")
    out = reach(demo_api, tmp_path, user)
    assert out.stderr == (f"error: exec plugin {tmp_path / 'aws-iam-authenticator'} not found: "
                          "brew install aws-iam-authenticator\n")


def test_interactive_always_needs_a_terminal(demo_api, tmp_path):
    path = plugin(tmp_path, "print('{}')")
    out = reach(demo_api, tmp_path, exec_user(path, interactiveMode="Always"))
    assert out.returncode == 1 and "no terminal is attached" in out.stderr


def test_a_context_whose_user_is_missing_is_an_error(demo_api, tmp_path):
    out = reach(demo_api, tmp_path, "{token: t}", context_user="nobody")
    assert out.stderr == 'error: invalid configuration: context "c": user "nobody" not found\n'


def test_a_token_with_a_line_break_is_refused_and_never_printed(demo_api, tmp_path):
    out = reach(demo_api, tmp_path, json.dumps({"token": "abc\ndef-secret"}), "-v", "8")
    assert out.returncode == 1 and "def-secret" not in out.stderr
    assert "contains a line break or control character" in out.stderr
