"""listjson.decode_list: a LIST page decoded item by item gives what json.loads gives, and refuses what it refuses."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_expose_ext.listjson import decode_list

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                      max_leaves=12)
PAGES = st.dictionaries(st.sampled_from(["kind", "apiVersion", "metadata", "items", "x\u00e9", ""]), VALUES, max_size=5)


def seen_and_kept(raw: bytes):
    seen = []

    def each(item, before):
        seen.append(item)
        return None if item is None else ("kept", item)

    return seen, decode_list(raw, each)


@settings(max_examples=300, deadline=None)
@given(PAGES, st.sampled_from([None, 1, 0]), st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_as_json_loads_with_items_given_one_by_one(page, indent, encoding):
    raw = json.dumps(page, indent=indent, ensure_ascii=False).encode(encoding)
    seen, decoded = seen_and_kept(raw)
    expected = json.loads(raw)
    if isinstance(expected.get("items"), list):
        assert seen == expected["items"]
        expected["items"] = [("kept", i) for i in expected["items"] if i is not None]
    else:
        assert seen == []
    assert decoded == expected


@pytest.mark.parametrize("raw", [
    b'{"items": [1, 2,]}', b'{"items": [1 2]}', b'{"items": [1, 2]', b'{"items": [1, 2]} x', b'{"a" 1}', b'{"a": 1,}',
    b'{1: 2}', b'{"items": [}', b'{', b'', b'{"a": 1} {"b": 2}', b'{"items": [{"a": NaN-}]}', b'{"items": [1], }',
])
def test_refuses_what_json_loads_refuses(raw):
    with pytest.raises(ValueError):
        json.loads(raw)
    with pytest.raises(ValueError):
        decode_list(raw, lambda item, before: item)


def test_a_page_as_the_api_server_sends_it():
    """The shape kube-apiserver sends (metadata first, items last, compact), a BOM-less UTF-8 body; what is not an
    object is json.loads's; a BOM is accepted as json.loads accepts it from bytes."""
    page = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "7", "continue": "abc"},
            "items": [{"metadata": {"name": f"p{i}"}} for i in range(3)]}
    raw = json.dumps(page, separators=(",", ":")).encode()
    assert decode_list(raw, lambda pod, before: (pod["metadata"]["name"], before["metadata"]["continue"])) == {
        **page, "items": [("p0", "abc"), ("p1", "abc"), ("p2", "abc")]}
    assert decode_list(b"[1, 2]", lambda item, before: 1 / 0) == [1, 2]
    assert decode_list(b"\xef\xbb\xbf" + raw, lambda pod, before: None)["items"] == []
    table = b'{"kind": "Table", "columnDefinitions": [{"name": "Name"}], "rows": [{"cells": ["a"]}]}'
    assert decode_list(table, lambda row, before: (row, dict(before)), key="rows")["rows"] == [
        ({"cells": ["a"]}, {"kind": "Table", "columnDefinitions": [{"name": "Name"}]})]
    deep = b'{"items": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    with pytest.raises(RecursionError):  # as json.loads: kube._decode turns both into "an invalid response"
        decode_list(deep, lambda item, before: item)


def test_whole_objects_share_their_keys_across_a_page(tmp_path):
    """A list kept whole (a listing's Services) is decoded a page at a time, so its keys are one string per page,
    not one per object (20,000 Services decoded apart held ~20 MB more); a slimming projection's items are decoded
    one by one (listjson.slimming)."""
    from builders import service

    from kubectl_expose_ext import kube
    from kubectl_expose_ext.demo.apiserver import FakeAPIServer, FakeCluster
    from kubectl_expose_ext.targets import slim_pod, without_bookkeeping

    services = [{"kind": "Service", **service(f"s{i}", {"port": 80})} for i in range(3)]
    for i, svc in enumerate(services):
        svc["spec"]["clusterIP"] = f"10.96.0.{10 + i}"
    server = FakeAPIServer(FakeCluster(services)).start()
    try:
        config = tmp_path / "config"
        config.write_text(f"""apiVersion: v1
kind: Config
current-context: c
clusters: [{{name: c, cluster: {{server: '{server.url}'}}}}]
users: [{{name: u, user: {{}}}}]
contexts: [{{name: c, context: {{cluster: c, user: u, namespace: default}}}}]
""")
        client = kube.Kube(kube.Connection.load(str(config)))
        first, second = client.list("services", "default", keep=without_bookkeeping)[:2]
        keys = [next(k for k in obj["spec"] if k == "ports") for obj in (first, second)]
        assert keys[0] is keys[1]  # one json.loads: one string per key for the page
        assert getattr(slim_pod, "slims", False) and not getattr(without_bookkeeping, "slims", False)
    finally:
        server.stop()
