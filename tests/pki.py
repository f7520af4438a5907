"""Certificates for the TLS tests, made with the openssl command (a CA, leaves it signs, self-signed ones)."""

import pathlib
import shutil
import subprocess

import pytest

requires_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def openssl(directory: pathlib.Path, *args: str) -> str:
    return subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory, text=True).stdout


def make_ca(directory: pathlib.Path, name: str = "ca") -> None:
    openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt",
            "-days", "2", "-subj", "/CN=fake-ca")


def make_leaf(directory: pathlib.Path, name: str, subject: str, extension: str, ca: str = "ca") -> None:
    """`name`.crt/.key signed by `ca`; `extension` e.g. `subjectAltName=IP:127.0.0.1`."""
    openssl(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", subject)
    (directory / f"{name}.ext").write_text(extension + "\n")
    openssl(directory, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext")


def make_self_signed(directory: pathlib.Path, name: str, subject: str, san: str) -> None:
    openssl(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt",
            "-days", "30", "-subj", subject, "-addext", f"subjectAltName={san}")
