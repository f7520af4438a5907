"""Puts test objects into a real kube-apiserver as a real cluster would have them, and clears them between tests.

Objects are created, then their `status` is written through the status subresource (a create ignores it);
owner references are rewritten to the uids the server gave the owners; every namespace gets its `default`
ServiceAccount before its pods (the ServiceAccount admission plugin wants it); Pod Security labels are applied
after the pods exist (as on a cluster that adopted them later); pods are deleted with grace period 0 (there is no
kubelet to finish a graceful deletion). The CRDs (tests/fixtures/crds.yaml, and the front doors' real ones that
crds.py fetches from the Go module proxy) are installed or removed to match the API groups a test wants served.
"""

import copy
import http.client
import json
import os
import pathlib
import shutil
import ssl
import time
import urllib.parse
from typing import Dict, Iterable, List, Optional, Set, Tuple

import yaml

from kubectl_expose_ext.demo.apiserver import CREATION_ORDER, TYPES, ResourceType, type_of

from .controlplane import TOKENS, ControlPlane
from .crds import fetch, real_crds

# the front doors' real CRDs, fetched from the Go module proxy (crds.py: the Gateway API's, Istio's, Traefik's,
# Contour's), and the reduced ones of tests/fixtures/crds.yaml for what the proxy cannot serve (OpenShift's Route,
# Application, NGINX's built from its published types); a real CRD replaces a reduced one of the same name
REDUCED = [d for d in yaml.safe_load_all((pathlib.Path(__file__).parent.parent / "fixtures" / "crds.yaml").read_text())
           if d]
if os.environ.get("CI") == "true" or shutil.which("go"):
    _fetched = fetch(quiet=True)  # once per machine; CI fetches them in .ci/run (a failure here is a failure)
_REAL = real_crds()
CRDS = [d for d in REDUCED if d["metadata"]["name"] not in {r["metadata"]["name"] for r in _REAL}] + _REAL
CRD_GROUPS = sorted({crd["spec"]["group"] for crd in CRDS})
SERVER_OWNED = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink",
                "deletionTimestamp")
KEEP_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}


class LoadError(RuntimeError):
    pass


class Client:
    """A keep-alive HTTP(S) client (for the loader: user `loader`, whose requests stay out of the audit log)."""

    def __init__(self, url: str, ca: Optional[str] = None, token: str = TOKENS["loader"]):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.tls = parts.hostname, parts.port, parts.scheme == "https"
        self.context = ssl.create_default_context(cafile=ca) if self.tls else None
        if self.context is not None:  # 3.13: the control plane's CA has no keyUsage, as Go (and kubectl reach) allow
            self.context.verify_flags &= ~ssl.VERIFY_X509_STRICT
        self.token = token
        self.connection: Optional[http.client.HTTPConnection] = None
        self.headers: Dict[str, str] = {}  # of the last answer

    @classmethod
    def of(cls, plane: ControlPlane, user: str = "loader") -> "Client":
        return cls(plane.url, str(plane.ca), TOKENS[user])

    def request(self, method: str, path: str, body=None, content_type: str = "application/json",
                accept: str = "application/json") -> Tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Accept": accept}
        if data is not None:
            headers["Content-Type"] = content_type
        for attempt in range(2):
            if self.connection is None:
                self.connection = (http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
                                   if self.tls else http.client.HTTPConnection(self.host, self.port, timeout=30))
            try:
                self.connection.request(method, path, body=data, headers=headers)
                answer = self.connection.getresponse()
                raw = answer.read()
                self.headers = {k.lower(): v for k, v in answer.getheaders()}
                self.warnings = answer.msg.get_all("Warning") or []
                return answer.status, (json.loads(raw) if raw.strip().startswith(b"{") else {"raw": raw.decode()})
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def must(self, method: str, path: str, body=None, content_type: str = "application/json",
             ok: Iterable[int] = (200, 201)) -> dict:
        status, answer = self.request(method, path, body, content_type)
        if status not in ok:
            raise LoadError(f"{method} {path}: {status} {answer.get('message', answer)}")
        return answer


def path_of(rtype: ResourceType, namespace: str = "", name: str = "", group_version: str = "") -> str:
    base = f"/api/{rtype.version}" if not rtype.group else f"/apis/{group_version or rtype.api_version}"
    ns = f"/namespaces/{namespace}" if rtype.namespaced and namespace else ""
    return f"{base}{ns}/{rtype.resource}" + (f"/{name}" if name else "")


class Loader:
    """The objects one test put into the real server, and how to clear them for the next."""

    def __init__(self, plane: ControlPlane):
        self.plane = plane
        self.client = Client.of(plane)
        self.namespaces: Set[str] = set()
        self.served_groups: Set[str] = set()
        self._sync_crds(set(CRD_GROUPS))

    # -- API groups (CRDs)

    def serve(self, groups: Set[str]) -> None:
        """Make exactly these CRD groups served (the others' CRDs removed); waits until discovery agrees."""
        if groups != self.served_groups:
            self._sync_crds(groups)

    def _sync_crds(self, groups: Set[str]) -> None:
        for crd in CRDS:
            name, wanted = crd["metadata"]["name"], crd["spec"]["group"] in groups
            path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"
            status, _ = self.client.request("GET", path)
            if wanted and status == 404:
                self.client.must("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
            elif not wanted and status == 200:
                self.client.must("DELETE", path, ok=(200, 202))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status, answer = self.client.request("GET", "/apis")
            served = {g["name"] for g in answer.get("groups", [])}
            crd_names = {c["metadata"]["name"] for c in self.client.must(
                "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")["items"]}
            want_names = {c["metadata"]["name"] for c in CRDS if c["spec"]["group"] in groups}
            if (served & set(CRD_GROUPS)) == groups and crd_names & {c["metadata"]["name"] for c in CRDS} == want_names \
                    and all(self._served(c) for c in CRDS if c["spec"]["group"] in groups):
                self.served_groups = set(groups)
                return
            time.sleep(0.05)
        raise LoadError(f"CRD groups did not become {sorted(groups)} within 60s")

    def _served(self, crd: dict) -> bool:
        group, plural = crd["spec"]["group"], crd["spec"]["names"]["plural"]
        for version in (v["name"] for v in crd["spec"]["versions"] if v.get("served")):
            status, answer = self.client.request("GET", f"/apis/{group}/{version}")
            if status != 200 or plural not in {r["name"] for r in answer.get("resources", [])}:
                return False
        return True

    # -- loading

    def load(self, objects: Iterable[dict]) -> None:
        objects = [copy.deepcopy(o) for o in objects]
        uids: Dict[Tuple[str, str, str], str] = {}
        namespace_labels: Dict[str, dict] = {}
        wanted_namespaces = {"default"}
        for obj in objects:
            rtype = type_of(obj)
            if rtype.kind == "Namespace":
                wanted_namespaces.add(obj["metadata"]["name"])
                namespace_labels[obj["metadata"]["name"]] = obj["metadata"].get("labels") or {}
            elif rtype.namespaced:
                wanted_namespaces.add(obj.setdefault("metadata", {}).setdefault("namespace", "default"))
        for namespace in sorted(wanted_namespaces):
            self._namespace(namespace)
        for kind in CREATION_ORDER[1:]:  # namespaces first; their Pod Security labels last
            for obj in (o for o in objects if o["kind"] == kind):
                self._create(obj, uids)
        for namespace, labels in namespace_labels.items():  # after the pods: PodSecurity admits them first
            if labels:
                self.client.must("PATCH", f"/api/v1/namespaces/{namespace}", {"metadata": {"labels": labels}},
                                 "application/merge-patch+json")

    def _namespace(self, namespace: str) -> None:
        status, _ = self.client.request("GET", f"/api/v1/namespaces/{namespace}")
        if status == 404:
            self.client.must("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                            "metadata": {"name": namespace}})
        self.namespaces.add(namespace)
        status, _ = self.client.request("GET", f"/api/v1/namespaces/{namespace}/serviceaccounts/default")
        if status == 404:  # the ServiceAccount controller makes it too; whoever is first
            self.client.must("POST", f"/api/v1/namespaces/{namespace}/serviceaccounts",
                             {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}},
                             ok=(201, 409))

    def _create(self, obj: dict, uids: Dict[Tuple[str, str, str], str]) -> dict:
        rtype = type_of(obj)
        meta = obj.setdefault("metadata", {})
        namespace = meta.get("namespace", "") if rtype.namespaced else ""
        for key in SERVER_OWNED:
            meta.pop(key, None)
        for ref in meta.get("ownerReferences") or []:
            owner = uids.get((ref.get("kind"), namespace, ref.get("name")))
            if owner:
                ref["uid"] = owner
        status = obj.pop("status", None)
        obj.setdefault("apiVersion", rtype.api_version)
        created = self.client.must("POST", path_of(rtype, namespace, group_version=obj["apiVersion"]), obj)
        uids[(rtype.kind, namespace, meta["name"])] = created["metadata"]["uid"]
        if status and rtype.kind not in ("IngressClass", "EndpointSlice"):
            created["status"] = status
            created = self.client.must("PUT", path_of(rtype, namespace, meta["name"], obj["apiVersion"]) + "/status",
                                       created)
        return created

    # -- clearing

    def clear(self) -> None:
        """Remove what tests created: every object of the kinds we load, in every namespace, cluster-scoped too."""
        status, answer = self.client.request("GET", "/api/v1/namespaces")
        namespaces = [n["metadata"]["name"] for n in answer.get("items", [])]
        for rtype in TYPES:
            if rtype.kind == "Namespace" or (rtype.group in CRD_GROUPS and rtype.group not in self.served_groups):
                continue
            for namespace in (namespaces if rtype.namespaced else [""]):
                listing = self.client.must("GET", path_of(rtype, namespace))
                for item in listing.get("items", []):
                    name = item["metadata"]["name"]
                    if rtype.kind == "Service" and namespace == "default" and name == "kubernetes":
                        continue
                    if item["metadata"].get("finalizers"):  # no controller here will ever remove them
                        self.client.must("PATCH", path_of(rtype, namespace, name), {"metadata": {"finalizers": None}},
                                         "application/merge-patch+json")
                    query = "?gracePeriodSeconds=0" if rtype.kind == "Pod" else ""
                    self.client.must("DELETE", path_of(rtype, namespace, name) + query, ok=(200, 202, 404))
                if not rtype.namespaced:
                    break
        for namespace in namespaces:  # labels back to the server's own
            if namespace in KEEP_NAMESPACES or namespace in self.namespaces:
                ns = self.client.must("GET", f"/api/v1/namespaces/{namespace}")
                labels = ns["metadata"].get("labels") or {}
                extra = {k: None for k in labels if k != "kubernetes.io/metadata.name"}
                if extra:
                    self.client.must("PATCH", f"/api/v1/namespaces/{namespace}", {"metadata": {"labels": extra}},
                                     "application/merge-patch+json")
        self._clear_rbac()

    def _clear_rbac(self) -> None:
        for kind in ("clusterrolebindings", "clusterroles"):
            listing = self.client.must("GET", f"/apis/rbac.authorization.k8s.io/v1/{kind}?labelSelector=reach-test")
            for item in listing.get("items", []):
                self.client.must("DELETE", f"/apis/rbac.authorization.k8s.io/v1/{kind}/{item['metadata']['name']}",
                                 ok=(200, 202, 404))

    # -- RBAC for 403 tests

    def grant_all_but(self, user: str, forbidden: Set[Tuple[str, str]]) -> None:
        """Bind `user` to a ClusterRole allowing every verb on the kinds we load, except the (verb, resource) pairs."""
        verbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
        groups: Dict[str, Dict[str, List[str]]] = {}
        for rtype in TYPES:
            allowed = [v for v in verbs if (v, rtype.resource) not in forbidden]
            if allowed:
                groups.setdefault(rtype.group, {})[rtype.resource] = allowed
        rules = [{"apiGroups": [group], "resources": [resource], "verbs": allowed}
                 for group, resources in sorted(groups.items()) for resource, allowed in sorted(resources.items())]
        rules.append({"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/version"], "verbs": ["get"]})
        name = f"reach-test-{user}"
        labels = {"reach-test": "true"}
        for path in (f"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}",
                     f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}"):
            self.client.request("DELETE", path)
        self.client.must("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                         {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                          "metadata": {"name": name, "labels": labels}, "rules": rules})
        self.client.must("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                         {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                          "metadata": {"name": name, "labels": labels},
                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                          "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]})
        self._wait_authorized(user, forbidden)

    def _wait_authorized(self, user: str, forbidden: Set[Tuple[str, str]]) -> None:
        """RBAC changes reach the authorizer through an informer: wait until a SubjectAccessReview agrees."""
        deadline = time.monotonic() + 10
        probe = next(iter(forbidden), ("get", "services"))
        while time.monotonic() < deadline:
            review = self.client.must("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
                "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": user, "groups": ["reach-tests"],
                         "resourceAttributes": {"verb": "list", "resource": "pods"}}})
            denied = self.client.must("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
                "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": {"user": user, "groups": ["reach-tests"],
                         "resourceAttributes": {"verb": probe[0], "resource": probe[1],
                                                "group": next((t.group for t in TYPES if t.resource == probe[1]), "")}}})
            if review["status"].get("allowed") and (not forbidden or not denied["status"].get("allowed")):
                return
            time.sleep(0.05)
        raise LoadError(f"RBAC for {user} not in effect within 10s")
