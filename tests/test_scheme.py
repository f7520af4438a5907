import pytest

from kubectl_expose_ext.scheme import port_scheme


@pytest.mark.parametrize("app_protocol, name, numbers, protocol, expected", [
    ("https", "http", (80,), "TCP", "https"),                  # appProtocol wins over the name
    ("kubernetes.io/h2c", None, (9000,), "TCP", "http"),
    ("kubernetes.io/wss", None, (9000,), "TCP", "wss"),
    ("HTTP", None, (), "TCP", "http"),
    ("postgresql", None, (5432,), "TCP", "postgresql"),        # any IANA name is a usable scheme
    ("example.com/My Proto", None, (80,), "TCP", "http"),      # not a scheme token: fall through
    (None, "https-admin", (8000,), "TCP", "https"),           # https* before http*
    (None, "http-metrics", (9090,), "TCP", "http"),
    (None, "grpc-api", (9090,), "TCP", "grpc"),
    (None, "web", (80,), "TCP", "http"),
    (None, None, (8080,), "TCP", "http"),
    (None, None, (443,), "TCP", "https"),
    (None, "", (8443,), "TCP", "https"),
    (None, "dns", (53,), "UDP", "udp"),
    (None, None, (5432,), None, "tcp"),
    (None, None, (None, 80), "TCP", "http"),                   # second number (e.g. containerPort) counts
    (None, None, (), "SCTP", "sctp"),
])
def test_scheme_rules(app_protocol, name, numbers, protocol, expected):
    assert port_scheme(app_protocol, name, numbers, protocol) == expected
