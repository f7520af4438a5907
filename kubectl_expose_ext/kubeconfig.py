"""kubeconfig files read the way kubectl reads them, for the common cases, without the official client.

Importing the official client costs hundreds of milliseconds, more than a whole command on a small
cluster. Most kubeconfigs need none of it: a server, a CA, and a token, a token file or a client
certificate. Those are read here. A user entry with an `exec` credential plugin or an `auth-provider`
(EKS, GKE, AKS, OIDC) returns None, and the official client does the work, as it does for in-cluster
configuration (kube.Connection.load).

kubectl's rules kept here: a KUBECONFIG path list is merged with the first file winning for every
cluster, user and context name and for current-context; relative file paths are relative to the
kubeconfig that names them; token files are trimmed.
"""

import atexit
import base64
import os
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .errors import ConfigError

NEEDS_OFFICIAL_CLIENT = ("exec", "auth-provider")
_PATH_KEYS = ("certificate-authority", "client-certificate", "client-key", "tokenFile")


@dataclass
class Access:
    """Everything needed to talk to one API server; the same attribute names as the official
    client's Configuration, so the HTTP layer takes either."""

    host: str
    verify_ssl: bool = True
    ssl_ca_cert: Optional[str] = None
    ca_cert_data: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
    tls_server_name: Optional[str] = None
    assert_hostname: Optional[str] = None
    proxy: Optional[str] = None
    proxy_headers: Optional[dict] = None
    username: Optional[str] = None
    password: Optional[str] = None
    token: Optional[str] = None

    def auth_settings(self) -> dict:
        return {"BearerToken": {"value": f"Bearer {self.token}"}} if self.token else {}


def _read(path: str) -> dict:
    import yaml

    try:
        with open(path) as handle:
            document = yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError(f"invalid configuration: {exc.strerror}: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid configuration: {path} is not valid YAML ({str(exc).splitlines()[0]})") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"invalid configuration: {path} is not a kubeconfig")
    return document


def merged(paths: List[str]) -> Tuple[Dict[str, Dict[str, dict]], Optional[str]]:
    """{"clusters"|"users"|"contexts": {name: entry}}, first file wins; relative paths made absolute."""
    entries: Dict[str, Dict[str, dict]] = {"clusters": {}, "users": {}, "contexts": {}}
    current = None
    for path in paths:
        document = _read(path)
        base = os.path.dirname(os.path.abspath(path))
        current = current or document.get("current-context") or None
        for section, inner in (("clusters", "cluster"), ("users", "user"), ("contexts", "context")):
            for item in document.get(section) or []:
                if not isinstance(item, dict) or not item.get("name") or item["name"] in entries[section]:
                    continue
                value = dict(item.get(inner) or {})
                for key in _PATH_KEYS:
                    if isinstance(value.get(key), str) and value[key] and not os.path.isabs(value[key]):
                        value[key] = os.path.join(base, os.path.expanduser(value[key]))
                entries[section][item["name"]] = value
    return entries, current


def _secret_file(data: str, what: str) -> str:
    """Certificate or key data in a private temporary file (ssl loads client certificates from files only)."""
    try:
        content = base64.b64decode(data, validate=True)
    except ValueError:
        raise ConfigError(f"invalid configuration: {what} is not valid base64") from None
    handle, path = tempfile.mkstemp(prefix="kubectl-reach-", suffix=".pem")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    atexit.register(lambda: os.path.exists(path) and os.unlink(path))
    return path


def _proxy_for(server: str, configured: Optional[str]) -> Optional[str]:
    """proxy-url, else HTTPS_PROXY/HTTP_PROXY unless NO_PROXY covers the server (as kubectl does)."""
    if configured:
        return configured
    import urllib.parse
    import urllib.request

    parts = urllib.parse.urlsplit(server)
    if urllib.request.proxy_bypass_environment(parts.netloc or ""):
        return None
    return urllib.request.getproxies_environment().get(parts.scheme)


def load(paths: List[str], context: Optional[str]) -> Optional[Tuple[Access, str, str]]:
    """(access, namespace, context name), or None when the user entry needs the official client."""
    entries, current = merged(paths)
    name = context or current
    if not name:
        raise ConfigError("no current context in the kubeconfig: use --context")
    chosen = entries["contexts"].get(name)
    if chosen is None:
        raise ConfigError(f'context "{name}" does not exist')
    cluster = entries["clusters"].get(chosen.get("cluster") or "")
    if cluster is None or not cluster.get("server"):
        raise ConfigError(f'context "{name}": cluster "{chosen.get("cluster")}" not found or has no server')
    user = entries["users"].get(chosen.get("user") or "", {})
    if any(key in user for key in NEEDS_OFFICIAL_CLIENT):
        return None
    access = Access(host=str(cluster["server"]).rstrip("/"), verify_ssl=not cluster.get("insecure-skip-tls-verify"),
                    tls_server_name=cluster.get("tls-server-name"),
                    proxy=_proxy_for(str(cluster["server"]), cluster.get("proxy-url")))
    if cluster.get("certificate-authority-data"):
        try:
            access.ca_cert_data = base64.b64decode(cluster["certificate-authority-data"], validate=True).decode()
        except ValueError:
            raise ConfigError("invalid configuration: certificate-authority-data is not valid base64") from None
    elif cluster.get("certificate-authority"):
        access.ssl_ca_cert = _existing(cluster["certificate-authority"])
    access.cert_file = (_secret_file(user["client-certificate-data"], "client-certificate-data")
                        if user.get("client-certificate-data") else _existing(user.get("client-certificate")))
    access.key_file = (_secret_file(user["client-key-data"], "client-key-data")
                       if user.get("client-key-data") else _existing(user.get("client-key")))
    if user.get("token"):
        access.token = str(user["token"]).strip()
    elif user.get("tokenFile"):
        with open(_existing(user["tokenFile"])) as handle:
            access.token = handle.read().strip()
    access.username, access.password = user.get("username"), user.get("password")
    return access, chosen.get("namespace") or "default", name


def _existing(path: Optional[str]) -> Optional[str]:
    if path and not os.path.exists(path):
        raise ConfigError(f"invalid configuration: no such file: {path}")
    return path or None
