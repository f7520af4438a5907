"""Which objects a command answers for: several targets (`svc/a svc/b`, `svc a b`), and the listing's and audit's
-l/--selector and --field-selector, on both API servers."""

import json

import pytest

pytestmark = pytest.mark.both_backends

NODE = {"kind": "Node", "metadata": {"name": "node-1"}, "status": {
    "conditions": [{"type": "Ready", "status": "True"}], "addresses": [{"type": "ExternalIP", "address": "203.0.113.7"}]}}


def service(name, port, labels=None):
    return {"kind": "Service", "metadata": {"name": name, "namespace": "default", **({"labels": labels} if labels else {})},
            "spec": {"type": "NodePort", "selector": {"app": name}, "ports": [{"port": 80, "nodePort": port}]}}


OBJECTS = [NODE, service("a", 30001, {"team": "blue"}), service("b", 30002, {"team": "red"}), service("backend", 30003),
           {"kind": "IngressClass", "metadata": {"name": "nginx", "annotations": {
               "ingressclass.kubernetes.io/is-default-class": "true"}}, "spec": {"controller": "k8s.io/ingress-nginx"}},
           {"kind": "Ingress", "metadata": {"name": "shop", "namespace": "default", "labels": {"team": "blue"}},
            "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com", "http": {"paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "backend", "port": {"number": 80}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "198.51.100.9"}]}}}]


def test_several_targets_in_one_table_with_each_list_sent_once(api_factory):
    api = api_factory(objects=OBJECTS)
    one = len(api.log())
    assert api.reach("svc/a", "-o", "url").code == 0
    single = len(api.log()) - one
    before = len(api.log())
    out = api.reach("svc", "a", "b")
    assert out.code == 0, out.err
    rows = [line.split()[:3] for line in out.out.splitlines()]
    assert rows == [["TARGET", "METHOD", "URL"], ["svc/a", "NodePort", "http://203.0.113.7:30001"],
                    ["svc/b", "NodePort", "http://203.0.113.7:30002"]]
    assert len(api.log()) - before == single + 2  # the second target's GET and its EndpointSlices, nothing else
    doc = json.loads(api.reach("svc/a", "svc/b", "-o", "json").out)
    assert [i["target"]["name"] for i in doc["items"]] == ["a", "b"]


def test_a_missing_target_among_several_is_named_and_the_others_answered(api_factory):
    api = api_factory(objects=OBJECTS)
    out = api.reach("svc/a", "svc/nope", "-o", "url")
    assert (out.code, out.out) == (1, "http://203.0.113.7:30001\n")
    assert out.err.splitlines()[-1] == 'error: services "nope" not found'  # after a's own warning (no ready pod)


def test_selectors_choose_what_the_listing_shows(api_factory):
    api = api_factory(objects=OBJECTS)
    out = api.reach("-l", "team=blue", "-o", "url")
    # svc/a and the Ingress are labelled; the Ingress's backend is not, yet it resolves (no "does not exist")
    assert out.out.splitlines() == ["http://203.0.113.7:30001", "http://shop.example.com/"], out.err
    assert "does not exist" not in out.err
    out = api.reach("--selector", "team in (red)", "-o", "url")
    assert out.out.splitlines() == ["http://203.0.113.7:30002"]
    out = api.reach("--field-selector", "metadata.name=backend", "-o", "url")
    assert out.out.splitlines() == ["http://203.0.113.7:30003"]
    sent = [r.query.get("labelSelector") for r in api.log() if r.path.endswith("/services")]
    assert "team=blue" in sent and None in sent  # the backends: read whole, only when a front door needs them
    audit = json.loads(api.reach("audit", "-l", "team=red", "-o", "json").out)
    assert [i["target"]["name"] for i in audit["items"]] == ["b"]
    assert api.reach("svc/a", "-l", "team=blue").err == "error: name cannot be provided when a selector is specified\n"
    bad = api.reach("-l", "team in (")
    assert bad.code == 1 and len(bad.err.splitlines()) == 1  # kubectl's words (EnhanceListError), checked with kubectl
    assert bad.err.startswith('error: Unable to find "/v1, Resource=services" that match label selector "team in (", '
                              'field selector "": unable to parse requirement')
