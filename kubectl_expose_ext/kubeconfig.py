"""kubeconfig files read the way kubectl reads them, for the common cases, without the official client.

Importing the official client costs hundreds of milliseconds, more than a whole command on a small
cluster. Most kubeconfigs need none of it: a server, a CA, and a token, a token file or a client
certificate, or an `exec` credential plugin (EKS, GKE, AKS: credentials.py runs it). Those are read here.
A user entry with a legacy `auth-provider` returns None, and the official client does the work, as it does
for in-cluster configuration (kube.Connection.load).

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

from .errors import ConfigError, redact, remember_secret

NEEDS_OFFICIAL_CLIENT = ("auth-provider",)  # legacy (removed from kubectl in 1.26); exec plugins: credentials.py
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


def paths(flag: Optional[str]) -> List[str]:
    """The kubeconfig files kubectl would read: --kubeconfig (one path, never split on ":"; missing is an error),
    else the existing files of $KUBECONFIG (a path list, merged), else ~/.kube/config if it exists."""
    if flag:
        if not os.path.isfile(flag):
            raise ConfigError(f'kubeconfig "{flag}" not found')
        return [flag]
    listed = os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    return [os.path.expanduser(p) for p in listed.split(os.pathsep) if p and os.path.exists(os.path.expanduser(p))]


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
    """Base64 certificate or key data (a kubeconfig's `*-data`) in a private temporary file."""
    try:
        return _private_file(base64.b64decode(data, validate=True))
    except ValueError:
        raise ConfigError(f"invalid configuration: {what} is not valid base64") from None


def _private_file(content: bytes) -> str:
    """A private temporary file, removed at exit (SIGTERM included): ssl loads client certificates from files only."""
    handle, path = tempfile.mkstemp(prefix="kubectl-reach-", suffix=".pem")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    def remove() -> None:
        if os.path.exists(path):
            os.unlink(path)

    atexit.register(remove)
    return path


def _proxy_for(server: str, configured: Optional[str]) -> Optional[str]:
    """proxy-url, else HTTPS_PROXY/HTTP_PROXY unless NO_PROXY covers the server (as kubectl does)."""
    if configured:
        return configured
    import urllib.parse
    import urllib.request

    parts = urllib.parse.urlsplit(server)
    if getattr(urllib.request, "proxy_bypass_environment")(parts.netloc or ""):  # noqa: B009 - not in typeshed
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
    server = checked_server(cluster["server"], chosen.get("cluster") or "")
    insecure = boolean(cluster.get("insecure-skip-tls-verify", False), "insecure-skip-tls-verify",
                       chosen.get("cluster") or "")
    if insecure and (cluster.get("certificate-authority") or cluster.get("certificate-authority-data")):
        raise ConfigError(f'invalid configuration: cluster "{chosen.get("cluster")}": specifying a root certificates '
                          "file with the insecure flag is not allowed")  # kubectl's refusal, in its words
    user_name = chosen.get("user") or ""
    if user_name and user_name not in entries["users"]:
        raise ConfigError(f'invalid configuration: context "{name}": user "{user_name}" not found')
    user = entries["users"].get(user_name, {})
    if any(key in user for key in NEEDS_OFFICIAL_CLIENT):
        return None
    access = Access(host=server, verify_ssl=not insecure, tls_server_name=cluster.get("tls-server-name"),
                    proxy=_proxy_for(server, cluster.get("proxy-url")))
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
    if isinstance(user.get("exec"), dict):
        from .credentials import exec_credential

        status = exec_credential(user["exec"], cluster)
        if status.get("token"):
            access.token = _clean_token(str(status["token"]), "the exec plugin's token")
        else:  # PEM text, not base64
            access.cert_file = _private_file(str(status["clientCertificateData"]).encode())
            access.key_file = _private_file(str(status["clientKeyData"]).encode())
            remember_secret(str(status["clientKeyData"]))
    elif user.get("token"):
        access.token = _clean_token(str(user["token"]), f'the token of user "{user_name}"')
    elif user.get("tokenFile"):
        with open(str(_existing(user["tokenFile"]))) as handle:
            access.token = _clean_token(handle.read(), f'the tokenFile of user "{user_name}"')
    access.username, access.password = user.get("username"), user.get("password")
    for secret in (access.token, access.password, user.get("client-key-data")):
        remember_secret(secret)
    return access, chosen.get("namespace") or "default", name


def in_cluster(service_account_dir: str) -> Optional[Tuple[Access, str, None]]:
    """A pod's own service account, as client-go's rest.InClusterConfig reads it: the API server at
    $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the mounted token and CA, the pod's namespace; None outside a
    pod (the variables unset)."""
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        return None
    token_file, ca_file = os.path.join(service_account_dir, "token"), os.path.join(service_account_dir, "ca.crt")
    try:
        with open(token_file) as handle:
            token = _clean_token(handle.read(), "the service account token")
    except OSError as exc:
        raise ConfigError(f"invalid in-cluster configuration: {exc.strerror}: {exc.filename}") from None
    try:
        with open(os.path.join(service_account_dir, "namespace")) as handle:
            namespace = handle.read().strip() or "default"
    except OSError:
        namespace = "default"
    server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    access = Access(host=server, verify_ssl=True, ssl_ca_cert=ca_file if os.path.exists(ca_file) else None,
                    token=token, proxy=_proxy_for(server, None))
    return access, namespace, None


def _clean_token(token: str, what: str) -> str:
    """Trimmed, as kubectl trims it; a token with a newline or control byte inside is refused (it would end up
    whole in an HTTP library's error message)."""
    token = token.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7f for c in token):
        raise ConfigError(f"invalid configuration: {what} contains a line break or control character")
    return token


def boolean(value, key: str, cluster: str) -> bool:
    """A kubeconfig boolean is a YAML boolean, as kubectl decodes it: `"false"` (a string) is an error, not true."""
    if isinstance(value, bool):
        return value
    raise ConfigError(f'invalid configuration: cluster "{cluster}": {key} must be true or false, not {value!r}')


def checked_server(value, cluster: str) -> str:
    """The `server:` URL: http or https with a host. Anything else would let urllib3 guess a host."""
    import urllib.parse

    text = value if isinstance(value, str) else ""
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = redact(text) if text else repr(value)
        raise ConfigError(f'invalid configuration: cluster "{cluster}": server {shown} is not an http(s) URL '
                          "with a host (e.g. https://203.0.113.10:6443)")
    return text.rstrip("/")


def _existing(path: Optional[str]) -> Optional[str]:
    if path and not os.path.exists(path):
        raise ConfigError(f"invalid configuration: no such file: {path}")
    return path or None
