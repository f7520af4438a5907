"""`kubectl reach diff -f`: the manifests applied server-side with dryRun=All, then the URLs, warnings and findings
each change adds, removes or alters; kubectl diff's exit codes. On both API servers: the real one is the referee of
what a server-side dry-run apply answers and of "nothing persisted"."""

import json

import pytest

from support import run_installed

pytestmark = pytest.mark.both_backends

TO_LOAD_BALANCER = """\
apiVersion: v1
kind: Service
metadata:
  name: influxdb-ext
spec:
  type: LoadBalancer
  selector: {name: influxdb}
  externalIPs: [203.0.113.50]
  ports: [{name: http, port: 8086, targetPort: http, protocol: TCP}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: b}
"""


def manifest(tmp_path, text, name="manifest.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def writes(api, before):
    return [r for r in api.log(before) if r.method in ("POST", "PUT", "PATCH", "DELETE")]


def test_a_service_turned_into_a_load_balancer(demo_api, tmp_path):
    live = demo_api.get("Service", "influxdb-ext")
    before = len(demo_api.log())
    out = demo_api.reach("diff", "-f", manifest(tmp_path, TO_LOAD_BALANCER), "-o", "json")
    assert out.code == 1, out.err  # something changes: kubectl diff's 1
    doc = json.loads(out.out)
    assert doc["objects"] == [{"kind": "Service", "namespace": "default", "name": "influxdb-ext",
                               "action": "configured"}]
    [change] = doc["changes"]
    assert change["target"] == {"kind": "Service", "namespace": "default", "name": "influxdb-ext"}
    assert change["urls"] == {"added": ["http://203.0.113.10:<allocated on apply>"], "removed": [], "changed": []}
    assert [(f["severity"], f["check"]) for f in change["findings"]["added"]] == [("high", "open-lb"),
                                                                                  ("medium", "public-node-port")]
    assert change["findings"]["added"][1]["message"].startswith("nodePort <allocated on apply> open on every node")
    assert "service influxdb-ext: load balancer pending (no address in status.loadBalancer.ingress yet)" in \
        change["warnings"]["added"]
    assert "Warning: ConfigMap/settings (" in out.err and "not part of any way in: not sent" in out.err
    assert "nothing was changed" in out.err
    sent = writes(demo_api, before)
    assert [(r.method, r.path, r.query.get("dryRun")) for r in sent] == [
        ("PATCH", "/api/v1/namespaces/default/services/influxdb-ext", "All")]  # one apply, a dry run
    after = demo_api.get("Service", "influxdb-ext")
    assert after["spec"]["type"] == "ClusterIP" and after["metadata"]["resourceVersion"] == \
        live["metadata"]["resourceVersion"]  # nothing persisted

    table = demo_api.reach("diff", "-f", manifest(tmp_path, TO_LOAD_BALANCER))
    assert table.out.splitlines()[:3] == [
        "NAMESPACE    TARGET            CHANGE     DETAIL",
        "default      svc/influxdb-ext  + url      http://203.0.113.10:<allocated on apply>",
        "                               + high     open-lb: load balancer open to the internet (no loadBalancerSourceRanges)"]


def test_created_changed_fixed_and_the_fail_on_gate(demo_api, tmp_path):
    new_ingress = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: grafana, namespace: default}
spec:
  ingressClassName: nginx
  rules:
  - host: grafana.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: influxdb, port: {number: 8086}}}}]}
"""
    moved = """\
apiVersion: v1
kind: Service
metadata: {name: influxdb}
spec:
  type: NodePort
  selector: {name: influxdb}
  ports: [{name: http, port: 8086, targetPort: 8086, nodePort: 30001, protocol: TCP}]
"""
    closed = """\
apiVersion: v1
kind: Service
metadata: {name: influxdb-lb}
spec:
  type: LoadBalancer
  selector: {name: influxdb}
  loadBalancerSourceRanges: [203.0.113.0/24]
  ports: [{name: http, port: 8086, targetPort: http, nodePort: 31086, protocol: TCP}]
"""
    directory = tmp_path / "k8s"
    (directory / "nested").mkdir(parents=True)
    manifest(directory, moved, "1-service.yaml")
    manifest(directory, closed, "2-lb.yml")
    manifest(directory / "nested", new_ingress, "ingress.json.yaml")
    manifest(directory, "ignored", "README.md")  # not a manifest file name

    flat = json.loads(demo_api.reach("diff", "-f", str(directory), "-o", "json").out)
    assert [o["name"] for o in flat["objects"]] == ["influxdb", "influxdb-lb"]  # -R not given: not nested/
    deep = demo_api.reach("diff", "-f", str(directory), "-R", "-o", "json")
    doc = json.loads(deep.out)
    assert [(o["kind"], o["name"], o["action"]) for o in doc["objects"]] == [
        ("Service", "influxdb", "configured"), ("Service", "influxdb-lb", "configured"),
        ("Ingress", "grafana", "created")]
    changes = {c["target"]["name"] + "/" + c["target"]["kind"]: c for c in doc["changes"]}
    assert changes["influxdb/Service"]["urls"]["changed"] == [{"from": "http://203.0.113.10:30000",
                                                               "to": "http://203.0.113.10:30001"}]
    assert [f["check"] for f in changes["influxdb-lb/Service"]["findings"]["removed"]] == ["open-lb"]  # fixed
    assert changes["grafana/Ingress"]["urls"]["added"] == ["http://grafana.example.com/"]
    assert [f["check"] for f in changes["grafana/Ingress"]["findings"]["added"]] == ["plain-http"]
    assert deep.code == 1
    gate = demo_api.reach("diff", "-f", str(directory), "-R", "--fail-on", "high")
    assert gate.code == 0, gate.err  # changes, but no new high finding
    assert demo_api.reach("diff", "-f", str(directory), "-R", "--fail-on", "medium").code == 4  # plain-http
    assert demo_api.get("Ingress", "grafana") is None and \
        demo_api.get("Service", "influxdb")["spec"]["ports"][0]["nodePort"] == 30000


def test_no_change_is_exit_0_and_stdin_works(demo_api):
    same = demo_api.get("Service", "influxdb")
    text = json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "influxdb"},
                       "spec": {"type": same["spec"]["type"], "ports": same["spec"]["ports"],
                                "selector": same["spec"]["selector"]}})
    done = run_installed(["kubectl-reach", "diff", "-f", "-"], demo_api.env(), input=text)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr


@pytest.mark.parametrize("content, message", [
    ("kind: [", "error: error parsing"),
    ("apiVersion: v1\nkind: Service\nmetadata: {generateName: x-}\n", "generateName cannot be used with apply"),
    ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: bad}\nspec: {ingressClassName: nginx}\n",
     "ingress/bad ("),  # the API server's 422 (neither rules nor a defaultBackend), the object named
    ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", "not part of any way in"),
])
def test_errors_exit_2_as_kubectl_diff(demo_api, tmp_path, content, message):
    out = demo_api.reach("diff", "-f", manifest(tmp_path, content))
    if "not part of any way in" in message:  # skipped, not an error: nothing to send at all
        assert out.code == 0 and message in out.err
        return
    assert out.code == 2 and message in out.err, out.err
    assert demo_api.reach("diff", "-f", str(tmp_path / "missing.yaml")).code == 2
    assert demo_api.reach("diff").err == "error: must specify one of -f and -k (kubectl reach diff -f FILE|DIR|-)\n"
    assert demo_api.reach("diff", "--no-such-flag").code == 2


@pytest.mark.fake_only("a cluster without the Gateway API: the fake serves API groups on request")
def test_an_api_the_server_does_not_serve(api_factory, tmp_path):
    from kubectl_expose_ext.demo import demo_cluster

    cluster = demo_cluster()
    api = api_factory(cluster=cluster, absent=("gateway.networking.k8s.io",))
    route = ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\n"
             "spec: {parentRefs: [{name: eg, namespace: infra}]}\n")
    out = api.reach("diff", "-f", manifest(tmp_path, route))
    assert out.code == 2
    assert out.err == ('error: resource mapping not found for name: "web" namespace: "default" from '
                       f'"{tmp_path}/manifest.yaml": no matches for kind "HTTPRoute" in version '
                       '"gateway.networking.k8s.io/v1"\n')
