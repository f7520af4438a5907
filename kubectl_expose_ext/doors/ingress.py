"""The Ingress door (networking.k8s.io/v1): rule hosts and paths on the controller its IngressClass names; the URL rules
are endpoints/ingress.py's (each controller's listeners: ingress-nginx, AWS ALB, GKE, Traefik's entry points).

An Ingress is core Kubernetes: its LIST is not optional (a refusal is the command's error, as before doors), its
IngressClasses are (RBAC may hide them: the answer then cannot tell whether a controller serves it). Traefik-class
Ingresses also read the Traefik Service (doors/traefik.py), whose ports give their entry points' numbers.
"""

from typing import TYPE_CHECKING, Dict, List, Optional

from ..kind import INGRESS, Kind
from .base import BROKEN, OK, UNKNOWN, WARNING, Fetched, FrontDoor, Hop, Reader, backends_hop, evidence_command

if TYPE_CHECKING:
    from ..endpoints import Found, Resolve
    from ..snapshot import Snapshot

INGRESS_KIND = Kind("Ingress", "ingresses", "ingress", "networking.k8s.io", role=INGRESS, aliases=("ing",))
CLASS_KIND = Kind("IngressClass", "ingressclasses", "ingressclass", "networking.k8s.io", namespaced=False)


class IngressDoor(FrontDoor):
    name = "ingress"
    role = INGRESS
    method = "Ingress"
    kinds = (INGRESS_KIND, CLASS_KIND)
    cluster_wide = (CLASS_KIND,)
    title = "Ingress"
    source = "https://kubernetes.io/docs/concepts/services-networking/ingress/"
    rules = ("rule `host` + `path`, else the `status.loadBalancer` address; https where a `spec.tls` entry covers the "
             "host; each controller's listeners (ingress-nginx, AWS ALB, GKE, Traefik `router.entrypoints`/"
             "`router.tls`); no URL without an IngressClass or an address")

    def fetch(self, reader: Reader, namespace: Optional[str], chosen: Dict[str, Optional[str]]) -> Fetched:
        from ..fetch import selected_list

        ingresses = selected_list(reader.kube, INGRESS_KIND.resource, namespace, chosen.get("label_selector"),
                                  chosen.get("field_selector"))
        classes = reader.list(CLASS_KIND) if ingresses else None
        return {"ingresses": ingresses, "ingress_classes": classes, **self.controllers(reader, ingresses, classes)}

    def fetch_target(self, reader: Reader, kind: Kind, obj: dict, namespace: str) -> Fetched:
        classes = reader.list(CLASS_KIND)
        return {"ingresses": [obj], "ingress_classes": classes, **self.controllers(reader, [obj], classes)}

    def controllers(self, reader: Reader, ingresses: List[dict], classes: Optional[List[dict]]) -> Fetched:
        """The Traefik Service, where an Ingress is Traefik's and names its entry points (one LIST)."""
        from ..endpoints.ingress import TRAEFIK, controller_of
        from .traefik import ENTRYPOINTS, fetch_services

        wanted = [i for i in ingresses if controller_of(i, classes) == TRAEFIK and ENTRYPOINTS in _annotations(i)]
        return {"extra": {"traefik/services": fetch_services(reader)}} if wanted else {}

    def objects(self, snapshot: "Snapshot") -> List[dict]:
        return snapshot.ingresses

    def reaching(self, snapshot: "Snapshot", namespace: str) -> List[dict]:
        return snapshot.ingresses_in(namespace)

    def kind_of(self, obj: dict) -> str:
        return "Ingress"

    def endpoints(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> "Found":
        from ..endpoints.ingress import ingress_endpoints

        return ingress_endpoints(obj, resolve, snapshot.ingress_classes, snapshot.extra.get("traefik/services"))

    def plain_http(self, obj: dict) -> str:
        return "no spec.tls entry covers it"

    def hops(self, obj: dict, resolve: "Resolve", snapshot: "Snapshot") -> List[Hop]:
        from ..endpoints.ingress import _backends, backend_ref, ingress_addresses, ingress_class_warning
        from ..objects import field, name, namespace

        ns, ref = namespace(obj), INGRESS_KIND.ref(name(obj))
        hops = []
        wanted = field(obj, "spec", "ingressClassName")
        why = ingress_class_warning(obj, snapshot.ingress_classes)
        shown = f"IngressClass {wanted}" if wanted else "the default IngressClass (or the legacy annotation)"
        hops.append(Hop("controller", UNKNOWN if snapshot.ingress_classes is None else BROKEN if why else OK,
                        why or (f"{shown}: IngressClasses could not be read" if snapshot.ingress_classes is None
                                else f"served through {shown}"),
                        f"{ref} spec.ingressClassName",
                        evidence_command(INGRESS_KIND, ns, name(obj), ".spec.ingressClassName")))
        addresses = ingress_addresses(obj)
        hops.append(Hop("entry address", OK if addresses else WARNING,
                        f"its controller published {', '.join(addresses)}" if addresses else
                        "no address in status.loadBalancer yet: its controller has not admitted it",
                        f"{ref} status.loadBalancer.ingress",
                        evidence_command(INGRESS_KIND, ns, name(obj), ".status.loadBalancer.ingress")))
        refs = [r for _, _, backend in _backends(obj) for r in [backend_ref(backend)] if r is not None]
        hops.append(backends_hop(self, obj, refs, resolve, ".spec.rules[*].http.paths[*].backend.service"))
        return hops


def _annotations(obj: dict) -> Dict[str, str]:
    from ..loadbalancers import annotations_of

    return annotations_of(obj)


DOOR = IngressDoor()
