"""The JSON types of the fields the computation reads, per kind: what arrives is checked against them once, at the
edge (kube.py), so the pure layers can trust the types they read.

A field of the wrong type (a list where a name belongs, a string port, a map for a boolean) is removed, as if it
were missing, and reported in one warning naming the object (`svc/web: spec.selector is a list, not a map:
ignored`); the rest of the object, and of the answer, stays. Fields not listed here are left as they are: nothing
reads them. Missing and null fields are the pure layers' business (objects.field and friends).

The core kinds' schemas are here, by resource; a front door declares its kinds' own with them (`Kind.schema`, in its
module under doors/), in this vocabulary. Nothing here imports the kinds table at start (door modules import this one).
"""

from typing import Any, Dict, List, Tuple

from .kind import B, CONDITIONS, I, INT_OR_STRING, LB_STATUS, MAP, META, S, SELECTOR

_CHECKS = {
    S: lambda v: isinstance(v, str),
    I: lambda v: isinstance(v, int) and not isinstance(v, bool),
    B: lambda v: isinstance(v, bool),
    INT_OR_STRING: lambda v: isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)),
    MAP: lambda v: isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items()),
}

CONTAINER = {"name": S, "restartPolicy": S,
             "ports": [{"name": S, "containerPort": I, "hostPort": I, "hostIP": S, "protocol": S}]}
POD_SPEC = {"nodeName": S, "hostNetwork": B, "dnsPolicy": S, "containers": [CONTAINER], "initContainers": [CONTAINER]}
BACKEND = {"service": {"name": S, "port": {"number": I, "name": S}}}
LISTENER = {"name": S, "hostname": S, "port": I, "protocol": S,
            "allowedRoutes": {"namespaces": {"from": S, "selector": SELECTOR}, "kinds": [{"group": S, "kind": S}]}}
PARENT = {"group": S, "kind": S, "namespace": S, "name": S, "sectionName": S, "port": I}
ROUTE = {"metadata": META,
         "spec": {"parentRefs": [PARENT], "hostnames": [S],
                  "rules": [{"backendRefs": [{"group": S, "kind": S, "name": S, "namespace": S, "port": I,
                                              "weight": I}]}]},
         "status": {"parents": [{"parentRef": PARENT, "controllerName": S, "conditions": CONDITIONS}]}}
WORKLOAD = {"metadata": META,
            "spec": {"selector": SELECTOR,
                     "template": {"metadata": META, "spec": POD_SPEC}, "strategy": {"type": S}}}

SCHEMAS: Dict[str, Any] = {
    "nodes": {"metadata": META, "spec": {"unschedulable": B, "providerID": S},
             "status": {"addresses": [{"type": S, "address": S}], "conditions": CONDITIONS}},
    "services": {"metadata": META, "status": LB_STATUS,
                "spec": {"type": S, "clusterIP": S, "clusterIPs": [S], "selector": MAP, "externalIPs": [S],
                         "externalTrafficPolicy": S, "internalTrafficPolicy": S, "ipFamilies": [S],
                         "ipFamilyPolicy": S, "loadBalancerSourceRanges": [S], "loadBalancerClass": S,
                         "loadBalancerIP": S, "externalName": S, "publishNotReadyAddresses": B,
                         "allocateLoadBalancerNodePorts": B, "healthCheckNodePort": I,
                         "ports": [{"name": S, "port": I, "nodePort": I, "targetPort": INT_OR_STRING, "protocol": S,
                                    "appProtocol": S}]}},
    "pods": {"metadata": META, "spec": POD_SPEC,
            "status": {"phase": S, "podIP": S, "hostIP": S, "conditions": CONDITIONS}},
    "endpointslices": {"metadata": META, "addressType": S,
                      "endpoints": [{"addresses": [S], "nodeName": S,
                                     "conditions": {"ready": B, "serving": B, "terminating": B},
                                     "targetRef": {"kind": S, "name": S, "namespace": S}}],
                      "ports": [{"name": S, "port": I, "protocol": S}]},
    "ingresses": {"metadata": META, "status": LB_STATUS,
                "spec": {"ingressClassName": S, "defaultBackend": BACKEND, "tls": [{"hosts": [S], "secretName": S}],
                         "rules": [{"host": S, "http": {"paths": [{"path": S, "pathType": S, "backend": BACKEND}]}}]}},
    "ingressclasses": {"metadata": META,
                     "spec": {"controller": S, "parameters": {"apiGroup": S, "kind": S, "name": S, "namespace": S,
                                                              "scope": S}}},
    "namespaces": {"metadata": META},
    "gateways": {"metadata": META,
                "spec": {"gatewayClassName": S, "listeners": [LISTENER], "addresses": [{"type": S, "value": S}],
                         "allowedListeners": {"namespaces": {"from": S, "selector": SELECTOR}}},
                "status": {"addresses": [{"type": S, "value": S}], "conditions": CONDITIONS,
                           "listeners": [{"name": S, "conditions": CONDITIONS}]}},
    **{resource: ROUTE for resource in ("httproutes", "grpcroutes", "tlsroutes", "tcproutes", "udproutes")},
    "listenersets": {"metadata": META,
                     "spec": {"parentRef": {"group": S, "kind": S, "namespace": S, "name": S}, "listeners": [LISTENER]},
                     "status": {"conditions": CONDITIONS, "listeners": [{"name": S, "conditions": CONDITIONS}]}},
    "referencegrants": {"metadata": META, "spec": {"from": [{"group": S, "kind": S, "namespace": S}],
                                                  "to": [{"group": S, "kind": S, "name": S}]}},
    "routes": {"metadata": META,
              "spec": {"host": S, "subdomain": S, "path": S, "wildcardPolicy": S, "to": {"kind": S, "name": S, "weight": I},
                       "alternateBackends": [{"kind": S, "name": S, "weight": I}],
                       "port": {"targetPort": INT_OR_STRING},
                       "tls": {"termination": S, "insecureEdgeTerminationPolicy": S}},
              "status": {"ingress": [{"host": S, "routerName": S, "routerCanonicalHostname": S, "wildcardPolicy": S,
                                      "conditions": CONDITIONS}]}},
    "deployments": WORKLOAD, "statefulsets": WORKLOAD, "daemonsets": WORKLOAD,
}

def _json_type(value: Any) -> str:
    return {dict: "a map", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


def conform(resource: str, obj: Any) -> List[str]:
    """Remove the fields of `obj` (one object of `resource`) that have the wrong JSON type; what was removed."""
    from .kinds import BY_RESOURCE, short_ref

    kind = BY_RESOURCE.get(resource)
    if kind is None or not isinstance(obj, dict):
        return []
    schema = kind.schema or SCHEMAS.get(resource)
    if not schema:
        return []
    problems: List[Tuple[str, str, Any]] = []
    _walk(obj, {"kind": S, "apiVersion": S, **schema}, "", problems)
    if not problems:
        return []
    meta: Dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    who = short_ref(kind.name, meta["name"] if isinstance(meta.get("name"), str) else "?")
    if isinstance(meta.get("namespace"), str):
        who = f"{who} (namespace {meta['namespace']})"
    return [f"{who}: {path} is {_json_type(value)}, expected {want}: ignored" for path, want, value in problems]


def _walk(value: dict, schema: dict, prefix: str, problems: list) -> None:
    for key, want in schema.items():
        if key not in value or value[key] is None:
            continue
        path = f"{prefix}{key}"
        child = value[key]
        if isinstance(want, dict):
            if not isinstance(child, dict):
                problems.append((path, "map", child))
                del value[key]
            else:
                _walk(child, want, path + ".", problems)
        elif isinstance(want, list):
            if not isinstance(child, list):
                problems.append((path, "list", child))
                del value[key]
                continue
            element = want[0]
            kept = []
            for i, item in enumerate(child):
                if isinstance(element, dict):
                    if isinstance(item, dict):
                        _walk(item, element, f"{path}[{i}].", problems)
                        kept.append(item)
                    elif item is not None:
                        problems.append((f"{path}[{i}]", "map", item))
                elif _CHECKS[element](item):
                    kept.append(item)
                elif item is not None:
                    problems.append((f"{path}[{i}]", element, item))
            if len(kept) != len(child):  # untouched when whole: no copy of every list of every object
                value[key] = kept
        elif not _CHECKS[want](child):
            problems.append((path, want, child))
            del value[key]
