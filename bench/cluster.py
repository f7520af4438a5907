"""A synthetic large cluster for the benchmark, deterministic (seeded), realistic in shape and size.

Nodes carry what makes real nodes several KB of JSON (addresses, conditions, capacity, images);
services of every type, pods, EndpointSlices and ingresses are spread over namespaces. Namespace
`bench` holds the targets the benchmark cases name.
"""

import random

from kubectl_expose_ext.demo.apiserver import FakeCluster

TARGET_NS = "bench"
FULL = {"nodes": 5000, "namespaces": 200, "services": 20000, "pods": 50000, "ingresses": 5000}


def scaled(factor: float) -> dict:
    return {k: max(1, int(v * factor)) for k, v in FULL.items()}


IMAGES = 50  # what a kubelet reports at most (--node-status-max-images)
LABEL_KEYS = ("kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch", "node.kubernetes.io/instance-type",
              "topology.kubernetes.io/zone", "topology.kubernetes.io/region", "eks.amazonaws.com/nodegroup",
              "eks.amazonaws.com/capacityType", "eks.amazonaws.com/nodegroup-image", "eks.amazonaws.com/sourceLaunchTemplateId",
              "beta.kubernetes.io/os", "beta.kubernetes.io/arch", "beta.kubernetes.io/instance-type",
              "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region")
ANNOTATIONS = ("node.alpha.kubernetes.io/ttl", "volumes.kubernetes.io/controller-managed-attach-detach",
               "csi.volume.kubernetes.io/nodeid", "alpha.kubernetes.io/provided-node-ip", "projectcalico.org/IPv4Address")


def node(i: int, rng: random.Random) -> dict:
    """A node as an EKS kubelet reports it (~19 KB of JSON, as on real clusters): 50 images with digests, four
    conditions with messages, 15 labels, capacity, nodeInfo, managedFields as a kubelet writes them."""
    name = f"ip-10-{i // 250}-{i % 250}-{i % 7}.ec2.internal"
    registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    images = [{"names": [f"{registry}/team-{j}/service-{rng.randrange(10**6)}@sha256:{rng.getrandbits(256):064x}",
                         f"{registry}/team-{j}/service-{j}:v1.{rng.randrange(100)}.{rng.randrange(100)}"],
               "sizeBytes": rng.randrange(10**7, 10**9)} for j in range(IMAGES)]
    volumes = [f"kubernetes.io/csi/ebs.csi.aws.com^vol-{rng.getrandbits(64):017x}" for _ in range(3)]
    ready = "True" if i % 50 else "False"
    conditions = [{"type": t, "status": "False", "reason": f"KubeletHasSufficient{t}", "message": f"kubelet has sufficient {t}",
                   "lastHeartbeatTime": "2026-11-25T10:00:00Z", "lastTransitionTime": "2026-11-01T10:00:00Z"}
                  for t in ("MemoryPressure", "DiskPressure", "PIDPressure")]
    conditions.append({"type": "Ready", "status": ready, "reason": "KubeletReady", "message": "kubelet is posting ready status",
                       "lastHeartbeatTime": "2026-11-25T10:00:00Z", "lastTransitionTime": "2026-11-01T10:00:00Z"})
    addresses = [{"type": "InternalIP", "address": f"10.{i // 250}.{i % 250}.{1 + i % 7}"},
                 {"type": "InternalDNS", "address": name}, {"type": "Hostname", "address": name}]
    if i % 3:
        addresses.insert(1, {"type": "ExternalIP", "address": f"198.51.{i // 250}.{i % 250}"})
    capacity = {"cpu": "8", "memory": "32386440Ki", "pods": "110", "ephemeral-storage": "104845292Ki",
                "hugepages-1Gi": "0", "hugepages-2Mi": "0", "attachable-volumes-aws-ebs": "25"}
    managed = [{"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2026-11-25T10:00:00Z",
                "fieldsType": "FieldsV1", "subresource": "status",
                "fieldsV1": {"f:status": {"f:conditions": {**{f"k:{{\"type\":\"{t}\"}}": {
                    "f:lastHeartbeatTime": {}, "f:lastTransitionTime": {}, "f:message": {}, "f:reason": {},
                    "f:status": {}} for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")}},
                    "f:images": {}, "f:nodeInfo": {"f:bootID": {}, "f:machineID": {}, "f:systemUUID": {}}}}},
               {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2026-11-01T10:00:00Z",
                "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, **{
                    f"f:{k}": {} for k in ANNOTATIONS}}, "f:labels": {".": {}, **{f"f:{k}": {} for k in LABEL_KEYS}}},
                    "f:spec": {"f:providerID": {}}}}]
    return {"kind": "Node", "metadata": {
        "managedFields": managed, "resourceVersion": str(10**6 + i), "uid": f"{rng.getrandbits(128):032x}",
        "creationTimestamp": "2026-11-01T10:00:00Z",
        "name": name, "labels": {**dict(zip(LABEL_KEYS, (
            name, "linux", "amd64", "m5.2xlarge", f"us-east-1{'abc'[i % 3]}", "us-east-1", f"ng-{i % 20}", "ON_DEMAND",
            f"ami-{rng.getrandbits(64):017x}", f"ng-{i % 20}-{rng.getrandbits(32):08x}", "linux", "amd64",
            "m5.2xlarge", f"us-east-1{'abc'[i % 3]}", "us-east-1")))},
        "annotations": dict(zip(ANNOTATIONS, ("0", "true", f'{{"ebs.csi.aws.com":"i-{rng.getrandbits(64):016x}"}}',
                                              f"10.{i // 250}.{i % 250}.{1 + i % 7}", f"10.{i // 250}.{i % 250}.{1 + i % 7}")))},
        "spec": {"providerID": f"aws:///us-east-1a/i-{rng.getrandbits(64):016x}", "podCIDR": f"10.244.{i % 256}.0/24"},
        "status": {"addresses": addresses, "conditions": conditions, "capacity": capacity, "allocatable": capacity,
                   "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}}, "images": images,
                   "volumesInUse": volumes, "volumesAttached": [{"name": v, "devicePath": ""} for v in volumes],
                   "nodeInfo": {"machineID": f"{rng.getrandbits(128):032x}", "systemUUID": f"{rng.getrandbits(128):032x}",
                                "bootID": f"{rng.getrandbits(128):032x}", "kernelVersion": "6.1.112-124.190.amzn2023.x86_64",
                                "osImage": "Amazon Linux 2023", "containerRuntimeVersion": "containerd://1.7.22",
                                "kubeletVersion": "v1.31.2-eks-94953ac", "kubeProxyVersion": "v1.31.2-eks-94953ac",
                                "operatingSystem": "linux", "architecture": "amd64"}}}


def pod(name: str, ns: str, labels: dict, node_name: str, ip: str, port: int, host_port: bool = False) -> dict:
    ports = [{"name": "http", "containerPort": port, "protocol": "TCP", **({"hostPort": port} if host_port else {})}]
    managed = [{"manager": manager, "operation": "Update", "apiVersion": "v1", "time": "2026-11-20T10:00:00Z",
                "fieldsType": "FieldsV1", "fieldsV1": fields, **({"subresource": "status"} if manager == "kubelet" else {})}
               for manager, fields in (
                   ("kube-controller-manager", {"f:metadata": {"f:labels": {f"f:{k}": {} for k in labels},
                                                                "f:ownerReferences": {}},
                                                "f:spec": {"f:containers": {'k:{"name":"app"}': {
                                                    f"f:{k}": {} for k in ("image", "ports", "resources",
                                                                           "readinessProbe", "volumeMounts")}}}}),
                   ("kubelet", {"f:status": {"f:conditions": {f'k:{{"type":"{t}"}}': {
                       "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}
                       for t in ("Ready", "ContainersReady", "Initialized", "PodScheduled")},
                       "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:startTime": {}}}))]
    return {"kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels, "managedFields": managed,
                                        "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-20T10:00:00Z"}},
            "spec": {"nodeName": node_name, "serviceAccountName": "default", "restartPolicy": "Always",
                     "containers": [{"name": "app", "image": "registry.example.com/app:v1.2.3", "ports": ports,
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                     "readinessProbe": {"httpGet": {"path": "/healthz", "port": port}},
                                     "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}]}],
                     "volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}]},
            "status": {"phase": "Running", "podIP": ip, "hostIP": "10.0.0.1",
                       "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}]}}


def build(factor: float = 1.0, seed: int = 7) -> FakeCluster:
    """The cluster at `factor` x the full size (5,000 nodes, 200 namespaces, 20,000 services, 50,000 pods...)."""
    rng = random.Random(seed)
    size = scaled(factor)
    cluster = FakeCluster()
    cluster.absent_groups.add("route.openshift.io")  # a vanilla cluster with the Gateway API CRDs, no Gateway yet
    nodes = [node(i, rng) for i in range(size["nodes"])]
    for n in nodes:
        cluster.add(n)
    node_names = [n["metadata"]["name"] for n in nodes]
    namespaces = [f"team-{i:03}" for i in range(size["namespaces"] - 1)] + [TARGET_NS]
    types = ["ClusterIP"] * 12 + ["NodePort"] * 4 + ["LoadBalancer"] * 3 + ["ExternalName"]
    node_port = 30000
    for i in range(size["services"]):
        ns, kind = namespaces[i % len(namespaces)], types[i % len(types)]
        app = f"app-{i}"
        spec = {"type": kind, "selector": {"app": app}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
        if kind == "ExternalName":
            spec = {"type": kind, "externalName": f"db-{i}.example.com"}
        elif kind in ("NodePort", "LoadBalancer"):
            spec["ports"][0]["nodePort"] = node_port + i % 2700
            spec["externalTrafficPolicy"] = "Local" if i % 5 == 0 else "Cluster"
        status = {"loadBalancer": {"ingress": [{"hostname": f"a{i:08x}-{rng.randrange(10**9)}.us-east-1.elb.amazonaws.com"}]}} \
            if kind == "LoadBalancer" and i % 4 else {"loadBalancer": {}}
        cluster.add({"kind": "Service", "metadata": {"name": f"svc-{i}", "namespace": ns, "labels": {"app": app}},
                     "spec": spec, "status": status})
        if kind == "ExternalName":
            continue
        endpoints = []
        for j in range(3 if i % 3 else 2):  # ~2.5 pods per service: 50,000 pods at full size
            node_name = node_names[(i * 7 + j) % len(node_names)]
            ip = f"10.{100 + (i // 65000) % 100}.{(i // 250) % 256}.{(i + j) % 250}"
            cluster.add(pod(f"{app}-{j}", ns, {"app": app}, node_name, ip, 8080, host_port=(i % 500 == 0)))
            endpoints.append({"addresses": [ip], "conditions": {"ready": True}, "nodeName": node_name,
                              "targetRef": {"kind": "Pod", "name": f"{app}-{j}", "namespace": ns}})
        cluster.add({"kind": "EndpointSlice", "metadata": {"name": f"svc-{i}-x1", "namespace": ns,
                                                           "labels": {"kubernetes.io/service-name": f"svc-{i}"}},
                     "addressType": "IPv4", "endpoints": endpoints, "ports": [{"name": "http", "port": 8080}]})
    for i in range(size["ingresses"]):
        ns = namespaces[i % len(namespaces)]
        cluster.add({"kind": "Ingress", "metadata": {"name": f"ing-{i}", "namespace": ns}, "spec": {
            "ingressClassName": "nginx", "tls": [{"hosts": [f"app{i}.example.com"], "secretName": f"tls-{i}"}],
            "rules": [{"host": f"app{i}.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
                "service": {"name": f"svc-{(i * 4) % size['services']}", "port": {"number": 80}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"hostname": "ingress.elb.amazonaws.com"}]}}})
    cluster.add({"kind": "IngressClass", "metadata": {"name": "nginx", "annotations": {
        "ingressclass.kubernetes.io/is-default-class": "true"}}, "spec": {"controller": "k8s.io/ingress-nginx"}})
    add_targets(cluster, node_names)
    return cluster


def add_targets(cluster: FakeCluster, node_names) -> None:
    """The objects the cases name: a NodePort and a Local service over a 5-pod deployment, with an Ingress; a
    host-network DaemonSet with a pod on every node; a NodePort service with 8 ports (8 x nodes URLs)."""
    cluster.add({"kind": "DaemonSet", "metadata": {"name": "bench-agent", "namespace": TARGET_NS},
                 "spec": {"selector": {"matchLabels": {"app": "bench-agent"}},
                          "template": {"metadata": {"labels": {"app": "bench-agent"}}, "spec": {
                              "hostNetwork": True, "containers": [{"name": "app", "image": "registry.example.com/agent:v1",
                                                                   "ports": [{"name": "metrics", "containerPort": 9100}]}]}}}})
    for j, node_name in enumerate(node_names):
        agent = pod(f"bench-agent-{j:05}", TARGET_NS, {"app": "bench-agent"}, node_name, f"10.{j // 250}.{j % 250}.1", 9100)
        agent["spec"]["hostNetwork"] = True
        cluster.add(agent)
    cluster.add({"kind": "Service", "metadata": {"name": "bench-ports", "namespace": TARGET_NS}, "spec": {
        "type": "NodePort", "selector": {"app": "bench-web"}, "externalTrafficPolicy": "Cluster",
        "ports": [{"name": f"p{k}", "port": 8000 + k, "targetPort": 8080, "nodePort": 32710 + k} for k in range(8)]}})
    labels = {"app": "bench-web", "pod-template-hash": "5d9c7b6f8"}
    cluster.add({"kind": "Deployment", "metadata": {"name": "bench-web", "namespace": TARGET_NS},
                 "spec": {"replicas": 5, "selector": {"matchLabels": {"app": "bench-web"}},
                          "template": {"metadata": {"labels": {"app": "bench-web"}},
                                       "spec": {"containers": [{"name": "app", "image": "registry.example.com/app:v1.2.3",
                                                                "ports": [{"name": "http", "containerPort": 8080}]}]}}}})
    endpoints = []
    for j in range(5):
        node_name = node_names[j * 3 % len(node_names)]
        cluster.add(pod(f"bench-web-5d9c7b6f8-{j}", TARGET_NS, labels, node_name, f"10.250.0.{j}", 8080))
        endpoints.append({"addresses": [f"10.250.0.{j}"], "conditions": {"ready": True}, "nodeName": node_name})
    for name, policy, number in (("bench-nodeport", "Cluster", 32700), ("bench-local", "Local", 32701)):
        cluster.add({"kind": "Service", "metadata": {"name": name, "namespace": TARGET_NS}, "spec": {
            "type": "NodePort", "selector": {"app": "bench-web"}, "externalTrafficPolicy": policy,
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": number}]}})
        cluster.add({"kind": "EndpointSlice", "metadata": {"name": f"{name}-x1", "namespace": TARGET_NS,
                                                           "labels": {"kubernetes.io/service-name": name}},
                     "addressType": "IPv4", "endpoints": endpoints})
    cluster.add({"kind": "Ingress", "metadata": {"name": "bench-web", "namespace": TARGET_NS}, "spec": {
        "ingressClassName": "nginx", "rules": [{"host": "web.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                                "backend": {"service": {"name": "bench-nodeport", "port": {"number": 80}}}}]}}]}})
