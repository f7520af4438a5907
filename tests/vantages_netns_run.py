"""The API server proxy vantage against the real kube-apiserver, inside a network namespace (test_vantages.py).

    unshare -rn sh -c 'ip link set lo up && ip addr add 10.255.0.1/32 dev lo && exec python3 tests/vantages_netns_run.py'

kube-apiserver refuses to proxy to loopback and link-local addresses (k8s.io/apimachinery/pkg/util/proxy
IsProxyableIP), so the backend listens on a private address, 10.255.0.1, which exists only in this namespace (on
`lo`: the kernel here has no dummy interfaces), and the control plane runs in the same namespace. The Services
have no selector (no controller rewrites what the test registers; the control plane runs no endpoint controllers
anyway) and their backends are written as Endpoints (what the proxy reads: pkg/registry/core/service/storage
ResourceLocation, which also wants each address to name, by targetRef, a pod whose status has that IP) and
EndpointSlices. Prints, as JSON: each result's dict, and
the paths the plugin's user sent (the audit log).
"""

import json
import pathlib
import socket
import sys
import tempfile
import threading

BACKEND = "10.255.0.1"


def backend() -> int:
    """An HTTP server on BACKEND: 200 with a page on `/`, 404 elsewhere, and a hostile header line for good measure."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            found = self.path == "/"
            data = b"<html>the real backend \x1b[31m</html>" if found else b"nothing here"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((BACKEND, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind((BACKEND, 0))
        return s.getsockname()[1]  # nothing listens there once closed


def main() -> None:
    from kubectl_expose_ext.kube import Connection, Kube
    from kubectl_expose_ext.vantages import ProxyTarget, through_apiserver
    from realcluster.controlplane import ControlPlane, binaries
    from realcluster.loader import Client

    open_port, shut_port = backend(), closed_port()
    plane = ControlPlane(pathlib.Path(tempfile.mkdtemp(prefix="reach-vantages-"))).start(binaries())
    try:
        client = Client.of(plane)

        client.must("POST", "/api/v1/namespaces/default/serviceaccounts", {  # the controller may be first
            "apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}, ok=(201, 409))
        pod = client.must("POST", "/api/v1/namespaces/default/pods", {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "backend"},
            "spec": {"automountServiceAccountToken": False, "containers": [{"name": "web", "image": "web"}]}})
        pod["status"] = {"phase": "Running", "podIP": BACKEND, "podIPs": [{"ip": BACKEND}]}
        client.must("PUT", "/api/v1/namespaces/default/pods/backend/status", pod)
        target_ref = {"kind": "Pod", "namespace": "default", "name": "backend"}

        def service(name: str, port: int, backend_port: int = 0) -> None:
            client.must("POST", "/api/v1/namespaces/default/services", {
                "apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                "spec": {"ports": [{"name": "web", "port": port, "targetPort": backend_port or port}]}})
            if backend_port:
                client.must("POST", "/api/v1/namespaces/default/endpoints", {
                    "apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name},
                    "subsets": [{"addresses": [{"ip": BACKEND, "targetRef": target_ref}], "ports": [{"name": "web", "port": backend_port}]}]})
                client.must("POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", {
                    "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                    "metadata": {"name": f"{name}-1", "labels": {"kubernetes.io/service-name": name}},
                    "addressType": "IPv4", "ports": [{"name": "web", "port": backend_port}],
                    "endpoints": [{"addresses": [BACKEND], "conditions": {"ready": True}, "targetRef": target_ref}]})

        service("web", 80, open_port)
        service("empty", 80)
        service("refused", 80, shut_port)
        config = plane.workdir / "admin.yaml"
        config.write_text(plane.kubeconfig("admin"))
        kube = Kube(Connection.load(str(config)), timeout=10)
        mark = plane.mark()
        results = through_apiserver(kube, [
            ProxyTarget("default", "web", 80), ProxyTarget("default", "web", "web", path="/missing"),
            ProxyTarget("default", "empty", 80), ProxyTarget("default", "refused", 80),
            ProxyTarget("default", "absent", 80), ProxyTarget("default", "backend", open_port, resource="pods"),
            ProxyTarget("default", "backend", shut_port, resource="pods")], timeout=10)
        sent = [(e["verb"], e["requestURI"]) for e in plane.requests_since(mark)]
        print(json.dumps({"results": [r.to_dict() for r in results], "sent": sent, "requests": kube.requests}))
    finally:
        plane.stop()


if __name__ == "__main__":
    sys.exit(main())
