"""kubeconfig files read the way kubectl reads them (client-go's tools/clientcmd), without the official client.

Importing the official client costs hundreds of milliseconds, more than a whole command on a small cluster; every
kubeconfig but a legacy `auth-provider` one is read here (that one returns None: kube.Connection.load hands it to
the official client). Each rule below names the clientcmd source it follows; tests/test_kubectl_parity.py checks
them against kubectl itself, row by row:

- loader.go: a KUBECONFIG path list is merged, the first file winning for every cluster, user and context name and
  for current-context; missing files are skipped; a file is decoded whole, so a wrongly typed field anywhere is an
  error naming it in encoding/json's words; a name given twice in one file is an error; relative paths
  (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`, an exec `command` holding a `/`) are
  relative to the file that names them (ResolveLocalPaths), and `~` is not expanded.
- client_config.go getCluster/getAuthInfo: the flags (Overrides) replace the fields they set, and only those;
  `--insecure-skip-tls-verify` or `--certificate-authority` replace the kubeconfig's CA and insecure setting;
  `-s` or `--tls-server-name` replace `tls-server-name` (so `-s` alone clears it).
- validation.go ConfirmUsable: kubectl's refusals, in its words (two authentication methods, a CA as data and as a
  file, a client certificate without a key, impersonation details without a user, an exec entry without a command,
  apiVersion or interactiveMode, an unparsable proxy-url, an unreadable file).
- client_config.go ClientConfig: the user's credentials are read only when the server is https
  (IsConfigTransportTLS): a token, a token file, a password, a client certificate or an exec plugin is never sent
  to, nor run for, an `http://` server. One warning line says so when the user entry has any.
- getUserIdentificationPartialConfig and transport/round_trippers.go: a token file is read (trimmed) over a token
  (re-read each minute); basic auth is sent for a username, its password possibly empty, but a username with a
  bearer token is refused; an exec plugin runs only when there is no token, username or client certificate.
"""

import base64
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .errors import ConfigError, redact, remember_secret

EXEC_EXTENSION = "client.authentication.k8s.io/exec"  # the one cluster extension an exec plugin is given


# --- the file format: clientcmd/api/v1/types.go, as encoding/json decodes it --------------------------------

def _struct(go_name: str, /, **fields: Any) -> tuple:
    return ("struct", go_name, {key.rstrip("_").replace("_", "-"): value for key, value in fields.items()})


_STRING, _BOOL, _BYTES, _ANY = ("scalar", "string", str), ("scalar", "bool", bool), ("bytes", "[]uint8"), ("any",)
_STRINGS = ("list", "[]string", _STRING)
_EXTENSIONS = ("list", "[]v1.NamedExtension", _struct("NamedExtension", name=_STRING, extension=_ANY))
_CLUSTER = _struct("Cluster", server=_STRING, tls_server_name=_STRING, insecure_skip_tls_verify=_BOOL,
                   certificate_authority=_STRING, certificate_authority_data=_BYTES, proxy_url=_STRING,
                   disable_compression=_BOOL, extensions=_EXTENSIONS)
_EXEC = _struct("ExecConfig", command=_STRING, args=_STRINGS, apiVersion=_STRING, installHint=_STRING,
                provideClusterInfo=_BOOL, interactiveMode=("scalar", "v1.ExecInteractiveMode", str),
                env=("list", "[]v1.ExecEnvVar", _struct("ExecEnvVar", name=_STRING, value=_STRING)))
_USER = _struct("AuthInfo", client_certificate=_STRING, client_certificate_data=_BYTES, client_key=_STRING,
                client_key_data=_BYTES, token=_STRING, tokenFile=_STRING, as_=_STRING, as_uid=_STRING,
                as_groups=_STRINGS, as_user_extra=("map", "map[string][]string", _STRINGS), username=_STRING,
                password=_STRING, exec=_EXEC, extensions=_EXTENSIONS,
                auth_provider=_struct("AuthProviderConfig", name=_STRING,
                                      config=("map", "map[string]string", _STRING)))
_CONTEXT = _struct("Context", cluster=_STRING, user=_STRING, namespace=_STRING, extensions=_EXTENSIONS)
_CONFIG = _struct(
    "Config", kind=_STRING, apiVersion=_STRING, current_context=_STRING, extensions=_EXTENSIONS,
    preferences=_struct("Preferences", colors=_BOOL, extensions=_EXTENSIONS),
    clusters=("list", "[]v1.NamedCluster", _struct("NamedCluster", name=_STRING, cluster=_CLUSTER)),
    users=("list", "[]v1.NamedAuthInfo", _struct("NamedAuthInfo", name=_STRING, user=_USER)),
    contexts=("list", "[]v1.NamedContext", _struct("NamedContext", name=_STRING, context=_CONTEXT)))
SECTIONS = (("clusters", "cluster"), ("users", "user"), ("contexts", "context"))
_PATH_KEYS = ("certificate-authority", "client-certificate", "client-key", "tokenFile")


def _json_kind(value: Any) -> str:
    """How encoding/json names what it found."""
    return ("bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else
            "string" if isinstance(value, str) else "array" if isinstance(value, list) else
            "object" if isinstance(value, dict) else type(value).__name__)


def _check(value: Any, schema: tuple, path: List[str], struct: str) -> Any:
    """`value` as decoded into `schema`, or ConfigError in encoding/json's words ("cannot unmarshal string into Go
    struct field NamedAuthInfo.users.user of type v1.AuthInfo"). null is a field's zero value, as in Go."""
    kind = schema[0]
    if value is None or kind == "any":
        return value
    wanted = schema[1] if kind != "struct" else f"v1.{schema[1]}"
    expected: Any = {"scalar": schema[2] if kind == "scalar" else None, "bytes": str, "list": list, "map": dict,
                "struct": dict}[kind]
    if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
        where = f"Go struct field {struct}.{'.'.join(path)}" if path else "Go value"
        raise ConfigError(f"json: cannot unmarshal {_json_kind(value)} into {where} of type {wanted}")
    if kind == "bytes":
        try:
            return base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True)
        except ValueError:
            raise ConfigError(f"illegal base64 data in {'.'.join(path)}") from None
    if kind == "list":
        return [_check(item, schema[2], path, struct) for item in value]
    if kind == "map":
        return {str(key): _check(item, schema[2], path, struct) for key, item in value.items()}
    if kind == "struct":
        return {key: _check(item, schema[2][key], [*path, key], schema[1]) if key in schema[2] else item
                for key, item in value.items()}
    return value


def _loader():
    """PyYAML's safe loader less its timestamp rule: `token: 2024-01-01` is a string to kubectl (go-yaml), not a
    date. libyaml's parser where PyYAML was built with it (pip's wheels are; the krew zipapp is pure Python): the
    same documents, ~10x faster to read (20 contexts' kubeconfig: 50 ms in Python)."""
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    Loader.yaml_implicit_resolvers = {first: [(tag, regexp) for tag, regexp in resolvers
                                              if tag != "tag:yaml.org,2002:timestamp"]
                                      for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return Loader


def _read(path: str) -> dict:
    """One file, decoded and checked whole as kubectl decodes it, its relative paths made absolute."""
    import yaml

    try:
        with open(path, "rb") as handle:
            document = yaml.load(handle, Loader=_loader())
    except OSError as exc:
        raise ConfigError(f"invalid configuration: {exc.strerror}: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid configuration: {path} is not valid YAML ({str(exc).splitlines()[0]})") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"invalid configuration: {path} is not a kubeconfig")
    try:
        document = _check(document, _CONFIG, [], "Config")
        base = os.path.dirname(os.path.abspath(path))
        for section, inner in SECTIONS:
            seen = set()
            for item in [i for i in document.get(section) or [] if i]:
                name = item.get("name") or ""
                if name in seen:
                    raise ConfigError(f'duplicate name "{name}" in {section}')
                seen.add(name)
                item[inner] = dict(item.get(inner) or {})
                _resolve_paths(item[inner], base)
    except ConfigError as exc:
        raise ConfigError(f'error loading config file "{path}": {exc}') from None
    return document


def _resolve_paths(entry: dict, base: str) -> None:
    """clientcmd ResolveLocalPaths: relative to the file's directory; an exec command only when it holds a `/` (a
    bare name is looked up in PATH)."""
    for key in _PATH_KEYS:
        if entry.get(key) and not os.path.isabs(entry[key]):
            entry[key] = os.path.normpath(os.path.join(base, entry[key]))
    plugin = entry.get("exec")
    if isinstance(plugin, dict) and "/" in (plugin.get("command") or "") and not os.path.isabs(plugin["command"]):
        entry["exec"] = {**plugin, "command": os.path.normpath(os.path.join(base, plugin["command"]))}


def paths(flag: Optional[str]) -> List[str]:
    """The kubeconfig files kubectl would read: --kubeconfig (one path, never split on ":"; missing is an error;
    /dev/null is an empty one), else the existing files of $KUBECONFIG (a path list, merged), else ~/.kube/config."""
    if flag:
        if not os.path.exists(flag) or os.path.isdir(flag):
            raise ConfigError(f'kubeconfig "{flag}" not found')
        return [flag]
    listed = os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    return [p for p in listed.split(os.pathsep) if p and os.path.exists(p)]


_merged: Dict[tuple, Tuple[Dict[str, Dict[str, dict]], Optional[str]]] = {}  # for several contexts at once
_merging = threading.Lock()


def merged(paths: List[str]) -> Tuple[Dict[str, Dict[str, dict]], Optional[str]]:
    """{"clusters"|"users"|"contexts": {name: entry}}, first file wins; relative paths made absolute. Read once per
    process while the files are unchanged: 20 contexts at once connect 20 times, in 20 threads, and the first reads
    the files while the others wait for its answer (without the lock, all 20 would miss the cache and parse them:
    quadratic in the contexts, 20 x 9 ms of YAML for a 20-context file)."""
    with _merging:
        try:
            key = tuple((p, os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in paths)
        except OSError:
            key = None
        if key is not None and key in _merged:
            entries, current = _merged[key]
            return {section: dict(values) for section, values in entries.items()}, current
        result = _merge(paths)
        if key is not None and all(os.path.isfile(p) for p in paths):
            _merged[key] = result
    return {section: dict(values) for section, values in result[0].items()}, result[1]


def _merge(paths: List[str]) -> Tuple[Dict[str, Dict[str, dict]], Optional[str]]:
    entries: Dict[str, Dict[str, dict]] = {"clusters": {}, "users": {}, "contexts": {}}
    current = None
    for path in paths:
        document = _read(path)
        current = current or document.get("current-context") or None
        for section, inner in SECTIONS:
            for item in document.get(section) or []:
                if item and (item.get("name") or "") not in entries[section]:
                    entries[section][item.get("name") or ""] = item[inner]
    return entries, current


# --- the connection ------------------------------------------------------------------------------------

@dataclass
class Access:
    """Everything needed to talk to one API server; the TLS attribute names are the official client's
    Configuration's, so the HTTP layer takes either."""

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
    disable_compression: bool = False
    credential: Any = None  # credentials.Credential: the Authorization header, refreshed as client-go does
    impersonation: Dict[str, List[str]] = field(default_factory=dict)  # Impersonate-* header -> values
    warnings: List[str] = field(default_factory=list)  # said once, on stderr, when the client is made


@dataclass(frozen=True)
class Overrides:
    """kubectl's global connection flags, over what the kubeconfig says (clientcmd's ConfigOverrides): `--cluster`
    and `--user` pick other entries; the others replace the fields they set, each alone (mergo.WithOverride):
    `--token` over a user with an exec plugin means the plugin is not run (a token wins), over a user with a
    password it is kubectl's two-methods refusal."""

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
        """The cluster entry with the flags over it (client_config.go getCluster)."""
        cluster = dict(cluster)
        if self.server:
            cluster["server"] = self.server
        if self.insecure_skip_tls_verify or self.certificate_authority:
            cluster["insecure-skip-tls-verify"] = self.insecure_skip_tls_verify
            cluster["certificate-authority"] = os.path.abspath(self.certificate_authority or "") \
                if self.certificate_authority else None
            cluster.pop("certificate-authority-data", None)
        if self.server or self.tls_server_name:
            cluster["tls-server-name"] = self.tls_server_name
        return cluster

    def user_entry(self, user: dict) -> dict:
        """The user entry with the flags over it (client_config.go getAuthInfo)."""
        user = dict(user)
        for key, value in (("token", self.token), ("as", self.impersonate), ("as-uid", self.impersonate_uid),
                           ("client-certificate", self.client_certificate and os.path.abspath(self.client_certificate)),
                           ("client-key", self.client_key and os.path.abspath(self.client_key))):
            if value:
                user[key] = value
        if self.impersonate_groups:
            user["as-groups"] = list(self.impersonate_groups)
        return user


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
    user_name = overrides.user or chosen.get("user") or ""
    if user_name and user_name not in entries["users"]:
        raise ConfigError(f'user "{user_name}" does not exist' if overrides.user else
                          f'invalid configuration: context "{name}": user "{user_name}" not found')
    user = overrides.user_entry(entries["users"].get(user_name) or {})
    _confirm_usable(cluster_name, cluster, user_name, user)
    server = checked_server(cluster["server"], cluster_name)
    if user.get("auth-provider") and server.startswith("https://"):
        return None  # the official client's loader (over http: no credentials, as below, and no need of it)
    access = Access(host=server, impersonation=impersonation(user), disable_compression=bool(
        cluster.get("disable-compression")))
    if server.startswith("https://"):  # client_config.go: identities only where the transport is TLS
        _server_identity(access, cluster, cluster_name)
        _user_identity(access, user, user_name, cluster)
    else:
        access.proxy = _proxy(server, cluster.get("proxy-url"))
        held = [key for key in ("token", "tokenFile", "username", "password", "client-certificate",
                                "client-certificate-data", "exec", "auth-provider") if user.get(key)]
        for secret in (user.get("token"), user.get("password")):
            remember_secret(secret)  # not sent, still never printed
        if held:
            access.warnings.append(f"Warning: the credentials of user \"{user_name or '(flags)'}\" are not sent to "
                                   f"{redact(server)}: it is not https (kubectl sends them only over TLS)")
    return access, chosen.get("namespace") or "default", name


def _confirm_usable(cluster_name: str, cluster: dict, user_name: str, user: dict) -> None:
    """clientcmd's validation.go (validateClusterInfo, validateAuthInfo): kubectl's refusals in its words."""
    errors = []
    if cluster.get("proxy-url"):
        try:
            parse_proxy_url(cluster["proxy-url"])
        except ValueError as exc:
            errors.append(f"invalid 'proxy-url' \"{cluster['proxy-url']}\" for cluster \"{cluster_name}\": {exc}")
    if cluster.get("certificate-authority") and cluster.get("certificate-authority-data"):
        errors.append(f"certificate-authority-data and certificate-authority are both specified for {cluster_name}. "
                      "certificate-authority-data will override.")
    methods = (["token"] if user.get("token") else []) + (["basicAuth"] if user.get("username") or user.get("password")
                                                           else [])
    if user.get("client-certificate") or user.get("client-certificate-data"):
        if user.get("client-certificate") and user.get("client-certificate-data"):
            errors.append(f"client-cert-data and client-cert are both specified for {user_name}. client-cert-data will "
                          "override.")
        if user.get("client-key") and user.get("client-key-data"):
            errors.append(f"client-key-data and client-key are both specified for {user_name}; client-key-data will "
                          "override")
        if not (user.get("client-key") or user.get("client-key-data")):
            errors.append(f"client-key-data or client-key must be specified for {user_name} to use the clientCert "
                          "authentication method.")
    plugin = user.get("exec")
    if plugin is not None:
        errors += _exec_errors(plugin or {}, user_name, user.get("auth-provider") is not None)
    if len(methods) > 1:
        errors.append(f"more than one authentication method found for {user_name}; found [{' '.join(methods)}], only "
                      "one is allowed")
    if (user.get("as-uid") or user.get("as-groups") or user.get("as-user-extra")) and not user.get("as"):
        errors.append(f"requesting uid, groups or user-extra for {user_name} without impersonating a user")
    if errors:
        raise ConfigError(errors[0] if len(errors) == 1 else f"invalid configuration: [{', '.join(errors)}]")


def _exec_errors(plugin: dict, user_name: str, with_auth_provider: bool) -> List[str]:
    """validateAuthInfo's rules for an exec entry; v1beta1 defaults interactiveMode to IfAvailable (v1/defaults.go)."""
    errors = []
    if with_auth_provider:
        errors.append(f"authProvider cannot be provided in combination with an exec plugin for {user_name}")
    if not plugin.get("command"):
        errors.append(f"command must be specified for {user_name} to use exec authentication plugin")
    if not plugin.get("apiVersion"):
        errors.append(f"apiVersion must be specified for {user_name} to use exec authentication plugin")
    if any(not (env or {}).get("name") for env in plugin.get("env") or []):
        errors.append(f"env variable name must be specified for {user_name} to use exec authentication plugin")
    mode = plugin.get("interactiveMode") or ("IfAvailable" if plugin.get("apiVersion") in (
        "client.authentication.k8s.io/v1beta1", "client.authentication.k8s.io/v1alpha1") else "")
    if not mode:
        errors.append(f"interactiveMode must be specified for {user_name} to use exec authentication plugin")
    elif mode not in ("Never", "IfAvailable", "Always"):
        errors.append(f'invalid interactiveMode for {user_name}: "{mode}"')
    return errors


def _server_identity(access: Access, cluster: dict, cluster_name: str) -> None:
    """CA, insecure, SNI and proxy (getServerIdentificationPartialConfig, transport.TLSConfigFor)."""
    access.verify_ssl = not cluster.get("insecure-skip-tls-verify")
    access.tls_server_name = cluster.get("tls-server-name") or None
    access.proxy = _proxy(access.host, cluster.get("proxy-url"))
    if cluster.get("certificate-authority-data"):
        access.ca_cert_data = cluster["certificate-authority-data"].decode("latin-1")
    elif cluster.get("certificate-authority"):
        access.ssl_ca_cert = _readable(cluster["certificate-authority"], "certificate-authority", cluster_name)
    if not access.verify_ssl and (access.ca_cert_data or access.ssl_ca_cert):
        raise ConfigError("specifying a root certificates file with the insecure flag is not allowed")


def _user_identity(access: Access, user: dict, user_name: str, cluster: dict) -> None:
    """The credential, with client-go's precedence (getUserIdentificationPartialConfig, HTTPWrappersForConfig and
    exec.Authenticator.UpdateTransportConfig)."""
    from . import credentials

    if user.get("client-certificate") or user.get("client-certificate-data"):
        access.cert_file = (credentials.private_file(user["client-certificate-data"])
                            if user.get("client-certificate-data")
                            else _readable(user["client-certificate"], "client-cert", user_name))
        access.key_file = (credentials.private_file(user["client-key-data"]) if user.get("client-key-data")
                           else _readable(user["client-key"], "client-key", user_name))
        remember_secret((user.get("client-key-data") or b"").decode("latin-1"))
    token_file = user.get("tokenFile")
    if user.get("token") or token_file:
        if user.get("username"):
            raise ConfigError("username/password or bearer token may be set, but not both")
        access.credential = credentials.BearerToken(user.get("token"), token_file,
                                                    f'the token of user "{user_name}"' if user.get("token")
                                                    else f'the tokenFile of user "{user_name}"')
    elif user.get("username") or user.get("password"):
        remember_secret(user.get("password"))
        if user.get("username"):
            access.credential = credentials.Basic(user["username"], user.get("password") or "", user_name)
    elif user.get("exec") and not access.cert_file:
        access.credential = credentials.ExecPlugin(user["exec"], user_name, exec_cluster(access, cluster))


def exec_cluster(access: Access, cluster: dict) -> dict:
    """What `provideClusterInfo` hands the plugin (rest.ConfigToExecCluster): the server, SNI, insecure flag, CA
    data (a file's too), proxy-url, disable-compression, and of the cluster's extensions only
    client.authentication.k8s.io/exec."""
    ca = access.ca_cert_data.encode("latin-1") if access.ca_cert_data else None
    if ca is None and access.ssl_ca_cert:
        with open(access.ssl_ca_cert, "rb") as handle:
            ca = handle.read()
    extension = next((e.get("extension") for e in cluster.get("extensions") or []
                      if (e or {}).get("name") == EXEC_EXTENSION), None)
    info = {"server": access.host, "tls-server-name": access.tls_server_name,
            "insecure-skip-tls-verify": not access.verify_ssl, "certificate-authority-data":
            base64.b64encode(ca).decode() if ca else None, "proxy-url": cluster.get("proxy-url"),
            "disable-compression": access.disable_compression, "config": extension}
    return {key: value for key, value in info.items() if value}


def impersonation(user: dict) -> Dict[str, List[str]]:
    """The Impersonate-* headers (transport/round_trippers.go): one line per group and per extra value; an extra's
    key %-encoded where it is not a header token character."""
    headers: Dict[str, List[str]] = {}
    if user.get("as"):
        headers["Impersonate-User"] = [user["as"]]
        if user.get("as-uid"):
            headers["Impersonate-Uid"] = [user["as-uid"]]
        if user.get("as-groups"):
            headers["Impersonate-Group"] = list(user["as-groups"])
        for key, values in (user.get("as-user-extra") or {}).items():
            headers["Impersonate-Extra-" + "".join(c if c.isascii() and (c.isalnum() or c in "!#$&'*+-.^_`|~")
                                                   else "".join(f"%{b:02X}" for b in c.encode()) for c in key)] = \
                list(values or [])
    return headers


def in_cluster(service_account_dir: str) -> Optional[Tuple[Access, str, None]]:
    """A pod's own service account, as client-go's rest.InClusterConfig reads it: the API server at
    $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the mounted token (re-read each minute, as it rotates) and
    CA, the pod's namespace; None outside a pod (the variables unset)."""
    from . import credentials

    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port:
        return None
    token_file, ca_file = os.path.join(service_account_dir, "token"), os.path.join(service_account_dir, "ca.crt")
    credential = credentials.BearerToken(None, token_file, "the service account token")
    try:
        with open(os.path.join(service_account_dir, "namespace")) as handle:
            namespace = handle.read().strip() or "default"
    except OSError:
        namespace = "default"
    server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    access = Access(host=server, verify_ssl=True, ssl_ca_cert=ca_file if os.path.exists(ca_file) else None,
                    credential=credential, proxy=_proxy(server, None))
    return access, namespace, None


def checked_server(value: Any, cluster: str) -> str:
    """The `server:` URL: http or https with a host. Anything else would let urllib3 guess a host (kubectl takes a
    scheme-less one as http, with no credentials: refused here instead, as a likely mistake)."""
    import urllib.parse

    text = value if isinstance(value, str) else ""
    try:
        parts = urllib.parse.urlsplit(text)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:
        valid = False
    if not valid:
        shown = redact(text) if text else repr(value)
        raise ConfigError(f'invalid configuration: cluster "{cluster}": server {shown} is not an http(s) URL '
                          "with a host (e.g. https://203.0.113.10:6443)")
    return text.rstrip("/")


# --- proxies: golang.org/x/net/http/httpproxy, as http.ProxyFromEnvironment uses it ---------------------------

def parse_proxy_url(value: str) -> str:
    """clientcmd's parseProxyURL: an http, https or socks5 URL (ValueError otherwise, in kubectl's words)."""
    scheme = _go_url_scheme(value)
    if scheme is None:
        raise ValueError(f"could not parse: {value}")
    if scheme not in ("http", "https", "socks5"):
        raise ValueError(f'unsupported scheme "{scheme}", must be http, https, or socks5')
    return value


def _go_url_scheme(value: str) -> Optional[str]:
    """The scheme Go's url.Parse finds (getScheme), "" for none; None where url.Parse fails: a control character,
    a leading colon, a colon in the first segment of a scheme-less URL, a port that is not a number."""
    from urllib.parse import urlsplit

    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    scheme = ""
    for index, char in enumerate(value):
        if char.isascii() and char.isalpha():
            continue
        if char.isascii() and (char.isdigit() or char in "+-.") and index:
            continue
        if char == ":":
            if index == 0:
                return None
            scheme = value[:index]
        break
    if not scheme and ":" in value.split("/", 1)[0]:
        return None
    try:
        urlsplit(value).port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return None
    return scheme.lower()


def _proxy(server: str, configured: Optional[str]) -> Optional[str]:
    """`proxy-url` for every server (loopback included), else the environment's as Go reads it."""
    return parse_proxy_url(configured) if configured else proxy_from_environment(server)


def _getenv_any(*names: str) -> str:
    """httpproxy.FromEnvironment: the upper-case spelling first, the first that is set and not empty."""
    return next((os.environ[n] for n in names if os.environ.get(n)), "")


def proxy_from_environment(server: str) -> Optional[str]:
    """HTTPS_PROXY for https, HTTP_PROXY for http (refused in a CGI environment), unless the server is localhost, a
    loopback address or covered by NO_PROXY. A value without a known scheme is taken as http://VALUE."""
    from urllib.parse import urlsplit

    parts = urlsplit(server)
    configured = _getenv_any("HTTPS_PROXY", "https_proxy") if parts.scheme == "https" else \
        _getenv_any("HTTP_PROXY", "http_proxy")
    if not configured:
        return None
    if parts.scheme == "http" and os.environ.get("REQUEST_METHOD"):
        raise ConfigError("refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy")
    if not _use_proxy(parts.hostname or "", str(parts.port or (443 if parts.scheme == "https" else 80)),
                      _getenv_any("NO_PROXY", "no_proxy")):
        return None
    proxy = configured if _go_url_scheme(configured) in ("http", "https", "socks5") else "http://" + configured
    return proxy if _go_url_scheme(proxy) else None  # httpproxy: an unparsable value is no proxy


def _use_proxy(host: str, port: str, no_proxy: str) -> bool:
    """httpproxy's useProxy: never for `localhost` or a loopback address; NO_PROXY entries are `*`, an IP or CIDR, or
    a domain optionally with `:port` (`example.com` covers itself and its subdomains, `.example.com` and
    `*.example.com` only its subdomains), compared lower-cased."""
    import ipaddress

    if host == "localhost":
        return False
    try:
        ip: Any = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None and ip.is_loopback:
        return False
    host = host.strip().lower()
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return False
        if "/" in entry:
            try:
                if ip is not None and ip in ipaddress.ip_network(entry, strict=False):
                    return False
            except ValueError:
                pass
            continue
        name, entry_port = _split_host_port(entry)
        try:
            entry_ip: Any = ipaddress.ip_address(name)
        except ValueError:
            entry_ip = None
        if entry_ip is not None:
            if ip is not None and entry_ip == ip and entry_port in ("", port):
                return False
            continue
        if not name:
            continue
        if name.startswith("*."):
            name = name[1:]
        exact = not name.startswith(".")
        suffix = name if name.startswith(".") else "." + name
        if (host.endswith(suffix) or (exact and host == suffix[1:])) and entry_port in ("", port):
            return False
    return True


def _split_host_port(entry: str) -> Tuple[str, str]:
    """net.SplitHostPort's reading of a NO_PROXY entry: `host:port`, `[v6]:port`; anything else is all host."""
    if entry.startswith("[") and "]:" in entry:
        host, _, port = entry[1:].partition("]:")
        return host, port
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, port
    return entry.strip("[]"), ""


# --- files ---------------------------------------------------------------------------------------------

def _readable(path: str, what: str, owner: str) -> str:
    """validation.go: a file the kubeconfig names must open ("unable to read client-cert ... due to ...")."""
    try:
        with open(path, "rb"):
            return path
    except OSError as exc:
        raise ConfigError(f"unable to read {what} {path} for {owner} due to open {path}: "
                          f"{(exc.strerror or str(exc)).lower()}") from None
