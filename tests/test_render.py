"""What the user sees: tables, JSON, YAML, URL lists; terminal-safe."""

import json

import yaml

from kubectl_expose_ext.endpoints import Endpoint, Found
from kubectl_expose_ext.reach import Reach
from kubectl_expose_ext.render import (render_json, render_table, render_urls, render_warnings, render_yaml)
from kubectl_expose_ext.terminal import clean as safe


def nodeport(i, **kw):
    return Endpoint("NodePort", "http", f"203.0.113.{i}", 30000, node=f"node-{i}", service="influxdb",
                    service_port=8086, target_port=8086, **kw)


def result(*endpoints, warnings=()):
    return Reach("Pod", "default", "influxdb", Found(list(endpoints), list(warnings)))


def test_table_columns_and_backend():
    ing = Endpoint("Ingress", "https", "influxdb.example.com", 443, service="influxdb", service_port=8086,
                   ingress="influxdb", path="/", target_port="http")
    host = Endpoint("hostPort", "tcp", "2001:db8::1", 8086, node="n", target_port=8086, warnings=["careful"])
    lines = render_table([result(nodeport(1), ing, host)]).splitlines()
    assert lines[0].split() == ["METHOD", "URL", "NODE", "BACKEND", "NOTES"]
    assert lines[1].split() == ["NodePort", "http://203.0.113.1:30000", "node-1", "influxdb:8086", "->", "8086"]
    assert lines[2].split() == ["Ingress", "https://influxdb.example.com/", "influxdb:8086", "->", "http", "ingress",
                                "influxdb"]
    assert lines[3].split() == ["hostPort", "tcp://[2001:db8::1]:8086", "n", "->", "8086", "careful"]


def test_table_collapses_long_node_lists_but_wide_and_url_do_not():
    answer = result(*[nodeport(i) for i in range(1, 8)])
    table = render_table([answer]).splitlines()
    assert len(table) == 1 + 3 + 1
    assert "... 4 more node(s): -o wide or -o url lists them all" in table[-1]
    wide = render_table([answer], wide=True).splitlines()
    assert len(wide) == 1 + 7 and wide[0].split()[:3] == ["METHOD", "URL", "SCHEME"]
    assert len(render_urls([answer]).splitlines()) == 7


def test_listing_adds_target_and_namespace_columns():
    table = render_table([result(nodeport(1))], listing=True, all_namespaces=True).splitlines()
    assert table[0].split()[:3] == ["NAMESPACE", "TARGET", "METHOD"]
    assert table[1].split()[:3] == ["default", "pod/influxdb", "NodePort"]


def test_json_contract_and_yaml_agree():
    answer = result(nodeport(1), warnings=["w"])
    doc = json.loads(render_json([answer]))
    assert list(doc) == ["target", "endpoints", "warnings"]
    assert list(doc["endpoints"][0]) == ["method", "url", "scheme", "host", "port", "node", "service", "servicePort",
                                         "ingress", "via", "path", "internal", "warnings"]
    assert yaml.safe_load(render_yaml([answer])) == doc
    assert json.loads(render_json([answer], listing=True)) == {"items": [doc]}


def test_urls_are_unique():
    assert render_urls([result(nodeport(1), nodeport(1))]) == "http://203.0.113.1:30000"


def test_hostile_cluster_data_cannot_drive_the_terminal():
    evil = Endpoint("LoadBalancer", "http", "lb\x1b]0;pwned\x07.example.com", 80, service="x\x1b[2J", service_port=80)
    out = render_table([result(evil, warnings=["\x1b[31mred\x1b[0m"])])
    assert "\x1b" not in out and "\x07" not in out and "\\x1b]0;pwned\\x07" in out
    assert render_warnings([result(warnings=["a\rb\x9bc"])]) == ["Warning: a\\x0db\\x9bc"]
    assert safe(None) == ""


def test_many_warnings_of_one_kind_are_counted_after_three_examples():
    from kubectl_expose_ext.endpoints import Found
    from kubectl_expose_ext.reach import Reach

    broken = [f"ingress ing-{i} routes to service svc-{i}, which does not exist" for i in range(1886)]
    results = [Reach("Ingress", "default", f"ing-{i}", Found(warnings=[w])) for i, w in enumerate(broken)]
    results.append(Reach("Service", "default", "web", Found(warnings=["service web: load balancer pending"])))
    assert render_warnings(results) == [
        "Warning: ingress ing-0 routes to service svc-0, which does not exist",
        "Warning: ingress ing-1 routes to service svc-1, which does not exist",
        "Warning: ingress ing-2 routes to service svc-2, which does not exist (and 1883 more like it: -o json lists "
        "them all)",
        "Warning: service web: load balancer pending"]
    assert len(json.loads(render_json(results, listing=True))["items"]) == 1887  # the document keeps every one
