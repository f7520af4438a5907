"""The in-cluster probe pod (kubectl_expose_ext/probepod.py): its manifest, script, log parser and verdicts (pure,
table-driven; the script run by the real sh and curl against loopback listeners), the dry run, refusals and deletion
on both API servers (the real one is the referee for the restricted Pod Security profile), and the whole flow on the
fake, whose kubelet plays the pod."""

import http.server
import os
import signal
import socket
import subprocess
import threading

import pytest

from kubectl_expose_ext import probepod
from kubectl_expose_ext.errors import Forbidden, ReachError, UsageError
from kubectl_expose_ext.kube import Connection, Kube
from kubectl_expose_ext.probepod import ProbePlan, ProbeTarget
from support import needs

pytestmark = pytest.mark.both_backends

WEB = ProbeTarget("service shop/web port 80", "http", "web.shop.svc.cluster.local", 80)
POD = ProbeTarget("pod shop/web-0 port 8080", "tcp", "10.1.0.5", 8080)
EXTERNAL = ProbeTarget("ingress shop/web", "https", "shop.example.invalid", 443, "/cart")
PLAN = ProbePlan((WEB, POD, EXTERNAL), "shop")


# --- pure: the manifest ----------------------------------------------------------------------------------

def test_the_manifest_is_least_privilege():
    pod = PLAN.manifest()
    spec, container = pod["spec"], pod["spec"]["containers"][0]
    assert pod["metadata"]["generateName"] == "kubectl-reach-probe-" and "name" not in pod["metadata"]
    assert pod["metadata"]["namespace"] == "shop"
    assert pod["metadata"]["labels"] == {"app.kubernetes.io/name": "kubectl-reach-probe",
                                         "app.kubernetes.io/managed-by": "kubectl-reach",
                                         "app.kubernetes.io/component": "explain-from-cluster",
                                         "kubectl-reach/probe-run": PLAN.run_id}
    assert len(PLAN.run_id) == 12 and PLAN.run_id != ProbePlan((WEB,), "shop").run_id
    assert (spec["restartPolicy"], spec["automountServiceAccountToken"], spec["enableServiceLinks"]) == \
        ("Never", False, False)
    assert spec["activeDeadlineSeconds"] == 60
    assert spec["securityContext"] == {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532,
                                       "seccompProfile": {"type": "RuntimeDefault"}}
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "runAsNonRoot": True, "privileged": False,
                                            "capabilities": {"drop": ["ALL"]}}
    assert container["resources"]["limits"] == {"cpu": "200m", "memory": "64Mi", "ephemeral-storage": "1Mi"}
    assert container["image"] == probepod.DEFAULT_IMAGE == "curlimages/curl:8.20.0"
    assert not {"volumes", "hostNetwork", "hostPID", "serviceAccountName"} & set(spec)
    # the targets are arguments, never part of the script
    assert container["command"][:2] == ["sh", "-c"] and container["command"][3] == "sh"
    assert container["command"][4:] == ["http://web.shop.svc.cluster.local:80/", "telnet://10.1.0.5:8080",
                                        "https://shop.example.invalid:443/cart"]
    assert "example" not in container["command"][2]


@pytest.mark.parametrize("target, url", [
    (ProbeTarget("x", "http", "10.0.0.1", 80, "/a b\r\nX: y"), "http://10.0.0.1:80/a%20b%0D%0AX:%20y"),
    (ProbeTarget("x", "https", "fd00::1", 443), "https://[fd00::1]:443/"),
    (ProbeTarget("x", "tcp", "fd00::1", 53), "telnet://[fd00::1]:53"),
    (ProbeTarget("x", "http", "web", 80, "{a,b}[1-2]"), "http://web:80/%7Ba,b%7D%5B1-2%5D"),
], ids=["path-encoded", "ipv6", "tcp-ipv6", "no-globbing"])
def test_target_urls(target, url):
    assert target.url() == url


@pytest.mark.parametrize("target", [
    ProbeTarget("x", "http", "bank.example@evil.example", 80), ProbeTarget("x", "http", "a b", 80),
    ProbeTarget("x", "http", "-oProxy=x", 80), ProbeTarget("x", "file", "web", 80), ProbeTarget("x", "http", "web", 0),
    ProbeTarget("x", "http", "1.2.3", 80)], ids=["userinfo", "space", "option", "file", "port-0", "number"])
def test_targets_a_probe_must_not_take(target):
    with pytest.raises(ValueError):
        ProbePlan((target,), "shop").manifest()


@pytest.mark.parametrize("plan", [ProbePlan((), "shop"), ProbePlan((WEB,) * 33, "shop"),
                                  ProbePlan((WEB,), "shop", image="busybox; rm -rf /")], ids=["none", "33", "image"])
def test_plans_refused(plan):
    with pytest.raises(ValueError):
        plan.manifest()


# --- pure: the log and the verdicts ------------------------------------------------------------------------

@pytest.mark.parametrize("log, count, parsed", [
    ("reach-probe 1 0 200 0.001234\nreach-probe 2 7 000 0.000000\n", 2, {1: (0, "200", 0.001234), 2: (7, "000", 0.0)}),
    ("reach-probe 2 0 200 0,5\n", 2, {2: (0, "200", 0.5)}),
    ("reach-probe 1 0 200 1\nreach-probe 1 7 000 0\n", 1, {1: (0, "200", 1.0)}),  # the first line wins
    ("reach-probe 3 0 200 1\nreach-probe 0 0 200 1\n", 2, {}),  # indexes out of range
    ("\x1b[2Jreach-probe 1 0 200 1\nreach-probe 1 0 200 1 extra\nreach-probe 1 0 2000 1\n", 1, {}),
    ("noise\n" * 10 + "reach-probe 1 0 200 1\n", 2, {}),  # only 4 lines per target are looked at
    ("reach-probe 1 0 200 " + "1" * 500 + "\n", 1, {}),
    ("", 3, {}),
], ids=["two", "comma", "first-wins", "out-of-range", "forged", "bounded", "long", "empty"])
def test_parse_log(log, count, parsed):
    assert probepod.parse_log(log, count) == parsed


@pytest.mark.parametrize("target, answer, verdict, detail", [
    (WEB, (0, "200", 0.01), "ok", "HTTP 200 (from inside the cluster)"),
    (WEB, (0, "404", 0.01), "ok", "HTTP 404 (from inside the cluster)"),
    (WEB, (0, "503", 0.01), "warning", "HTTP 503 (from inside the cluster)"),
    (WEB, (6, "000", 0.0), "broken", "the name did not resolve"),
    (WEB, (7, "000", 0.0), "broken", "the connection was refused or failed"),
    (WEB, (28, "000", 1.0), "broken", "no answer within 3s"),
    (EXTERNAL, (35, "000", 0.1), "broken", "the TLS handshake failed"),
    (WEB, (99, "000", 0.0), "broken", "curl failed with exit code 99"),
    (POD, (28, "000", 0.002), "ok", "TCP connect succeeded (from inside the cluster)"),
    (POD, (0, "000", 0.002), "ok", "TCP connect succeeded (from inside the cluster)"),
    (POD, (7, "000", 0.0), "broken", "the connection was refused or failed"),
    (POD, (1, "000", 0.0), "unknown", "the image's curl cannot try it (unsupported protocol)"),
    (WEB, (127, "000", 0.0), "unknown", "the image has no curl (see --probe-image)"),
    (WEB, None, "unknown", "the probe pod reported nothing for it"),
], ids=["200", "404", "503", "dns", "refused", "timeout", "tls", "other", "tcp-open", "tcp-closed-ok", "tcp-refused",
        "no-telnet", "no-curl", "silent"])
def test_verdict_of(target, answer, verdict, detail):
    assert probepod.verdict_of(target, answer) == (verdict, detail)


def test_results_name_the_vantage_and_a_command():
    results = PLAN.results("reach-probe 2 28 000 0.001\nreach-probe 1 0 200 0.002\n")
    assert [r.to_dict() for r in results] == [
        {"vantage": "in-cluster probe pod", "tried": "service shop/web port 80: http://web.shop.svc.cluster.local:80/",
         "verdict": "ok", "detail": "HTTP 200 (from inside the cluster)",
         "command": "kubectl run reach-probe --rm -i --restart=Never -n shop --image=curlimages/curl:8.20.0 --command "
                    "-- curl -sS -k -o /dev/null -w '%{http_code}\\n' --connect-timeout 3 "
                    "http://web.shop.svc.cluster.local:80/"},
        {"vantage": "in-cluster probe pod", "tried": "pod shop/web-0 port 8080: telnet://10.1.0.5:8080",
         "verdict": "ok", "detail": "TCP connect succeeded (from inside the cluster)",
         "command": "kubectl run reach-probe --rm -i --restart=Never -n shop --image=curlimages/curl:8.20.0 --command "
                    "-- curl -sS -k -o /dev/null -w '%{http_code}\\n' --connect-timeout 3 telnet://10.1.0.5:8080"},
        {"vantage": "in-cluster probe pod", "tried": "ingress shop/web: https://shop.example.invalid:443/cart",
         "verdict": "unknown", "detail": "the probe pod reported nothing for it",
         "command": "kubectl run reach-probe --rm -i --restart=Never -n shop --image=curlimages/curl:8.20.0 --command "
                    "-- curl -sS -k -o /dev/null -w '%{http_code}\\n' --connect-timeout 3 "
                    "https://shop.example.invalid:443/cart"}]


# --- the script, run by this machine's sh and curl against loopback --------------------------------------------

def listener(status: int) -> int:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.fake_only("no cluster: the container's script, run here")
def test_the_script_with_a_real_curl_against_loopback():
    import shutil

    needs(shutil.which("curl") is not None, "needs curl")
    ok, failing, closed = listener(200), listener(500), closed_port()
    plan = ProbePlan((ProbeTarget("ok", "http", "127.0.0.1", ok, "/x"), ProbeTarget("5xx", "http", "127.0.0.1", failing),
                      ProbeTarget("closed", "http", "127.0.0.1", closed), ProbeTarget("tcp", "tcp", "127.0.0.1", ok),
                      ProbeTarget("tcp closed", "tcp", "127.0.0.1", closed)), "shop", timeout=2)
    command = plan.manifest()["spec"]["containers"][0]["command"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=30, env={"PATH": os.environ["PATH"]})
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.splitlines(), key=lambda line: int(line.split()[1]))[0].startswith("reach-probe 1 0 200 ")
    assert [(r.verdict, r.detail) for r in plan.results(out.stdout)] == [
        ("ok", "HTTP 200 (from inside the cluster)"), ("warning", "HTTP 500 (from inside the cluster)"),
        ("broken", "the connection was refused or failed"), ("ok", "TCP connect succeeded (from inside the cluster)"),
        ("broken", "the connection was refused or failed")]


# --- both API servers: the dry run, refusals, deletion -------------------------------------------------------

def kube_of(api) -> Kube:
    return Kube(Connection.load(api.kubeconfig), timeout=10)


def namespace(name: str, level: str = "restricted") -> dict:
    return {"kind": "Namespace", "metadata": {"name": name, "labels": {"pod-security.kubernetes.io/enforce": level}}}


def test_a_restricted_namespace_admits_the_dry_run_and_nothing_is_created(api_factory):
    api = api_factory(objects=[namespace("shop")])
    since = len(api.log())
    pod = probepod.check(kube_of(api), PLAN)
    assert pod["metadata"]["name"].startswith("kubectl-reach-probe-")
    assert pod["spec"]["containers"][0]["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert api.names("Pod", "shop") == []
    sent = [(r.method, r.path, r.query.get("dryRun")) for r in api.log(since)]
    assert sent == [("POST", "/api/v1/namespaces/shop/pods", "All")] + [
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", None)] * 3, sent


def test_a_manifest_that_breaks_pod_security_is_refused_in_one_line(api_factory):
    api = api_factory(objects=[namespace("shop")])
    pod = PLAN.manifest()
    pod["spec"]["hostNetwork"] = True  # baseline's rule: the fake checks it too; the real server, every rule
    del pod["spec"]["containers"][0]["securityContext"]
    with pytest.raises(Forbidden) as refused:
        probepod.create(kube_of(api), pod, dry_run=True)
    line = str(refused.value)
    assert line.startswith('the probe pod is refused by Pod Security in namespace shop: pods "') and \
        'violates PodSecurity "restricted:latest"' in line and "host namespaces (hostNetwork=true)" in line, line
    assert "\n" not in line
    if api.backend == "real":  # the restricted profile's own rules
        assert "allowPrivilegeEscalation != false" in line and "unrestricted capabilities" in line, line
    assert api.names("Pod", "shop") == []


def test_rbac_refusal_is_one_line_before_anything_is_created(api_factory):
    api = api_factory(objects=[namespace("shop")])
    api.forbid("create", "pods")
    with pytest.raises(Forbidden) as refused:
        probepod.check(kube_of(api), PLAN)
    line = str(refused.value)
    assert line.startswith("not allowed to create the probe pod in namespace shop: pods") and \
        'cannot create resource "pods"' in line, line
    since = len(api.log())
    with pytest.raises(UsageError, match="only with --yes"):
        probepod.run(kube_of(api), PLAN, consent=False)
    assert api.log(since) == [] and api.names("Pod", "shop") == []


@pytest.mark.parametrize("verb, what, why", [("delete", "pods", "deleted afterwards"),
                                             ("watch", "pods", "watched to its end")])
def test_a_pod_that_could_not_be_deleted_or_watched_is_never_made(api_factory, verb, what, why):
    api = api_factory(objects=[namespace("shop")])
    api.forbid(verb, what)
    with pytest.raises(Forbidden) as refused:
        probepod.run(kube_of(api), PLAN, consent=True)
    assert str(refused.value) == (f"not allowed to {verb} pods in namespace shop: the probe pod could not be {why}, so "
                                  f"it is not created (kubectl auth can-i {verb} pods -n shop)")
    assert api.names("Pod", "shop") == []
    assert not [r for r in api.log() if r.method == "POST" and r.path.endswith("/pods") and not r.query.get("dryRun")]


def test_a_pod_that_does_not_end_is_deleted_at_its_deadline(api_factory):
    """No kubelet on either server: the pod stays Pending, the wait ends at the deadline (1 s + as much slack), and
    the pod is deleted all the same."""
    api = api_factory(objects=[namespace("shop")])
    since = len(api.log())
    warnings = []
    with pytest.raises(ReachError, match=r"the probe pod shop/kubectl-reach-probe-\w+ did not end within 2s \(Pending"):
        probepod.run(kube_of(api), ProbePlan((WEB,), "shop", deadline=1), consent=True, warn=warnings.append)
    assert api.names("Pod", "shop") == [] and warnings == []
    sent = [(r.method, r.path.rsplit("/", 1)[-1].startswith("kubectl-reach-probe-")) for r in api.log(since)]
    assert sent[0] == ("POST", False) and sent[-1] == ("DELETE", True), sent


# --- the fake: the whole flow, its kubelet playing the pod -----------------------------------------------------

@pytest.mark.fake_only("the fake's kubelet runs the probe pod")
@pytest.mark.parametrize("phase", ["Succeeded", "Failed"])
def test_the_whole_flow(api_factory, phase):
    api = api_factory(objects=[namespace("shop")])
    seen = []

    def kubelet(pod):
        seen.append(pod)
        return phase, "reach-probe 2 7 000 0.000000\nreach-probe 1 0 200 0.003\n\x1b]0;owned\x07\n"

    api.cluster.kubelet = kubelet
    since = len(api.log())
    results = probepod.run(kube_of(api), ProbePlan((WEB, POD), "shop"), consent=True)
    assert [(r.vantage, r.verdict, r.detail) for r in results] == [
        ("in-cluster probe pod", "ok", "HTTP 200 (from inside the cluster)"),
        ("in-cluster probe pod", "broken", "the connection was refused or failed")]
    name = seen[0]["metadata"]["name"]
    assert [(r.method, r.path, r.query) for r in api.log(since)] == [
        ("POST", "/api/v1/namespaces/shop/pods", {"fieldManager": "kubectl-reach", "dryRun": "All"}),
        *[("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {})] * 3,
        ("POST", "/api/v1/namespaces/shop/pods", {"fieldManager": "kubectl-reach"}),
        ("GET", "/api/v1/namespaces/shop/pods", {
            "watch": "true", "resourceVersion": seen[0]["metadata"]["resourceVersion"],
            "fieldSelector": f"metadata.name={name}", "allowWatchBookmarks": "true", "timeoutSeconds": "75"}),
        ("GET", f"/api/v1/namespaces/shop/pods/{name}/log", {"container": "probe", "limitBytes": "65536"}),
        ("DELETE", f"/api/v1/namespaces/shop/pods/{name}", {})]
    assert api.names("Pod", "shop") == []


def interrupt_on_arrival(fault):
    """Ctrl-C (SIGINT to this process) once the request the fake holds has arrived: an event, not a delay."""
    def interrupt():
        if fault.arrived.wait(30):
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()


@pytest.mark.fake_only("Ctrl-C while the fake holds the watch")
def test_ctrl_c_while_waiting_still_deletes_the_pod(api_factory):
    api = api_factory(objects=[namespace("shop")])
    release = threading.Event()
    fault = api.cluster.inject(method="GET", path="/namespaces/shop/pods", query="watch", hold=release)
    interrupt_on_arrival(fault)
    try:
        with pytest.raises(KeyboardInterrupt):
            probepod.run(kube_of(api), PLAN, consent=True)
    finally:
        release.set()
    assert api.names("Pod", "shop") == []
    assert api.log()[-1].method == "DELETE"


@pytest.mark.fake_only("Ctrl-C while the fake holds the create")
def test_ctrl_c_during_the_create_finds_the_pod_by_its_run_label(api_factory):
    plan = ProbePlan((WEB,), "shop")
    landed = {"kind": "Pod", "metadata": {"name": "kubectl-reach-probe-zzzzz", "namespace": "shop",
                                          "labels": {"kubectl-reach/probe-run": plan.run_id}},
              "spec": {"containers": [{"name": "probe", "image": "i"}]}}  # as if the create had landed
    other = {**landed, "metadata": {**landed["metadata"], "name": "kubectl-reach-probe-other",
                                    "labels": {"kubectl-reach/probe-run": "another-run"}}}
    api = api_factory(objects=[namespace("shop", "privileged"), landed, other])
    release = threading.Event()
    fault = api.cluster.inject(method="POST", path="/namespaces/shop/pods", unless="dryRun", hold=release)
    interrupt_on_arrival(fault)
    try:
        with pytest.raises(KeyboardInterrupt):
            probepod.run(kube_of(api), plan, consent=True)
        assert api.names("Pod", "shop") == ["kubectl-reach-probe-other"]  # another run's pod is not ours to delete
        lookups = [r.query.get("labelSelector") for r in api.log() if r.method == "GET" and r.path.endswith("/pods")]
        assert lookups == [f"kubectl-reach/probe-run={plan.run_id}"]
    finally:
        release.set()


@pytest.mark.fake_only("a delete that fails: an injected fault")
def test_a_failed_delete_is_said_with_the_command_that_finishes_it(api_factory):
    api = api_factory(objects=[namespace("shop")])
    api.cluster.kubelet = lambda pod: ("Succeeded", "reach-probe 1 0 200 0.1\n")
    api.cluster.inject(method="DELETE", path="/namespaces/shop/pods/", status=500)
    warnings = []
    results = probepod.run(kube_of(api), ProbePlan((WEB,), "shop"), consent=True, warn=warnings.append)
    assert [r.verdict for r in results] == ["ok"]
    [name] = api.names("Pod", "shop")
    assert warnings == [f"could not delete the probe pod shop/{name} (injected fault: InternalError): "
                        f"kubectl delete pod {name} -n shop"]


@pytest.mark.fake_only("the fake's kubelet: a container that never started")
def test_a_pod_that_never_started_gives_unknown_results_with_its_state(api_factory):
    api = api_factory(objects=[namespace("shop")])
    api.cluster.kubelet = lambda pod: ("Failed", None)
    results = probepod.run(kube_of(api), ProbePlan((WEB, POD), "shop"), consent=True)
    assert {(r.verdict, r.detail) for r in results} == {
        ("unknown", "the probe pod left no log (Failed: DeadlineExceeded: Pod was active on the node longer than the "
                    "specified deadline)")}
    assert api.names("Pod", "shop") == []


@pytest.mark.fake_only("a create answer naming another pod: an injected fault")
def test_a_create_answer_naming_another_pod_is_not_followed(api_factory):
    import json

    api = api_factory(objects=[namespace("shop"), {"kind": "Pod", "metadata": {"name": "victim", "namespace": "shop"},
                                                   "spec": {"containers": [{"name": "c", "image": "i"}]}}])
    forged = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "victim", "namespace": "shop", "uid": "u"}}
    api.cluster.inject(method="POST", path="/namespaces/shop/pods", unless="dryRun", body=json.dumps(forged).encode())
    with pytest.raises(ReachError, match=r"names another pod \(shop/victim\): nothing more is done with it"):
        probepod.run(kube_of(api), PLAN, consent=True)
    assert api.names("Pod", "shop") == ["victim"]
    assert not [r for r in api.log() if r.method == "DELETE" or "watch" in r.query]


# --- pure: what --from-cluster tries --------------------------------------------------------------------------

def test_cluster_targets_from_real_shapes():
    from kubectl_expose_ext.endpoints import Endpoint

    service = {"kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"type": "NodePort", "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080},
                                                      {"name": "dns", "port": 53, "protocol": "UDP"},
                                                      {"name": "grpc", "port": 9090}]}}
    slices = [
        {"metadata": {"name": "web-a", "labels": {"kubernetes.io/service-name": "web"}}, "addressType": "IPv4",
         "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
         "endpoints": [{"addresses": ["10.1.0.5"], "conditions": {"ready": True},
                        "targetRef": {"kind": "Pod", "name": "web-0", "namespace": "shop"}},
                       {"addresses": ["10.1.0.6"], "conditions": {"ready": False},
                        "targetRef": {"kind": "Pod", "name": "web-1", "namespace": "shop"}},
                       {"addresses": ["10.1.0.5"], "conditions": {}}]},  # the same address again: once
        {"metadata": {"name": "other", "labels": {"kubernetes.io/service-name": "other"}}, "addressType": "IPv4",
         "ports": [{"port": 1}], "endpoints": [{"addresses": ["10.9.9.9"]}]},
        {"metadata": {"name": "web-f", "labels": {"kubernetes.io/service-name": "web"}}, "addressType": "FQDN",
         "ports": [{"port": 80}], "endpoints": [{"addresses": ["db.example"]}]},
        {"metadata": {"name": "web-6", "labels": {"kubernetes.io/service-name": "web"}}, "addressType": "IPv6",
         "ports": [{"name": "https", "port": 8443}], "endpoints": [{"addresses": ["fd00::5"]}]},
    ]
    urls = [Endpoint("NodePort", "http", "192.168.1.10", 30080), Endpoint("Ingress", "https", "shop.example.com", 443,
                                                                          path="/cart"),
            Endpoint("Ingress", "http", "bank.example@evil.example", 80), Endpoint("LoadBalancer", "udp", "1.2.3.4", 53)]
    targets = probepod.cluster_targets(service, slices, urls)
    assert [(t.tried, t.url()) for t in targets] == [
        ("service shop/web port 80", "http://web.shop.svc:80/"),
        ("service shop/web port 9090", "telnet://web.shop.svc:9090"),
        ("pod shop/web-0 port 8080", "http://10.1.0.5:8080/"),
        ("pod shop/fd00::5 port 8443", "https://[fd00::5]:8443/"),
        ("NodePort http://192.168.1.10:30080", "http://192.168.1.10:30080/"),
        ("Ingress https://shop.example.com/cart", "https://shop.example.com:443/cart"),
    ]
    ProbePlan(tuple(targets), "shop").manifest()  # every one can be handed to the pod


def test_cluster_targets_are_capped():
    slices = [{"metadata": {"labels": {"kubernetes.io/service-name": "web"}}, "addressType": "IPv4",
               "ports": [{"port": 80}], "endpoints": [{"addresses": [f"10.1.0.{i}"]} for i in range(1, 100)]}]
    service = {"metadata": {"name": "web", "namespace": "shop"}, "spec": {"ports": [{"port": 80}]}}
    assert len(probepod.cluster_targets(service, slices)) == probepod.MAX_TARGETS
