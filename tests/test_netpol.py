"""NetworkPolicies read statically (netpol.py), table-driven, object shapes from the NetworkPolicy API reference and
the Kubernetes docs' examples ("Network Policies": default deny, allow from a namespace, ipBlock with except)."""

import pytest

from kubectl_expose_ext.netpol import BROKEN, OK, UNKNOWN, Source, admits, policy_types

POD = {"metadata": {"name": "api-1", "namespace": "shop", "labels": {"app": "api"}},
       "spec": {"containers": [{"name": "api", "ports": [{"name": "http", "containerPort": 8080}]}]}}
OUTSIDE = Source(address="203.0.113.9")
INGRESS_NGINX = Source(namespace="ingress-nginx", namespace_labels={"kubernetes.io/metadata.name": "ingress-nginx"},
                       pod_labels={"app.kubernetes.io/name": "ingress-nginx"})
UNLABELLED_CONTROLLER = Source(namespace="ingress-nginx",
                               namespace_labels={"kubernetes.io/metadata.name": "ingress-nginx"})


def policy(name, spec, namespace="shop"):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


DENY_ALL = policy("default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]})
ALLOW_ALL = policy("allow-all", {"podSelector": {}, "ingress": [{}]})
FROM_NGINX = policy("from-ingress-nginx", {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{
    "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
              "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}}}],
    "ports": [{"port": "http"}]}]})
FROM_INTERNET = policy("from-internet", {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{
    "from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}], "ports": [{"port": 8000, "endPort": 8090,
                                                                                        "protocol": "TCP"}]}]})
OTHER_APP = policy("web-only", {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]})
EGRESS_ONLY = policy("egress", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]})
ELSEWHERE = policy("deny", {"podSelector": {}, "policyTypes": ["Ingress"]}, namespace="other")

CASES = [  # (name, policies, source, port, verdict)
    ("no policy: not isolated", [], OUTSIDE, 8080, OK),
    ("a policy selecting other pods does not isolate this one", [OTHER_APP], OUTSIDE, 8080, OK),
    ("an egress-only policy does not isolate ingress", [EGRESS_ONLY], OUTSIDE, 8080, OK),
    ("a policy of another namespace does not apply", [ELSEWHERE], OUTSIDE, 8080, OK),
    ("default deny refuses the internet", [DENY_ALL], OUTSIDE, 8080, BROKEN),
    ("default deny refuses the Ingress controller", [DENY_ALL], INGRESS_NGINX, 8080, BROKEN),
    ("an empty rule admits every source", [DENY_ALL, ALLOW_ALL], OUTSIDE, 8080, OK),
    ("policies add up: one admits", [DENY_ALL, FROM_NGINX], INGRESS_NGINX, 8080, OK),
    ("a named port matches the container port", [FROM_NGINX], INGRESS_NGINX, 8080, OK),
    ("a named port does not match another port", [FROM_NGINX], INGRESS_NGINX, 9090, BROKEN),
    ("selectors do not match addresses outside", [FROM_NGINX], OUTSIDE, 8080, BROKEN),
    ("unread pod labels: cannot tell", [FROM_NGINX], UNLABELLED_CONTROLLER, 8080, UNKNOWN),
    ("ipBlock admits a public address in its port range", [FROM_INTERNET], OUTSIDE, 8080, OK),
    ("ipBlock outside its port range", [FROM_INTERNET], OUTSIDE, 9090, BROKEN),
    ("ipBlock's except", [FROM_INTERNET], Source(address="10.1.2.3"), 8080, BROKEN),
    ("ipBlock does not match pod-to-pod traffic", [FROM_INTERNET], INGRESS_NGINX, 8080, BROKEN),
    ("a rule port with a protocol matches that protocol", [FROM_INTERNET], OUTSIDE, 8000, OK),
]


@pytest.mark.parametrize("case, policies, source, port, verdict", CASES, ids=[c[0] for c in CASES])
def test_admission(case, policies, source, port, verdict):
    result = admits(policies, POD, port, source)
    assert result.verdict == verdict, result.why


def test_the_protocol_counts_and_the_reason_names_the_policies():
    assert admits([FROM_INTERNET], POD, 8080, OUTSIDE, protocol="UDP").verdict == BROKEN
    refused = admits([DENY_ALL], POD, 8080, OUTSIDE)
    assert refused.why == ("networkpolicy/default-deny-ingress isolate pod api-1 and no ingress rule admits outside the "
                           "cluster (203.0.113.9) on port 8080/TCP")
    assert refused.policies == ("default-deny-ingress",)


def test_policy_types_default():
    assert policy_types({"spec": {}}) == ["Ingress"]
    assert policy_types({"spec": {"egress": [{}]}}) == ["Ingress", "Egress"]
    assert policy_types({"spec": {"policyTypes": ["Egress"]}}) == ["Egress"]
