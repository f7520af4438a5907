"""The commands as Options -> plan -> run(session), with the streams injected: no argv, no capsys. The client is
the real one, over HTTP to a fake API server (no in-process mocking)."""

import io

import pytest

from kubectl_expose_ext.exitcodes import ExitCode
from kubectl_expose_ext.commands.audit import AuditOptions
from kubectl_expose_ext.commands.convert import ConvertOptions
from kubectl_expose_ext.commands.show import ShowOptions
from kubectl_expose_ext.errors import UsageError
from kubectl_expose_ext.kubeflags import KubeFlags
from kubectl_expose_ext.streams import Streams


def session(demo_api, answer=""):
    streams = Streams(io.StringIO(), io.StringIO(), io.StringIO(answer))
    return KubeFlags(kubeconfig=demo_api.kubeconfig).validate().connect(streams)


def test_show_writes_only_to_its_streams(demo_api, capsys):
    run = session(demo_api)
    assert ShowOptions(target=("svc/influxdb-lb",), output="url").validate().run(run) == 0
    assert run.streams.out.getvalue().splitlines() == [
        "http://198.51.100.20:8086", "http://203.0.113.10:31086", "http://203.0.113.11:31086"]
    assert run.streams.err.getvalue() == "Warning: service influxdb-lb: NotReady node(s) skipped: node-c\n"
    assert capsys.readouterr() == ("", "")


def test_a_plan_is_frozen_and_typed():
    plan = ShowOptions(target=("svc/x",), output="wide", timeout="500ms", probe=True).validate()
    assert ([s.kind.name for s in plan.specs], plan.output, plan.probe_timeout) == (["Service"], "wide", 0.5)
    with pytest.raises(AttributeError):
        plan.output = "json"


def test_audit_fail_on_exit_code(demo_api):
    run = session(demo_api)
    assert AuditOptions(fail_on="high").validate().run(run) == 4
    assert "open-lb: load balancer open to the internet" in run.streams.out.getvalue()


def test_url_output_with_nothing_that_can_work_is_exit_3(demo_api):
    run = session(demo_api)
    assert ShowOptions(target=("svc/kubernetes",), output="url").validate().run(run) == ExitCode.NO_ANSWER
    assert run.streams.out.getvalue() == ""


@pytest.mark.parametrize("options, message", [
    (dict(to="clusterip", node_port=("30080",)),
     "--node-port does not apply to --to clusterip (only to --to nodeport or loadbalancer)"),
    (dict(to="nodeport", lb_class="example.com/lb"), "--lb-class applies only to --to loadbalancer"),
    (dict(to="loadbalancer", path="/api"), "--path applies only to --to ingress"),
    (dict(to="clusterip", external_traffic_policy="Local"),
     "--external-traffic-policy does not apply to --to clusterip (only to --to nodeport or loadbalancer)"),
])
def test_flags_a_strategy_does_not_read_are_refused_from_the_table(options, message):
    with pytest.raises(UsageError) as refused:
        ConvertOptions(target=("svc/web",), **options).validate()
    assert str(refused.value) == message


def test_confirmation_is_read_from_the_injected_input(demo_api):
    run = session(demo_api, answer="n\n")
    run.streams.interactive = lambda: True  # a terminal on the other end
    with pytest.raises(Exception, match="cancelled: nothing was changed"):
        ConvertOptions(target=("svc/influxdb",), to="clusterip").validate().run(run)
    assert "Apply this change to svc/influxdb? [y/N]: " in run.streams.err.getvalue()
    assert [r.method for r in demo_api.log() if not r.dry_run and r.method != "GET"] == []
