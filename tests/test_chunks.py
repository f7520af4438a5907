"""-A and audit -A as a table: each namespace's rows printed as soon as its answer is complete (chunks.py), the
lists read page by page in lockstep; the same rows as before, in namespace order."""

import queue
import subprocess
import threading

import pytest

from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.chunks import Lockstep
from kubectl_expose_ext.doors import DOORS
from kubectl_expose_ext.reach import exposing_objects, listed_doors
from kubectl_expose_ext.snapshot import Snapshot, Unread
from builders import ingress, node, service


class Listed:
    """A list as chunks.Reading gives it: its pages, and the namespace of the last object sent (kept or not)."""

    def __init__(self, *pages):
        self.last = ""
        self._pages = list(pages)
        self.pages = self._iterate()

    def _iterate(self):
        for restarted, kept, last in self._pages:
            self.last = last
            yield restarted, [{"metadata": {"namespace": ns, "name": name}} for ns, name in kept]


def chunks(lists, namespaces=()):
    step = Lockstep(lists, set(namespaces))
    return [(ns, {k: [o["metadata"]["name"] for o in v] for k, v in read.items()}) for ns, read in step], step


@pytest.mark.parametrize("lists, namespaces, expected", [
    # two lists, one namespace completing after the other
    ({"svc": Listed((False, [("a", "s1"), ("b", "s2")], "b"), (False, [("b", "s3"), ("c", "s4")], "c")),
      "pod": Listed((False, [("a", "p1")], "a"), (False, [("c", "p2")], "c"))}, (),
     [("a", {"svc": ["s1"], "pod": ["p1"]}), ("b", {"svc": ["s2", "s3"], "pod": []}),
      ("c", {"svc": ["s4"], "pod": ["p2"]})]),
    # a page whose objects `keep` dropped still moves its list past their namespace
    ({"svc": Listed((False, [("a", "s1")], "a"), (False, [("c", "s2")], "c")),
      "pod": Listed((False, [], "b"), (False, [], "c"))}, (),
     [("a", {"svc": ["s1"], "pod": []}), ("c", {"svc": ["s2"], "pod": []})]),
    # a namespace only the front doors have is yielded in its place
    ({"svc": Listed((False, [("a", "s1")], "a"), (False, [("c", "s2")], "c"))}, ("b",),
     [("a", {"svc": ["s1"]}), ("b", {"svc": []}), ("c", {"svc": ["s2"]})]),
    # an expired continue token: the whole list again; what it repeats of a namespace yielded is dropped
    ({"svc": Listed((False, [("a", "s1")], "a"), (False, [("b", "s2")], "b"),
                    (True, [("a", "s1"), ("b", "s2"), ("c", "s3")], "c"))}, (),
     [("a", {"svc": ["s1"]}), ("b", {"svc": ["s2"]}), ("c", {"svc": ["s3"]})]),
])
def test_each_namespace_once_every_list_has_gone_past_it(lists, namespaces, expected):
    assert chunks(lists, namespaces)[0] == expected


def test_the_first_namespace_comes_before_the_last_page_is_read():
    services = Listed((False, [("a", "s1"), ("b", "s2")], "b"), (False, [("z", "s3")], "z"))
    step = iter(Lockstep({"svc": services}, set()))
    assert next(step)[0] == "a"
    assert services.last == "b"  # the second page not read yet


def test_an_object_listed_out_of_order_is_kept_for_the_end():
    found, step = chunks({"svc": Listed((False, [("a", "s1"), ("b", "s2")], "b"), (False, [("a", "late")], "c"))})
    assert [ns for ns, _ in found] == ["a", "b"] and step.late["a"]["svc"][0]["metadata"]["name"] == "late"


def test_a_front_door_leading_into_a_namespace_still_read_is_answered_later():
    web = service("web", {"port": 80, "targetPort": 8080, "nodePort": 30080}, type="NodePort", namespace="a")
    snapshot = Snapshot(nodes=NodeTable.complete([node("n", ("ExternalIP", "203.0.113.1"))]), services=[web],
                        ingresses=[ingress("web", ("web.example", [("/", "web", 80)]), namespace="a")])
    snapshot.unread = lambda ns: ns == "a"
    with pytest.raises(Unread):
        snapshot.services_named("a")
    later: list = []
    assert [a.kind for _, a, _ in exposing_objects(snapshot, [], listed_doors(snapshot), [], later)] == []
    assert [obj["metadata"]["name"] for _, obj in later] == ["web"] and later[0][0] in DOORS
    snapshot.unread = None
    answers = [a for _, a, _ in exposing_objects(snapshot, [], later, [])]
    assert [e.url for a in answers for e in a.found.endpoints] == ["http://web.example/"]


# --- end to end: the installed command against the fake API server ---------------------------------------------

def many_services(api_factory):
    """Namespace `aaa` with one NodePort Service, `zzz` with 600 (more than one page of 500) and a NodePort last."""
    ports = {"port": 80, "targetPort": 8080}
    objects = [{"kind": "Node", **node("n1", ("ExternalIP", "203.0.113.1"))},
               {"kind": "Namespace", "metadata": {"name": "aaa"}}, {"kind": "Namespace", "metadata": {"name": "zzz"}},
               {"kind": "Service", **service("first", {**ports, "nodePort": 30001}, type="NodePort", namespace="aaa")},
               *({"kind": "Service", **service(f"s{i:03}", ports, namespace="zzz")} for i in range(600)),
               {"kind": "Service", **service("zz-last", {**ports, "nodePort": 30002}, type="NodePort", namespace="zzz")}]
    return api_factory(objects=objects)


@pytest.mark.parametrize("command", [["-A"], ["audit", "-A"]])
def test_the_first_namespace_is_printed_before_the_last_page_is_served(api_factory, command):
    from support import outside_checkout, plugin_path
    import os

    api = many_services(api_factory)
    release = threading.Event()
    held = api.cluster.inject(method="GET", path="/api/v1/services", query="continue", hold=release)
    env = {**api.env(), "PATH": plugin_path() + os.pathsep + os.environ["PATH"]}
    env.pop("PYTHONPATH", None)
    process = subprocess.Popen(["kubectl-reach", *command], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=outside_checkout())
    lines: "queue.Queue[str]" = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True)
    reader.start()
    try:
        header, first = lines.get(timeout=30), lines.get(timeout=30)  # bounds a failure (the server holds 60 s)
        assert header.split()[:2] == ["NAMESPACE", "TARGET"]
        assert first.split()[:2] == ["aaa", "svc/first"] and not release.is_set()
        assert held.arrived.wait(60)  # the second page was asked for, and is still held
    finally:
        release.set()
    process.wait(60)
    reader.join(60)
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert process.returncode == 0, process.stderr.read()
    assert [line.split()[:2] for line in rest] == [["zzz", "svc/zz-last"]]
    assert held.hits == 1


def test_json_is_one_document_at_the_end(api_factory):
    api = many_services(api_factory)
    out = api.reach("-A", "-o", "json")
    import json

    names = [item["target"]["name"] for item in json.loads(out.out)["items"]]
    assert names == ["first", "zz-last"]
