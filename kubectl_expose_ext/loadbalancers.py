"""Load balancers as their controllers really build them: one row per provider and controller, each naming the
document it follows. Pure: Service (and Ingress, Gateway) dicts in, facts out.

A row says which Services its controller provisions (`spec.loadBalancerClass`, else its own rule for Services
without a class), how it marks a load balancer internal (an annotation and its values, a class, a default), which
ports it terminates TLS on, and what its `status.loadBalancer.ingress` holds. The cloud a cluster runs on is not
read: every row that would serve a Service is asked, which is safe because each provider's annotations carry its
own prefix. What the status itself shows is read for every load balancer alike (`status_reason`): a private
address, an AWS `internal-` DNS name.

docs/rules.md's table of providers is generated from LOAD_BALANCERS (`markdown()`; a test keeps it current).
"""

import json
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple

from .addresses import ip_family, is_public
from .objects import field, items, port_number, strings

Annotations = Mapping[str, str]
PortKey = Tuple[int, str]  # (port, protocol) of a Service port: what a listener is


class Verdict(NamedTuple):
    """What an annotation or class says about the load balancer's scheme: internal or not, and why."""

    internal: bool
    why: str


InternalRule = Callable[[Annotations], Optional[Verdict]]  # None: this row says nothing
TLSRule = Callable[[Annotations, List[dict]], Tuple[Dict[PortKey, str], List[str]]]  # ports with TLS, warnings


def annotations_of(obj: dict) -> Dict[str, str]:
    value = field(obj, "metadata", "annotations", default={})
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(value, dict) \
        else {}


def go_bool(value: Optional[str]) -> Optional[bool]:
    """Go's strconv.ParseBool, which most controllers read boolean annotations with; None for anything else."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def port_key(port: dict) -> PortKey:
    return port_number(port.get("port")) or 0, str(port.get("protocol") or "TCP").upper()


# --- the rules rows are made of --------------------------------------------------------------------------------

def _never(annotations: Annotations) -> Optional[Verdict]:
    return None


def _no_tls(annotations: Annotations, ports: List[dict]) -> Tuple[Dict[PortKey, str], List[str]]:
    return {}, []


def annotation_is(key: str, *values: str, fold: bool = True) -> InternalRule:
    """Internal when the annotation holds one of `values` (compared case-insensitively unless `fold` is off)."""
    def rule(annotations: Annotations) -> Optional[Verdict]:
        value = annotations.get(key)
        if value is None:
            return None
        wanted = {v.lower() for v in values} if fold else set(values)
        hit = (value.lower() if fold else value) in wanted
        return Verdict(True, f"{key}: {value}") if hit else None
    return rule


def annotation_true(key: str) -> InternalRule:
    """Internal when a boolean annotation (Go's ParseBool) is true."""
    def rule(annotations: Annotations) -> Optional[Verdict]:
        value = annotations.get(key)
        return Verdict(True, f"{key}: {value}") if go_bool(value) else None
    return rule


def annotation_set(key: str) -> InternalRule:
    """Internal when the annotation has any value (Tencent: the subnet the internal load balancer lives in)."""
    def rule(annotations: Annotations) -> Optional[Verdict]:
        value = annotations.get(key)
        return Verdict(True, f"{key}: {value}") if value else None
    return rule


def first_of(*rules: InternalRule) -> InternalRule:
    def rule(annotations: Annotations) -> Optional[Verdict]:
        return next((v for v in (r(annotations) for r in rules) if v is not None), None)
    return rule


# AWS: the in-tree controller (k8s.io/cloud-provider-aws, pkg/providers/v1/aws.go) and the AWS Load Balancer
# Controller (pkg/service/model_build_load_balancer.go) read different annotations.
AWS = "service.beta.kubernetes.io/aws-load-balancer-"
AWS_TYPE, AWS_SCHEME, AWS_INTERNAL = AWS + "type", AWS + "scheme", AWS + "internal"
AWS_CERT, AWS_SSL_PORTS, AWS_TARGET_TYPE = AWS + "ssl-cert", AWS + "ssl-ports", AWS + "nlb-target-type"
LBC_CLASS, EKS_AUTO_CLASS = "service.k8s.aws/nlb", "eks.amazonaws.com/nlb"


def aws_in_tree_serves(annotations: Annotations) -> bool:
    """The in-tree controller leaves `aws-load-balancer-type: external` and `nlb-ip` to the LBC (isLBExternal)."""
    return annotations.get(AWS_TYPE) not in ("external", "nlb-ip")


def aws_in_tree_internal(annotations: Annotations) -> Optional[Verdict]:
    """`aws-load-balancer-internal`: any value but "false" makes the ELB internal (EnsureLoadBalancer)."""
    value = annotations.get(AWS_INTERNAL)
    return Verdict(True, f"{AWS_INTERNAL}: {value}") if value not in (None, "", "false") else None


def aws_in_tree_caveat(annotations: Annotations) -> Optional[str]:
    if annotations.get(AWS_SCHEME) == "internal" and aws_in_tree_internal(annotations) is None:
        return (f"{AWS_SCHEME} is read by the AWS Load Balancer Controller only, and this Service is the in-tree AWS "
                f"controller's (no loadBalancerClass {LBC_CLASS}, no {AWS_TYPE}: external), which creates an "
                f"internet-facing load balancer unless {AWS_INTERNAL} is set")
    return None


def lbc_serves(annotations: Annotations) -> bool:
    """Without a class, the LBC takes `aws-load-balancer-type: nlb-ip`, or `external` with an `nlb-target-type` of ip
    or instance (pkg/service/service_utils.go IsServiceSupported)."""
    kind = annotations.get(AWS_TYPE)
    return kind == "nlb-ip" or (kind == "external" and annotations.get(AWS_TARGET_TYPE) in ("ip", "instance"))


def lbc_internal(annotations: Annotations) -> Optional[Verdict]:
    """`aws-load-balancer-scheme` (internal, internet-facing), else the deprecated `aws-load-balancer-internal`
    (a boolean), else internal: the controller's default since v2.2.0 (an NLB it created before keeps its scheme)."""
    scheme = annotations.get(AWS_SCHEME)
    if scheme in ("internal", "internet-facing"):
        return Verdict(scheme == "internal", f"{AWS_SCHEME}: {scheme}")
    legacy = go_bool(annotations.get(AWS_INTERNAL))
    if legacy is not None:
        return Verdict(legacy, f"{AWS_INTERNAL}: {annotations[AWS_INTERNAL]}")
    return Verdict(True, f"default, no {AWS_SCHEME}")


def lbc_caveat(annotations: Annotations) -> Optional[str]:
    if annotations.get(AWS_TYPE) == "external" and not lbc_serves(annotations):
        return (f"{AWS_TYPE}: external without {AWS_TARGET_TYPE} ip or instance: the in-tree AWS controller leaves it "
                "to the AWS Load Balancer Controller, which does not take it either")
    return None


def _split(value: str, trim: bool) -> List[str]:
    return [p.strip() if trim else p for p in value.split(",") if (p.strip() if trim else p)]


def aws_in_tree_tls(annotations: Annotations, ports: List[dict]) -> Tuple[Dict[PortKey, str], List[str]]:
    """With `aws-load-balancer-ssl-cert`, the ports of `aws-load-balancer-ssl-ports` (numbers or names, split on
    commas and not trimmed: getPortSets), all of them when it is absent or `*`; never UDP."""
    if not annotations.get(AWS_CERT):
        return {}, []
    wanted = annotations.get(AWS_SSL_PORTS, "")
    chosen = None if wanted in ("", "*") else set(_split(wanted, trim=False))
    why = f"{AWS_SSL_PORTS}: {wanted}" if chosen is not None else AWS_CERT
    return {port_key(p): why for p in ports if port_key(p)[1] != "UDP" and (
        chosen is None or str(port_key(p)[0]) in chosen or str(p.get("name") or "").lower() in chosen)}, []


def lbc_tls(annotations: Annotations, ports: List[dict]) -> Tuple[Dict[PortKey, str], List[str]]:
    """With certificates (`aws-load-balancer-ssl-cert`), the ports of `aws-load-balancer-ssl-ports` (names or numbers,
    trimmed), all TCP ports when it is absent; an entry naming no port of the Service (`*` included: it matches
    nothing) is an error: the controller stops reconciling the load balancer (buildTLSPortsSet)."""
    if not _split(annotations.get(AWS_CERT, ""), trim=True):
        return {}, []
    wanted = _split(annotations.get(AWS_SSL_PORTS, ""), trim=True)
    known = {str(p.get("name")) for p in ports if p.get("name")} | {str(port_key(p)[0]) for p in ports}
    unused = [w for w in wanted if w not in known]
    if unused:
        return {}, [f"{AWS_SSL_PORTS} names no port of the Service ({', '.join(unused)}): the AWS Load Balancer "
                    "Controller refuses it and does not reconcile the load balancer"]
    why = f"{AWS_SSL_PORTS}: {annotations[AWS_SSL_PORTS]}" if wanted else AWS_CERT
    return {port_key(p): why for p in ports if port_key(p)[1] not in ("UDP", "TCP_UDP") and (
        not wanted or p.get("name") in wanted or str(port_key(p)[0]) in wanted)}, []


def number_list(annotations: Annotations, key: str, trim: bool, controller: str
                ) -> Tuple[Optional[List[int]], List[str]]:
    """A comma-separated list of port numbers; None with a warning when one is not a number (the controller then
    rejects the Service)."""
    value = annotations.get(key)
    if value is None:
        return [], []
    numbers = [port_number(p.strip() if trim else p) for p in value.split(",")]
    if not all(numbers):
        return None, [f"{key} is not a comma-separated list of port numbers ({value}): {controller} rejects it"]
    return [n for n in numbers if n], []


DO = "service.beta.kubernetes.io/do-loadbalancer-"
DO_SECURE = ("https", "http2", "http3")


def digitalocean_tls(annotations: Annotations, ports: List[dict]) -> Tuple[Dict[PortKey, str], List[str]]:
    """Each port's protocol: `do-loadbalancer-protocol` (tcp by default), overridden by `http-ports`, `tls-ports`
    (https) and `http2-ports`; with a certificate or TLS passthrough and no `tls-ports`, 443 is https
    (buildForwardingRules). https, http2 and http3 are TLS; port lists are strict (`443, 8443` is refused)."""
    protocols: Dict[int, Tuple[str, str]] = {}  # port -> (protocol, why)
    for protocol, key in (("http", "http-ports"), ("https", "tls-ports"), ("http2", "http2-ports")):
        numbers, problems = number_list(annotations, DO + key, trim=False, controller="the DigitalOcean controller")
        if numbers is None:
            return {}, problems
        protocols.update({n: (protocol, f"{DO}{key}: {annotations[DO + key]}") for n in numbers})
    secure = bool(annotations.get(DO + "certificate-id") or annotations.get(DO + "certificate-name")) \
        or go_bool(annotations.get(DO + "tls-passthrough")) is True
    if secure and not annotations.get(DO + "tls-ports") and protocols.get(443, ("",))[0] != "http2":
        protocols[443] = ("https", f"{DO}certificate-id or tls-passthrough: 443 is https")
    default = annotations.get(DO + "protocol", "tcp")
    tls: Dict[PortKey, str] = {}
    for port in ports:
        number, transport = port_key(port)
        protocol, reason = protocols.get(number, (default, f"{DO}protocol: {default}"))
        if transport != "UDP" and protocol in DO_SECURE:
            tls[(number, transport)] = reason
    return tls, []


OCI_TYPE = "oci.oraclecloud.com/load-balancer-type"


def oci_lb_serves(annotations: Annotations) -> bool:
    return annotations.get(OCI_TYPE, "lb").lower() != "nlb"


def oci_tls(annotations: Annotations, ports: List[dict]) -> Tuple[Dict[PortKey, str], List[str]]:
    """`oci-load-balancer-ssl-ports`: port numbers, trimmed (getSSLEnabledPorts); load balancers only, not NLBs."""
    key = "service.beta.kubernetes.io/oci-load-balancer-ssl-ports"
    numbers, warnings = number_list(annotations, key, trim=True, controller="the OCI controller")
    return {port_key(p): f"{key}: {annotations[key]}" for p in ports if numbers and port_key(p)[0] in numbers}, warnings


def hetzner_tls(annotations: Annotations, ports: List[dict]) -> Tuple[Dict[PortKey, str], List[str]]:
    """`load-balancer.hetzner.cloud/protocol: https` makes every service of the load balancer https."""
    key = "load-balancer.hetzner.cloud/protocol"
    if annotations.get(key, "").lower() != "https":
        return {}, []
    return {port_key(p): f"{key}: https" for p in ports if port_key(p)[1] == "TCP"}, []


ALIBABA_PREFIXES = ("service.beta.kubernetes.io/alibaba-cloud-", "service.beta.kubernetes.io/alicloud-")
ALIBABA_NLB_CLASS = "alibabacloud.com/nlb"


def alibaba(annotations: Annotations, suffix: str) -> Tuple[str, Optional[str]]:
    """The annotation under its current prefix, else the legacy `alicloud-` one (AnnotationRequest.Get)."""
    for prefix in ALIBABA_PREFIXES:
        if prefix + suffix in annotations:
            return prefix + suffix, annotations[prefix + suffix]
    return ALIBABA_PREFIXES[0] + suffix, None


def alibaba_internal(annotations: Annotations) -> Optional[Verdict]:
    key, value = alibaba(annotations, "loadbalancer-address-type")
    return Verdict(True, f"{key}: {value}") if value and value.lower() == "intranet" else None


def alibaba_tls(secure: str) -> TLSRule:
    """`loadbalancer-protocol-port` (`https:443,http:80`): the ports given the TLS protocol (`https` on a CLB,
    `tcpssl` on an NLB), each entry matched by its port number as written."""
    def rule(annotations: Annotations, ports: List[dict]) -> Tuple[Dict[PortKey, str], List[str]]:
        key, value = alibaba(annotations, "loadbalancer-protocol-port")
        entries = [e.split(":") for e in (value or "").split(",") if e]
        chosen = {pp[1] for pp in entries if len(pp) >= 2 and pp[0].lower() == secure}
        return {port_key(p): f"{key}: {value}" for p in ports if str(port_key(p)[0]) in chosen}, []
    return rule


TENCENT_PROTOCOL = "service.cloud.tencent.com/specify-protocol"


def tencent_tls(annotations: Annotations, ports: List[dict]) -> Tuple[Dict[PortKey, str], List[str]]:
    """`specify-protocol` (JSON, `{"443": {"protocol": ["HTTPS"], "tls": "cert-secret"}}`): HTTPS and TCP_SSL
    listeners are TLS."""
    value = annotations.get(TENCENT_PROTOCOL)
    if not value:
        return {}, []
    try:
        spec = json.loads(value)
        secure = {str(k) for k, v in spec.items() if {"HTTPS", "TCP_SSL"} & set(v.get("protocol") or [])}
    except (ValueError, AttributeError, TypeError):
        return {}, [f"{TENCENT_PROTOCOL} is not the JSON its controller reads: ignored"]
    return {port_key(p): TENCENT_PROTOCOL for p in ports if str(port_key(p)[0]) in secure}, []


def openstack_tls(annotations: Annotations, ports: List[dict]) -> Tuple[Dict[PortKey, str], List[str]]:
    """`loadbalancer.openstack.org/default-tls-container-ref` makes every listener TERMINATED_HTTPS."""
    key = "loadbalancer.openstack.org/default-tls-container-ref"
    if not annotations.get(key):
        return {}, []
    return {port_key(p): key for p in ports if port_key(p)[1] == "TCP"}, []


def _always(annotations: Annotations) -> bool:
    return True


def _no_caveat(annotations: Annotations) -> Optional[str]:
    return None


@dataclass(frozen=True)
class LoadBalancer:
    """One provider's or controller's load balancers. The text fields are the docs' table."""

    name: str
    source: str                                              # the document the row follows
    marks: str                                               # how it marks a load balancer internal
    tls_ports: str                                           # which ports it terminates TLS on
    status: str                                              # what its status.loadBalancer.ingress holds
    classes: Tuple[str, ...] = ()                            # spec.loadBalancerClass values it provisions
    internal_classes: Tuple[str, ...] = ()                   # those of them that make an internal load balancer
    unclassed: Callable[[Annotations], bool] = _always       # whether it provisions a Service without a class
    internal: InternalRule = _never
    tls: TLSRule = _no_tls
    caveat: Callable[[Annotations], Optional[str]] = _no_caveat  # what the Service gets wrong for this controller
    ingress_controller: str = ""                             # the IngressClass controller of its Ingresses
    ingress_internal: Callable[[dict, Optional[dict], str], Optional[str]] = lambda ingress, klass, name: None
    internal_gateway_classes: Tuple[str, ...] = ()

    def serves(self, service: dict) -> bool:
        wanted = field(service, "spec", "loadBalancerClass")
        if isinstance(wanted, str) and wanted:
            return wanted in self.classes
        return self.unclassed(annotations_of(service))


ALB = "alb.ingress.kubernetes.io/"


def alb_ingress_internal(ingress: dict, ingress_class: Optional[dict], class_name: str) -> Optional[str]:
    """An ALB is internal unless `alb.ingress.kubernetes.io/scheme: internet-facing` (the controller's default is
    internal: pkg/ingress/model_build_load_balancer.go). The scheme an IngressClassParams sets, or another Ingress of
    the same IngressGroup, is not read (one more request per class): the reason says so."""
    annotations = annotations_of(ingress)
    scheme = annotations.get(ALB + "scheme")
    if scheme == "internet-facing":
        return None
    if scheme == "internal":
        return f"{ALB}scheme: internal"
    params = field(ingress_class, "spec", "parameters")
    group = annotations.get(ALB + "group.name")
    also = (f", unless its IngressClassParams {params.get('name')} sets spec.scheme"
            if isinstance(params, dict) and params.get("kind") == "IngressClassParams" else "") + \
        (f", unless another Ingress of group {group} sets it" if group else "")
    return f"AWS Load Balancer Controller default, no {ALB}scheme{also}"


def gce_ingress_internal(ingress: dict, ingress_class: Optional[dict], class_name: str) -> Optional[str]:
    return "GKE class gce-internal" if class_name == "gce-internal" else None


def _lbc_row(name: str, source: str, classes: Tuple[str, ...], unclassed: Callable[[Annotations], bool],
             **extra) -> LoadBalancer:
    return LoadBalancer(
        name, source, classes=classes, unclassed=unclassed, internal=lbc_internal, tls=lbc_tls, caveat=lbc_caveat,
        marks=f"internal by default; `{AWS_SCHEME}: internet-facing` (or the deprecated `{AWS_INTERNAL}: \"false\"`) "
              "makes it public",
        tls_ports=f"with `{AWS_CERT}`: the ports named in `{AWS_SSL_PORTS}` (numbers or port names; all TCP ports when "
                  "absent; `*` matches none and stops reconciliation)",
        status="the NLB's DNS name (`hostname`); an internal one resolves to private addresses", **extra)


LOAD_BALANCERS: Tuple[LoadBalancer, ...] = (
    LoadBalancer(
        "AWS (in-tree, cloud-provider-aws)", "https://cloud-provider-aws.sigs.k8s.io/service_controller/",
        unclassed=aws_in_tree_serves, internal=aws_in_tree_internal, tls=aws_in_tree_tls, caveat=aws_in_tree_caveat,
        marks=f"`{AWS_INTERNAL}`: any value but `\"false\"` (it does not read `{AWS_SCHEME}`); Services with "
              f"`{AWS_TYPE}: external` or `nlb-ip` are left to the AWS Load Balancer Controller",
        tls_ports=f"with `{AWS_CERT}`: the ports in `{AWS_SSL_PORTS}` (numbers or names, comma-separated, not trimmed), "
                  "all when absent or `*`",
        status="the ELB's DNS name (`hostname`); an internal one is `internal-...elb.amazonaws.com`"),
    _lbc_row("AWS Load Balancer Controller (Service)",
             "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/",
             (LBC_CLASS,), lbc_serves, ingress_controller="ingress.k8s.aws/alb", ingress_internal=alb_ingress_internal),
    _lbc_row("EKS Auto Mode", "https://docs.aws.amazon.com/eks/latest/userguide/auto-configure-nlb.html",
             (EKS_AUTO_CLASS,), lambda a: False),
    LoadBalancer(
        "Azure (cloud-provider-azure, AKS)", "https://learn.microsoft.com/en-us/azure/aks/internal-lb",
        internal=annotation_is("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
        marks="`service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"`", tls_ports="none (layer 4)",
        status="the frontend IP: a private one from the subnet when internal"),
    LoadBalancer(
        "GKE", "https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters",
        classes=("networking.gke.io/l4-regional-internal", "networking.gke.io/l4-regional-external"),
        internal_classes=("networking.gke.io/l4-regional-internal",),
        internal=first_of(annotation_is("networking.gke.io/load-balancer-type", "Internal"),
                          annotation_is("cloud.google.com/load-balancer-type", "Internal")),
        marks="`loadBalancerClass: networking.gke.io/l4-regional-internal`, or `networking.gke.io/load-balancer-type: "
              "\"Internal\"` (older: `cloud.google.com/load-balancer-type`); Ingress class `gce-internal`; "
              "GatewayClasses `gke-l7-rilb`, `gke-l7-rilb-mc`, `gke-l7-cross-regional-internal-managed-mc`",
        tls_ports="none for Services (passthrough); Ingress and Gateway: their TLS settings",
        status="the forwarding rule's IP: a private one from the subnet when internal",
        ingress_controller="k8s.io/ingress-gce", ingress_internal=gce_ingress_internal,
        internal_gateway_classes=("gke-l7-rilb", "gke-l7-rilb-mc", "gke-l7-cross-regional-internal-managed-mc")),
    LoadBalancer(
        "OCI load balancer", "https://github.com/oracle/oci-cloud-controller-manager/blob/master/docs/"
        "load-balancer-annotations.md",
        unclassed=oci_lb_serves, internal=annotation_true("service.beta.kubernetes.io/oci-load-balancer-internal"),
        tls=oci_tls,
        marks="`service.beta.kubernetes.io/oci-load-balancer-internal: \"true\"` (a boolean)",
        tls_ports="the port numbers in `service.beta.kubernetes.io/oci-load-balancer-ssl-ports`",
        status="the load balancer's IP: a private one when internal"),
    LoadBalancer(
        "OCI network load balancer", "https://github.com/oracle/oci-cloud-controller-manager/blob/master/docs/"
        "load-balancer-annotations.md",
        unclassed=lambda a: not oci_lb_serves(a),
        internal=annotation_true("oci-network-load-balancer.oraclecloud.com/internal"),
        marks=f"`{OCI_TYPE}: nlb` with `oci-network-load-balancer.oraclecloud.com/internal: \"true\"`",
        tls_ports="none (passthrough)", status="the network load balancer's IP: a private one when internal"),
    LoadBalancer(
        "DigitalOcean", "https://github.com/digitalocean/digitalocean-cloud-controller-manager/blob/master/docs/"
        "controllers/services/annotations.md",
        internal=annotation_is(DO + "network", "INTERNAL"), tls=digitalocean_tls,
        marks=f"`{DO}network: \"INTERNAL\"`",
        tls_ports=f"ports whose protocol is https, http2 or http3: `{DO}tls-ports`, `{DO}http2-ports`, `{DO}protocol`; "
                  "443 when a certificate or TLS passthrough is set without `tls-ports`",
        status=f"the load balancer's IPv4 (and IPv6), or the `{DO}hostname` when set"),
    LoadBalancer(
        "Hetzner Cloud", "https://github.com/hetznercloud/hcloud-cloud-controller-manager/blob/main/docs/reference/"
        "load_balancer_annotations.md",
        internal=annotation_true("load-balancer.hetzner.cloud/disable-public-network"), tls=hetzner_tls,
        marks="`load-balancer.hetzner.cloud/disable-public-network: \"true\"`",
        tls_ports="every port with `load-balancer.hetzner.cloud/protocol: https`",
        status="the public IPv4 and IPv6 and, unless `load-balancer.hetzner.cloud/disable-private-ingress`, the "
               "private network IP: that URL works only inside the Hetzner network; `ipMode: Proxy` with the proxy "
               "protocol"),
    LoadBalancer(
        "Alibaba Cloud CLB", "https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/"
        "add-annotations-to-the-yaml-file-of-a-service-to-configure-clb-instances",
        internal=alibaba_internal, tls=alibaba_tls("https"),
        marks="`service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type: \"intranet\"` (or `alicloud-`)",
        tls_ports="`https:PORT` entries of `service.beta.kubernetes.io/alibaba-cloud-loadbalancer-protocol-port`",
        status="the CLB's IP: a VPC address when intranet"),
    LoadBalancer(
        "Alibaba Cloud NLB", "https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/"
        "use-annotations-to-configure-nlb-instances",
        classes=(ALIBABA_NLB_CLASS,), unclassed=lambda a: False, internal=alibaba_internal, tls=alibaba_tls("tcpssl"),
        marks=f"`loadBalancerClass: {ALIBABA_NLB_CLASS}` with the address type `intranet`",
        tls_ports="`tcpssl:PORT` entries of the `protocol-port` annotation",
        status="the NLB's DNS name (`hostname`)"),
    LoadBalancer(
        "Tencent Cloud", "https://www.tencentcloud.com/document/product/457/39142",
        internal=annotation_set("service.kubernetes.io/qcloud-loadbalancer-internal-subnetid"), tls=tencent_tls,
        marks="`service.kubernetes.io/qcloud-loadbalancer-internal-subnetid: subnet-...` (any value)",
        tls_ports=f"ports given HTTPS or TCP_SSL in `{TENCENT_PROTOCOL}` (JSON)",
        status="the CLB's VIP: a VPC address when internal"),
    LoadBalancer(
        "OpenStack (Octavia)", "https://github.com/kubernetes/cloud-provider-openstack/blob/master/docs/"
        "openstack-cloud-controller-manager/expose-applications-using-loadbalancer-type-service.md",
        internal=annotation_true("service.beta.kubernetes.io/openstack-internal-load-balancer"), tls=openstack_tls,
        marks="`service.beta.kubernetes.io/openstack-internal-load-balancer: \"true\"` (no floating IP)",
        tls_ports="every TCP port with `loadbalancer.openstack.org/default-tls-container-ref` (TERMINATED_HTTPS)",
        status="the floating IP, or the VIP (a tenant network address) when internal"),
    LoadBalancer(
        "Baidu Cloud (CCE)", "https://kubernetes.io/docs/concepts/services-networking/service/#internal-load-balancer",
        internal=annotation_is("service.beta.kubernetes.io/cce-load-balancer-internal-vpc", "true"),
        marks="`service.beta.kubernetes.io/cce-load-balancer-internal-vpc: \"true\"`", tls_ports="none",
        status="the BLB's IP: a VPC address when internal"),
    LoadBalancer(
        "IBM Cloud", "https://cloud.ibm.com/docs/containers?topic=containers-vpclb-about",
        internal=annotation_is("service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type", "private"),
        marks="`service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type: \"private\"`", tls_ports="none",
        status="the load balancer's IP or VPC hostname: private addresses when private"),
    LoadBalancer(
        "MetalLB", "https://metallb.io/usage/", tls_ports="none (layer 4)",
        marks="none: an address from its pools, internal when the pool is private",
        status="an IP of an IPAddressPool, announced by ARP/NDP or BGP: reachable where that network is"),
    LoadBalancer(
        "kube-vip", "https://kube-vip.io/docs/usage/cloud-provider/", classes=("kube-vip.io/kube-vip-class",),
        tls_ports="none (layer 4)", marks="none: the address it is given (`kube-vip.io/loadbalancerIPs`)",
        status="the virtual IP, announced by ARP or BGP: reachable where that network is"),
    LoadBalancer(
        "k3s ServiceLB (klipper-lb)", "https://docs.k3s.io/networking/networking-services#service-load-balancer",
        tls_ports="none", marks="none: it uses the nodes' own addresses",
        status="the addresses of the nodes running its svclb pods (ExternalIP, else InternalIP); Services with a "
               "loadBalancerClass are not its"),
    LoadBalancer(
        "cloud-provider-kind", "https://github.com/kubernetes-sigs/cloud-provider-kind", tls_ports="none",
        marks="none: a container address on the kind network",
        status="the IP of an Envoy container on the `kind` Docker network, `ipMode: Proxy`: reachable from the "
               "Docker host on Linux; on macOS and Windows through the port it publishes on localhost"),
)


def serving(service: dict) -> List[LoadBalancer]:
    return [row for row in LOAD_BALANCERS if row.serves(service)]


@dataclass
class Reading:
    """What the table says about one LoadBalancer Service."""

    internal: Optional[str]                                 # why its load balancer is internal, else None
    tls: Dict[PortKey, str]                                 # the ports TLS ends on at the load balancer, and why
    warnings: List[str]


def read(service: dict) -> Reading:
    """Every row that provisions this Service, asked in table order: the first verdict on the scheme wins."""
    annotations = annotations_of(service)
    rows = serving(service)
    wanted = field(service, "spec", "loadBalancerClass")
    by_class = [Verdict(True, f"loadBalancerClass: {wanted}") for row in rows if wanted in row.internal_classes]
    verdict = next((v for v in by_class + [row.internal(annotations) for row in rows] if v is not None), None)
    internal = f"{_owner(rows, annotations, verdict)}{verdict.why}" if verdict and verdict.internal else None
    tls: Dict[PortKey, str] = {}
    warnings: List[str] = []
    ports = items(service, "spec", "ports")
    for row in rows:
        found, why = row.tls(annotations, ports)
        for key, reason in found.items():
            tls.setdefault(key, reason)
        warnings += why
        caveat = row.caveat(annotations)
        warnings += [caveat] if caveat else []
    return Reading(internal, tls, list(dict.fromkeys(warnings)))


def _owner(rows: List[LoadBalancer], annotations: Annotations, verdict: Verdict) -> str:
    """`AWS Load Balancer Controller ` before a default, which says nothing without its controller."""
    if not verdict.why.startswith("default"):
        return ""
    row = next(r for r in rows if r.internal(annotations) == verdict)
    return f"{row.name.split(' (')[0]} "


# internal-NAME.REGION.elb.amazonaws.com (Classic, ALB), internal-NAME.elb.REGION.amazonaws.com; .cn in China
_AWS_INTERNAL_DNS = r"(?i)^internal-[^.]+\.([a-z0-9-]+\.)?elb\.([a-z0-9-]+\.)?amazonaws\.com(\.cn)?\.?$"  # compiled on first use


def status_reason(address: str) -> Optional[str]:
    """Why a load balancer (or Ingress, Gateway) address is reachable only from a private network, from the address
    itself: a private IP (RFC 1918, CGNAT, ULA...), or an AWS `internal-` DNS name (the internal ELB's name form)."""
    if ip_family(address):
        return None if is_public(address) else f"private address {address}"
    if re.match(_AWS_INTERNAL_DNS, address):
        return "AWS internal-... DNS name"
    return None


def source_ranges(service: dict) -> Tuple[List[str], str]:
    """`spec.loadBalancerSourceRanges`, else the older annotation (GetLoadBalancerSourceRanges, which the clouds'
    controllers read), with where they came from."""
    ranges = strings(service, "spec", "loadBalancerSourceRanges")
    if ranges:
        return ranges, "loadBalancerSourceRanges"
    key = "service.beta.kubernetes.io/load-balancer-source-ranges"
    annotation = annotations_of(service).get(key, "")
    return [r.strip() for r in annotation.split(",") if r.strip()], key


def ingress_internal(ingress: dict, controller: Optional[str], ingress_class: Optional[dict], class_name: str
                     ) -> Optional[str]:
    """Why an Ingress's load balancer is internal according to its controller's row (AWS LBC, GKE), else None."""
    row = next((r for r in LOAD_BALANCERS if controller and r.ingress_controller == controller), None)
    return row.ingress_internal(ingress, ingress_class, class_name) if row else None


def gateway_internal(gateway: dict) -> Optional[str]:
    wanted = field(gateway, "spec", "gatewayClassName")
    row = next((r for r in LOAD_BALANCERS if wanted in r.internal_gateway_classes), None)
    return f"{row.name} internal GatewayClass {wanted}" if row else None


def markdown() -> str:
    """docs/rules.md's table of load balancers."""
    rows = [f"| {r.name} | {r.marks} | {r.tls_ports} | {r.status} | {r.source} |" for r in LOAD_BALANCERS]
    return "\n".join(["| provider / controller | internal when | TLS ends at the load balancer on | status | source |",
                      "| --- | --- | --- | --- | --- |", *rows])
