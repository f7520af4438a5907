"""`kubectl-reach demo --serve` takes kubectl's everyday writes (issue #25): `kubectl apply` (client-side, validated
by the server: the fake serves the OpenAPI v3 kubectl reads for that), server-side apply, and the status subresource a
controller writes, so a user can change the demo cluster and watch the answer change. The same test runs on the real
API server: it is the referee for what these requests do."""

import pytest

from support import requires_kubectl, run_installed

pytestmark = [requires_kubectl, pytest.mark.both_backends]

SERVICE = """apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  type: {type}
  selector: {{name: influxdb}}
  ports: [{{name: http, port: {port}, targetPort: 8086}}]
"""


def kubectl(api, *args, stdin=None):
    done = run_installed(["kubectl", *args], api.env(), input=stdin)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_kubectl_apply_server_side_apply_and_status(demo_api):
    manifest = SERVICE.format(name="web-applied", type="NodePort", port=80)
    assert kubectl(demo_api, "apply", "-f", "-", stdin=manifest).strip() == "service/web-applied created"
    changed = SERVICE.format(name="web-applied", type="NodePort", port=81)
    assert kubectl(demo_api, "apply", "-f", "-", stdin=changed).strip() == "service/web-applied configured"
    assert [p["port"] for p in demo_api.get("Service", "web-applied")["spec"]["ports"]] == [81]

    balanced = SERVICE.format(name="web-ssa", type="LoadBalancer", port=80)
    assert kubectl(demo_api, "apply", "--server-side", "-f", "-", stdin=balanced).strip() == \
        "service/web-ssa serverside-applied"
    kubectl(demo_api, "patch", "svc", "web-ssa", "--subresource=status", "--type=merge", "-p",
            '{"status":{"loadBalancer":{"ingress":[{"ip":"198.51.100.9"}]}}}')
    service = demo_api.get("Service", "web-ssa")
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["status"]["loadBalancer"]["ingress"][0]["ip"] == "198.51.100.9"
    assert demo_api.reach("svc/web-ssa", "-o", "url").out.splitlines()[0] == "http://198.51.100.9:80"


@pytest.mark.fake_only("what the fake leaves out: the real server takes protobuf")
def test_what_the_demo_server_does_not_take_is_refused_clearly(demo_api):
    done = run_installed(["kubectl", "create", "deployment", "x", "--image=nginx"], demo_api.env())
    assert done.returncode == 1 and "unknown format - accepted media types include: application/json" in done.stderr
