"""`--probe`: which of the computed URLs actually answer, tried from this machine.

tcp (and any non-HTTP scheme): a TCP connect. http/https: one `GET` of the URL's path, reporting the
status code. https and tls: the certificate, verified as a browser would (trusted chain, not expired,
valid for the host); a certificate that fails is a `tls-error`, with what the server answered anyway.

Safety, by construction: only the endpoints computed for the target are contacted; the request is
written by hand (no Authorization, no cookies, no proxy or netrc settings can leak into it) from a
path and host that are validated first (every byte outside RFC 3986's path characters is
percent-encoded, a host must pass the one rule for URLs handed on, urls.py: an IP literal or an RFC 1123 DNS
name, so no CR, LF, `@` or other byte a cluster put there reaches the wire or picks another host); a redirect
is reported, never followed. A virtual host whose DNS name does not resolve (yet) is tried at its proxy's
address (the Ingress or Gateway address, the OpenShift router) with the name as Host and SNI, and the detail says so.

Where a probe may connect (the cluster chooses every address): names are resolved here, each address
is checked by `refusal()`, and the socket connects to a checked address, never to the name again
(no second DNS answer can change it). Never: unspecified (0.0.0.0, ::), link-local (169.254.0.0/16
with the cloud metadata services, fe80::/10), the AWS IPv6 metadata address, multicast, broadcast,
reserved ranges. Only with `--probe-allow-local`: loopback and this machine's own addresses (a
hostile cluster must not make you probe your own services). Private ranges (10/8, 172.16/12,
192.168/16, ULA) are allowed: node InternalIPs live there and probing them from a bastion or VPN is
the point. A refused address is `skipped` with the reason. One deadline (`--timeout`) bounds the whole
probe, the response read included, and at most RESPONSE_HEAD_LIMIT bytes of an answer are read.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from . import __version__
from .addresses import ip_family
from .endpoints import DEFAULT_PORTS, Endpoint, format_host

RESPONSE_HEAD_LIMIT = 16 * 1024  # status line and headers; the body is never read
NAMES_SHOWN = 3  # subjectAltNames quoted when a certificate is for another name
EXPIRY_WARNING_DAYS = 30  # an ok certificate says how many days it has left below this
PARALLELISM = 16  # probes in flight at once: enough for a workload's NodePorts, gentle on a laptop's NAT table
DEFAULT_TIMEOUT = 2.0
_HTTP = {"http": False, "ws": False, "https": True, "wss": True}  # scheme -> TLS
_NOT_PROBED = {"udp": "UDP cannot be probed without speaking its protocol", "sctp": "SCTP is not probed"}


@dataclass
class Probe:
    """One endpoint's answer. `to_dict()` is the `probe` field of `-o json`."""

    status: str
    latency_ms: Optional[float] = None  # until the answer (TCP: the connect), 0.1 ms resolution
    detail: str = ""
    certificate: Optional[dict] = None  # https and tls: what the server presented (Certificate.to_dict)

    @property
    def answered(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        data: Dict[str, Any] = {"status": self.status, "latency_ms": self.latency_ms, "detail": self.detail}
        if self.certificate is not None:
            data["certificate"] = self.certificate
        return data


@dataclass(frozen=True)
class Target:
    """What one probe does: connect to host:port (else `fallback`), speak `scheme`, ask for `path`."""

    scheme: str
    host: str
    port: int
    path: str = "/"
    fallback: Optional[str] = None


def target_of(endpoint: Endpoint) -> Target:
    """What to probe for an endpoint; its proxy's address is a fallback only when it passes the rule for hosts
    (urls.py) too: the cluster chose it as well."""
    from .urls import host_problem

    fallback = endpoint.address if endpoint.address and endpoint.address != endpoint.host else None
    return Target(endpoint.scheme, endpoint.host, endpoint.port, endpoint.path or "/",
                  fallback if fallback and host_problem(fallback) is None else None)


# --- certificates ----------------------------------------------------------------------------------------

@dataclass
class Certificate:
    """What a probe reports of a certificate, read from its DER bytes (the ssl module parses only verified ones)."""

    subject: str = ""
    issuer: str = ""
    not_after: Optional[datetime] = None
    dns_names: List[str] = field(default_factory=list)
    ip_addresses: List[str] = field(default_factory=list)

    def matches(self, host: str) -> bool:
        """RFC 6125 as browsers apply it: subjectAltName only; `*.` covers exactly one label."""
        try:
            return ipaddress.ip_address(host).compressed in self.ip_addresses
        except ValueError:
            pass
        from .endpoints.ingress import host_matches  # the one certificate-style matcher

        return any(host_matches(name, host) for name in self.dns_names)

    def describe(self, now: Optional[datetime] = None) -> str:
        """`certificate CN=x, expires 2027-01-01`, with the days left when fewer than EXPIRY_WARNING_DAYS."""
        expiry = ""
        if self.not_after:
            days = (self.not_after - (now or datetime.now(timezone.utc))).days
            soon = f" (in {days} day{'s' if days != 1 else ''})" if 0 <= days < EXPIRY_WARNING_DAYS else ""
            expiry = f", expires {self.not_after:%Y-%m-%d}{soon}"
        return f"certificate {self.subject or '(no subject)'}{expiry}"

    def to_dict(self, verified: bool) -> dict:
        return {"subject": self.subject, "issuer": self.issuer,
                "not_after": self.not_after.strftime("%Y-%m-%dT%H:%M:%SZ") if self.not_after else None,
                "names": self.dns_names + self.ip_addresses, "verified": verified}


def _tlv(data: bytes, i: int) -> Tuple[int, int, int]:
    """(tag, start, end) of the DER element at `i`."""
    tag, length = data[i], data[i + 1]
    i += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[i:i + count], "big")
        i += count
    return tag, i, i + length


def _children(data: bytes, start: int, end: int) -> List[Tuple[int, int, int]]:
    out = []
    while start < end:
        tag, begin, stop = _tlv(data, start)
        out.append((tag, begin, stop))
        start = stop
    return out


_NAMES = {b"\x55\x04\x03": "CN", b"\x55\x04\x0a": "O", b"\x55\x04\x0b": "OU"}
_SAN = b"\x55\x1d\x11"


def _name(data: bytes, start: int, end: int) -> str:
    parts = []
    for _, set_start, set_end in _children(data, start, end):
        for _, seq_start, seq_end in _children(data, set_start, set_end):
            (_, oid_start, oid_end), (_, value_start, value_end) = _children(data, seq_start, seq_end)[:2]
            label = _NAMES.get(data[oid_start:oid_end])
            if label:
                parts.append(f"{label}={data[value_start:value_end].decode('utf-8', 'replace')}")
    return ", ".join(parts)


def _time(tag: int, raw: bytes) -> Optional[datetime]:
    text = raw.decode("ascii", "replace")
    try:
        parsed = datetime.strptime(text, "%y%m%d%H%M%SZ" if tag == 0x17 else "%Y%m%d%H%M%SZ")
    except ValueError:
        return None
    return parsed.replace(tzinfo=timezone.utc)


def parse_certificate(der: bytes) -> Certificate:
    """Subject, issuer, notAfter and subjectAltNames of an X.509 certificate; empty fields where unreadable."""
    cert = Certificate()
    try:
        _, start, end = _tlv(der, 0)
        _, tbs_start, tbs_end = _tlv(der, start)
        fields = _children(der, tbs_start, tbs_end)
        if fields and fields[0][0] == 0xA0:  # [0] version
            fields = fields[1:]
        issuer, validity, subject = fields[2], fields[3], fields[4]
        cert.issuer = _name(der, issuer[1], issuer[2])
        cert.subject = _name(der, subject[1], subject[2])
        times = _children(der, validity[1], validity[2])
        cert.not_after = _time(times[1][0], der[times[1][1]:times[1][2]])
        for tag, ext_start, _ext_end in fields[5:]:
            if tag != 0xA3:
                continue
            _, seq_start, seq_end = _tlv(der, ext_start)
            for _, one_start, one_end in _children(der, seq_start, seq_end):
                parts = _children(der, one_start, one_end)
                if der[parts[0][1]:parts[0][2]] != _SAN:
                    continue
                _, names_start, names_end = _tlv(der, parts[-1][1])
                for name_tag, value_start, value_end in _children(der, names_start, names_end):
                    value = der[value_start:value_end]
                    if name_tag == 0x82:
                        cert.dns_names.append(value.decode("ascii", "replace"))
                    elif name_tag == 0x87 and len(value) in (4, 16):
                        cert.ip_addresses.append(ipaddress.ip_address(value).compressed)
    except (IndexError, ValueError):
        pass  # a truncated or exotic certificate: report what was read
    return cert


def certificate_problems(cert: Certificate, host: str, now: Optional[datetime] = None) -> List[str]:
    """What a browser would object to, besides the chain of trust (which only a handshake can tell)."""
    now = now or datetime.now(timezone.utc)
    problems = []
    if cert.not_after and cert.not_after < now:
        problems.append(f"expired on {cert.not_after:%Y-%m-%d}")
    if not cert.matches(host) and not host.startswith("*."):
        names = cert.dns_names + cert.ip_addresses
        more = len(names) - NAMES_SHOWN
        shown = ", ".join(names[:NAMES_SHOWN]) + (f" and {more} more" if more > 0 else "")
        problems.append(f"not valid for {host} (valid for {shown or 'no subjectAltName'})")
    return problems


# --- one probe -------------------------------------------------------------------------------------------

class _Clock:
    """A deadline shared by every step of one probe: the whole probe takes at most `timeout`."""

    def __init__(self, timeout: float):
        self.started = time.monotonic()
        self.deadline = self.started + timeout

    def left(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out")
        return remaining

    def elapsed_ms(self) -> float:
        return round((time.monotonic() - self.started) * 1000, 1)


class Refused(Exception):
    """The connect policy refuses every address a name has: the probe is `skipped`, nothing was sent."""


class Unsafe(ValueError):
    """A host or path that cannot be put on the wire as it is: a per-URL `error`."""


_METADATA = {ipaddress.ip_address("fd00:ec2::254")}  # AWS's IPv6 instance metadata (a ULA address)


def refusal(address: str, allow_local: bool) -> Optional[str]:
    """Why the policy refuses to connect to an IP address, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_link_local or ip in _METADATA:
        return "link-local address (cloud metadata services live there)"
    if ip.is_multicast or (ip.version == 4 and ip == ipaddress.IPv4Address("255.255.255.255")):
        return "multicast or broadcast address"
    if ip.is_loopback or _is_own(ip):
        return None if allow_local else "loopback or this machine's own address (allow with --probe-allow-local)"
    if ip.is_reserved:
        return "reserved address"
    return None


def _is_own(ip) -> bool:
    """Whether an address belongs to this machine: only a local address can be bound."""
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe_socket:
            probe_socket.bind((str(ip), 0))
        return True
    except OSError:
        return False


def _addresses(host: str, port: int, clock: _Clock, allow_local: bool) -> List[Tuple[int, tuple]]:
    """(family, sockaddr) of every address of `host` the policy allows; Refused when it allows none."""
    clock.left()
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    allowed: List[Tuple[int, tuple]] = []
    reasons: List[str] = []
    for family, _, _, _, sockaddr in infos:
        why = refusal(str(sockaddr[0]), allow_local)
        if why:
            reasons.append(f"{sockaddr[0]}: {why}")
        elif (family, sockaddr) not in allowed:
            allowed.append((family, sockaddr))
    if not allowed:
        raise Refused("; ".join(dict.fromkeys(reasons)) or f"{host}: no address")
    return allowed


def _dial(host: str, port: int, clock: _Clock, allow_local: bool) -> socket.socket:
    """Connect to the first allowed address that answers, within the probe's deadline."""
    last: Optional[OSError] = None
    for family, sockaddr in _addresses(host, port, clock, allow_local):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(clock.left())
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
            if isinstance(exc, socket.timeout):
                raise
    raise last or OSError("no address")


def _connect(target: Target, clock: _Clock, allow_local: bool) -> Tuple[socket.socket, str]:
    """A connected socket and a note on how it was reached (empty, or the proxy address used)."""
    try:
        return _dial(target.host, target.port, clock, allow_local), ""
    except socket.gaierror:
        if not target.fallback:
            raise
        sock = _dial(target.fallback, target.port, clock, allow_local)
        return sock, f"{target.host} does not resolve: reached through {target.fallback}"


def _is_ip(host: str) -> bool:
    return ip_family(host) is not None


_PATH_SAFE = "/:@!$&'()*+,;=-._~%?"  # RFC 3986 pchar, "/" and "?"; everything else is percent-encoded


def wire_path(path: str) -> str:
    """The request target as it may go on the wire: every byte outside RFC 3986's path and query characters
    percent-encoded (a CR, LF, space or control byte cannot forge a header or a second request)."""
    from urllib.parse import quote

    path = path or "/"
    return quote(path if path.startswith("/") else "/" + path, safe=_PATH_SAFE)


def wire_host(host: str) -> str:
    """The Host header's name: the host itself once it passes the one rule for URLs handed on (urls.py: an IP
    literal or an RFC 1123 DNS name, ASCII by construction); Unsafe otherwise."""
    from .urls import host_problem

    why = host_problem(host)
    if why:
        raise Unsafe(f"not probed: {why}")
    return host


def _tls(sock: socket.socket, target: Target, clock: _Clock, verify: bool) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    sock.settimeout(clock.left())
    name = wire_host(target.host)
    return context.wrap_socket(sock, server_hostname=None if _is_ip(name) and not verify else name)


def request_bytes(target: Target, tls: bool) -> bytes:
    """The one GET a probe sends, from a validated host and path only (ASCII by construction)."""
    default = DEFAULT_PORTS.get("https" if tls else "http")
    host = format_host(wire_host(target.host)) + ("" if target.port == default else f":{target.port}")
    return (f"GET {wire_path(target.path)} HTTP/1.1\r\nHost: {host}\r\n"
            f"User-Agent: kubectl-reach/{__version__} (probe)\r\nAccept: */*\r\nConnection: close\r\n\r\n"
            ).encode("ascii")


def _response_head(sock: socket.socket, clock: _Clock) -> bytes:
    """The status line and headers, read under the probe's one deadline (each recv gets only what is left of it,
    so a server trickling bytes cannot stretch it) and at most RESPONSE_HEAD_LIMIT bytes."""
    head = b""
    while b"\r\n\r\n" not in head and b"\n\n" not in head and len(head) < RESPONSE_HEAD_LIMIT:
        sock.settimeout(clock.left())
        chunk = sock.recv(min(4096, RESPONSE_HEAD_LIMIT - len(head)))
        if not chunk:
            break
        head += chunk
    return head


def _http_status(sock: socket.socket, target: Target, clock: _Clock) -> str:
    """Send one bare GET and read the status line and headers: `HTTP 200`, `HTTP 301 -> URL (not followed)`."""
    request = request_bytes(target, isinstance(sock, ssl.SSLSocket))
    sock.settimeout(clock.left())
    sock.sendall(request)
    lines = _response_head(sock, clock).replace(b"\r\n", b"\n").split(b"\n")
    status = lines[0].decode("latin-1").split(None, 2)
    if len(status) < 2 or not status[0].startswith("HTTP/") or not (status[1].isascii() and status[1].isdigit()):
        raise http.client.BadStatusLine(lines[0][:80].decode("latin-1"))
    code = int(status[1])
    location = next((line.split(b":", 1)[1].strip().decode("latin-1") for line in lines[1:]
                     if line.lower().startswith(b"location:")), None)
    detail = f"HTTP {code}"
    return f"{detail} -> {location} (not followed)" if location and 300 <= code < 400 else detail


def _over_tls(target: Target, clock: _Clock, verify: bool, speak_http: bool,
              allow_local: bool) -> Tuple[Certificate, str, str]:
    """(the certificate, what answered, how it was reached) over one TLS connection."""
    sock, via = _connect(target, clock, allow_local)
    try:
        secure = _tls(sock, target, clock, verify)
    except BaseException:
        sock.close()
        raise
    with secure:
        cert = parse_certificate(secure.getpeercert(binary_form=True) or b"")
        answer = _http_status(secure, target, clock) if speak_http else "handshake completed"
    return cert, answer, via


def _secure(target: Target, clock: _Clock, speak_http: bool, allow_local: bool) -> Probe:
    """TLS verified as a browser would; on a verification failure, once more unverified to say what answered."""
    try:
        cert, answer, via = _over_tls(target, clock, True, speak_http, allow_local)
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or str(exc)
        cert, answer, via = _over_tls(target, clock, False, speak_http, allow_local)
        ours = certificate_problems(cert, target.host)
        if "mismatch" in reason and any(p.startswith("not valid for") for p in ours):
            reason = ""  # OpenSSL's "Hostname mismatch" says less than ours, which names the valid hosts
        problems = [p for p in dict.fromkeys([reason] + ours) if p]
        return Probe("tls-error", clock.elapsed_ms(),
                     _join(f"{cert.describe()}: {'; '.join(problems)}", f"{answer} without verification", via),
                     cert.to_dict(verified=False))
    return Probe("ok", clock.elapsed_ms(), _join(answer, cert.describe(), via), cert.to_dict(verified=True))


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def probe(target: Target, timeout: float = DEFAULT_TIMEOUT, allow_local: bool = False) -> Probe:
    """Try one endpoint; never raises for network trouble (it is the answer)."""
    if target.scheme in _NOT_PROBED:
        return Probe("skipped", None, _NOT_PROBED[target.scheme])
    if target.host.startswith("*."):
        return Probe("skipped", None, "wildcard host: no single name to try")
    clock = _Clock(timeout)
    try:
        wire_host(target.host)  # before any DNS query or connection
        if target.scheme in _HTTP and _HTTP[target.scheme]:
            return _secure(target, clock, True, allow_local)
        if target.scheme == "tls":
            return _secure(target, clock, False, allow_local)
        sock, via = _connect(target, clock, allow_local)
        with sock:
            if target.scheme in _HTTP:
                return Probe("ok", clock.elapsed_ms(), _join(_http_status(sock, target, clock), via))
            return Probe("ok", clock.elapsed_ms(), _join("TCP connection accepted", via))
    except Refused as exc:
        return Probe("skipped", None, f"not probed: {exc}")
    except Unsafe as exc:
        return Probe("error", None, str(exc))
    except ConnectionRefusedError:
        return Probe("refused", clock.elapsed_ms(), "connection refused: nothing listens there")
    except (socket.timeout, TimeoutError):
        return Probe("timeout", None, f"no answer within {timeout:g}s")
    except socket.gaierror as exc:
        return Probe("error", clock.elapsed_ms(), f"{target.host} does not resolve ({exc.strerror or exc})")
    except ssl.SSLError as exc:
        return Probe("tls-error", clock.elapsed_ms(), f"TLS handshake failed: {exc.reason or exc}")
    except http.client.HTTPException as exc:
        return Probe("error", clock.elapsed_ms(), f"not an HTTP answer ({type(exc).__name__})")
    except OSError as exc:
        return Probe("error", clock.elapsed_ms(), exc.strerror or str(exc) or type(exc).__name__)


def probe_all(endpoints: Iterable[Endpoint], timeout: float = DEFAULT_TIMEOUT, parallelism: int = PARALLELISM,
              allow_local: bool = False, attempt: Callable[..., Probe] = probe) -> Dict[tuple, Probe]:
    """Probe every endpoint concurrently (each distinct target once): endpoint key -> its answer (render.Probes).
    A URL that breaks the one rule for URLs handed on (urls.py) is not tried: its `error` says why."""
    from .urls import url_problem

    targets: Dict[Target, List[Endpoint]] = {}
    refused: Dict[tuple, Probe] = {}
    for endpoint in endpoints:
        why = url_problem(endpoint.url, endpoint.host, endpoint.port) if not endpoint.host.startswith("*.") else None
        if why:
            refused[endpoint.key()] = Probe("error", None, f"not probed: {why}")
        else:
            targets.setdefault(target_of(endpoint), []).append(endpoint)
    if not targets:
        return refused
    with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(targets)))) as pool:
        answers = dict(zip(targets, pool.map(lambda t: attempt(t, timeout, allow_local), targets)))
    return {**refused, **{endpoint.key(): answers[target] for target, owners in targets.items() for endpoint in owners}}
