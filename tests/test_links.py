"""Declared links (links.py): Argo CD's link annotations, app.k8s.io Applications and kubectl-reach/primary-url, read
as their owners define them, checked against the derived URLs, shown beside them, and a declared primary deciding
--open. Pure rules table-driven; then end to end on both API servers."""

import json

import pytest

from kubectl_expose_ext.links import (Link, annotation_links, application_links, check, checked, parse, primary,
                                      selects)

pytestmark = pytest.mark.both_backends

# --- the sources, as their owners define them --------------------------------------------------------------------


def test_argocd_annotations_url_or_title_bar_url():
    links = annotation_links({
        "link.argocd.argoproj.io/external-link": "http://my-grafana.example.com/pre-generated-link",
        "link.argocd.argoproj.io/dashboard": "Go to Dashboard|http://grafana.example.com/d/yu5UH4MMz/deployments",
        "link.argocd.argoproj.io/empty": "  ",
        "kubectl-reach/primary-url": "https://web.example.com/login",
        "argocd.argoproj.io/sync-wave": "1",  # not a link
    }, "svc/web")
    assert [(link.title, link.url, link.source, link.primary) for link in links] == [
        ("Go to Dashboard", "http://grafana.example.com/d/yu5UH4MMz/deployments", "argocd", False),
        ("external-link", "http://my-grafana.example.com/pre-generated-link", "argocd", False),
        ("primary", "https://web.example.com/login", "kubectl-reach", True)]
    assert all(link.declared_on == "svc/web" for link in links)


@pytest.mark.parametrize("selector, labels, selected", [
    (None, {"a": "1"}, False),                                   # no selector: nothing
    ({}, {"a": "1"}, True),                                      # empty: everything (LabelSelectorAsSelector)
    ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "3"]}]}, {"a": "3"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"b": "1"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"b": "1"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}, {"a": "5"}, False),  # unknown: no
])
def test_label_selectors(selector, labels, selected):
    assert selects(selector, labels) is selected


APP = {"apiVersion": "app.k8s.io/v1beta1", "kind": "Application", "metadata": {"name": "shop", "namespace": "default"},
       "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "shop"}},
                "componentKinds": [{"group": "apps", "kind": "Deployment"}, {"group": "core", "kind": "Service"}],
                "descriptor": {"links": [{"description": "Storefront", "url": "https://shop.example.com/"},
                                         {"url": "https://docs.example.com/shop"}, {"description": "no url"}]}}}


@pytest.mark.parametrize("kind, namespace, labels, titles", [
    ("Service", "default", {"app.kubernetes.io/name": "shop"}, ["Storefront", "link"]),
    ("Pod", "default", {"app.kubernetes.io/name": "shop"}, ["Storefront", "link"]),  # a workload's pod
    ("Ingress", "default", {"app.kubernetes.io/name": "shop"}, []),  # not a component kind
    ("Service", "other", {"app.kubernetes.io/name": "shop"}, []),    # another namespace's
    ("Service", "default", {"app.kubernetes.io/name": "cart"}, []),  # not selected
])
def test_application_links(kind, namespace, labels, titles):
    found = application_links([APP], kind, namespace, labels)
    assert [link.title for link in found] == titles
    assert all(link.declared_on == "application/shop" and link.source == "app.k8s.io" for link in found)


# --- matching a declared URL against the derived ones ------------------------------------------------------------

DERIVED = [("https", "web.example.com", 443, "https://web.example.com/"),
           ("http", "198.51.100.20", 8086, "http://198.51.100.20:8086"),
           ("https", "*.preview.example.com", 443, "https://*.preview.example.com/"),
           ("http", "2001:db8::1", 30080, "http://[2001:db8::1]:30080")]


@pytest.mark.parametrize("url, matches, mismatch", [
    ("https://web.example.com/d/dashboard?x=1", "https://web.example.com/", None),  # the path is not compared
    ("https://WEB.example.com:443/", "https://web.example.com/", None),             # default port, any case
    ("http://198.51.100.20:8086/health", "http://198.51.100.20:8086", None),
    ("https://pr-12.preview.example.com/", "https://*.preview.example.com/", None),   # one label for the wildcard
    ("https://a.pr-12.preview.example.com/", None, "host"),                          # not two
    ("http://[2001:db8::1]:30080/", "http://[2001:db8::1]:30080", None),
    ("http://web.example.com/", None, "port"),        # http means port 80: web.example.com is reached on 443 only
    ("https://198.51.100.20:8086/", None, "scheme"),  # the right host and port, over http only
    ("http://198.51.100.20:9090/", None, "port"),
    ("https://grafana.example.com/d/x", None, "host"),
    ("web.example.com/path", None, "invalid"),
    ("https://web.example.com:99999/", None, "invalid"),
])
def test_a_declared_url_matches_on_scheme_host_and_port(url, matches, mismatch):
    link = check(Link(url, "t", "argocd", "svc/web"), DERIVED)
    assert (link.matches, link.mismatch) == (matches, mismatch)


def test_the_warnings_say_what_differs_and_only_one_primary_stays():
    links = [Link("https://198.51.100.20:8086/", "api", "argocd", "svc/web"),
             Link("http://198.51.100.20:9090/", "metrics", "argocd", "svc/web"),
             Link("https://grafana.example.com/", "grafana", "argocd", "svc/web"),
             Link("https://web.example.com/", "primary", "kubectl-reach", "svc/web", primary=True),
             Link("https://web.example.com/", "primary", "kubectl-reach", "svc/web", primary=True),  # twice: once
             Link("http://198.51.100.20:8086/", "primary", "kubectl-reach", "ingress/web", primary=True)]
    result, warnings = checked(links, DERIVED)
    assert warnings == [
        'declared link "api" (argocd on svc/web) https://198.51.100.20:8086/ matches no derived URL: '
        "198.51.100.20:8086 is served over http, not https",
        'declared link "metrics" (argocd on svc/web) http://198.51.100.20:9090/ matches no derived URL: '
        "198.51.100.20 is reached on port 8086, not 9090",
        'declared link "grafana" (argocd on svc/web) https://grafana.example.com/ matches no derived URL: '
        "no derived URL has the host grafana.example.com"]
    assert [link.primary for link in result] == [False, False, False, True, False]  # the first primary wins
    assert primary(result).matches == "https://web.example.com/"
    assert parse("https://web.example.com") == ("https", "web.example.com", 443)


# --- end to end -----------------------------------------------------------------------------------------------------

def annotate(api, kind, name, annotations, labels=None):
    obj = api.get(kind, name)
    obj["metadata"].setdefault("annotations", {}).update(annotations)
    if labels:
        obj["metadata"].setdefault("labels", {}).update(labels)
    for key in ("uid", "creationTimestamp", "generation"):
        obj["metadata"].pop(key, None)
    api.add(obj)


def test_declared_links_beside_the_derived_urls(demo_api):
    annotate(demo_api, "Service", "influxdb-lb", {
        "link.argocd.argoproj.io/grafana": "Grafana|https://grafana.example.com/d/influx",
        "kubectl-reach/primary-url": "http://203.0.113.10:31086/query"})  # the NodePort, not the load balancer
    annotate(demo_api, "Ingress", "influxdb", {"link.argocd.argoproj.io/ui": "https://influxdb.example.com/orgs"})
    out = demo_api.reach("svc/influxdb-lb", "-o", "json")
    doc = json.loads(out.out)
    assert doc["links"] == [
        {"url": "https://grafana.example.com/d/influx", "title": "Grafana", "source": "argocd",
         "declaredOn": "svc/influxdb-lb", "primary": False, "matches": None, "mismatch": "host"},
        {"url": "http://203.0.113.10:31086/query", "title": "primary", "source": "kubectl-reach",
         "declaredOn": "svc/influxdb-lb", "primary": True, "matches": "http://203.0.113.10:31086", "mismatch": None}]
    assert doc["endpoints"][0]["url"] == "http://203.0.113.10:31086"  # the declared primary's URL ranks first
    assert ('declared link "Grafana" (argocd on svc/influxdb-lb) https://grafana.example.com/d/influx matches no '
            "derived URL: no derived URL has the host grafana.example.com") in doc["warnings"]
    assert demo_api.reach("svc/influxdb-lb", "-o", "url").out.splitlines()[0] == "http://203.0.113.10:31086"

    table = demo_api.reach("pod/influxdb")  # the Ingress and the Service its URLs go through declare links too
    rows = [line for line in table.out.splitlines() if line.startswith("Declared")]
    assert [row.split()[1] for row in rows] == ["https://grafana.example.com/d/influx", "http://203.0.113.10:31086/query",
                                                "https://influxdb.example.com/orgs"]
    assert 'declared "ui" (argocd on ingress/influxdb)' in rows[2] and "matches no derived URL" not in rows[2]
    assert "declared primary (kubectl-reach on svc/influxdb-lb)" in rows[1]
    assert table.out.splitlines()[1].split()[1] == "http://203.0.113.10:31086"  # first in the table too

    listing = json.loads(demo_api.reach("-o", "json").out)  # the listing: each object's own links
    declared = {i["target"]["name"]: [link["url"] for link in i.get("links", [])] for i in listing["items"]
                if i["target"]["kind"] in ("Service", "Ingress")}
    assert declared["influxdb-lb"] == ["https://grafana.example.com/d/influx", "http://203.0.113.10:31086/query"]
    assert declared["influxdb"] in ([], ["https://influxdb.example.com/orgs"])  # the Service: none; the Ingress: one
    assert "links" not in json.loads(demo_api.reach("svc/influxdb-ext", "-o", "json").out)  # the contract otherwise


def test_application_links_cost_a_request_only_for_labelled_objects(demo_api):
    demo_api.add({"apiVersion": "app.k8s.io/v1beta1", "kind": "Application",
                  "metadata": {"name": "influx", "namespace": "default"},
                  "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "influx"}},
                           "componentKinds": [{"group": "apps", "kind": "Deployment"}],
                           "descriptor": {"links": [{"description": "Docs", "url": "https://docs.example.com/influx"}]}}})
    before = len(demo_api.log())
    assert "links" not in json.loads(demo_api.reach("pod/influxdb", "-o", "json").out)
    assert not [r for r in demo_api.log(before) if "applications" in r.path]  # not labelled: not read
    annotate(demo_api, "Pod", "influxdb", {}, labels={"app.kubernetes.io/name": "influx"})
    before = len(demo_api.log())
    doc = json.loads(demo_api.reach("pod/influxdb", "-o", "json").out)
    assert [(link["title"], link["declaredOn"], link["mismatch"]) for link in doc["links"]] == [
        ("Docs", "application/influx", "host")]
    assert [r.path for r in demo_api.log(before) if "applications" in r.path] == [
        "/apis/app.k8s.io/v1beta1/namespaces/default/applications"]  # one LIST


@pytest.mark.fake_only("--open runs the installed script with $BROWSER; one backend is enough")
def test_a_declared_primary_decides_open(demo_api, tmp_path):
    from support import run_installed

    seen = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\necho \"$1\" >> {seen}\n")
    browser.chmod(0o755)
    env = {**demo_api.env(), "BROWSER": str(browser)}
    annotate(demo_api, "Service", "influxdb", {"kubectl-reach/primary-url": "https://influxdb.example.com/orgs/1"})
    done = run_installed(["kubectl-reach", "svc/influxdb", "--open", "-o", "url"], env)
    assert done.stdout.splitlines()[0] == "https://influxdb.example.com/"  # the derived URL it matches, first
    assert seen.read_text() == "https://influxdb.example.com/orgs/1\n"  # the declared page opened

    annotate(demo_api, "Service", "influxdb", {"kubectl-reach/primary-url": "https://evil.example.net/login"})
    seen.unlink()
    done = run_installed(["kubectl-reach", "svc/influxdb", "--open", "-o", "url"], env)
    assert seen.read_text() == "https://influxdb.example.com/\n"  # a primary that matches nothing is not used
    assert ("Warning: --open: the declared primary URL https://evil.example.net/login matches no derived URL: "
            "not used") in done.stderr
