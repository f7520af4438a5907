"""Properties of the exposure declaration (convert/service.py FIELDS), over generated Services with every field set:
a conversion changes only what its target type requires, convert then undo restores every field, and an undo record
older than a field leaves that field alone. A hypothetical field added to the table (one declaration) obeys the same
properties: that is how adding one is tested."""

import copy
import json

from hypothesis import given, settings, strategies as st

from kubectl_expose_ext.convert import LBSR_ANNOTATION, UNDO_ANNOTATION
from kubectl_expose_ext.convert.service import (FIELDS, SERVICE_TYPES, TYPES, ExposureField, exposure_of, is_noop,
                                                record_version, requested_exposure, service_patch, undo_exposure)
from kubectl_expose_ext.demo import rules
from kubectl_expose_ext.objects import field, merge_patch

TO = {kind: to for to, kind in reversed(list(TYPES.items()))}  # the first --to of each type
# A hypothetical field added after every record written so far: sessionAffinity, which any type allows.
NOW = record_version(FIELDS)
AFFINITY = ExposureField("session_affinity", lambda s: field(s, "spec", "sessionAffinity"), "sessionAffinity",
                         valid=lambda v: v in (None, "None", "ClientIP"), since=NOW + 1)
EXTENDED = (*FIELDS, AFFINITY)


@st.composite
def services(draw):
    """A valid Service of any type with every exposure field its type allows set, and other fields besides."""
    kind = draw(st.sampled_from(SERVICE_TYPES))
    numbers = draw(st.lists(st.integers(1, 65535), min_size=1, max_size=3, unique=True))
    ports = [{"name": f"p{i}", "port": n, "targetPort": n, "protocol": draw(st.sampled_from(["TCP", "UDP"]))}
             for i, n in enumerate(numbers)]
    exposed = kind in ("NodePort", "LoadBalancer")
    node_ports = draw(st.lists(st.integers(30000, 32767), min_size=len(ports), max_size=len(ports), unique=True))
    if exposed:
        for port, node_port in zip(ports, node_ports):
            port["nodePort"] = node_port
    external_ips = draw(st.sampled_from([[], ["192.0.2.9"]]))
    spec = {"type": kind, "ports": ports, "selector": {"app": "web"}, "clusterIP": "10.96.7.7",
            "clusterIPs": ["10.96.7.7"], "sessionAffinity": draw(st.sampled_from(["None", "ClientIP"])),
            "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"}
    if external_ips:
        spec["externalIPs"] = external_ips
    policy = draw(st.sampled_from(["Cluster", "Local"]))
    if exposed or external_ips:
        spec["externalTrafficPolicy"] = policy
    annotations = {"team": "payments"}
    if kind == "LoadBalancer":
        spec.update(loadBalancerClass="example.com/lb", loadBalancerSourceRanges=["203.0.113.0/24"],
                    loadBalancerIP="198.51.100.5", allocateLoadBalancerNodePorts=draw(st.booleans()))
        if policy == "Local":
            spec["healthCheckNodePort"] = 32100
        annotations[LBSR_ANNOTATION] = "198.51.100.0/24"
    return {"apiVersion": "v1", "kind": "Service", "spec": spec, "status": {},
            "metadata": {"name": "web", "namespace": "shop", "uid": "0f5e7b1c-4a8d-4a6e-9b3f-2c1d0e9f8a7b",
                         "resourceVersion": "4711", "labels": {"app": "web"}, "annotations": annotations}}


def outside_the_exposure(service, fields):
    """The Service without what the exposure fields, the type and the undo record own."""
    rest = copy.deepcopy(service)
    for f in fields:
        if f.spec:
            rest["spec"].pop(f.spec, None)
    rest["spec"].pop("type")
    for port in rest["spec"]["ports"]:
        port.pop("nodePort", None)
    for key in (LBSR_ANNOTATION, UNDO_ANNOTATION):
        rest["metadata"]["annotations"].pop(key, None)
    return rest


def valid(before, after):
    new = copy.deepcopy(after)
    rules.default_service(new["spec"])
    return rules.validate_service(before, new)


def values(service, fields):
    exposure = exposure_of(service, fields)
    return {f.key: exposure.get(f.key) or None for f in fields}


@settings(max_examples=200, deadline=None)
@given(services(), st.sampled_from(SERVICE_TYPES))
def test_a_conversion_changes_only_what_its_target_type_requires(live, kind):
    target = requested_exposure(live, TO[kind], {})
    after = merge_patch(live, service_patch(live, target))
    assert outside_the_exposure(after, FIELDS) == outside_the_exposure(live, FIELDS)  # e.g. externalIPs survive
    before_values, after_values = values(live, FIELDS), values(after, FIELDS)
    scope = {**before_values, "external_ips": live["spec"].get("externalIPs") or []}
    for f in FIELDS:
        if f.allowed(kind, scope):
            assert after_values[f.key] == before_values[f.key], f"{live['spec']['type']} -> {kind} changed {f.key}"
        else:
            assert after_values[f.key] is None, f"{live['spec']['type']} -> {kind} kept {f.key}"
    assert after["spec"]["type"] == kind and valid(live, after) == []


@settings(max_examples=200, deadline=None)
@given(services(), st.sampled_from(SERVICE_TYPES))
def test_convert_then_undo_restores_every_field(live, kind):
    target = requested_exposure(live, TO[kind], {})
    if is_noop(live, target):
        return
    converted = merge_patch(live, service_patch(live, target))
    restored = merge_patch(converted, service_patch(converted, undo_exposure(converted)))
    assert restored["spec"]["type"] == live["spec"]["type"]
    assert values(restored, FIELDS) == values(live, FIELDS)
    assert outside_the_exposure(restored, FIELDS) == outside_the_exposure(live, FIELDS)
    assert valid(converted, restored) == []


@settings(max_examples=100, deadline=None)
@given(services(), st.sampled_from(SERVICE_TYPES), st.sampled_from(["None", "ClientIP"]))
def test_an_undo_record_older_than_a_field_leaves_that_field_alone(live, kind, affinity_later):
    """Converted by a release that knew nothing of the field (its record is version 1), undone by one that does:
    the field keeps its live value, whatever it became meanwhile; it is neither cleared nor set."""
    target = requested_exposure(live, TO[kind], {})
    if is_noop(live, target):
        return
    converted = merge_patch(live, service_patch(live, target, FIELDS))  # the older release
    assert json.loads(converted["metadata"]["annotations"][UNDO_ANNOTATION]).get("v", 1) == NOW
    converted["spec"]["sessionAffinity"] = affinity_later
    undo = service_patch(converted, undo_exposure(converted, EXTENDED), EXTENDED)  # the newer one
    assert "sessionAffinity" not in undo["spec"]
    restored = merge_patch(converted, undo)
    assert restored["spec"]["sessionAffinity"] == affinity_later
    assert values(restored, FIELDS) == values(live, FIELDS)


@settings(max_examples=100, deadline=None)
@given(services(), st.sampled_from(SERVICE_TYPES))
def test_a_new_field_is_one_declaration(live, kind):
    """With the hypothetical field in the table, its record is version 2, and a round trip restores it too."""
    target = requested_exposure(live, TO[kind], {})
    if is_noop(live, target):
        return
    converted = merge_patch(live, service_patch(live, target, EXTENDED))
    assert json.loads(converted["metadata"]["annotations"][UNDO_ANNOTATION])["v"] == NOW + 1
    converted["spec"]["sessionAffinity"] = "ClientIP" if live["spec"]["sessionAffinity"] == "None" else "None"
    restored = merge_patch(converted, service_patch(converted, undo_exposure(converted, EXTENDED), EXTENDED))
    assert values(restored, EXTENDED) == values(live, EXTENDED)
