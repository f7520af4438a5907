"""Target syntax and flag validation (pure; no request is ever sent for these)."""

import pytest

from kubectl_expose_ext.errors import UsageError
from kubectl_expose_ext.options import (kind_by_name, parse_target, parse_targets, parse_timeout,
                                        validate_address_type, validate_output)


@pytest.mark.parametrize("args, kind, name", [
    (["pod/influxdb"], "Pod", "influxdb"),
    (["po/influxdb"], "Pod", "influxdb"),
    (["pods/influxdb"], "Pod", "influxdb"),
    (["svc/web"], "Service", "web"),
    (["service/web"], "Service", "web"),
    (["services/web"], "Service", "web"),
    (["deploy/api"], "Deployment", "api"),
    (["deployment.apps/api"], "Deployment", "api"),
    (["Deployment/api"], "Deployment", "api"),
    (["sts/db"], "StatefulSet", "db"),
    (["ds/agent"], "DaemonSet", "agent"),
    (["ingress/shop"], "Ingress", "shop"),
    (["ing/shop"], "Ingress", "shop"),
    (["ingresses.networking.k8s.io/shop"], "Ingress", "shop"),
    (["pod", "influxdb"], "Pod", "influxdb"),
    (["svc", "web.v2"], "Service", "web.v2"),
])
def test_target_forms(args, kind, name):
    spec = parse_target(args)
    assert (spec.kind.name, spec.name) == (kind, name)


def test_bare_name_and_no_target():
    assert parse_target(["influxdb"]).kind is None
    assert parse_target([]) is None


@pytest.mark.parametrize("args, message", [
    (["pod/"], "resource/name form"),
    (["/x"], "resource/name form"),
    (["pod/a/b"], "resource/name form"),
    (["foo/bar"], 'unknown resource type "foo"'),
    (["deployment.networking.k8s.io/x"], "unknown resource type"),
    (["pod/Influx_DB"], "invalid resource name"),
    (["pod/-x"], "invalid resource name"),
    (["pod/" + "a" * 254], "at most 253"),
    (["pod", "svc/x"], "no need to specify a resource type"),
    (["pod", "a", "b"], "expected one target"),
    (["pod", ""], "a resource name is required"),
])
def test_bad_targets(args, message):
    with pytest.raises(UsageError, match=message):
        parse_target(args)


def test_outputs_and_address_types():
    assert validate_output("wide") == "wide"
    with pytest.raises(UsageError, match='output format "xml", allowed formats are: table,wide,json,yaml,url'):
        validate_output("xml")
    assert validate_address_type("externalip") == "ExternalIP"
    with pytest.raises(UsageError, match="invalid --address-type"):
        validate_address_type("InternalDNS")
    assert kind_by_name("DaemonSets").short == "ds"


@pytest.mark.parametrize("value, seconds", [("0", None), ("5s", 5), ("5", 5), ("1m", 60), ("500ms", 0.5), ("1h", 3600)])
def test_request_timeout(value, seconds):
    assert parse_timeout(value) == seconds


@pytest.mark.parametrize("value", ["", "5x", "-1s", "soon"])
def test_bad_request_timeout(value):
    with pytest.raises(UsageError):
        parse_timeout(value)


@pytest.mark.parametrize("args, expected", [
    ([], []),
    (["web"], [(None, "web")]),
    (["svc", "web"], [("Service", "web")]),
    (["svc/a", "pod/b"], [("Service", "a"), ("Pod", "b")]),
    (["svc", "a", "b", "a"], [("Service", "a"), ("Service", "b")]),  # named twice: once
    (["svc/a", "service/a", "deploy/a"], [("Service", "a"), ("Deployment", "a")]),
])
def test_several_targets(args, expected):
    assert [(s.kind.name if s.kind else None, s.name) for s in parse_targets(args)] == expected


@pytest.mark.parametrize("args, message", [
    (["svc", "a", "pod/b"], "no need to specify a resource type"),
    (["svc/a", "b"], "no need to specify a resource type"),
    (["svc/a", "nope/b"], 'unknown resource type "nope"'),
    (["a", "b", "c"], 'unknown resource type "a"'),  # TYPE NAME NAME: the first word is a type
])
def test_bad_several_targets(args, message):
    with pytest.raises(UsageError, match=message):
        parse_targets(args)
