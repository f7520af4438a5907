"""The requests every fetch shares (targets.py and the front doors, doors/): a LIST whose selector the server refuses
named as kubectl names it, a LIST that RBAC may hide, one LIST for several namespaces, a Service's EndpointSlices."""

from typing import Any, List, Optional

from .errors import ApiError, Forbidden, NotFound
from .listjson import slimming
from .objects import field, items

SERVICE_NAME_LABEL = "kubernetes.io/service-name"  # an EndpointSlice's Service


@slimming
def slim_slice(eps: dict) -> dict:
    """What Snapshot reads of an EndpointSlice: its service label, each endpoint's node and readiness, its ports."""
    return {"metadata": {"name": field(eps, "metadata", "name"), "namespace": field(eps, "metadata", "namespace"),
                         "labels": field(eps, "metadata", "labels")},
            "endpoints": [{"nodeName": e.get("nodeName"), "conditions": e.get("conditions")} for e in items(eps, "endpoints")],
            "ports": [{"name": p.get("name"), "port": p.get("port")} for p in items(eps, "ports")]}


@slimming
def slim_namespace(ns: dict) -> dict:
    """What a Gateway listener's namespace selector reads of a Namespace: its name and labels."""
    return {"metadata": {"name": field(ns, "metadata", "name"), "labels": field(ns, "metadata", "labels")}}


def optional_list(kube: Any, resource: str, **kwargs) -> Optional[List[dict]]:
    """A LIST whose absence only weakens the answer (RBAC may hide it): None when forbidden."""
    try:
        return selected_list(kube, resource, **kwargs)
    except (Forbidden, NotFound):
        return None


def selected_list(kube: Any, resource: str, namespace: Optional[str] = None, label_selector: Optional[str] = None,
                  field_selector: Optional[str] = None, **kwargs: Any) -> List[dict]:
    """kube.list, where a selector the server refuses (400: `field label not supported: spec.type` names no kind) is
    named as kubectl names it (cli-runtime resource.EnhanceListError): `Unable to find "/v1, Resource=pods" that
    match label selector "", field selector "spec.type=LoadBalancer": field label not supported: spec.type`."""
    try:
        return kube.list(resource, namespace, label_selector, field_selector, **kwargs)
    except ApiError as exc:
        if exc.code != 400 or not (label_selector or field_selector):
            raise
        path = kube.path(resource).split("/")  # /api/v1/pods, /apis/networking.k8s.io/v1/ingresses
        group_version = "/" + path[2] if path[1] == "api" else f"{path[2]}/{path[3]}"
        raise ApiError(f'Unable to find "{group_version}, Resource={resource}" that match label selector '
                       f'"{label_selector or ""}", field selector "{field_selector or ""}": {exc}', code=exc.code,
                       reason=exc.reason, status=exc.status) from None


def slices_of(kube: Any, namespace: str, services: List[str]) -> Optional[List[dict]]:
    """The EndpointSlices of these Services (one LIST, by label), slimmed; None when not readable."""
    names = sorted(set(services))
    selector = f"{SERVICE_NAME_LABEL}={names[0]}" if len(names) == 1 else f"{SERVICE_NAME_LABEL} in ({','.join(names)})"
    return optional_list(kube, "endpointslices", namespace=namespace, label_selector=selector, keep=slim_slice)


def one_list(kube: Any, resource: str, namespaces: List[str], **kwargs) -> Optional[List[dict]]:
    """A LIST in the one namespace given, else across the cluster narrowed to them: never one request per
    namespace. None when forbidden."""
    if len(namespaces) == 1:
        return optional_list(kube, resource, namespace=namespaces[0], **kwargs)
    found = optional_list(kube, resource, **kwargs)
    return None if found is None else [o for o in found if field(o, "metadata", "namespace") in namespaces]
