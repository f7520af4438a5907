"""The one rule for a URL this tool hands on (`-o url`, `--open`, `--wait`, `--watch`, and the host `--probe`
connects to): its host is a DNS name or an IP literal, and its authority is exactly that host and port.

Every host in a URL comes from the cluster (an Ingress rule, a load balancer's status, a node's addresses, a Gateway
address of any type), and only some of those fields are validated by the API server. A value such as
`bank.example@evil.example`, `evil.example#.bank.example` or `evil.example/.bank.example` makes a URL whose host, for
a browser or curl, is not the one the table shows. So:

- a DNS name is what RFC 1123 allows and the API server checks for Ingress hosts and load balancer hostnames
  (k8s.io/apimachinery IsDNS1123Subdomain): labels of letters, digits and `-`, not starting or ending with `-`, at
  most 63 characters each (RFC 1035) and 253 in all; no trailing dot. Case does not matter here (a node's Hostname
  address is not validated by the API server and a DNS name's case carries no meaning). A name whose last label is a
  number (`2130706433`, `1.2.3`, `0x7f.1`) is refused: a browser reads it as an IPv4 address (WHATWG URL, "ends in a
  number"), which is another host than the one shown;
- an IP literal is an IPv4 address in its dotted form or an IPv6 address without a zone (`%`);
- the URL, parsed, has no user information and its authority is exactly `host` or `host:port` (a path that does not
  start with `/` could otherwise extend the host).

Wildcard hosts (`*.example.com`) are not DNS names either; render.unusable names them first, with its own reason.
"""

import functools
import ipaddress
import re
from typing import Optional

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE | re.ASCII)
_NUMBER = re.compile(r"[0-9]+|0x[0-9a-f]*", re.IGNORECASE | re.ASCII)


def is_ip(host: str) -> bool:
    """An IP literal as a URL may carry it: dotted IPv4 (no leading zeros) or IPv6 without a zone."""
    if "%" in host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.version == 6 or str(address) == host


def dns_name_problem(host: str) -> Optional[str]:
    """Why `host` is not a DNS name by the rule above, else None."""
    labels = host.split(".")
    if not host or len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return "its host is not a DNS name (RFC 1123) nor an IP address"
    if _NUMBER.fullmatch(labels[-1]):
        return "its host ends in a number but is no IP address (a browser would read it as one)"
    return None


@functools.lru_cache(maxsize=1 << 16)  # more than the nodes of a cluster (5,000 per cluster, the documented limit)
def host_problem(host: str) -> Optional[str]:
    """Why a URL with this host must not be handed on, else None (cached: a NodePort's URLs repeat each node's
    address once per port)."""
    return None if is_ip(host) else dns_name_problem(host)


def url_problem(url: str, host: str, port: Optional[int]) -> Optional[str]:
    """Why `url`, built for `host` and `port`, must not be handed on, else None."""
    why = host_problem(host)
    if why:
        return why
    shown = f"[{host}]" if ":" in host else host
    if authority(url) not in (shown, f"{shown}:{port}"):
        return "its authority is not exactly its host and port"
    return None


_AUTHORITY = re.compile(r"[a-z][a-z0-9+.-]*://([^/?#]*)", re.IGNORECASE | re.ASCII)


def authority(url: str) -> Optional[str]:
    """The authority of a URL with a scheme (RFC 3986, 3.2: after `//`, up to the first `/`, `?` or `#`), else None.
    Nothing is removed or normalised, unlike urllib's urlsplit (which drops tabs and newlines): a URL whose
    authority is exactly a host checked above and its port has no user information and parses the same for any
    client. One regular expression: this runs per URL, not per host (40,000 URLs: urlsplit was a fifth of a run)."""
    match = _AUTHORITY.match(url)
    return None if match is None else match.group(1)
