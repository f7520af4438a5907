"""The URL scheme a client should use for a port: what a browser or a script would need."""

import re
from typing import Any, Iterable, Optional

# Standard appProtocol values (IANA names and the kubernetes.io/ ones) mapped to a URL scheme.
_APP_PROTOCOLS = {
    "http": "http", "http2": "http", "h2c": "http", "kubernetes.io/h2c": "http",
    "https": "https", "grpc": "grpc", "ws": "ws", "wss": "wss",
    "kubernetes.io/ws": "ws", "kubernetes.io/wss": "wss",
}
_SCHEME_TOKEN = re.compile(r"^[a-z][a-z0-9+.-]*$")
_NAME_PREFIXES = ("https", "http", "grpc")  # longest first: "https-api" is https, not http
_WELL_KNOWN = {80: "http", 8080: "http", 443: "https", 8443: "https"}


def port_scheme(app_protocol: Any = None, name: Any = None, numbers: Iterable[Optional[int]] = (),
                protocol: Any = "TCP") -> str:
    """`appProtocol`, else the port name (http*, https*, grpc*), else, for TCP, 80/8080 -> http and
    443/8443 -> https, else the transport (tcp, udp, sctp): 443/UDP is not https (HTTP/3 says so with
    appProtocol)."""
    transport = protocol.lower() if isinstance(protocol, str) and protocol else "tcp"
    if isinstance(app_protocol, str) and app_protocol:
        known = _APP_PROTOCOLS.get(app_protocol.lower())
        if known:
            return known
        token = app_protocol.lower().rsplit("/", 1)[-1]
        if _SCHEME_TOKEN.match(token):
            return token
    if transport != "tcp":
        return transport
    if isinstance(name, str):
        for prefix in _NAME_PREFIXES:
            if name.lower().startswith(prefix):
                return prefix
    for number in numbers:
        if number in _WELL_KNOWN:
            return _WELL_KNOWN[number]
    return transport
