"""kubectl's global connection flags (--cluster, --user, -s, --token, --certificate-authority, --client-certificate,
--client-key, --insecure-skip-tls-verify, --tls-server-name, --as, --as-group, --as-uid) over the kubeconfig."""

import base64
import json

import pytest

from kubectl_expose_ext import kubeconfig
from kubectl_expose_ext.errors import ConfigError
from kubectl_expose_ext.kubeconfig import Overrides

CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nkubeconfig CA\n").decode()
CONFIG = f"""
current-context: dev
clusters:
- {{name: dev, cluster: {{server: 'https://dev.example.invalid:6443', certificate-authority-data: {CA}}}}}
- {{name: prod, cluster: {{server: 'https://prod.example.invalid:6443', insecure-skip-tls-verify: true}}}}
users:
- {{name: dev, user: {{exec: {{apiVersion: client.authentication.k8s.io/v1, command: /nonexistent/plugin,
                              interactiveMode: Never}}}}}}
- {{name: ops, user: {{token: ops-token, as: auditor, as-groups: [readers]}}}}
contexts: [{{name: dev, context: {{cluster: dev, user: dev, namespace: team}}}}]
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config"
    path.write_text(CONFIG)
    (tmp_path / "ca.crt").write_text("flag CA")
    (tmp_path / "tls.crt").write_text("cert")
    (tmp_path / "tls.key").write_text("key")
    return tmp_path


@pytest.mark.parametrize("overrides, expect", [
    # another cluster entry, with its own TLS settings; the context's user and namespace stay
    (dict(cluster="prod", token="t"), dict(host="https://prod.example.invalid:6443", verify_ssl=False,
                                           authorization="Bearer t")),
    # another user entry (its token, its own impersonation), on the context's cluster
    (dict(user="ops"), dict(host="https://dev.example.invalid:6443", authorization="Bearer ops-token",
                            impersonation={"Impersonate-User": ["auditor"], "Impersonate-Group": ["readers"]})),
    # -s replaces the server only; --token replaces the exec plugin (which is then never run)
    (dict(server="https://other.example.invalid", token="flag-token"),
     dict(host="https://other.example.invalid", ca_cert_data="-----BEGIN CERTIFICATE-----\nkubeconfig CA\n",
          authorization="Bearer flag-token")),
    # --certificate-authority replaces the kubeconfig's CA data
    (dict(certificate_authority="{dir}/ca.crt", token="t"), dict(ca_cert_data=None, ssl_ca_cert="{dir}/ca.crt")),
    # --insecure-skip-tls-verify drops the kubeconfig's CA (else the two would conflict)
    (dict(insecure_skip_tls_verify=True, token="t"), dict(ca_cert_data=None, verify_ssl=False)),
    (dict(tls_server_name="api.internal", token="t"), dict(tls_server_name="api.internal")),
    # a client certificate means the exec plugin is not run (exec.Authenticator.UpdateTransportConfig)
    (dict(client_certificate="{dir}/tls.crt", client_key="{dir}/tls.key"),
     dict(cert_file="{dir}/tls.crt", key_file="{dir}/tls.key", authorization=None)),
    # the flags' impersonation over the user entry's
    (dict(user="ops", impersonate="alice", impersonate_groups=("dev", "ops"), impersonate_uid="42"),
     dict(impersonation={"Impersonate-User": ["alice"], "Impersonate-Group": ["dev", "ops"],
                         "Impersonate-Uid": ["42"]})),
])
def test_flags_over_the_kubeconfig(config, overrides, expect):
    overrides = {k: v.format(dir=config) if isinstance(v, str) else v for k, v in overrides.items()}
    access, namespace, context = kubeconfig.load([str(config / "config")], None, Overrides(**overrides))
    assert (namespace, context) == ("team", "dev")
    for key, value in expect.items():
        actual = (access.credential.header() if access.credential else None) if key == "authorization" else \
            getattr(access, key)
        assert actual == (value.format(dir=config) if isinstance(value, str) else value), key


@pytest.mark.parametrize("overrides, message", [
    (dict(cluster="nope"), 'cluster "nope" does not exist'),
    (dict(user="nope"), 'user "nope" does not exist'),
    (dict(token="t", impersonate_groups=("dev",)), "requesting uid, groups or user-extra for dev without impersonating a user"),
    (dict(token="t", server="ftp://x.invalid"), "server"),
])
def test_wrong_flags_are_errors(config, overrides, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        kubeconfig.load([str(config / "config")], None, Overrides(**overrides))


def test_the_server_and_a_token_need_no_kubeconfig(demo_api, tmp_path):
    """kubectl runs on flags alone (`-s URL --token T`, no kubeconfig anywhere)."""
    from support import run_installed

    env = {**demo_api.env(), "KUBECONFIG": str(tmp_path / "absent"), "HOME": str(tmp_path)}
    done = run_installed(["kubectl-reach", "svc/influxdb", "-n", "default", "-o", "url", "-s", demo_api.url,
                          "--token", "fake-token"], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "https://influxdb.example.com/"
    done = run_installed(["kubectl-reach", "svc/influxdb", "-o", "url", "--token", "fake-token"], env=env)
    assert (done.returncode, done.stderr) == (1, "error: no kubeconfig found (set KUBECONFIG or use --kubeconfig) and "
                                                 "not running inside a cluster\n")


def test_impersonation_reaches_every_request_and_a_token_never_travels_in_clear(demo_api):
    """The fake API server speaks plain HTTP: the flags' token is not sent (kubectl sends credentials only over TLS),
    one warning says so, and the impersonation headers, which hold no secret, go with every request."""
    before = len(demo_api.log())
    out = demo_api.reach("svc/influxdb", "-o", "url", "-v", "8", "--token", "s3cret-flag-token", "--as", "alice",
                         "--as-group", "dev", "--as-group=ops", "--as-uid", "42")
    assert out.code == 0
    sent = demo_api.log(before)
    assert len(sent) > 3
    for request in sent:
        assert (request.headers.get("impersonate-user"), request.headers.get("impersonate-group"),
                request.headers.get("impersonate-uid")) == ("alice", "dev\nops", "42")  # two header lines
        assert "authorization" not in request.headers
    assert "Request Impersonate-Group: dev" in out.err and "Request Impersonate-Group: ops" in out.err
    assert out.err.splitlines()[0] == (f'Warning: the credentials of user "fake" are not sent to {demo_api.url}: it is '
                                       "not https (kubectl sends them only over TLS)")
    assert "s3cret-flag-token" not in out.out + out.err and "Authorization" not in out.err


@pytest.mark.both_backends
def test_acting_as_another_user_gets_that_users_answer(api_factory):
    """On the real server, --as is authorised (admin may impersonate) and then RBAC judges the impersonated user."""
    from kubectl_expose_ext.demo import demo_cluster

    api = api_factory(cluster=demo_cluster())
    api.forbid("list", "nodes")  # the user `nobody` may not list nodes (the fake: nobody may)
    api.allow_all()  # back to the admin kubeconfig
    as_admin = json.loads(api.reach("svc/influxdb", "-o", "json").out)
    assert as_admin["endpoints"] and not any("forbidden" in w for w in as_admin["warnings"])
    if api.backend == "real":
        as_nobody = api.reach("svc/influxdb", "-o", "json", "--as", "nobody")
        assert any("forbidden" in w and "nobody" in w for w in json.loads(as_nobody.out)["warnings"]), as_nobody
