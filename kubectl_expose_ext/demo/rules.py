"""The API server's admission rules that `convert` depends on, for the fake API server.

Sources: pkg/apis/core/v1/defaults.go (SetDefaults_Service), pkg/apis/core/validation/validation.go
(ValidateService*, validatePodHostNetworkDeps), pkg/registry/core/service/portallocator and
storage/alloc.go (nodePort allocation, dry-run placeholders), networking validation (Ingress). Error
strings are the real ones (see shared/reference/service-conversion-rules.md).
"""

from typing import Any, Dict, List, Optional

NODE_PORT_RANGE = (30000, 32767)
DYNAMIC_BAND_START = 30086  # KEP-3668: dynamic allocation prefers the upper band (static band: 86 ports)
DRY_RUN_PLACEHOLDER = 32769  # what a dry run answers for a port it would allocate (portallocator/operation.go)
EXPOSED = ("NodePort", "LoadBalancer")


def _externally_accessible(spec: dict) -> bool:
    return spec.get("type") in EXPOSED or (spec.get("type") == "ClusterIP" and bool(spec.get("externalIPs")))


def default_service(spec: dict) -> None:
    """SetDefaults_Service."""
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
    if _externally_accessible(spec):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] != "ExternalName":
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    default_ip_families(spec)


def default_ip_families(spec: dict) -> None:
    """What the service REST storage sets on create in a single-stack IPv4 cluster (the demo's, and the real-cluster
    test tier's): clusterIPs from clusterIP, ipFamilies from the clusterIP's family, ipFamilyPolicy SingleStack;
    a headless Service without selector gets RequireDualStack (then the cluster's families). ExternalName: none."""
    if spec["type"] == "ExternalName":
        return
    cluster_ip = spec.get("clusterIP")
    if cluster_ip:
        spec.setdefault("clusterIPs", [cluster_ip])
    headless_without_selector = cluster_ip == "None" and not spec.get("selector")
    spec.setdefault("ipFamilyPolicy", "RequireDualStack" if headless_without_selector else "SingleStack")
    family = "IPv6" if cluster_ip and ":" in cluster_ip else "IPv4"
    spec.setdefault("ipFamilies", [family])


def drop_type_dependent_fields(old: Optional[dict], new: dict) -> None:
    """service/storage dropTypeDependentFields: a type change clears what the new type does not allow, when the
    request left it unchanged (an explicit new value is still validated, and refused)."""
    if not old:
        return
    old_spec, spec = old.get("spec") or {}, new.get("spec") or {}
    if old_spec.get("type") == spec.get("type"):
        return
    if old_spec.get("type") in EXPOSED and spec.get("type") not in EXPOSED:
        old_ports = {(p.get("port"), p.get("protocol")): p.get("nodePort") for p in old_spec.get("ports") or []}
        for port in spec.get("ports") or []:
            if port.get("nodePort") and port.get("nodePort") == old_ports.get((port.get("port"), port.get("protocol"))):
                del port["nodePort"]
    wants_hcnp = spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"
    if not wants_hcnp and spec.get("healthCheckNodePort") == old_spec.get("healthCheckNodePort"):
        spec.pop("healthCheckNodePort", None)
    if old_spec.get("type") == "LoadBalancer" and spec.get("type") != "LoadBalancer":
        for key in ("allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if spec.get(key) == old_spec.get(key):
                spec.pop(key, None)
    if not _externally_accessible(spec) and spec.get("externalTrafficPolicy") == old_spec.get("externalTrafficPolicy"):
        spec.pop("externalTrafficPolicy", None)


def validate_service(old: Optional[dict], new: dict) -> List[str]:
    """ValidateService / ValidateServiceUpdate: the 422 causes, in the server's words."""
    spec, errors = new.get("spec") or {}, []
    kind = spec.get("type")
    old_spec = (old or {}).get("spec") or {}
    for i, port in enumerate(spec.get("ports") or []):
        if port.get("nodePort") and kind not in EXPOSED:
            errors.append(f"spec.ports[{i}].nodePort: Forbidden: may not be used when `type` is '{kind}'")
    if spec.get("loadBalancerSourceRanges") and kind != "LoadBalancer":
        errors.append("spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'")
    annotations = (new.get("metadata") or {}).get("annotations") or {}
    if annotations.get("service.beta.kubernetes.io/load-balancer-source-ranges") and kind != "LoadBalancer":
        errors.append("metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Forbidden: "
                      "may only be used when `type` is 'LoadBalancer'")
    if spec.get("allocateLoadBalancerNodePorts") is not None and kind != "LoadBalancer":
        errors.append("spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'")
    if spec.get("loadBalancerClass") and kind != "LoadBalancer":
        errors.append("spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'")
    if (old_spec.get("type") == "LoadBalancer" and kind == "LoadBalancer"
            and old_spec.get("loadBalancerClass") != spec.get("loadBalancerClass")):
        errors.append(f'spec.loadBalancerClass: Invalid value: "{spec.get("loadBalancerClass")}": may not change once set')
    if spec.get("externalTrafficPolicy") and not _externally_accessible(spec):
        errors.append(f'spec.externalTrafficPolicy: Invalid value: "{spec["externalTrafficPolicy"]}": '
                      "may only be set for externally-accessible services")
    needs_hcnp = kind == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"
    if spec.get("healthCheckNodePort") and not needs_hcnp:
        errors.append(f"spec.healthCheckNodePort: Invalid value: {spec['healthCheckNodePort']}: may only be set when "
                      "`type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'")
    if old and old_spec.get("clusterIP") and spec.get("clusterIP") not in (None, old_spec.get("clusterIP")):
        errors.append(f'spec.clusterIPs[0]: Invalid value: ["{spec.get("clusterIP")}"]: may not change once set')
    if spec.get("clusterIP") == "None" and kind in EXPOSED:
        errors.append(f'spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for {kind} services')
    return errors


def allocate_node_ports(old: Optional[dict], new: dict, taken: set, dry_run: bool) -> List[str]:
    """alloc.go: keep the old service's nodePorts, check requested ones, allocate missing ones.

    Like the real allocator, a dry run answers placeholders (32769, 32770, ...) for ports it would
    allocate, and does not reject an out-of-range request (`Has()` is false outside the range).
    """
    spec = new.get("spec") or {}
    if spec.get("type") not in EXPOSED:
        return []
    old_spec = (old or {}).get("spec") or {}
    old_ports = {p.get("nodePort") for p in old_spec.get("ports") or [] if p.get("nodePort")}
    if old_spec.get("type") in EXPOSED:  # storage.go patchAllocatedValues: omitted nodePorts are refilled by name
        by_name = {p.get("name"): p.get("nodePort") for p in old_spec.get("ports") or [] if p.get("nodePort")}
        used = {p.get("nodePort") for p in spec.get("ports") or [] if p.get("nodePort")}
        for port in spec.get("ports") or []:
            refill = by_name.get(port.get("name"))
            if not port.get("nodePort") and refill and refill not in used:
                port["nodePort"] = refill
                used.add(refill)
    low, high = NODE_PORT_RANGE
    errors, placeholder = [], DRY_RUN_PLACEHOLDER
    wants_ports = spec["type"] == "NodePort" or spec.get("allocateLoadBalancerNodePorts", True)
    by_port_number: Dict[Any, Any] = {}  # alloc.go initNodePorts: ports of one number (53/TCP, 53/UDP) share one nodePort
    for i, port in enumerate(spec.get("ports") or []):
        if not port.get("nodePort") and wants_ports and port.get("port") in by_port_number:
            port["nodePort"] = by_port_number[port.get("port")]
            continue
        number = port.get("nodePort")
        if number and number not in old_ports:
            if not low <= number <= high:
                if not dry_run:
                    errors.append(f"spec.ports[{i}].nodePort: Invalid value: {number}: provided port is not in the "
                                  f"valid range. The range of valid ports is {low}-{high}")
            elif number in taken:
                errors.append(f"spec.ports[{i}].nodePort: Invalid value: {number}: provided port is already allocated")
            taken.add(number)
        elif not number and wants_ports:
            if dry_run:
                port["nodePort"], placeholder = placeholder, placeholder + 1
            else:
                port["nodePort"] = next(p for p in [*range(DYNAMIC_BAND_START, high + 1), *range(low, DYNAMIC_BAND_START)]
                                        if p not in taken)
                taken.add(port["nodePort"])
        if port.get("nodePort"):
            by_port_number.setdefault(port.get("port"), port["nodePort"])
    if spec["type"] == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local" and not spec.get("healthCheckNodePort"):
        old_hcnp = ((old or {}).get("spec") or {}).get("healthCheckNodePort")
        spec["healthCheckNodePort"] = old_hcnp or (placeholder if dry_run else
                                                   next(p for p in range(DYNAMIC_BAND_START, high + 1) if p not in taken))
    return errors


def validate_ingress(new: dict) -> List[str]:
    """ValidateIngressSpec, the parts a created Ingress can get wrong."""
    import re

    spec, errors = new.get("spec") or {}, []
    if not spec.get("rules") and not spec.get("defaultBackend"):
        errors.append("spec: Invalid value: \"\": either `defaultBackend` or `rules` must be specified")
    host_pattern = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    for i, rule in enumerate(spec.get("rules") or []):
        host = rule.get("host")
        if host and (not host_pattern.match(host) or re.match(r"^[0-9.]+$", host)):
            errors.append(f'spec.rules[{i}].host: Invalid value: "{host}": must be a DNS name, not an IP address'
                          if re.match(r"^[0-9.]+$", host) else f'spec.rules[{i}].host: Invalid value: "{host}": '
                          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters")
        for j, path in enumerate((rule.get("http") or {}).get("paths") or []):
            where = f"spec.rules[{i}].http.paths[{j}]"
            if path.get("pathType") not in ("Exact", "Prefix", "ImplementationSpecific"):
                errors.append(f"{where}.pathType: Required value: pathType must be specified")
            elif path.get("pathType") != "ImplementationSpecific" and not str(path.get("path", "")).startswith("/"):
                errors.append(f'{where}.path: Invalid value: "{path.get("path", "")}": must be an absolute path')
            port = ((path.get("backend") or {}).get("service") or {}).get("port") or {}
            if bool(port.get("name")) == bool(port.get("number")):
                errors.append(f"{where}.backend.service.port: Invalid value: port name or number is required"
                              if not port else f"{where}.backend.service.port: cannot set both port name & port number")
    return errors


def validate_pod_template(new: dict) -> List[str]:
    """validatePodHostNetworkDeps on a workload's pod template."""
    pod_spec = (((new.get("spec") or {}).get("template") or {}).get("spec")) or {}
    errors = []
    if pod_spec.get("hostNetwork"):
        for i, container in enumerate(pod_spec.get("containers") or []):
            for j, port in enumerate(container.get("ports") or []):
                if port.get("hostPort") not in (None, 0, port.get("containerPort")):
                    errors.append(f"spec.template.spec.containers[{i}].ports[{j}].hostPort: Invalid value: "
                                  f"{port['hostPort']}: must match `containerPort` when `hostNetwork` is true")
    return errors


def pod_security_violations(pod_spec: dict) -> List[str]:
    """The PodSecurity baseline checks hostNamespaces and hostPorts of a pod spec, in admission's words."""
    violations = ["host namespaces (hostNetwork=true)"] if pod_spec.get("hostNetwork") else []
    for container in pod_spec.get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                violations.append(f'hostPort (container "{container.get("name")}" uses hostPort {port["hostPort"]})')
    return violations
