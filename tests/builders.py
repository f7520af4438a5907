"""Real-shaped API objects for the pure tests (the shapes `kubectl get -o json` returns)."""


def node(name, *addresses, ready="True"):
    """addresses: ("ExternalIP", "203.0.113.1"), ...; ready: "True", "False", "Unknown" or None (no condition)."""
    conditions = [{"type": "MemoryPressure", "status": "False"}]
    if ready is not None:
        conditions.append({"type": "Ready", "status": ready, "reason": "KubeletReady"})
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {"addresses": [{"type": t, "address": a} for t, a in addresses], "conditions": conditions}}


def service(name, *ports, type="ClusterIP", selector=None, namespace="default", lb=None, **spec):
    """ports: dicts as in spec.ports; lb: a list of status.loadBalancer.ingress entries."""
    obj = {"metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}", "resourceVersion": "1"},
           "spec": {"type": type, "ports": list(ports), "clusterIP": "10.96.0.10", **spec}}
    if selector is not None:
        obj["spec"]["selector"] = selector
    if lb is not None:
        obj["status"] = {"loadBalancer": {"ingress": lb} if lb else {}}
    return obj


def pod(name, *containers, labels=None, node=None, namespace="default", ready=True, host_network=False):
    """containers: lists of port dicts, one list per container."""
    spec = {"containers": [{"name": f"c{i}", "image": "nginx", "ports": ports} for i, ports in enumerate(containers)]}
    if node:
        spec["nodeName"] = node
    if host_network:
        spec["hostNetwork"] = True
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels or {}}, "spec": spec,
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def ingress(name, *rules, tls=None, address=None, namespace="default", class_name="nginx", default_backend=None):
    """rules: (host or None, [(path, service, port number or name)])."""
    def backend(svc, port):
        return {"service": {"name": svc, "port": {"number": port} if isinstance(port, int) else {"name": port}}}
    spec = {"rules": []}
    if class_name:
        spec["ingressClassName"] = class_name
    for host, paths in rules:
        rule = {"http": {"paths": [{"path": p, "pathType": "Prefix", "backend": backend(s, n)} for p, s, n in paths]}}
        if host:
            rule["host"] = host
        spec["rules"].append(rule)
    if tls is not None:
        spec["tls"] = tls
    if default_backend:
        spec["defaultBackend"] = backend(*default_backend)
    obj = {"metadata": {"name": name, "namespace": namespace}, "spec": spec, "status": {"loadBalancer": {}}}
    if address:
        obj["status"]["loadBalancer"]["ingress"] = [address]
    return obj


def endpoint_slice(service_name, *endpoints, namespace="default"):
    """endpoints: (node name, ready True/False/None)."""
    eps = []
    for node_name, ready in endpoints:
        conditions = {} if ready is None else {"ready": ready}
        eps.append({"addresses": ["10.244.0.1"], "nodeName": node_name, "conditions": conditions})
    return {"metadata": {"name": f"{service_name}-abcde", "namespace": namespace,
                         "labels": {"kubernetes.io/service-name": service_name}},
            "addressType": "IPv4", "endpoints": eps}


def ingress_class(name, default=False):
    annotations = {"ingressclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"metadata": {"name": name, "annotations": annotations}, "spec": {"controller": "k8s.io/ingress-nginx"}}


def many_nodes_cluster(count):
    """A FakeCluster with one NodePort service (web:30080) and `count` nodes: for paging tests."""
    from kubectl_expose_ext.demo.apiserver import FakeCluster

    cluster = FakeCluster()
    cluster.add({"kind": "Service", "metadata": {"name": "web"},
                 "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}})
    for i in range(count):
        cluster.add({"kind": "Node", "metadata": {"name": f"node-{i:04}"},
                     "status": {"addresses": [{"type": "ExternalIP", "address": f"10.{i // 250}.{i % 250}.1"}],
                                "conditions": [{"type": "Ready", "status": "True"}]}})
    return cluster


def fixture_objects(file_name: str) -> list:
    """The objects of a multi-document YAML file in tests/fixtures/."""
    import pathlib

    import yaml

    text = (pathlib.Path(__file__).parent / "fixtures" / file_name).read_text()
    return [obj for obj in yaml.safe_load_all(text) if obj]


def reach_everything(snapshot):
    """Every exposing object's answer: the listing's inventory, without its findings."""
    from kubectl_expose_ext.reach import exposing_objects

    return [answer for _, answer, _ in exposing_objects(snapshot)]
