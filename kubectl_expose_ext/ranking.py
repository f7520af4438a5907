"""The one order of URLs: which way in to try first. The table, `-o url`, `--open` and `--wait` all read it, so
`-o url | head -1` and `--open` give the same URL the table shows first.

Each rule breaks the ties of the one before it:

1. with `--probe`, a URL that answered before one that did not (it is the one known to work from here);
2. a URL that can work before one that cannot (`render.unusable`: no controller, no address yet, wildcard, unsafe);
   then the URL a declared primary (links.py: the `kubectl-reach/primary-url` annotation) matches, before the others;
3. public before internal: an address outside the private ranges (`addresses.is_private_ip`; a name counts as public)
   and not behind an internal load balancer or Ingress works from anywhere, an internal one only from inside;
4. the way in, as an operator would hand it out: a load balancer's address, then a virtual host on a shared proxy
   (Ingress, Gateway, Route, every front door's: endpoints.PROXIED; a stable DNS name), then a Service external IP,
   then a node's own address (NodePort, hostPort, hostNetwork: a node can be replaced, drained or firewalled);
5. https before http, then the other schemes (tls, tcp, grpc, udp...);
6. the order the computation produced (stable): NodePort rows are already best node first (addresses.NodeTable).
"""

from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

from .addresses import is_private_ip
from .endpoints import PROXIED, Endpoint
from .render import unusable

if TYPE_CHECKING:
    from .probe import Probe

# rule 4, best first; a method missing here ranks after all of these
WAYS_IN = (("LoadBalancer",), PROXIED, ("ExternalIP",), ("NodePort", "hostPort", "hostNetwork"))
_WAY_RANK = {method: rank for rank, methods in enumerate(WAYS_IN) for method in methods}
SCHEMES = ("https", "http")  # rule 5, best first; other schemes after


def is_internal(endpoint: Endpoint) -> bool:
    """Reachable only from inside a private network: what loadbalancers.py found (`Endpoint.internal`: an internal
    load balancer or Ingress, a private status address), or an IP address of the private ranges (a node's). A DNS name
    counts as public unless marked: where it resolves is not known here."""
    return bool(endpoint.internal) or is_private_ip(endpoint.host)


def rank_key(endpoint: Endpoint, probes: Optional[Dict[tuple, "Probe"]] = None, preferred: Optional[str] = None) -> tuple:
    """The sort key of rules 1-5 (sorted() is stable: rule 6); `preferred`: the URL a declared primary matches."""
    answered = probes is None or (probes.get(endpoint.key()) is not None and probes[endpoint.key()].answered)
    return (not answered, unusable(endpoint) is not None, endpoint.url != preferred if preferred else False,
            is_internal(endpoint),
            _WAY_RANK.get(endpoint.method, len(WAYS_IN)),
            SCHEMES.index(endpoint.scheme) if endpoint.scheme in SCHEMES else len(SCHEMES))


def ranked(endpoints: Sequence[Endpoint], probes: Optional[Dict[tuple, "Probe"]] = None,
           preferred: Optional[str] = None) -> List[Endpoint]:
    """`endpoints`, best first (`preferred`: the derived URL a declared primary matches)."""
    return sorted(endpoints, key=lambda e: rank_key(e, probes, preferred))
