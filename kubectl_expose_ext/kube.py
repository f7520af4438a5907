"""The only module that talks to the API server. Everything it returns is a plain dict.

Configuration (kubeconfig merging, contexts, exec credential plugins, token files, client certificates, in-cluster
service accounts) is read by kubeconfig.py and credentials.py; the official `kubernetes` client is imported only for
a legacy `auth-provider` user. The HTTP requests are made here with urllib3 and the responses decoded straight from
JSON: the client's typed models are slow on large lists and, in recent releases, reject objects that lack a field
their schema calls required.
"""

import functools
import json
import os
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import quote, urlencode

from . import __version__
from .kinds import BY_RESOURCE, KINDS
from .errors import (ApiError, ConfigError, Conflict, Forbidden, Gone, Invalid, NotFound, Unreachable, redact,
                     remember_secret)
from .shapes import conform

if TYPE_CHECKING:
    from .kubeconfig import Access
    from .kubeconfig import Overrides

# resource -> (API path prefix, namespaced), from the one table of kinds
RESOURCES = {k.resource: (k.api_path, k.namespaced) for k in KINDS}
# APIs a cluster may or may not serve (CRDs): resource -> (group, versions to accept, best first, namespaced).
# They are used only when discovery finds them, at the best version served; until then, at their best version.
OPTIONAL_APIS = {k.resource: (k.group, k.versions, k.namespaced) for k in KINDS if k.optional}
# What kubectl sends: aggregated discovery (every group, version and resource in one answer) where the
# server has it (1.26+), the classic APIGroupList otherwise.
AGGREGATED_DISCOVERY = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
PAGE_SIZE = 500  # what kubectl asks for (--chunk-size)
# Server-side printing, as kubectl asks for it; a server that cannot print answers with the plain list.
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
RETRIES = 3  # extra attempts for a read that met a 429, a 5xx or a broken connection
RETRY_STATUSES = {429, 500, 502, 503, 504}
BACKOFF = 0.25  # seconds before the first retry; doubled each time
MAX_RETRY_AFTER = 10.0
MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # decoded; a 500-item page of 20 KB nodes is 10 MB
# A paged LIST ends in an error, not in minutes and gigabytes, past 1,000 pages (of PAGE_SIZE: 500,000 objects, 3x the
# 150,000 pods Kubernetes tests one cluster with), as many objects kept, or 5 minutes: bounds a user would accept.
MAX_PAGES, MAX_LIST_SECONDS = 1_000, 300
_READ_CHUNK = 8192  # compressed bytes decoded at a time: a gzip bomb expands at most ~8 MB per step
_ERRORS = {403: Forbidden, 404: NotFound, 409: Conflict, 410: Gone, 422: Invalid}
MAX_EVENT_BYTES = 16 * 1024 * 1024  # one watch event (one object)
WATCH_SLACK = 10  # seconds a watch read may wait beyond its timeoutSeconds before the server is taken as gone
CONNECTIONS = 16  # kept open per server: Kube.together may have a request in flight per front door, and 2 more
_SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def resource_path(resource: str, namespace: Optional[str] = None, name: Optional[str] = None,
                  resources: Optional[Dict[str, tuple]] = None) -> str:
    prefix, namespaced = (resources or RESOURCES)[resource]
    path = prefix
    if namespaced and namespace:
        path += f"/namespaces/{quote(namespace, safe='')}"
    path += f"/{resource.partition('.')[0]}"  # `gateways.networking.istio.io`: the plural of a qualified key
    if name:
        path += f"/{quote(name, safe='')}"
    return path


class Connection:
    """Where the API server is and how to authenticate, loaded the way kubectl loads it: one typed Access, whatever
    loaded it (kubeconfig.py, or the official client for a legacy auth-provider, converted once)."""

    def __init__(self, configuration: "Access", namespace: str, context: Optional[str]):
        self.configuration = configuration
        self.namespace = namespace
        self.context = context

    @classmethod
    def load(cls, kubeconfig: Optional[str] = None, context: Optional[str] = None,
             overrides: Optional["Overrides"] = None) -> "Connection":
        """--kubeconfig, else $KUBECONFIG (a path list, merged), else ~/.kube/config, else in-cluster; kubectl's
        global flags (`overrides`) over what they say. With no kubeconfig, `-s URL` alone is enough, as for kubectl.

        Kubeconfigs (exec credential plugins included) and the in-cluster service account are read by
        kubeconfig.py and credentials.py; only a legacy `auth-provider` entry needs the official client.
        """
        from . import kubeconfig as plain

        overrides = overrides or plain.NO_OVERRIDES
        existing = plain.paths(kubeconfig)  # --kubeconfig is never in-cluster
        if not existing and not overrides.server:
            pod = None if context else plain.in_cluster(_SA_DIR)
            if pod is None:
                raise ConfigError("no kubeconfig found (set KUBECONFIG or use --kubeconfig) and not running "
                                  "inside a cluster")
            pod[0].impersonation = plain.impersonation(overrides.user_entry({}))
            return cls(*pod)
        try:
            fast = plain.load(existing, context, overrides)
        except OSError as exc:
            raise ConfigError(f"invalid configuration: {exc.strerror}: {exc.filename}") from None
        if fast is not None:
            return cls(*fast)
        connection = cls._load_with_official_client(existing, context)
        configuration = connection.configuration
        cluster = overrides.cluster_entry({})  # only what the flags set
        if cluster.get("server"):
            configuration.host = plain.checked_server(cluster["server"], "--server")
        if cluster.get("certificate-authority"):
            configuration.ssl_ca_cert, configuration.verify_ssl = cluster["certificate-authority"], True
        elif cluster.get("insecure-skip-tls-verify"):
            configuration.ssl_ca_cert, configuration.verify_ssl = None, False
        if cluster.get("tls-server-name"):
            configuration.tls_server_name = cluster["tls-server-name"]
        configuration.impersonation = plain.impersonation(overrides.user_entry({}))
        return connection

    @classmethod
    def _load_with_official_client(cls, existing: List[str], context: Optional[str]) -> "Connection":
        """A legacy `auth-provider` user (removed from kubectl in 1.26): the official client's loader, when it is
        installed (pip installs it; the krew archive leaves it out)."""
        try:
            from kubernetes import config as kube_config  # lazy: hundreds of milliseconds
            from kubernetes.client import Configuration
        except ImportError:
            raise ConfigError("this kubeconfig's user has a legacy auth-provider entry, which needs the official "
                              "Kubernetes client: pip install kubectl-reach (or pip install kubernetes), or use "
                              "an exec credential plugin as kubectl 1.26+ does") from None

        paths = os.pathsep.join(existing)
        configuration = Configuration()
        try:
            contexts, active = kube_config.list_kube_config_contexts(paths)
            from .kubeconfig import merged

            first_current = merged(existing)[1]  # kubectl's rule: the first file that sets it wins (the client: the last)
            chosen = next((c for c in contexts or [] if c.get("name") == first_current), active)
            if context:
                chosen = next((c for c in contexts or [] if c.get("name") == context), None)
                if chosen is None:
                    raise ConfigError(f'context "{context}" does not exist')
            if not chosen:
                raise ConfigError("no current context in the kubeconfig: use --context")
            kube_config.load_kube_config(config_file=paths, context=chosen["name"],
                                         client_configuration=configuration, persist_config=False)
        except kube_config.ConfigException as exc:
            raise ConfigError(f"invalid configuration: {_first_line(exc)}") from None
        except OSError as exc:  # unreadable files named by the kubeconfig (certificates, token files)
            raise ConfigError(f"invalid configuration: {exc.strerror}: {exc.filename}") from None
        namespace = (chosen.get("context") or {}).get("namespace") or "default"
        return cls(from_official_client(configuration), namespace, chosen["name"])


def from_official_client(configuration: Any) -> "Access":
    """The official client's Configuration as our Access, converted once: its TLS and proxy settings, and its token
    behind a credential that asks auth_settings() at each request (the auth-provider's refresh hooks run there)."""
    from .credentials import OfficialClient
    from .kubeconfig import Access

    return Access(host=configuration.host, verify_ssl=bool(configuration.verify_ssl),
                  ssl_ca_cert=configuration.ssl_ca_cert, cert_file=configuration.cert_file,
                  key_file=configuration.key_file, tls_server_name=getattr(configuration, "tls_server_name", None),
                  assert_hostname=configuration.assert_hostname, proxy=configuration.proxy,
                  proxy_headers=configuration.proxy_headers, credential=OfficialClient(configuration))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def tls_context(configuration: "Access", certificate: Optional[Tuple[str, str]]):
    """The TLS client context: Go's crypto/x509 acceptance on every Python from 3.9 to 3.13.

    Verification flags, exactly: VERIFY_X509_TRUSTED_FIRST | VERIFY_X509_PARTIAL_CHAIN, and not VERIFY_X509_STRICT
    (Python 3.13's create_default_context and urllib3 2.3+ on 3.13 set both of the last two). Why each is Go's rule:
    - STRICT off: it enforces RFC 5280 profile details Go does not (crypto/x509 verify.go isValid: "KeyUsage status
      flags are ignored"): a CA without keyUsage (openssl's default, older kubeadm, k3s, hand-made CAs) or without
      key identifiers. It is not weaker than Go: what Go checks, OpenSSL still checks without it (the chain's
      signatures, validity times, basicConstraints CA:TRUE and path length of an intermediate, name constraints,
      the leaf's extendedKeyUsage for serverAuth), OpenSSL also refuses a CA whose keyUsage lacks keyCertSign, and
      the name is checked against subjectAltName only (hostname_checks_common_name is off: Go ignores the CN).
    - PARTIAL_CHAIN on: every certificate of the kubeconfig's CA bundle is a trust anchor (Go's CertPool: a chain may
      end at an intermediate placed there), which OpenSSL otherwise accepts only for a self-signed root.
    No CA configured: the system's roots, as Go. The SNI and the name verified are `tls-server-name` when set.
    """
    import ssl

    from urllib3.util.ssl_ import create_urllib3_context

    verify = configuration.verify_ssl
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED if verify else ssl.CERT_NONE, verify_flags=0)
    context.verify_flags = ssl.VERIFY_X509_TRUSTED_FIRST | getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0x80000)
    context.hostname_checks_common_name = False
    ca_file, ca_data = configuration.ssl_ca_cert, configuration.ca_cert_data
    try:
        if verify and (ca_file or ca_data):
            context.load_verify_locations(cafile=ca_file or None, cadata=ca_data or None)
        elif verify:
            context.load_default_certs()
    except (ssl.SSLError, ValueError, OSError) as exc:
        raise ConfigError(f"unable to load root certificates: {_ssl_reason(exc)}") from None
    if certificate:
        try:
            context.load_cert_chain(*certificate)
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(f"unable to load the client certificate and key: {_ssl_reason(exc)}") from None
    return context


def _ssl_reason(exc: BaseException) -> str:
    reason = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or getattr(exc, "strerror", None)
    return str(reason or _first_line(exc)).replace("_", " ").lower()


def _pool(configuration: "Access", timeout: Optional[float], certificate: Optional[Tuple[str, str]]):
    """A urllib3 pool with kubectl's TLS (tls_context) and proxy: http(s) through urllib3's ProxyManager (CONNECT for
    https servers), socks5 through python-socks (socks5_pool).

    The TLS context is made only where a TLS handshake can happen: an https server, or an https proxy (urllib3
    verifies it with the same context). Loading the system's roots costs ~20 ms of CPU, once per context: with
    `--context` naming 20 http clusters, 0.4 s spent for nothing."""
    import urllib3

    kwargs: Dict[str, Any] = {
        "timeout": urllib3.Timeout(total=timeout) if timeout else urllib3.Timeout(total=None),
        "retries": False,
        "maxsize": CONNECTIONS,
    }
    proxy = configuration.proxy
    if any(url and url.lower().startswith("https://") for url in (configuration.host, proxy)):
        kwargs["ssl_context"] = tls_context(configuration, certificate)
    if configuration.tls_server_name:
        kwargs["server_hostname"] = configuration.tls_server_name
    if configuration.assert_hostname is not None:
        kwargs["assert_hostname"] = configuration.assert_hostname
    if not configuration.verify_ssl:
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    if proxy and proxy.lower().startswith("socks5://"):
        return socks5_pool(proxy, **kwargs)
    if proxy:
        url, proxy_headers = _proxy_with_credentials(proxy, configuration.proxy_headers)
        return urllib3.ProxyManager(url, proxy_headers=proxy_headers, **kwargs)
    return urllib3.PoolManager(**kwargs)


def socks5_pool(proxy: str, **kwargs: Any):
    """`proxy-url: socks5://[user:pass@]host:port`, as Go's SOCKS5 dialer does it: the server's name is sent to the
    proxy, which resolves it (python-socks' rdns; Go's socks5 is what curl calls socks5h). python-socks is pure Python
    and kept up to date (PySocks, which urllib3.contrib.socks needs, has not been released since 2019); it is an
    optional extra (`pip install 'kubectl-reach[socks]'`): without it, one error line says so."""
    import urllib3
    from urllib.parse import unquote

    try:
        from python_socks import ProxyError, ProxyTimeoutError
        from python_socks.sync import Proxy
    except ImportError:
        raise ConfigError(f"the cluster's proxy-url {redact(proxy)} is a SOCKS5 proxy, which needs the python-socks "
                          "package: pip install 'kubectl-reach[socks]' (or pip install python-socks)") from None
    from urllib.parse import urlsplit

    parts = urlsplit(proxy)
    remember_secret(unquote(parts.password or ""))
    dialer = Proxy.from_url(proxy, rdns=True)

    class Tunnelled:
        """urllib3 connections whose socket is a SOCKS5 tunnel."""

        def _new_conn(self: Any) -> Any:
            timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
            try:
                return dialer.connect(dest_host=self.host, dest_port=self.port, timeout=timeout)
            except ProxyTimeoutError:
                raise urllib3.exceptions.ConnectTimeoutError(self, "timed out connecting through the SOCKS5 proxy") from None
            except (ProxyError, OSError) as exc:
                raise urllib3.exceptions.NewConnectionError(self, f"SOCKS5 proxy: {exc}") from None

    class HTTP(Tunnelled, urllib3.connection.HTTPConnection):
        pass

    class HTTPS(Tunnelled, urllib3.connection.HTTPSConnection):
        pass

    class HTTPPool(urllib3.HTTPConnectionPool):
        ConnectionCls = HTTP

    class HTTPSPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = HTTPS

    pool = urllib3.PoolManager(**kwargs)
    pool.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}
    return pool


def _proxy_with_credentials(proxy: str, headers: Optional[dict]):
    """(proxy URL without userinfo, headers): `proxy-url: http://user:pass@proxy:3128` becomes a
    Proxy-Authorization header, as kubectl sends it (urllib3 would otherwise send none)."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    import urllib3

    parts = urlsplit(proxy)
    headers = dict(headers or {})
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        remember_secret(unquote(parts.password or ""))
        headers.update(urllib3.util.make_headers(proxy_basic_auth=credentials))
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        proxy = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return proxy, headers or None


class Workers:
    """Daemon threads, kept and reused, that run HTTP exchanges for callers who stop waiting at a deadline
    (Kube._send) and the branches of Kube.together: a thread started per request cost 20 contexts at once ~0.15 s
    of CPU (540 threads started, each start a handover of the interpreter lock). A worker whose caller gave up
    finishes its exchange (bounded by the socket timeouts) and is idle again; a caller who finds no idle worker
    starts one, so at most as many as there are jobs at once. Daemons: a process never waits for an exchange nobody
    waits for, nor Ctrl-C for a slow server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: List[Any] = []  # the job queues of the idle workers

    def run(self, job: Callable[[], Any], timeout: Optional[float]) -> Optional[Dict[str, Any]]:
        """{"response": what job returned} or {"error": what it raised}; None when it did not end within timeout."""
        done, outcome = self.start(job)
        return outcome if done.wait(timeout) else None

    def start(self, job: Callable[[], Any]) -> Tuple[threading.Event, Dict[str, Any]]:
        """The job on a worker: (an event set when it has ended, what it reported then, as run())."""
        import queue

        with self._lock:
            jobs = self._idle.pop() if self._idle else None
        if jobs is None:
            jobs = queue.SimpleQueue()
            threading.Thread(target=self._work, args=(jobs,), daemon=True).start()
        done = threading.Event()
        outcome: Dict[str, Any] = {}  # what the worker reports: the job's answer or its error
        jobs.put((job, done, outcome))
        return done, outcome

    def _work(self, jobs: Any) -> None:
        while True:
            job, done, outcome = jobs.get()
            try:
                outcome["response"] = job()
            except BaseException as exc:
                outcome["error"] = exc
            with self._lock:  # idle before its caller wakes: the caller's next request finds it
                self._idle.append(jobs)
            done.set()


WORKERS = Workers()
# Kube.together's calls on other threads, in the whole process: one context's target with what is read beside it,
# and its front doors, slices and nodes at once; 20 contexts' ~240 calls share these (the contexts benchmark: 8
# kept 7 of 20 contexts' front doors waiting behind their targets' GETs; 64 was no faster than 32)
LANES = threading.BoundedSemaphore(32)


class Told:
    """What requests report besides their answers: the server's Warning headers, malformed fields and refusals
    (shapes.conform, doors.base.Reader), -v log lines; one per Kube, and one per branch of Kube.together."""

    def __init__(self, stops: Tuple[threading.Event, ...] = ()) -> None:
        self.warnings: List[str] = []
        self.malformed: List[str] = []
        self.lines: List[str] = []
        self.stops = stops  # set when a sibling branch failed, here or in an enclosing together(): see Abandoned


class Abandoned(Exception):
    """A request not sent: another branch of the same Kube.together failed, so together raises that failure and this
    branch's answer would never be read. Never shown: together raises the failure instead (not a ReachError, so that
    no reader takes it for a refusal)."""


class Kube:
    """GET / LIST / POST / PUT / PATCH against the API server, returning plain dicts.

    `requests` counts the HTTP requests made: a command must make a constant number of them. Thread-safe for
    together()'s branches: the count, the pools, discovery and each remembered LIST are shared under locks (a LIST
    two branches ask for at once is sent once), and what each branch reports is its own until they are joined.
    """

    sleep = staticmethod(time.sleep)  # the pause between retries

    def __init__(self, connection: Connection, timeout: Optional[float] = 30.0, verbosity: int = 0,
                 log: Callable[[str], None] = lambda line: None):
        self.connection = connection
        self.host = connection.configuration.host.rstrip("/")
        self.shown_host = redact(self.host)  # what messages and logs may say: no userinfo
        self.timeout = timeout
        self.verbosity = verbosity
        self._log = log
        self.requests = 0
        self._told = Told()
        self._branch = threading.local()  # .told: the Told of the together() branch this thread runs
        self._lock = threading.Lock()  # the count, the pools, the LISTs in flight, progress
        self._discovering = threading.Lock()
        self._listing: Dict[tuple, Any] = {}  # list()'s key -> the lock of its one request
        self.resources: Dict[str, tuple] = dict(RESOURCES)  # discover() adds the optional APIs found
        # called after each page of a LIST: (resource, items kept so far, more pages to come)
        self.progress: Optional[Callable[[str, int, bool], None]] = None
        self._discovered: Optional[Dict[str, str]] = None
        self._lists: Dict[tuple, List[Dict[str, Any]]] = {}  # list()'s answers, for this command
        self.derived: Dict[tuple, Any] = {}  # what a command derives from a LIST it did not remember (list())
        self._pools: Dict[Any, Any] = {}  # client certificate -> urllib3 pool (an exec plugin may rotate it)
        self.sent = threading.Event()  # set as the first request goes to the server (targets.target_and_beside)
        for line in connection.configuration.warnings:
            log(line)

    def told(self) -> Told:
        return getattr(self._branch, "told", None) or self._told

    @property
    def warnings(self) -> List[str]:
        """The Warning headers the server sent, in order."""
        return self.told().warnings

    @property
    def malformed(self) -> List[str]:
        """Fields of the wrong JSON type that shapes.conform removed, and what RBAC hid (doors.base.Reader)."""
        return self.told().malformed

    def log(self, line: str) -> None:
        told = getattr(self._branch, "told", None)
        if told is None:
            self._log(line)
        else:
            told.lines.append(line)

    def together(self, calls: Sequence[Callable[[], Any]]) -> List[Any]:
        """Independent reads at once, each call on its own thread (the front doors, a Service's EndpointSlices and
        the nodes: none needs another's answer), their answers in the calls' order: a distant cluster's round trips
        overlap instead of adding up (27 one after another for `reach svc/x` on the demo cluster).

        The same requests are sent, each with its own --request-timeout: only their order changes. What each call
        reports (Warning headers, malformed fields, refusals, -v lines) is kept apart and added in the calls' order
        once all have ended, so that the output is the one the calls made one after another give; the first
        failure in that order is then raised. Once a call has failed, the others send no further request (they end
        with Abandoned, which is never raised in place of a failure): a failing command has made at most the
        requests that were already under way. Nothing is left running.

        The first call runs on the caller's thread, the others on WORKERS' threads while the process has LANES free,
        else on the caller's thread too, after it: 20 contexts at once are already 20 threads.
        """
        failed = threading.Event()
        branches = [Told((*self.told().stops, failed)) for _ in calls]

        def branch(call: Callable[[], Any], told: Told, lane: bool = False) -> Any:
            outer = getattr(self._branch, "told", None)  # (a branch of a branch: its caller's, restored after)
            self._branch.told = told
            try:
                return call()
            except BaseException:
                failed.set()
                raise
            finally:
                self._branch.told = outer
                if lane:
                    LANES.release()

        started = {index: WORKERS.start(functools.partial(branch, calls[index], branches[index], True))
                   for index in range(1, len(calls)) if LANES.acquire(blocking=False)}
        outcomes: List[Dict[str, Any]] = []
        for index, (call, told) in enumerate(zip(calls, branches)):
            if index in started:
                done, outcome = started[index]
                done.wait()
            else:
                outcome = {}
                try:
                    outcome["response"] = branch(call, told)
                except Exception as exc:
                    outcome["error"] = exc
            outcomes.append(outcome)
        for told in branches:
            self.warnings.extend(told.warnings)
            self.malformed.extend(told.malformed)
            for line in told.lines:
                self.log(line)
        errors = [outcome["error"] for outcome in outcomes if "error" in outcome]
        if errors:
            raise next((error for error in errors if not isinstance(error, Abandoned)), errors[0])
        return [outcome["response"] for outcome in outcomes]

    @property
    def namespace(self) -> str:
        return self.connection.namespace

    @property
    def _http(self):
        """The pool for the credential's current client certificate (client-go asks for it at each handshake)."""
        configuration = self.connection.configuration
        credential = configuration.credential
        certificate = credential.certificate() if credential is not None else None
        if certificate is None and configuration.cert_file and configuration.key_file:
            certificate = (configuration.cert_file, configuration.key_file)
        with self._lock:
            if certificate not in self._pools:
                self._pools[certificate] = _pool(configuration, self.timeout, certificate)
            return self._pools[certificate]

    def _authorization(self) -> Optional[str]:
        """The Authorization header: the connection's credential (credentials.py), asked at every request."""
        credential = self.connection.configuration.credential
        return credential.header() if credential is not None else None

    def _headers(self, content_type: Optional[str] = None, accept: str = "application/json") -> Dict[str, str]:
        headers = {"Accept": accept, "User-Agent": f"kubectl-reach/{__version__}"}
        from urllib3.util import SKIP_HEADER

        # as Go's transport asks, unless the cluster says disable-compression (then none, not http.client's identity)
        headers["Accept-Encoding"] = SKIP_HEADER if self.connection.configuration.disable_compression else "gzip"
        authorization = self._authorization()
        if authorization:
            headers["Authorization"] = authorization
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def _header_lines(self, content_type: Optional[str] = None, accept: str = "application/json"
                      ) -> List[Tuple[str, str]]:
        """Every request's headers as lines: _headers, then --as, --as-group (one line each), --as-uid, extras; each
        value's UTF-8 bytes as Go sends them, a control character refused."""
        from .credentials import header_value

        impersonation = self.connection.configuration.impersonation
        return [*self._headers(content_type, accept).items(),
                *((key, header_value(value, key)) for key, values in impersonation.items() for value in values)]

    def _refreshed(self, sent: List[Tuple[str, str]]) -> bool:
        """After a 401: whether the credential was renewed (an exec plugin run again, client-go's maybeRefreshCreds)
        so that the request is worth sending once more."""
        credential = self.connection.configuration.credential
        if credential is None:
            return False
        return credential.refresh(next((value for key, value in sent if key == "Authorization"), None))

    def request(self, method: str, path: str, query: Optional[Dict[str, Any]] = None, body: Any = None,
                content_type: str = "application/json", accept: str = "application/json",
                each_item: Optional[Callable[[Any, Dict[str, Any]], Any]] = None,
                each_of: str = "items") -> Dict[str, Any]:
        """One API call; a failure Status becomes the matching ApiError. `each_item`: the elements of the answer's
        `each_of` array (a list's items, a Table's rows) are given to it one by one as they are decoded, with the
        keys before them, and that array is what it returned (listjson.decode_list).

        `--request-timeout` bounds the whole call, its retries included (client-go's request.go: one context
        deadline), and a call that timed out is not sent again (client-go neither). Reads (GET) that meet a 429, a
        5xx or a broken connection are retried, up to RETRIES times with exponential backoff (or the server's
        Retry-After, capped) while time remains; writes never are: a write that timed out may have been applied,
        and only the user can tell whether to send it again. A 401 renews an exec plugin's credential and sends the
        call once more with it, whatever its method (the server refused it before reading it): client-go refreshes
        on a 401 for the next request, and a command has no next request to wait for.
        """
        if any(stop.is_set() for stop in self.told().stops):
            raise Abandoned(path)
        url = self.host + path + ("?" + urlencode({k: v for k, v in query.items() if v is not None}) if query else "")
        data = None if body is None else json.dumps(body).encode()
        deadline = time.monotonic() + self.timeout if self.timeout else None
        renewed = False
        attempt = 0
        while True:
            retry = method == "GET" and attempt < RETRIES
            try:
                response, raw, sent = self._send(method, url, data, content_type, accept, deadline)
            except Unreachable as exc:
                pause = BACKOFF * 2 ** attempt
                if not retry or exc.permanent or exc.timed_out or not _time_left(deadline, pause):
                    if attempt:  # say truthfully how often it was tried
                        raise Unreachable(f"{exc} (after {attempt + 1} attempts)") from None
                    raise
                self.sleep(pause)
                attempt += 1
                continue
            if response.status == 401 and not renewed and self._refreshed(sent):
                renewed = True
                continue
            if retry and response.status in RETRY_STATUSES:
                pause = _retry_after(response, BACKOFF * 2 ** attempt)
                if _time_left(deadline, pause):
                    self.sleep(pause)
                    attempt += 1
                    continue
            self.warnings.extend(_warnings(response))
            return _decode(response, raw, method, path, each_item, each_of)

    def read(self, path: str, limit: int, timeout: Optional[float] = None, accept: str = "*/*"
             ) -> Tuple[int, str, bytes]:
        """One GET whose answer is no API object (a backend's page through the API server's proxy, a pod's log):
        (status, Content-Type, at most `limit` bytes of the body). The rest of the body is never read (the
        connection is dropped), nothing is decoded as JSON, no status is an error, and it is sent once: a retry
        would hide what the backend answered. `timeout` (default --request-timeout) bounds the whole exchange."""
        wait = timeout or self.timeout
        deadline = time.monotonic() + wait if wait else None
        url = self.host + path
        for renewed in (False, True):  # a 401 renews an exec plugin's credential, once, as request() does
            response, raw, sent = self._send("GET", url, None, "", accept, deadline, limit)
            if response.status != 401 or renewed or not self._refreshed(sent):
                break
        # no Warning headers kept: through the proxy they are the backend's, and must not pass for the API server's
        return response.status, str(response.headers.get("Content-Type") or ""), raw

    def _send(self, method: str, url: str, data: Optional[bytes], content_type: str, accept: str,
              deadline: Optional[float], limit: Optional[int] = None):
        """The HTTP exchange itself: (response, body, headers sent); transport failures become Unreachable. -v 6
        logs it, -v 8 adds headers.

        The deadline covers the whole exchange, the body included: socket timeouts alone restart with every byte,
        so a server trickling its answer could hold a `1s` request for minutes. The exchange runs in a worker thread
        that the caller stops waiting for at the deadline (WORKERS)."""
        from urllib3.util import SKIP_HEADER

        headers = self._header_lines(content_type if data else None, accept)
        with self._lock:
            self.requests += 1
        started = time.monotonic()
        remaining = None if deadline is None else max(0.0, deadline - started)
        outcome = WORKERS.run(lambda: self._exchange(method, url, data, headers, remaining, limit), remaining)
        elapsed = (time.monotonic() - started) * 1000
        if outcome is None:
            raise _unreachable(self.shown_host, TimeoutError("timed out"), self.timeout)
        if "error" in outcome:
            raise outcome["error"]
        response, body = outcome["response"]
        if self.verbosity >= 6:
            self.log(f"{method} {redact(url)} {response.status} {response.reason} in {elapsed:.0f} milliseconds")
        if self.verbosity >= 8:
            for key, value in headers:
                if value != SKIP_HEADER:
                    self.log(f"    Request {key}: {_redact(key, value)}")
        return response, body, headers

    def _exchange(self, method: str, url: str, data: Optional[bytes], headers: List[Tuple[str, str]],
                  remaining: Optional[float], limit: Optional[int] = None):
        """(response, body): send, then read the body in small decoded steps, at most MAX_RESPONSE_BYTES of it (with
        `limit`: its first `limit` bytes, and the connection closed on the rest)."""
        import urllib3

        try:
            self.sent.set()
            response = self._http.request(method, url, body=data, headers=_sent(headers), preload_content=False,
                                          decode_content=True, timeout=urllib3.Timeout(total=remaining))
            body, size = [], 0
            for chunk in response.stream(_READ_CHUNK, decode_content=True):
                size += len(chunk)
                if limit is not None and size >= limit:
                    body.append(chunk)
                    response.close()  # not back to the pool: the unread rest would be the next answer's start
                    return response, b"".join(body)[:limit]
                if size > MAX_RESPONSE_BYTES:
                    response.release_conn()
                    raise ApiError(f"the server's answer to {method} {redact(url)} is larger than "
                                   f"{MAX_RESPONSE_BYTES // 2 ** 20} MiB: refused", code=response.status)
                body.append(chunk)
            response.release_conn()
            return response, b"".join(body)
        except urllib3.exceptions.MaxRetryError as exc:
            raise _unreachable(self.shown_host, exc.reason, self.timeout) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _unreachable(self.shown_host, exc, self.timeout) from None

    def path(self, resource: str, namespace: Optional[str] = None, name: Optional[str] = None) -> str:
        """The URL path of a resource, at the version discovery found for the optional APIs."""
        return resource_path(resource, namespace, name, self.resources)

    def patch(self, resource: str, name: str, namespace: Optional[str], body: dict, dry_run: bool) -> Dict[str, Any]:
        """A JSON merge patch: lists replace whole, null deletes (see convert/service.py for why)."""
        return self.request("PATCH", self.path(resource, namespace, name), _write_query(dry_run), body,
                            "application/merge-patch+json")

    def create(self, resource: str, namespace: Optional[str], body: dict, dry_run: bool) -> Dict[str, Any]:
        return self.request("POST", self.path(resource, namespace), _write_query(dry_run), body)

    def delete(self, resource: str, name: str, namespace: Optional[str], dry_run: bool,
               resource_version: Optional[str] = None) -> Dict[str, Any]:
        """DELETE with a resourceVersion precondition, so a changed object is not deleted.

        The dry run goes in the DeleteOptions body: when a DELETE has a body, the API server reads its options from
        the body alone and ignores `?dryRun=All` (handlers/delete.go): a query-only dry run deletes for real."""
        body: Dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1",
                "preconditions": {"resourceVersion": resource_version} if resource_version else None}
        if dry_run:
            body["dryRun"] = ["All"]
        return self.request("DELETE", self.path(resource, namespace, name), None, body)

    def get(self, resource: str, name: str, namespace: Optional[str] = None) -> Dict[str, Any]:
        obj = self.request("GET", self.path(resource, namespace, name))
        self.malformed.extend(conform(resource, obj))
        return obj

    def list(self, resource: str, namespace: Optional[str] = None, label_selector: Optional[str] = None,
             field_selector: Optional[str] = None,
             keep: Optional[Callable[[Dict[str, Any]], Optional[Dict[str, Any]]]] = None,
             table: bool = False, cached: bool = False, remember: bool = True) -> List[Dict[str, Any]]:
        """Every item, page by page (PAGE_SIZE, following `continue` tokens).

        `table`: ask for the server's Table (`includeObject=None`: the printed columns only, a fraction of the
        objects). Each row arrives as `{"table": {column name: cell}}`; a server that does not print answers
        with the objects themselves, which arrive as usual: `keep` must take both. `cached`: `resourceVersion=0`,
        the API server's watch cache (possibly a second stale; the server may answer in one page).

        `keep` sees each item as its page arrives and returns what to retain (a slimmer copy, or None to
        drop it): a 5,000-node LIST then holds one page, not 25 MB of node status, in memory. It sees the item
        before shapes.conform does (only what is kept is checked: 50,000 pods walked for the few host-networked ones
        cost seconds), so it must read defensively, as objects.field does.
        When a continue token expires (410 Gone: the list was paged for longer than the server keeps its
        snapshot), the list restarts in one unpaged request, as client-go's pager does. The same LIST asked twice
        in one command (`reach svc/a svc/b`: the Ingresses) is sent once; `remember=False`: not kept, for the caller
        keeps what it derives instead (targets.list_nodes: the node table, 2 MB, not 7 MB of 5,000 rows), in
        `derived`, which forget() clears too.
        """
        key = (resource, namespace, label_selector, field_selector, keep, table, cached)
        if not remember:
            return self._lists.pop(key, None) or self._list(resource, namespace, label_selector, field_selector, keep,
                                                             table, cached)
        with self._lock:
            flight = self._listing.setdefault(key, threading.Lock())
        with flight:
            if key not in self._lists:
                self._lists[key] = self._list(resource, namespace, label_selector, field_selector, keep, table, cached)
        return list(self._lists[key])

    def pages(self, resource: str, namespace: Optional[str] = None, label_selector: Optional[str] = None,
              field_selector: Optional[str] = None,
              keep: Optional[Callable[[Dict[str, Any]], Optional[Dict[str, Any]]]] = None
              ) -> Iterator[Tuple[bool, List[Dict[str, Any]]]]:
        """The LIST as it arrives, for who prints as it reads (the listing by namespace, chunks.py): (restarted,
        what `keep` retained of one page) per page, with list()'s bounds. `restarted`: a continue token expired
        and the list began again in one unpaged request, whose items include those of the pages already given.
        Never cached: what is printed as it arrives is not read twice."""
        return self._pages(resource, namespace, label_selector, field_selector, keep, False, False)

    def _list(self, resource: str, namespace: Optional[str], label_selector: Optional[str],
              field_selector: Optional[str], keep: Optional[Callable[[Dict[str, Any]], Optional[Dict[str, Any]]]],
              table: bool, cached: bool) -> List[Dict[str, Any]]:
        kept: List[Dict[str, Any]] = []
        for restarted, page in self._pages(resource, namespace, label_selector, field_selector, keep, table, cached):
            if restarted:
                kept = []
            kept.extend(page)
        return kept

    def _pages(self, resource: str, namespace: Optional[str], label_selector: Optional[str],
               field_selector: Optional[str], keep: Optional[Callable[[Dict[str, Any]], Optional[Dict[str, Any]]]],
               table: bool, cached: bool) -> Iterator[Tuple[bool, List[Dict[str, Any]]]]:
        query = {"labelSelector": label_selector, "fieldSelector": field_selector, "limit": PAGE_SIZE,
                 "includeObject": "None" if table else None, "resourceVersion": "0" if cached else None}
        accept = TABLE if table else "application/json"
        path = self.path(resource, namespace)
        count, restarted = 0, False
        tokens: set = set()  # each token's hash (a token may be large: it is sent back, never kept)
        narrow = "narrow it with -n, -l or --field-selector"
        endless = f"{narrow}, or the server's continue tokens never end"
        deadline = time.monotonic() + MAX_LIST_SECONDS

        def item_kept(item: Any, page: Any = None) -> Optional[Dict[str, Any]]:
            """What `keep` retains of one item, checked by shapes.conform: a page's items are decoded one by one
            (listjson) and only this outlives the next; not a mapping: dropped."""
            if not isinstance(item, dict):
                return None
            item = keep(item) if keep else item
            if item is not None:
                self.malformed.extend(conform(resource, item))
            return item

        late: List[Any] = []  # a page's rows that came before its columns
        columns: List[Any] = [None, []]  # a page's columnDefinitions and their names, found once per page

        def row_kept(row: Any, page: Dict[str, Any]) -> Optional[Dict[str, Any]]:
            """What `keep` retains of one Table row, named by the columns the server sent before the rows."""
            if "columnDefinitions" not in page:  # not the API server's order: named when the page is whole
                late.append(row)
                return None
            if columns[0] is not page["columnDefinitions"]:
                columns[:] = [page["columnDefinitions"], column_names(page)]
            named = named_row(columns[1], row)
            return None if named is None else keep(named) if keep else named

        streamed = not table and getattr(keep, "slims", False)  # (listjson.slimming) its items: what item_kept returns
        each_item = row_kept if table else item_kept if streamed else None

        for _ in range(MAX_PAGES + 2):  # + the restart after a 410 and the last page
            if time.monotonic() > deadline:
                raise ApiError(f"the server's LIST of {resource} did not end within {MAX_LIST_SECONDS} s "
                               f"({len(tokens)} pages): {endless}")
            late.clear()
            try:
                page = self.request("GET", path, query, accept=accept, each_item=each_item,
                                    each_of="rows" if table else "items")
            except ApiError as exc:
                if exc.code != 410 or "continue" not in query:
                    raise
                query = {"labelSelector": label_selector, "fieldSelector": field_selector,
                         "includeObject": query.get("includeObject"), "resourceVersion": query.get("resourceVersion")}
                count, restarted = 0, True
                continue
            kept: List[Dict[str, Any]] = []
            if page.get("kind") == "Table":
                rows = page.get("rows")  # what row_kept returned
                kept = list(rows) if isinstance(rows, list) else []
                for row in table_rows({"columnDefinitions": page.get("columnDefinitions"), "rows": late}):
                    printed = keep(row) if keep else row
                    if printed is not None:
                        kept.append(printed)
            items = page.get("items") if page.get("kind") != "Table" else None
            for item in items if isinstance(items, list) else []:
                if not streamed:
                    item = item_kept(item)
                if item is not None:
                    kept.append(item)
            token = (page.get("metadata") or {}).get("continue")
            del page, items  # only what `keep` retained outlives its page
            late.clear()
            count += len(kept)
            if self.progress is not None:
                with self._lock:
                    self.progress(resource, count, bool(token))
            if count > MAX_PAGES * PAGE_SIZE:
                raise ApiError(f"the server's LIST of {resource} holds more than {MAX_PAGES * PAGE_SIZE:,} objects: "
                               f"{narrow}")
            yield restarted, kept
            restarted = False
            if not token or "limit" not in query:
                return
            if not isinstance(token, str) or hash(token) in tokens:
                raise ApiError(f"the server sent a broken LIST of {resource}: its continue token "
                               f"{'repeats' if isinstance(token, str) else 'is not a string'}; the list cannot end")
            tokens.add(hash(token))
            query["continue"] = token
        raise ApiError(f"the server's LIST of {resource} did not end after {MAX_PAGES:,} pages of {PAGE_SIZE}: {endless}")

    def watch(self, resource: str, namespace: Optional[str] = None, resource_version: Optional[str] = None,
              field_selector: Optional[str] = None, timeout_seconds: int = 60
              ) -> Iterator[Tuple[str, Dict[str, Any]]]:
        """The API's watch from `resource_version`: (type, object) per event, BOOKMARKs included, until the server
        ends the stream (timeoutSeconds). A 410 (the version is compacted away) raises Gone: list again. Bounded:
        an event of at most MAX_EVENT_BYTES, no read waiting longer than timeoutSeconds + WATCH_SLACK."""
        import urllib3

        query = {"watch": "true", "resourceVersion": resource_version, "fieldSelector": field_selector,
                 "allowWatchBookmarks": "true", "timeoutSeconds": str(timeout_seconds)}
        url = self.host + self.path(resource, namespace) + "?" + urlencode({k: v for k, v in query.items() if v})
        for renewed in (False, True):  # a 401 renews an exec plugin's credential, once, as request() does
            sent = self._header_lines()
            with self._lock:
                self.requests += 1
            try:
                response = self._http.request("GET", url, headers=_sent(sent), preload_content=False, retries=False,
                                              timeout=urllib3.Timeout(connect=self.timeout,
                                                                      read=timeout_seconds + WATCH_SLACK))
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise _unreachable(self.shown_host, exc, self.timeout) from None
            if self.verbosity >= 6:
                self.log(f"GET {redact(url)} {response.status} {response.reason} (watch)")
            if response.status == 401 and not renewed and self._refreshed(sent):
                response.release_conn()
                continue
            if response.status != 200:
                _decode(response, response.read(MAX_EVENT_BYTES), "GET", redact(url))
            break
        buffer = b""
        try:
            for chunk in response.stream(_READ_CHUNK, decode_content=True):
                buffer += chunk
                if len(buffer) > MAX_EVENT_BYTES and b"\n" not in buffer:
                    raise ApiError(f"a watch event from the server is larger than {MAX_EVENT_BYTES // 2 ** 20} MiB")
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield self._event(resource, line)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _unreachable(self.shown_host, exc, self.timeout) from None
        finally:
            response.release_conn()

    def _event(self, resource: str, line: bytes) -> Tuple[str, Dict[str, Any]]:
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            event = None
        kind = event.get("type") if isinstance(event, dict) else None
        obj = event.get("object") if isinstance(event, dict) else None
        if not isinstance(kind, str) or not isinstance(obj, dict):
            raise ApiError("the server sent a watch event that is not a WatchEvent")
        if kind == "ERROR":
            code = obj.get("code") if isinstance(obj.get("code"), int) else 500
            message = obj.get("message") if isinstance(obj.get("message"), str) else "watch failed"
            raise (Gone if code == 410 else ApiError)(message, code=code)
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            self.malformed.extend(conform(resource, obj))
        return kind, obj

    def forget(self) -> None:
        """Read the cluster again from now on (--wait computes the answer again after a change)."""
        self._lists.clear()
        self.derived.clear()

    def discover(self) -> Dict[str, str]:
        """The OPTIONAL_APIS this server serves: resource -> version. One request on 1.26+ servers.

        Aggregated discovery answers with every group's versions and resources at once. An older server
        answers with the plain group list; then one resource list is read per candidate version of the
        groups we use (one per candidate version served). A failed discovery means "none": optional APIs must never
        break the main answer.
        """
        with self._discovering:  # one request, whichever branches of together() need it first
            if self._discovered is None:
                try:
                    discovered = self._discover()
                except ApiError:
                    discovered = {}
                for resource, version in discovered.items():
                    self.resources[resource] = (BY_RESOURCE[resource].path_at(version),
                                                BY_RESOURCE[resource].namespaced)
                self._discovered = discovered
        return self._discovered

    def _discover(self) -> Dict[str, str]:
        answer = self.request("GET", "/apis", accept=AGGREGATED_DISCOVERY)
        if answer.get("kind") == "APIGroupDiscoveryList":
            return pick_versions(aggregated_resources(answer))
        wanted: Dict[str, set] = {}  # group -> the versions worth reading
        for group_name, versions, _ in OPTIONAL_APIS.values():
            wanted.setdefault(group_name, set()).update(versions)
        served: Dict[tuple, set] = {}
        for group in answer.get("groups") or []:
            if not isinstance(group, dict) or group.get("name") not in wanted:
                continue
            candidates = wanted[group["name"]]
            for entry in group.get("versions") or []:
                version = entry.get("version") if isinstance(entry, dict) else None
                if version in candidates:
                    listing = self.request("GET", f"/apis/{group['name']}/{version}")
                    served[(group["name"], version)] = {r.get("name") for r in listing.get("resources") or []
                                                        if isinstance(r, dict)}
        return pick_versions(served)


def _sent(lines: List[Tuple[str, str]]):
    """Header lines as urllib3 sends them: a name given twice (Impersonate-Group) goes out as two lines, as the API
    server reads groups."""
    import urllib3

    headers = urllib3.HTTPHeaderDict()
    for key, value in lines:
        headers.add(key, value)
    return headers


def table_rows(table: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    """A Table's rows as `{"table": {column name: cell}}`, columns found by name (their order is the server's); one
    at a time, for `keep` to slim each before the next is made."""
    names = column_names(table)
    rows = table.get("rows")
    for row in rows if isinstance(rows, list) else []:
        named = named_row(names, row)
        if named is not None:
            yield named


def column_names(table: Dict[str, Any]) -> List[Optional[str]]:
    return [c.get("name") if isinstance(c, dict) else None for c in table.get("columnDefinitions") or []]


def named_row(names: List[Optional[str]], row: Any) -> Optional[Dict[str, Any]]:
    """One row as `{"table": {column name: cell}}`; None for a row without cells."""
    if not isinstance(row, dict) or not isinstance(row.get("cells"), list):
        return None
    return {"table": {name: cell for name, cell in zip(names, row["cells"]) if isinstance(name, str)}}


def aggregated_resources(answer: Dict[str, Any]) -> Dict[tuple, set]:
    """(group, version) -> resource names, from an APIGroupDiscoveryList."""
    served: Dict[tuple, set] = {}
    for group in answer.get("items") or []:
        group_name = ((group or {}).get("metadata") or {}).get("name", "")
        for version in (group or {}).get("versions") or []:
            if isinstance(version, dict):
                served[(group_name, version.get("version"))] = {
                    r.get("resource") for r in version.get("resources") or [] if isinstance(r, dict)}
    return served


def pick_versions(served: Dict[tuple, set]) -> Dict[str, str]:
    """For each optional API, the best version that serves it."""
    found = {}
    for resource, (group, versions, _) in OPTIONAL_APIS.items():
        plural = resource.partition(".")[0]  # a key qualified by its group (kinds.Kind.resource) is served by plural
        version = next((v for v in versions if plural in served.get((group, v), ())), None)
        if version:
            found[resource] = version
    return found


def _write_query(dry_run: bool) -> Dict[str, str]:
    """Every mutation names its field manager; a dry run carries dryRun=All, and nothing is persisted."""
    query = {"fieldManager": "kubectl-reach"}
    if dry_run:
        query["dryRun"] = "All"
    return query


def _warnings(response: Any) -> List[str]:
    """The API server's `Warning: 299 - "text"` headers (deprecations, PodSecurity) as plain texts."""
    values = response.headers.getlist("Warning") if hasattr(response.headers, "getlist") else []
    texts = []
    for value in values:
        value = value.encode("latin-1", "replace").decode("utf-8", "replace")  # http.client decodes as latin-1
        match = re.match(r'^\s*\d{3}\s+\S+\s+"(.*)"', value)
        texts.append(match.group(1).replace('\\"', '"') if match else value)
    return texts


def _retry_after(response: Any, default: float) -> float:
    """The server's Retry-After (seconds), capped so a hostile or confused server cannot stall us."""
    value = response.headers.get("Retry-After", "").strip()
    return min(float(value), MAX_RETRY_AFTER) if value.isascii() and value.isdigit() else default


def _redact(header: str, value: str) -> str:
    if header.lower() == "authorization":
        scheme = value.split(" ", 1)[0]
        return f"{scheme} <masked>"
    return value


def _time_left(deadline: Optional[float], pause: float) -> bool:
    """Whether a retry after `pause` seconds still ends before --request-timeout's deadline."""
    return deadline is None or time.monotonic() + pause < deadline


def _verify_message(reason: Any) -> Optional[str]:
    """What a failed certificate verification says was wrong ("unable to get local issuer certificate", "certificate
    has expired", "Hostname mismatch, ..."), found where urllib3 wraps the ssl module's error."""
    import ssl

    seen = 0
    while reason is not None and seen < 8:
        if isinstance(reason, ssl.SSLCertVerificationError):
            return reason.verify_message or None
        for inner in (getattr(reason, "args", ()) or ()):
            if isinstance(inner, ssl.SSLCertVerificationError):
                return inner.verify_message or None
        reason, seen = reason.__cause__ or reason.__context__, seen + 1
    return None


def _unreachable(host: str, reason: Any, timeout: Optional[float]) -> Unreachable:
    text = str(reason).lower()
    if "timed out" in text or "timeout" in type(reason).__name__.lower():
        error = Unreachable(f"the server {host} did not answer within {timeout:g}s "
                            "(use --request-timeout to wait longer)" if timeout else f"timeout talking to {host}")
        error.timed_out = True
        return error
    if "refused" in text:
        error = Unreachable(f"the connection to the server {host} was refused - did you specify the right host or port?")
        error.permanent = True
        return error
    if "certificate" in text or "ssl" in text or "tls" in text:
        problem = _verify_message(reason)
        why = f"certificate verify failed: {problem}" if problem else \
            "certificate verify failed" if "verify failed" in text else _first_line(reason)
        error = Unreachable(f"TLS handshake with {host} failed: {why}")
        error.permanent = "verify failed" in text  # the same certificate will not verify on a second try
        return error
    if "incomplete" in text or "broken" in text or "reset" in text or "aborted" in text or "disconnect" in text:
        return Unreachable(f"the connection to the server {host} broke before the answer was complete")
    return Unreachable(f"unable to connect to the server {host}: {_first_line(reason)}")


def _decode(response: Any, raw: bytes, method: str, path: str,
            each_item: Optional[Callable[[Any, Dict[str, Any]], Any]] = None, each_of: str = "items") -> Dict[str, Any]:
    """JSON body -> dict; a non-2xx answer -> the ApiError for its code, with the server's message."""
    try:
        if each_item is not None and 200 <= response.status < 300 and raw:
            from .listjson import decode_list

            body = decode_list(raw, each_item, each_of)
        else:
            body = json.loads(raw) if raw else None
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than the parser's stack
        body = None
    if 200 <= response.status < 300:
        if not isinstance(body, dict):  # an empty body is no answer either: never taken as `{}`
            what = "an empty body" if not raw else "not a JSON object"
            raise ApiError(f"the server sent an invalid response to {method} {path} ({what})", code=response.status)
        return body
    status = body if isinstance(body, dict) else {}
    message = status.get("message") if isinstance(status.get("message"), str) else ""
    if response.status == 401:
        message = "You must be logged in to the server (Unauthorized)"
    if not message:
        message = f"the server answered {response.status} to {method} {path}"
    error = _ERRORS.get(response.status, ApiError)
    raise error(message, code=response.status, reason=status.get("reason") or "", status=status)
