"""Nodes read as the server prints them (a Table with includeObject=None: NAME, STATUS, INTERNAL-IP, EXTERNAL-IP...),
and as objects only where the printed columns cannot hold the answer."""

import json

import pytest

from kubectl_expose_ext.kube import table_rows
from kubectl_expose_ext.targets import node_from_row, printed_suffices

# kube-apiserver v1.36's node Table (pkg/printers/internalversion), trimmed to two rows, as it answers
# `GET /api/v1/nodes?includeObject=None` with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
COLUMNS = ["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version",
           "Container-Runtime"]
TABLE = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "5123"},
         "columnDefinitions": [{"name": c, "type": "string", "format": "name" if c == "Name" else "", "description": c,
                                "priority": 0 if c in COLUMNS[:5] else 1} for c in COLUMNS],
         "rows": [{"cells": ["ip-10-0-1-17.ec2.internal", "Ready", "<none>", "3d", "v1.36.3", "10.0.1.17",
                             "203.0.113.17", "Amazon Linux 2023", "6.1.0", "containerd://2.1.4"], "object": None},
                  {"cells": ["ip-10-0-1-18.ec2.internal", "Ready,SchedulingDisabled", "<none>", "3d", "v1.36.3",
                             "10.0.1.18", "<none>", "Amazon Linux 2023", "6.1.0", "containerd://2.1.4"], "object": None}]}


def test_rows_by_column_name_as_slim_nodes():
    rows = list(table_rows(TABLE))
    first, cordoned = (node_from_row(r["table"]) for r in rows)
    assert first["metadata"]["name"] == "ip-10-0-1-17.ec2.internal"
    assert first["status"]["addresses"] == [{"type": "InternalIP", "address": "10.0.1.17"},
                                            {"type": "ExternalIP", "address": "203.0.113.17"}]
    assert first["status"]["conditions"] == [{"type": "Ready", "status": "True"}] and not first["spec"]["unschedulable"]
    assert cordoned["spec"]["unschedulable"] and cordoned["status"]["addresses"] == [
        {"type": "InternalIP", "address": "10.0.1.18"}]
    # NotReady is printed for a Ready condition False or Unknown; Unknown for no Ready condition (counted ready)
    assert node_from_row({"Name": "b", "Status": "NotReady"})["status"]["conditions"] == [
        {"type": "Ready", "status": "False"}]
    assert node_from_row({"Name": "c", "Status": "Unknown"})["status"]["conditions"] == []
    # columns are found by name: the same rows in another column order give the same nodes
    shuffled = {**TABLE, "columnDefinitions": TABLE["columnDefinitions"][::-1],
                "rows": [{"cells": r["cells"][::-1]} for r in TABLE["rows"]]}
    assert [node_from_row(r["table"]) for r in table_rows(shuffled)] == [first, cordoned]


@pytest.mark.parametrize("cells, families, suffices", [
    ({"Name": "a", "Status": "Ready", "Internal-IP": "10.0.0.1", "External-IP": "<none>"}, set(), True),
    ({"Name": "a", "Status": "Ready", "Internal-IP": "<none>", "External-IP": "<none>"}, set(), False),  # Hostname
    ({"Name": "a", "Status": "Ready", "Internal-IP": "10.0.0.1", "External-IP": "<none>"}, {"IPv6"}, False),
    ({"Name": "a", "Status": "NotReady", "Internal-IP": "<none>", "External-IP": "<none>"}, set(), True),  # unused
    ({"Name": "a", "Status": "Unknown", "Internal-IP": "10.0.0.1", "External-IP": "<none>"}, set(), True),
])
def test_when_the_printed_columns_hold_the_answer(cells, families, suffices):
    assert printed_suffices([node_from_row(cells)], families) is suffices




@pytest.mark.both_backends
def test_a_node_port_reads_the_nodes_as_a_table_only(demo_api):
    before = len(demo_api.log())
    out = demo_api.reach("svc/influxdb", "-o", "json")
    assert [e["url"] for e in json.loads(out.out)["endpoints"] if e["method"] == "NodePort"][:2] == [
        "http://203.0.113.10:30000", "http://203.0.113.11:30000"]
    nodes = [r for r in demo_api.log(before) if r.path == "/api/v1/nodes"]
    assert [(r.query.get("includeObject"), r.query.get("resourceVersion")) for r in nodes] == [("None", "0")]
    target = [r for r in demo_api.log(before) if r.path.endswith("/services/influxdb")]
    assert [r.query.get("resourceVersion") for r in target] == [None]  # the target itself: a consistent read


@pytest.mark.both_backends
def test_forced_hostname_reads_the_objects(demo_api):
    before = len(demo_api.log())
    assert demo_api.reach("svc/influxdb", "--address-type", "Hostname", "-o", "url").code == 0
    nodes = [r for r in demo_api.log(before) if r.path == "/api/v1/nodes"]
    assert [r.query.get("includeObject") for r in nodes] == [None]


def test_a_listing_on_a_terminal_says_what_it_reads(api_factory):
    from builders import many_nodes_cluster
    from support import on_terminal

    cluster = many_nodes_cluster(1200)
    cluster.add({"kind": "Node", "metadata": {"name": "node-named"},  # only a Hostname: the objects are read, paged
                 "status": {"addresses": [{"type": "Hostname", "address": "node-named.example.internal"}]}})
    api = api_factory(cluster=cluster)
    code, text = on_terminal(api, ["-A"], b"")
    assert code == 0
    assert "reading services: 2..." in text
    assert "reading nodes: 500 so far..." in text and "reading nodes: 1201..." in text  # page by page
    assert "\r\x1b[K" in text  # the status line is cleared before the output
    piped = api.reach("-A")  # not a terminal: no status line at all
    assert "reading" not in piped.err and "\x1b" not in piped.err


@pytest.mark.both_backends
@pytest.mark.parametrize("external, shown, read_as", [
    # the first ExternalIP private, the second public: the Table hides the public one, the objects are read
    (["10.20.0.5", "203.0.113.55"], "203.0.113.55", ["None", None]),
    # the first ExternalIP public: it is the first public one, as the audit names it; the Table suffices
    (["203.0.113.55", "10.20.0.5", "198.51.100.7"], "203.0.113.55", ["None"]),
])
def test_the_audit_names_each_nodes_first_public_address(api_factory, external, shown, read_as):
    """A Table prints a node's first ExternalIP only: the audit, which counts the nodes with a public address and
    names their first public one, reads the objects only when a printed ExternalIP is private."""
    addresses = [{"type": "InternalIP", "address": "10.0.0.5"}] + [{"type": "ExternalIP", "address": a} for a in external]
    nodes = [{"kind": "Node", "metadata": {"name": "edge-1"}, "status": {
                 "conditions": [{"type": "Ready", "status": "True"}], "addresses": addresses}},
             {"kind": "Node", "metadata": {"name": "inner-1"}, "status": {  # no ExternalIP: <none>, not public
                 "conditions": [{"type": "Ready", "status": "True"}],
                 "addresses": [{"type": "InternalIP", "address": "10.0.0.6"}]}}]
    service = {"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
               "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "nodePort": 30080}]}}
    api = api_factory(objects=[*nodes, service])
    before = len(api.log())
    out = api.reach("audit", "-o", "json")
    findings = {f["check"]: f["message"] for item in json.loads(out.out)["items"] for f in item["findings"]}
    assert findings["public-node-port"] == f"nodePort 30080 open on every node; 1 with public addresses ({shown})"
    tables = [r.query.get("includeObject") for r in api.log(before) if r.path == "/api/v1/nodes"]
    assert tables == read_as
    before = len(api.log())
    assert api.reach("-o", "url").code == 0  # the listing does with the Table
    assert [r.query.get("includeObject") for r in api.log(before) if r.path == "/api/v1/nodes"] == ["None"]


def test_rows_before_their_columns_are_named_when_the_page_is_whole(api_factory):
    """The API server sends a Table's columnDefinitions before its rows, and each row is slimmed as it is decoded;
    another order is still read right: those rows are named once the page is whole."""
    from kubectl_expose_ext.demo import demo_cluster
    from kubectl_expose_ext.demo.apiserver import Fault

    cluster = demo_cluster()
    api = api_factory(cluster=cluster)
    expected = api.reach("svc/influxdb", "-o", "url").out
    reordered = {"rows": TABLE["rows"][:1], "kind": "Table", "apiVersion": "meta.k8s.io/v1",
                 "metadata": {"resourceVersion": "5"}, "columnDefinitions": TABLE["columnDefinitions"]}
    cluster.faults.append(Fault(path="/api/v1/nodes", body=json.dumps(reordered).encode()))
    assert api.reach("svc/influxdb", "-o", "url").out == expected.replace(
        "203.0.113.10", "203.0.113.17").replace("http://203.0.113.11:30000\n", "")
