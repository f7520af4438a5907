"""Certificates for the TLS tests, made with the openssl command (a CA, leaves it signs, self-signed ones).

Keys are RSA 2048 unless `ec` (P-256: a tenth of the time, for the many certificates of the kubectl-parity tier).
"""

import pathlib
import shutil
import subprocess

import pytest

requires_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
_RSA = ("-newkey", "rsa:2048")
_EC = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1")


def openssl(directory: pathlib.Path, *args: str) -> str:
    return subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory, text=True).stdout


def make_ca(directory: pathlib.Path, name: str = "ca", key_usage: bool = True, ec: bool = False,
            subject: str = "/CN=fake-ca") -> None:
    """A self-signed CA. `key_usage=False`: no keyUsage extension (openssl's default, as older kubeadm, k3s and
    hand-made CAs: Python 3.13's VERIFY_X509_STRICT refuses it, Go and kubectl reach do not; what a browser-like
    client such as --probe verifies against is a public CA, which has it)."""
    extra = ["-addext", "keyUsage=critical,keyCertSign,cRLSign"] if key_usage else []
    openssl(directory, "req", "-x509", *(_EC if ec else _RSA), "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt",
            "-days", "2", "-subj", subject, *extra)


def make_leaf(directory: pathlib.Path, name: str, subject: str, extension: str, ca: str = "ca", ec: bool = False,
              days: int = 2) -> None:
    """`name`.crt/.key signed by `ca`; `extension` e.g. `subjectAltName=IP:127.0.0.1` (lines for several);
    `days=0`: expired a second after it is made."""
    openssl(directory, "req", *(_EC if ec else _RSA), "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", subject)
    (directory / f"{name}.ext").write_text(extension + "\n")
    openssl(directory, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.crt", "-days", str(days), "-extfile", f"{name}.ext")


def make_self_signed(directory: pathlib.Path, name: str, subject: str, san: str) -> None:
    openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt",
            "-days", "30", "-subj", subject, "-addext", f"subjectAltName={san}")


def serving(directory: pathlib.Path, name: str = "server", client_ca: str = "ca"):
    """A server-side TLS context for `name`.crt/.key that asks for (does not require) a client certificate of
    `client_ca`: the HTTPS fake API servers of the tests."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / f"{name}.crt", directory / f"{name}.key")
    context.load_verify_locations(directory / f"{client_ca}.crt")
    context.verify_mode = ssl.CERT_OPTIONAL
    return context
