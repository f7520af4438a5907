"""The fake API server speaks the real wire format: the official client, kubectl and raw HTTP agree."""

import json
import subprocess
import urllib.request
from urllib.error import HTTPError

import pytest

from support import requires_kubectl


def http(api, method, path, body=None, content_type="application/json", accept="application/json"):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(api.server.url + path, data=data, method=method,
                                     headers={"Content-Type": content_type, "Accept": accept})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_official_typed_client_reads_lists_and_objects(demo_api):
    from kubernetes import client, config

    api_client = config.new_client_from_config(demo_api.kubeconfig)
    core = client.CoreV1Api(api_client)
    pods = core.list_namespaced_pod("default", label_selector="name=influxdb")
    assert [p.metadata.name for p in pods.items] == ["influxdb"]
    svc = core.read_namespaced_service("influxdb", "default")
    assert svc.spec.ports[0].node_port == 30000
    with pytest.raises(client.exceptions.ApiException) as info:
        core.read_namespaced_service("nope", "default")
    assert info.value.status == 404 and json.loads(info.value.body)["reason"] == "NotFound"
    networking = client.NetworkingV1Api(api_client)
    assert networking.list_namespaced_ingress("default").items[0].spec.rules[0].host == "influxdb.example.com"


def test_discovery(demo_api):
    assert http(demo_api, "GET", "/version")[1]["major"] == "1"
    assert http(demo_api, "GET", "/api")[1]["versions"] == ["v1"]
    groups = {g["name"] for g in http(demo_api, "GET", "/apis")[1]["groups"]}
    assert {"apps", "networking.k8s.io", "discovery.k8s.io"} <= groups
    resources = http(demo_api, "GET", "/apis/apps/v1")[1]["resources"]
    assert {"name": "deployments", "singularName": "deployment", "namespaced": True, "kind": "Deployment",
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"], "shortNames": ["deploy"]} in resources


def test_list_shape_selectors_and_status_errors(realworld):
    code, body = http(realworld, "GET", "/api/v1/namespaces/shop/pods?labelSelector=app%3Dapi,tier%20in%20(backend)")
    assert code == 200 and body["kind"] == "PodList" and body["apiVersion"] == "v1"
    assert len(body["items"]) == 2 and "kind" not in body["items"][0]  # items carry no kind, as in real lists
    names = [p["metadata"]["name"] for p in http(realworld, "GET", "/api/v1/pods?labelSelector=app%20notin%20(api),!tier")[1]["items"]]
    assert names == ["lonely", "node-exporter-7xq2m", "node-exporter-k2v9p"]  # notin matches pods without the key
    assert len(http(realworld, "GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-internal")[1]["items"]) == 1
    code, body = http(realworld, "GET", "/api/v1/pods?fieldSelector=spec.image%3Dx")
    assert code == 400 and body["reason"] == "BadRequest"
    code, body = http(realworld, "GET", "/api/v1/namespaces/shop/services/nope")
    assert (code, body["kind"], body["reason"], body["message"]) == (404, "Status", "NotFound", 'services "nope" not found')
    code, body = http(realworld, "GET", "/apis/apps/v1/namespaces/shop/deployments/nope")
    assert body["message"] == 'deployments.apps "nope" not found'


def test_pagination_with_continue_tokens(realworld):
    code, first = http(realworld, "GET", "/api/v1/nodes?limit=3")
    assert len(first["items"]) == 3 and first["metadata"]["remainingItemCount"] == 1
    token = first["metadata"]["continue"]
    code, second = http(realworld, "GET", f"/api/v1/nodes?limit=3&continue={token}")
    assert [n["metadata"]["name"] for n in second["items"]] == ["node-v6"] and "continue" not in second["metadata"]


def test_dry_run_persists_nothing_and_stale_versions_conflict(realworld):
    path = "/api/v1/namespaces/shop/services/legacy"
    before = http(realworld, "GET", path)[1]
    patch = {"metadata": {"resourceVersion": before["metadata"]["resourceVersion"]}, "spec": {"type": "NodePort"}}
    code, dry = http(realworld, "PATCH", path + "?dryRun=All", patch, "application/merge-patch+json")
    assert code == 200 and dry["spec"]["type"] == "NodePort"
    assert http(realworld, "GET", path)[1] == before
    code, body = http(realworld, "PATCH", path, patch, "application/merge-patch+json")
    assert code == 200 and body["metadata"]["resourceVersion"] != before["metadata"]["resourceVersion"]
    code, body = http(realworld, "PATCH", path, patch, "application/merge-patch+json")  # same, now stale
    assert code == 409 and body["reason"] == "Conflict" and "the object has been modified" in body["message"]
    code, body = http(realworld, "PATCH", path + "?dryRun=Some", patch, "application/merge-patch+json")
    assert code == 400 and "Unsupported value" in body["message"]


def test_patch_types(realworld):
    path = "/api/v1/namespaces/shop/services/mail"
    code, body = http(realworld, "PATCH", path, [{"op": "test", "path": "/spec/type", "value": "ClusterIP"}],
                      "application/json-patch+json")
    assert code == 422
    code, body = http(realworld, "PATCH", path, [{"op": "remove", "path": "/spec/ports/0/nodePort"}],
                      "application/json-patch+json")
    assert code == 200 and body["spec"]["ports"][0]["nodePort"] == 30025  # refilled, as the real server does
    code, body = http(realworld, "PATCH", path, {"spec": {"ports": [{"port": 993, "name": "imaps-tls"}]}},
                      "application/strategic-merge-patch+json")
    assert code == 200 and [p["name"] for p in body["spec"]["ports"]] == ["smtp", "imaps-tls", "web"]
    # leaving NodePort wipes the nodePorts the request left unchanged (as the real server does: test_fake_vs_real)
    code, body = http(realworld, "PATCH", path, [{"op": "replace", "path": "/spec/type", "value": "ClusterIP"}],
                      "application/json-patch+json")
    assert code == 200 and [p.get("nodePort") for p in body["spec"]["ports"]] == [None, None, None]
    code, body = http(realworld, "PATCH", path, [{"op": "add", "path": "/spec/ports/0/nodePort", "value": 30099}],
                      "application/json-patch+json")
    assert code == 422 and "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'" in body["message"]
    code, body = http(realworld, "PATCH", path, {"spec": {}}, "application/apply-patch+yaml")
    assert (code, body["message"]) == (400, "invalid object type: /, Kind=")  # the real server's answer, checked
    code, body = http(realworld, "PATCH", path, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "mail"},
                                                 "spec": {"sessionAffinity": "ClientIP"}}, "application/apply-patch+yaml")
    assert code == 200 and body["spec"]["sessionAffinity"] == "ClientIP"  # server-side apply (tests/test_demo_serve.py)
    code, body = http(realworld, "PATCH", path, {"spec": {}}, "application/vnd.kubernetes.protobuf")
    assert code == 415


def test_create_update_and_forbidden(realworld):
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "new"},
               "spec": {"defaultBackend": {"service": {"name": "mail", "port": {"number": 25}}}}}
    path = "/apis/networking.k8s.io/v1/namespaces/shop/ingresses"
    assert http(realworld, "POST", path + "?dryRun=All", ingress)[0] == 201
    assert http(realworld, "GET", path + "/new")[0] == 404
    assert http(realworld, "POST", path, ingress)[0] == 201
    code, body = http(realworld, "POST", path, ingress)
    assert code == 409 and body["reason"] == "AlreadyExists"
    stored = http(realworld, "GET", path + "/new")[1]
    stored["metadata"]["resourceVersion"] = "1"
    assert http(realworld, "PUT", path + "/new", stored)[0] == 409
    realworld.cluster.forbid("list", "nodes")
    code, body = http(realworld, "GET", "/api/v1/nodes")
    assert code == 403 and body["message"].startswith('nodes is forbidden: User "system:serviceaccount')


def test_request_log(realworld):
    http(realworld, "GET", "/api/v1/namespaces/shop/services/mail")
    logged = realworld.cluster.requests("GET", "/services/mail")[-1]
    assert (logged.status, logged.dry_run, logged.mutating) == (200, False, False)


@requires_kubectl
def test_real_kubectl_talks_to_it(realworld):
    def kubectl(*args):
        return subprocess.run(["kubectl", *args], env=realworld.env(), capture_output=True, text=True, timeout=60)

    out = kubectl("get", "pods", "-l", "app=api", "-o", "name")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["pod/api-7d4b9c8f6-k9m2z", "pod/api-7d4b9c8f6-x2x7q"]
    out = kubectl("get", "nodes", "--chunk-size=1", "-o", "json")
    assert [n["metadata"]["name"] for n in json.loads(out.stdout)["items"]] == [
        "node-down", "node-internal", "node-public", "node-v6"]
    assert kubectl("get", "pods").stdout.splitlines()[0].split() == ["NAME", "CREATED", "AT"]
    out = kubectl("get", "svc", "nope")
    assert out.returncode == 1 and 'services "nope" not found' in out.stderr
    out = kubectl("patch", "svc", "legacy", "--type=merge", "-p", '{"spec":{"type":"NodePort"}}', "--dry-run=server",
                  "-o", "jsonpath={.spec.type}")
    assert out.returncode == 0 and out.stdout == "NodePort", out.stderr
    assert realworld.cluster.get("Service", "legacy", "shop")["spec"]["type"] == "ClusterIP"
    assert kubectl("get", "ingress", "-A", "-o", "name").stdout.split() == ["ingress.networking.k8s.io/catchall",
                                                                           "ingress.networking.k8s.io/shop"]


# RFC 7386 Appendix A, verbatim: the oracle for the JSON merge patch that the fake server applies and that convert
# computes its previews with (objects.merge_patch), independent of that function.
RFC_7386_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize("target, patch, result", RFC_7386_EXAMPLES)
def test_merge_patch_is_rfc_7386(target, patch, result):
    import copy

    from kubectl_expose_ext.objects import merge_patch

    before = copy.deepcopy(target)
    assert merge_patch(target, patch) == result
    assert target == before  # the live object is never changed in place: the diff needs it
