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
from dataclasses import dataclass, field
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
    impersonation: Dict[str, List[str]] = field(default_factory=dict)  # Impersonate-* header -> values

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


_merged: Dict[tuple, Tuple[Dict[str, Dict[str, dict]], Optional[str]]] = {}  # for several contexts at once


def merged(paths: List[str]) -> Tuple[Dict[str, Dict[str, dict]], Optional[str]]:
    """{"clusters"|"users"|"contexts": {name: entry}}, first file wins; relative paths made absolute. Read once per
    process while the files are unchanged (20 contexts at once connect 20 times)."""
    try:
        key = tuple((p, os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in paths)
    except OSError:
        key = None
    if key is not None and key in _merged:
        entries, current = _merged[key]
        return {section: dict(values) for section, values in entries.items()}, current
    result = _merge(paths)
    if key is not None:
        _merged[key] = result
    return {section: dict(values) for section, values in result[0].items()}, result[1]


def _merge(paths: List[str]) -> Tuple[Dict[str, Dict[str, dict]], Optional[str]]:
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
    """proxy-url, else HTTPS_PROXY/HTTP_PROXY unless NO_PROXY covers the server (as kubectl does). Read here, not
    with urllib.request, whose import alone is a tenth of a small command."""
    if configured:
        return configured
    from urllib.parse import urlsplit

    parts = urlsplit(server)
    if _no_proxy(parts.hostname or "", parts.port):
        return None
    return _environ(f"{parts.scheme}_proxy")


def _environ(name: str) -> Optional[str]:
    """A proxy variable, the lower-case spelling first (as Go and Python read them)."""
    return os.environ.get(name.lower()) or os.environ.get(name.upper()) or None


def _no_proxy(host: str, port: Optional[int]) -> bool:
    """Whether NO_PROXY covers the server, as Go's http.ProxyFromEnvironment reads it (kubectl's rule): `*`; a
    host or domain (`example.com` and `.example.com` cover its subdomains too); an IP or a CIDR; each entry
    optionally with `:port`."""
    host = host.lower()
    for entry in (e.strip().lower() for e in (_environ("no_proxy") or "").split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":")
        if entry_port.isdigit() and (entry.count(":") == 1 or name.endswith("]")):  # host:port, [v6]:port
            if port is not None and int(entry_port) != port:
                continue
            entry = name
        entry = entry.strip("[]")
        if "/" in entry:
            import ipaddress

            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        domain = entry.lstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False


@dataclass(frozen=True)
class Overrides:
    """kubectl's global connection flags, over what the kubeconfig says (clientcmd's ConfigOverrides): `--cluster`
    and `--user` pick other entries; `-s`, `--certificate-authority`, `--insecure-skip-tls-verify` and
    `--tls-server-name` replace fields of the cluster; `--token` or `--client-certificate`/`--client-key` replace
    the user's credentials (an exec plugin or auth-provider is then not run); `--as`, `--as-group`, `--as-uid`
    impersonate (over the user entry's own `as`, `as-groups`, `as-uid`)."""

    cluster: Optional[str] = None
    user: Optional[str] = None
    server: Optional[str] = None
    certificate_authority: Optional[str] = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: Optional[str] = None
    token: Optional[str] = None
    client_certificate: Optional[str] = None
    client_key: Optional[str] = None
    impersonate: Optional[str] = None
    impersonate_groups: Tuple[str, ...] = ()
    impersonate_uid: Optional[str] = None

    def cluster_entry(self, cluster: dict) -> dict:
        """The cluster entry with the flags over it. An explicit CA replaces the kubeconfig's; `--insecure-skip-
        tls-verify` without one drops the kubeconfig's CA (clientcmd: else the two would conflict)."""
        cluster = dict(cluster)
        for key, value in (("server", self.server), ("tls-server-name", self.tls_server_name)):
            if value:
                cluster[key] = value
        if self.certificate_authority:
            cluster["certificate-authority"] = os.path.abspath(os.path.expanduser(self.certificate_authority))
            cluster.pop("certificate-authority-data", None)
            cluster["insecure-skip-tls-verify"] = False
        elif self.insecure_skip_tls_verify:
            cluster.pop("certificate-authority", None)
            cluster.pop("certificate-authority-data", None)
            cluster["insecure-skip-tls-verify"] = True
        return cluster

    def user_entry(self, user: dict) -> dict:
        """The user entry with the flags over it: given credentials replace every credential it had."""
        user = dict(user)
        if self.token or self.client_certificate or self.client_key:
            for key in ("token", "tokenFile", "exec", "auth-provider", "username", "password", "client-certificate",
                        "client-certificate-data", "client-key", "client-key-data"):
                user.pop(key, None)
        if self.token:
            user["token"] = self.token
        for key, value in (("client-certificate", self.client_certificate), ("client-key", self.client_key)):
            if value:
                user[key] = os.path.abspath(os.path.expanduser(value))
        return user

    def impersonation(self, user: dict) -> Dict[str, List[str]]:
        """The Impersonate-* headers to send (one header line per group, as client-go sends them)."""
        name = self.impersonate or (user.get("as") if isinstance(user.get("as"), str) else None)
        groups = list(self.impersonate_groups) or [g for g in user.get("as-groups") or [] if isinstance(g, str)]
        uid = self.impersonate_uid or (user.get("as-uid") if isinstance(user.get("as-uid"), str) else None)
        if (groups or uid) and not name:
            raise ConfigError("requesting uid or groups for impersonation requires specifying the user (--as)")
        headers = {"Impersonate-User": [name] if name else [], "Impersonate-Group": groups,
                   "Impersonate-Uid": [uid] if uid else []}
        return {key: values for key, values in headers.items() if values}


NO_OVERRIDES = Overrides()


def load(paths: List[str], context: Optional[str], overrides: Overrides = NO_OVERRIDES
         ) -> Optional[Tuple[Access, str, Optional[str]]]:
    """(access, namespace, context name), or None when the user entry needs the official client."""
    entries, current = merged(paths)
    name = context or current
    if not name and not overrides.server:  # kubectl runs on flags alone: -s URL --token T
        raise ConfigError("no current context in the kubeconfig: use --context")
    chosen = entries["contexts"].get(name or "") if name else {}
    if chosen is None:
        raise ConfigError(f'context "{name}" does not exist')
    cluster_name = overrides.cluster or chosen.get("cluster") or ""
    if overrides.cluster and cluster_name not in entries["clusters"]:
        raise ConfigError(f'cluster "{cluster_name}" does not exist')
    cluster = overrides.cluster_entry(entries["clusters"].get(cluster_name) or {})
    if not cluster.get("server"):
        raise ConfigError(f'context "{name}": cluster "{cluster_name}" not found or has no server')
    server = checked_server(cluster["server"], cluster_name)
    insecure = boolean(cluster.get("insecure-skip-tls-verify", False), "insecure-skip-tls-verify",
                       chosen.get("cluster") or "")
    if insecure and (cluster.get("certificate-authority") or cluster.get("certificate-authority-data")):
        raise ConfigError(f'invalid configuration: cluster "{chosen.get("cluster")}": specifying a root certificates '
                          "file with the insecure flag is not allowed")  # kubectl's refusal, in its words
    user_name = overrides.user or chosen.get("user") or ""
    if user_name and user_name not in entries["users"]:
        raise ConfigError(f'user "{user_name}" does not exist' if overrides.user else
                          f'invalid configuration: context "{name}": user "{user_name}" not found')
    user = overrides.user_entry(entries["users"].get(user_name, {}))
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
    access.impersonation = overrides.impersonation(user)
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
