"""Exec credential plugins (`users[].user.exec`: aws, gke-gcloud-auth-plugin, kubelogin...), run as kubectl runs
them (client.authentication.k8s.io/v1 and v1beta1), without importing the official client for it.

The plugin gets KUBERNETES_EXEC_INFO (an ExecCredential with `spec.interactive` and, with provideClusterInfo,
`spec.cluster`), the kubeconfig's `env` on top of ours, and our stdin only when it may be interactive
(`interactiveMode`: Never, IfAvailable (the default) or Always, which needs a terminal). It must answer within
PLUGIN_TIMEOUT (an interactive one may take longer: a person is typing). A plugin that is missing, fails, times
out or prints no credential is an `error:` naming it, with the end of its stderr, escaped: never a silent
anonymous request. A credential is reused in-process until its expirationTimestamp.
"""

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from typing import Dict, Optional, Tuple

from .errors import ConfigError

PLUGIN_TIMEOUT = 60.0  # seconds (KUBECTL_REACH_EXEC_TIMEOUT overrides); kubectl has none: a hung plugin hangs it
INTERACTIVE_TIMEOUT = 600.0
API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
_STDERR_SHOWN = 400  # characters of a failing plugin's stderr quoted in the error
_cache: Dict[str, Tuple[dict, Optional[float]]] = {}  # plugin config -> (status, expires at, epoch seconds)


def exec_credential(spec: dict, cluster: dict) -> dict:
    """The plugin's ExecCredential status: {"token": ...} or {"clientCertificateData", "clientKeyData"}."""
    key = json.dumps([spec, cluster], sort_keys=True, default=str)
    cached = _cache.get(key)
    if cached and (cached[1] is None or cached[1] > time.time() + 10):
        return cached[0]
    status, expires = _run(spec, cluster)
    _cache[key] = (status, expires)
    return status


def _run(spec: dict, cluster: dict) -> Tuple[dict, Optional[float]]:
    from .terminal import clean

    command = spec.get("command")
    api_version = spec.get("apiVersion")
    if not isinstance(command, str) or not command:
        raise ConfigError("invalid configuration: exec: a command is required")
    if api_version not in API_VERSIONS:
        raise ConfigError(f'invalid configuration: exec plugin {command}: apiVersion "{api_version}" is not one of '
                          f"{', '.join(API_VERSIONS)}")
    mode = spec.get("interactiveMode") or ("IfAvailable" if api_version.endswith("v1beta1") else None)
    if mode not in ("Never", "IfAvailable", "Always"):
        raise ConfigError(f"invalid configuration: exec plugin {command}: interactiveMode must be specified "
                          f"(Never, IfAvailable or Always) for {api_version}")
    tty = sys.stdin.isatty()
    if mode == "Always" and not tty:
        raise ConfigError(f"exec plugin {command} is configured to stdin (interactiveMode: Always) but no terminal "
                          "is attached")
    interactive = mode != "Never" and tty
    info = {"apiVersion": api_version, "kind": "ExecCredential", "spec": {"interactive": interactive}}
    if spec.get("provideClusterInfo"):
        info["spec"]["cluster"] = {k: v for k, v in {
            "server": cluster.get("server"), "tls-server-name": cluster.get("tls-server-name"),
            "insecure-skip-tls-verify": cluster.get("insecure-skip-tls-verify"),
            "certificate-authority-data": cluster.get("certificate-authority-data"),
            "proxy-url": cluster.get("proxy-url"), "config": (cluster.get("extensions") or {})}.items() if v}
    env = dict(os.environ)
    for entry in spec.get("env") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            env[entry["name"]] = str(entry.get("value", ""))
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    argv = [command, *[str(a) for a in spec.get("args") or []]]
    timeout = INTERACTIVE_TIMEOUT if interactive else _plugin_timeout()
    try:
        done = subprocess.run(argv, env=env, stdin=None if interactive else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=None if interactive else subprocess.PIPE,
                              timeout=timeout)
    except FileNotFoundError:
        hint = spec.get("installHint")
        raise ConfigError(f"exec plugin {clean(command)} not found" + (f": {clean(hint).strip()}" if hint else "")) from None
    except PermissionError:
        raise ConfigError(f"exec plugin {clean(command)} is not executable") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"exec plugin {clean(command)} did not answer within {timeout:g}s") from None
    stderr = (done.stderr or b"").decode("utf-8", "replace").strip()
    tail = f": {clean(stderr[-_STDERR_SHOWN:])}" if stderr else ""
    if done.returncode != 0:
        raise ConfigError(f"exec plugin {clean(command)} failed with exit code {done.returncode}{tail}")
    try:
        credential = json.loads(done.stdout)
    except (ValueError, RecursionError):
        credential = None
    status = credential.get("status") if isinstance(credential, dict) else None
    if not isinstance(status, dict) or not (status.get("token") or (status.get("clientCertificateData")
                                                                    and status.get("clientKeyData"))):
        raise ConfigError(f"exec plugin {clean(command)} printed no credential (an ExecCredential with status.token "
                          "or client certificate data)")
    if credential.get("apiVersion") != api_version:
        raise ConfigError(f'exec plugin {clean(command)} answered apiVersion "{clean(credential.get("apiVersion"))}", '
                          f'not "{api_version}"')
    return status, _expiry(status.get("expirationTimestamp"))


def _plugin_timeout() -> float:
    value = os.environ.get("KUBECTL_REACH_EXEC_TIMEOUT", "")
    try:
        return float(value) if value and float(value) > 0 else PLUGIN_TIMEOUT
    except ValueError:
        return PLUGIN_TIMEOUT


def _expiry(value) -> Optional[float]:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.replace("Z", "+0000")[:24], "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return None
