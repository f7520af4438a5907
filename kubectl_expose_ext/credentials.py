"""The credential a request carries (its Authorization header, a client certificate), kept fresh as client-go keeps
it, without importing the official client: a static token or password, a token file (client-go's
cachedFileTokenSource: re-read at most once a minute, trimmed), or an exec credential plugin (`users[].user.exec`:
aws, gke-gcloud-auth-plugin, kubelogin...; client-go's plugin/pkg/client/auth/exec).

An exec plugin is run as kubectl runs it (client.authentication.k8s.io/v1 and v1beta1): its command as
kubeconfig.py resolved it (relative to the kubeconfig's directory when it holds a `/`, else looked up in the
absolute directories of PATH: Go's exec.LookPath refuses one found through `.` or an empty entry), the kubeconfig's
`env` on top of ours, KUBERNETES_EXEC_INFO (an ExecCredential with `spec.interactive` and, with provideClusterInfo,
`spec.cluster`), our stdin only when it may be interactive (`interactiveMode`: Never, IfAvailable (v1beta1's
default) or Always, which needs a terminal). It is run lazily, at the first request, and again when its credential
passes its `expirationTimestamp` (RFC 3339, fractions of a second included) and once after the server answers 401
(client-go's roundTripper.RoundTrip: maybeRefreshCreds); a credential is shared by every connection of the process
that runs the same plugin for the same cluster.

Where client-go has no bound, we have one: the plugin must answer within PLUGIN_TIMEOUT (an interactive one within
INTERACTIVE_TIMEOUT: a person is typing) and print at most MAX_OUTPUT. A non-interactive plugin runs in a session of
its own, and at the timeout the whole process group is killed, so a grandchild holding stdout open cannot outlive
it; an interactive one must stay in our process group to read the terminal, so at its timeout it alone is killed.
A plugin that is missing, fails, times out, floods or prints no credential is one `error:` naming it, with the end
of its stderr, escaped: never a silent anonymous request.
"""

import base64
import json
import os
import re
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from .errors import ConfigError, remember_secret

PLUGIN_TIMEOUT = 60.0  # seconds (KUBECTL_REACH_EXEC_TIMEOUT overrides); kubectl has none: a hung plugin hangs it
INTERACTIVE_TIMEOUT = 600.0
MAX_OUTPUT = 1024 * 1024  # bytes of stdout: an ExecCredential is a few KB
TOKEN_FILE_PERIOD = 60.0  # seconds between reads of a token file (client-go's cachedFileTokenSource)
API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
_STDERR_KEPT = 64 * 1024  # bytes of a plugin's stderr kept, of which the end is quoted
_STDERR_SHOWN = 400  # characters of a failing plugin's stderr quoted in the error
_RFC3339 = r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)"  # compiled on first use


def header_value(text: str, what: str) -> str:
    """A header value as Go's net/http sends it: its UTF-8 bytes (http.client writes a str as Latin-1, so the bytes
    are carried in one); a control character other than a tab is refused, as net/http refuses it ("invalid header
    field value"), naming what carried it."""
    raw = text.encode("utf-8", "surrogateescape")
    if any((b < 0x20 and b != 0x09) or b == 0x7F for b in raw):
        raise ConfigError(f"invalid configuration: {what} contains a line break or control character")
    return raw.decode("latin-1")


class Credential:
    """The Authorization header and client certificate of the next request."""

    def header(self) -> Optional[str]:
        return None

    def certificate(self) -> Optional[Tuple[str, str]]:
        """(certificate file, key file) to present, or None."""
        return None

    def refresh(self, rejected: Optional[str]) -> bool:
        """After a 401 to a request that carried `rejected`: whether a different credential is now in hand."""
        return False


class OfficialClient(Credential):
    """A legacy `auth-provider` user, loaded by the official client (kube.Connection): its Configuration's token, read
    through auth_settings() at every request, which names it the same way in every client release and runs the
    provider's refresh hooks."""

    def __init__(self, configuration: Any):
        self.configuration = configuration

    def header(self) -> Optional[str]:
        from .errors import remember_secret

        token = ((self.configuration.auth_settings() or {}).get("BearerToken") or {}).get("value")
        if not token:
            return None
        remember_secret(token.split(" ", 1)[-1])  # whatever loaded it: never printed
        return token.strip()


class Basic(Credential):
    """username/password (round_trippers.go basicAuthRoundTripper): a username with an empty password too."""

    def __init__(self, username: str, password: str, user: str):
        pair = f"{username}:{password}".encode("utf-8", "surrogateescape")
        self._header = "Basic " + base64.b64encode(pair).decode()
        remember_secret(base64.b64encode(pair).decode())

    def header(self) -> Optional[str]:
        return self._header


class BearerToken(Credential):
    """A token, a token file, or both, where the file wins while it can be read (NewBearerAuthWithRefreshRoundTripper).
    A token file named without a token must be readable now, as kubectl reads it when it loads the kubeconfig."""

    def __init__(self, token: Optional[str], token_file: Optional[str], what: str):
        self.what, self.token_file = what, token_file
        self.token = header_value(token, what) if token else None
        remember_secret(token)
        self._read_at = -TOKEN_FILE_PERIOD
        if token_file and not token:
            self.token = self._read(strict=True)

    def _read(self, strict: bool) -> Optional[str]:
        assert self.token_file is not None
        try:
            with open(self.token_file, "rb") as handle:
                raw = handle.read(MAX_OUTPUT + 1)
        except OSError as exc:
            if strict:
                raise ConfigError(f"open {self.token_file}: {(exc.strerror or str(exc)).lower()}") from None
            return None
        self._read_at = time.monotonic()
        text = raw.strip().decode("latin-1")
        remember_secret(text)
        remember_secret(raw.strip().decode("utf-8", "replace"))
        if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in text) or len(raw) > MAX_OUTPUT:
            raise ConfigError(f"invalid configuration: {self.what} ({self.token_file}) contains a line break or "
                              "control character")
        return text

    def header(self) -> Optional[str]:
        if self.token_file and time.monotonic() - self._read_at >= TOKEN_FILE_PERIOD:
            self.token = self._read(strict=False) or self.token
        return f"Bearer {self.token}" if self.token else None


_cache: Dict[str, Tuple[dict, Optional[float]]] = {}  # plugin and cluster -> (status, expires at, epoch seconds)
_cache_lock = threading.Lock()


class ExecPlugin(Credential):
    """An exec credential plugin's token and/or client certificate, run again at expiry and after a 401."""

    def __init__(self, spec: dict, user: str, cluster: dict):
        self.spec, self.user, self.cluster = spec, user, cluster
        self.key = json.dumps([spec, cluster], sort_keys=True, default=str)
        self._files: Dict[Tuple[str, str], Tuple[str, str]] = {}

    def _status(self) -> dict:
        with _cache_lock:
            cached = _cache.get(self.key)
            if cached and (cached[1] is None or time.time() <= cached[1]):  # client-go: expired once past it
                return cached[0]
            _cache[self.key] = run(self.spec, self.cluster)
            return _cache[self.key][0]

    def header(self) -> Optional[str]:
        token = self._status().get("token")
        return f"Bearer {header_value(token, 'the exec plugin token')}" if token else None

    def certificate(self) -> Optional[Tuple[str, str]]:
        status = self._status()
        if not status.get("clientCertificateData"):
            return None
        pair = (status["clientCertificateData"], status["clientKeyData"])
        if pair not in self._files:
            self._files[pair] = (private_file(pair[0].encode()), private_file(pair[1].encode()))
        return self._files[pair]

    def refresh(self, rejected: Optional[str]) -> bool:
        with _cache_lock:
            before = _cache.get(self.key)
            if before is None or (rejected is not None and rejected != _bearer(before[0])):
                return True  # refreshed meanwhile, by another request
            _cache[self.key] = run(self.spec, self.cluster)
            return _cache[self.key][0] != before[0]


def _bearer(status: dict) -> Optional[str]:
    token = status.get("token")
    return f"Bearer {header_value(token, 'the exec plugin token')}" if token else None


def run(spec: dict, cluster: dict) -> Tuple[dict, Optional[float]]:
    """Run the plugin once: (ExecCredential status, expires at) or ConfigError."""
    from .terminal import clean

    command, api_version = spec["command"], spec["apiVersion"]
    shown = clean(command)
    if api_version not in API_VERSIONS:
        raise ConfigError(f'invalid configuration: exec plugin {shown}: apiVersion "{clean(api_version)}" is not one of '
                          f"{', '.join(API_VERSIONS)}")
    mode = spec.get("interactiveMode") or "IfAvailable"
    tty = sys.stdin is not None and sys.stdin.isatty()
    if mode == "Always" and not tty:
        raise ConfigError(f"exec plugin {shown} is configured to stdin (interactiveMode: Always) but no terminal "
                          "is attached")
    interactive = mode != "Never" and tty
    info: dict = {"apiVersion": api_version, "kind": "ExecCredential", "spec": {"interactive": interactive}}
    if spec.get("provideClusterInfo"):
        info["spec"]["cluster"] = cluster
    env = dict(os.environ)
    env.update({str(e["name"]): str(e.get("value") or "") for e in spec.get("env") or []})
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    executable = _look_path(command, spec.get("installHint"))
    timeout = INTERACTIVE_TIMEOUT if interactive else _plugin_timeout()
    returncode, out, err = _communicate([command, *(spec.get("args") or [])], executable, env, interactive, timeout)
    tail = err.decode("utf-8", "replace").strip()
    tail = f": {clean(tail[-_STDERR_SHOWN:])}" if tail else ""
    if returncode is None:
        raise ConfigError(f"exec plugin {shown} did not answer within {timeout:g}s")
    if out is None:
        raise ConfigError(f"exec plugin {shown} printed more than {MAX_OUTPUT // 2 ** 20} MiB: refused")
    if returncode != 0:
        raise ConfigError(f"exec plugin {shown} failed with exit code {returncode}{tail}")
    return _credential(out, shown, api_version)


def _credential(out: bytes, shown: str, api_version: str) -> Tuple[dict, Optional[float]]:
    """The ExecCredential's status and expiry, checked as client-go checks them."""
    from .terminal import clean

    try:
        credential = json.loads(out)
    except (ValueError, RecursionError):
        credential = None
    status: Any = credential.get("status") if isinstance(credential, dict) else None
    strings = isinstance(status, dict) and all(isinstance(status.get(k), (str, type(None))) for k in (
        "token", "clientCertificateData", "clientKeyData", "expirationTimestamp"))
    if not strings or not (status.get("token") or (status.get("clientCertificateData") and status.get("clientKeyData"))):
        raise ConfigError(f"exec plugin {shown} printed no credential (an ExecCredential with status.token "
                          "or client certificate data)")
    if credential.get("apiVersion") != api_version:
        raise ConfigError(f'exec plugin {shown} answered apiVersion "{clean(str(credential.get("apiVersion")))}", '
                          f'not "{api_version}"')
    remember_secret(status.get("token"))
    remember_secret(status.get("clientKeyData"))
    return status, expiry(status.get("expirationTimestamp"), shown)


def expiry(value: Optional[str], shown: str = "") -> Optional[float]:
    """An RFC 3339 time (metav1.Time: `2024-05-01T10:00:00Z`, `...:00.123456+02:00`) as epoch seconds; None: never."""
    if not value:
        return None
    from calendar import timegm

    match = re.fullmatch(_RFC3339, value)
    if not match:
        raise ConfigError(f'exec plugin {shown}: its expirationTimestamp "{value[:40]}" is not an RFC 3339 time')
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    offset = 0 if zone in ("Z", "z") else (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    try:
        seconds = timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (ValueError, OverflowError):
        raise ConfigError(f'exec plugin {shown}: its expirationTimestamp "{value[:40]}" is not a time') from None
    return seconds - offset + (float(fraction) if fraction else 0.0)


def _look_path(command: str, hint: Optional[str]) -> str:
    """What Go's exec.Command runs: a path as given (made absolute by kubeconfig.py), a bare name from PATH's
    absolute directories only (LookPath's ErrDot: never one found through `.` or an empty entry)."""
    from .terminal import clean

    found: Optional[str] = command if "/" in command else None
    if found is None:
        for directory in os.environ.get("PATH", "").split(os.pathsep):
            candidate = os.path.join(directory, command)
            if os.path.isabs(directory) and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                found = candidate
                break
    if found is None or not os.path.exists(found):
        raise ConfigError(f"exec plugin {clean(command)} not found" + (f": {clean(hint).strip()}" if hint else ""))
    if os.path.isdir(found) or not os.access(found, os.X_OK):
        raise ConfigError(f"exec plugin {clean(command)} is not executable")
    return found


def _communicate(argv: List[str], executable: str, env: dict, interactive: bool, timeout: float
                 ) -> Tuple[Optional[int], Optional[bytes], bytes]:
    """(exit code, stdout, end of stderr): exit code None at the timeout, stdout None past MAX_OUTPUT; either way the
    plugin (non-interactive: its whole process group) is killed."""
    import selectors
    import signal
    import subprocess  # here: only an exec plugin runs one (a token or a certificate needs none)

    try:
        process = subprocess.Popen(argv, executable=executable, env=env,
                                   stdin=None if interactive else subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=None if interactive else subprocess.PIPE, start_new_session=not interactive)
    except PermissionError:
        raise ConfigError(f"exec plugin {argv[0]} is not executable") from None
    except OSError as exc:
        raise ConfigError(f"exec plugin {argv[0]} could not be run: {exc.strerror}") from None
    deadline = time.monotonic() + timeout
    out, err, flooded = bytearray(), bytearray(), False
    with selectors.DefaultSelector() as selector:
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                selector.register(stream, selectors.EVENT_READ)
        while selector.get_map() and not flooded:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.fileobj is process.stdout:
                    out += chunk
                    flooded = len(out) > MAX_OUTPUT
                else:
                    err = (err + chunk)[-_STDERR_KEPT:]
        done = not selector.get_map()
    if not done:
        try:
            os.killpg(process.pid, signal.SIGKILL) if not interactive else process.kill()
        except (ProcessLookupError, PermissionError):
            pass
    try:
        returncode: Optional[int] = process.wait(max(0.1, deadline - time.monotonic()) if done else 5)
    except subprocess.TimeoutExpired:  # stdout closed, yet still running: the timeout is the timeout
        os.killpg(process.pid, signal.SIGKILL) if not interactive else process.kill()
        process.wait()
        returncode = None
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    if flooded:
        return returncode, None, bytes(err)
    return (returncode if done else None), bytes(out), bytes(err)


def private_file(content: bytes) -> str:
    """A private temporary file, removed at exit (SIGTERM included): ssl loads client certificates from files only."""
    import atexit
    import tempfile

    handle, path = tempfile.mkstemp(prefix="kubectl-reach-", suffix=".pem")
    with os.fdopen(handle, "wb") as out:
        out.write(content)

    def remove() -> None:
        if os.path.exists(path):
            os.unlink(path)

    atexit.register(remove)
    return path


def _plugin_timeout() -> float:
    value = os.environ.get("KUBECTL_REACH_EXEC_TIMEOUT", "")
    try:
        return float(value) if value and float(value) > 0 else PLUGIN_TIMEOUT
    except ValueError:
        return PLUGIN_TIMEOUT
