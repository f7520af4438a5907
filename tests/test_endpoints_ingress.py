"""Ingress rules: host, address, TLS coverage, default backend, classes."""

import pytest

from kubectl_expose_ext.endpoints.ingress import (host_matches, ingress_class_warning, ingress_endpoints, tls_covers)
from builders import ingress, ingress_class


def everything(backend):
    return {"port": 80, "targetPort": 8080}


def urls(found):
    return [e.url for e in found.endpoints]


@pytest.mark.parametrize("pattern, host, expected", [
    ("a.example.com", "a.example.com", True),
    ("A.Example.com", "a.example.COM", True),
    ("*.example.com", "a.example.com", True),
    ("*.example.com", "example.com", False),        # a wildcard needs one label
    ("*.example.com", "a.b.example.com", False),    # and covers exactly one
    ("*.example.com", "*.example.com", True),
    ("a.example.com", "b.example.com", False),
])
def test_certificate_style_host_matching(pattern, host, expected):
    assert host_matches(pattern, host) is expected


def test_tls_coverage_multi_host_wildcard_and_hostless_entries():
    ing = ingress("x", tls=[{"hosts": ["a.example.com", "b.example.com"]}, {"hosts": ["*.apps.example.com"]}])
    assert tls_covers(ing, "b.example.com")            # any host of a multi-host entry
    assert tls_covers(ing, "x.apps.example.com")
    assert not tls_covers(ing, "x.y.apps.example.com")
    assert not tls_covers(ing, "c.example.com")
    assert not tls_covers(ing, None)
    assert tls_covers(ingress("x", tls=[{"secretName": "default-cert"}]), "anything.example.com")
    assert tls_covers(ingress("x", tls=[{"secretName": "default-cert"}]), None)


def test_rule_hosts_paths_and_schemes():
    ing = ingress("shop", ("shop.example.com", [("/", "web", 80), ("/api", "api", "http")]),
                  ("plain.example.com", [("/", "web", 80)]),
                  tls=[{"hosts": ["shop.example.com"], "secretName": "shop-tls"}], address={"ip": "198.51.100.2"})
    found = ingress_endpoints(ing, everything)
    assert urls(found) == ["https://shop.example.com/", "https://shop.example.com/api", "http://plain.example.com/"]
    first = found.endpoints[0].to_dict()
    assert first["port"] == 443 and first["ingress"] == "shop" and first["path"] == "/" and first["servicePort"] == 80
    assert found.endpoints[2].port == 80
    assert found.warnings == []


def test_rule_without_host_uses_every_status_address():
    ing = ingress("x", (None, [("/app", "web", 80)]), address={"hostname": "lb-1.elb.amazonaws.com"})
    assert urls(ingress_endpoints(ing, everything)) == ["http://lb-1.elb.amazonaws.com/app"]
    ing["status"]["loadBalancer"]["ingress"].append({"ip": "2001:db8::80"})
    assert urls(ingress_endpoints(ing, everything))[1] == "http://[2001:db8::80]/app"


def test_no_address_yet_warns_and_hostless_rules_vanish():
    ing = ingress("x", (None, [("/", "web", 80)]), ("a.example.com", [("/", "web", 80)]))
    found = ingress_endpoints(ing, everything)
    assert urls(found) == ["http://a.example.com/"]
    assert "has no address yet" in found.warnings[0]


def test_default_backend_counts_at_the_address():
    ing = ingress("x", default_backend=("web", 80), address={"ip": "192.0.2.80"})
    assert urls(ingress_endpoints(ing, everything)) == ["http://192.0.2.80/"]


def test_wildcard_and_pattern_paths_warn():
    ing = ingress("x", ("*.preview.example.com", [("/api(/|$)(.*)", "web", 80)]), address={"ip": "192.0.2.80"})
    notes = ingress_endpoints(ing, everything).endpoints[0].warnings
    assert any("wildcard host" in n for n in notes) and any("is a pattern" in n for n in notes)


def test_only_routed_backends_count_and_unrelated_ingresses_stay_silent():
    ing = ingress("x", ("a.example.com", [("/", "web", 80), ("/other", "other", 80)]))
    found = ingress_endpoints(ing, lambda ref: {"port": 80} if ref.service == "web" else None)
    assert urls(found) == ["http://a.example.com/"]
    assert ingress_endpoints(ing, lambda b: None).warnings == []  # no address warning for an unrelated ingress


@pytest.mark.parametrize("spec_class, annotation, classes, expected", [
    ("nginx", None, [ingress_class("nginx")], None),
    ("traefik", None, [ingress_class("nginx")], "IngressClass traefik not found"),
    (None, None, [ingress_class("nginx")], "no default one"),
    (None, None, [ingress_class("nginx", default=True)], None),
    (None, "nginx", [], None),          # legacy annotation
    ("nginx", None, None, None),        # classes unreadable: no guess
])
def test_ingress_class_warnings(spec_class, annotation, classes, expected):
    ing = ingress("x", class_name=spec_class)
    if annotation:
        ing["metadata"]["annotations"] = {"kubernetes.io/ingress.class": annotation}
    warning = ingress_class_warning(ing, classes)
    assert (warning is None) if expected is None else (expected in warning)


def test_garbage_ingress_does_not_crash():
    for ing in ({}, {"spec": None}, {"spec": {"rules": [None, {"http": None}, {"http": {"paths": [None, {}]}}]}},
                {"spec": {"defaultBackend": {"resource": {"kind": "Bucket", "name": "b"}}}}):
        ingress_endpoints(ing, everything)


def test_named_hosts_carry_the_ingress_address_for_probes():
    from kubectl_expose_ext.endpoints.ingress import ingress_endpoints
    from builders import ingress

    ing = ingress("web", ("web.example.com", [("/", "web", 80)]), (None, [("/", "web", 80)]),
                  address={"hostname": "a1b2.elb.us-east-1.amazonaws.com"})
    found = ingress_endpoints(ing, lambda backend: {"port": 80})
    assert [(e.host, e.address) for e in found.endpoints] == [
        ("web.example.com", "a1b2.elb.us-east-1.amazonaws.com"),  # DNS may not point there yet
        ("a1b2.elb.us-east-1.amazonaws.com", None)]                # the address itself: nothing to fall back to
