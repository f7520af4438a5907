"""The in-cluster vantage (`explain --from-cluster`): a short-lived probe Pod that tries each target from inside the
cluster's pod network, and reports one line per target in its log.

Consent: the Pod is first sent as a dry run (`dryRun=All`: RBAC, Pod Security admission and validation all run, so
a refusal surfaces before anything is asked of the user), and created only when the caller says the user consented
(`--yes`). It is deleted afterwards in a `finally`, so also on Ctrl-C; where that delete fails, one warning says how
to remove it. Refusals become one line: RBAC (`not allowed to create the probe pod ...`), Pod Security (`the probe
pod is refused by Pod Security ...`).

Least privilege, by construction (and admitted by the `restricted` Pod Security profile,
k8s.io/pod-security-admission/policy): non-root with a non-zero uid, read-only root filesystem, no privilege
escalation, every capability dropped, the runtime's default seccomp profile, no service account token
(automountServiceAccountToken: false) and no Service environment variables (enableServiceLinks: false), CPU and
memory limits, restartPolicy Never, and activeDeadlineSeconds: the kubelet kills it at its deadline even if this
client died. A bare Pod has no TTL controller (ttlSecondsAfterFinished is a Job's); a Pod that ended holds nothing
but its object, and `kubectl delete pod -l app.kubernetes.io/managed-by=kubectl-reach` removes what a killed client
left (a decision: a Job would need the Job controller and its RBAC for no gain here).

It runs in the pod network (hostNetwork is what the baseline profile forbids): "from a node's side" here means from
where the cluster's own clients stand, through kube-proxy, CoreDNS and NetworkPolicies.

What it runs: DEFAULT_IMAGE's `curl` (overridable: --probe-image; the image needs `sh`, and curl with http, https
and telnet), one per target in parallel, each bounded by `--connect-timeout` and `--max-time`, never following a
redirect (no -L), with only http, https and telnet (a TCP connect) allowed as protocols (--proto), and no URL
globbing. The targets are arguments of `sh -c SCRIPT`, never part of the script, and every host passed is an IP
literal or a DNS name (urls.host_problem). TLS is not verified from inside (-k): whether the certificate suits a
browser is the `--probe` vantage's question; this one asks whether the path answers.

The log is untrusted (the image is a user's choice, the kubelet a cluster's): at most LOG_LIMIT bytes are read, only
lines of the exact form `reach-probe INDEX EXIT HTTP_CODE TIME_CONNECT` count, the first per index wins. A pod that
left no log (it never started) gives `unknown` results that say its state. The create's answer is checked too: a name
that is not `kubectl-reach-probe-...` in our namespace is never watched, read or deleted, and the delete carries the
created pod's uid as a precondition. Each run labels its pod `kubectl-reach/probe-run=ID`: a Ctrl-C (or a timeout)
while the create is in flight finds the pod that may have landed by that label, and deletes it.
"""

import re
import shlex
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from .doors.base import BROKEN, OK, UNKNOWN, WARNING
from .errors import ApiError, Forbidden, Gone, Invalid, ReachError, Unreachable, UsageError, redact
from .terminal import clean
from .vantages import VantageResult

if TYPE_CHECKING:
    from .kube import Kube

PROBE_POD = "in-cluster probe pod"
DEFAULT_IMAGE = "curlimages/curl:8.20.0"  # the curl project's own image: sh and curl, non-root, multi-arch
GENERATE_NAME = "kubectl-reach-probe-"
RUN_LABEL = "kubectl-reach/probe-run"  # one value per run: a create interrupted by Ctrl-C is found by it
CONTAINER = "probe"
LABELS = {"app.kubernetes.io/name": "kubectl-reach-probe", "app.kubernetes.io/managed-by": "kubectl-reach",
          "app.kubernetes.io/component": "explain-from-cluster"}
USER = 65532  # any non-zero uid; the image's files are world-readable
TARGET_TIMEOUT = 3  # seconds for one target: connect and answer
DEADLINE = 60  # seconds: activeDeadlineSeconds, from the kubelet's start of the pod (image pull included)
SCHEDULING_SLACK = 15  # seconds (at most the deadline again) the client waits beyond it: scheduling is not counted
MAX_TARGETS = 32
ENDED = ("Succeeded", "Failed")
LOG_LIMIT = 64 * 1024  # bytes of the log read; 32 lines of ours are under 2 KB
LINE_LIMIT = 200  # characters of one line considered
RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"},
             "limits": {"cpu": "200m", "memory": "64Mi", "ephemeral-storage": "1Mi"}}
SCHEMES = ("tcp", "http", "https")
# One curl per target, in parallel; each prints its one line (under PIPE_BUF: the lines do not interleave).
SCRIPT = """n=0
for url in "$@"; do
  n=$((n + 1))
  (
    out=$(curl -q -sS -k -g -o /dev/null --proto =http,https,telnet --connect-timeout {timeout} --max-time {timeout} \\
          -w '%{{http_code}} %{{time_connect}}' "$url" </dev/null 2>/dev/null)
    code=$?
    echo "reach-probe $n $code ${{out:-000 0}}"
  ) &
done
wait
"""
_LINE = re.compile(r"reach-probe ([0-9]{1,3}) ([0-9]{1,3}) ([0-9]{3}) ([0-9]{1,5}(?:[.,][0-9]{1,9})?)")
_CANNOT = {1: "the image's curl cannot try it (unsupported protocol)", 2: "the image's curl failed to start",
           126: "the image's curl cannot be run", 127: "the image has no curl (see --probe-image)"}
_CURL_ERRORS = {6: "the name did not resolve", 7: "the connection was refused or failed",
                28: "no answer within {t}s", 35: "the TLS handshake failed", 52: "the server closed the connection "
                "without answering", 56: "the connection was reset while reading the answer"}


@dataclass(frozen=True)
class ProbeTarget:
    """One thing the probe pod tries: `tried` says what it is (`service shop/web port 80`), then a TCP connect
    (tcp) or one GET (http, https) of host:port and path."""

    tried: str
    scheme: str
    host: str
    port: int
    path: str = "/"

    def url(self) -> str:
        """The URL handed to curl (`telnet://` for a TCP connect); ValueError for a host or scheme it must not get."""
        from .endpoints import format_host
        from .probe import wire_path
        from .urls import host_problem

        why = host_problem(self.host)
        if why or self.scheme not in SCHEMES or not 0 < int(self.port) < 65536:
            raise ValueError(f"cannot probe {self.scheme}://{self.host}:{self.port}: {why or 'invalid target'}")
        authority = f"{format_host(self.host)}:{int(self.port)}"
        if self.scheme == "tcp":
            return f"telnet://{authority}"
        return f"{self.scheme}://{authority}{wire_path(self.path)}"


# --- pure: the manifest, the log, the verdicts -------------------------------------------------------------

def _run_id() -> str:
    import uuid  # (imported here: `kubectl reach --help` imports this module, and must stay light)

    return uuid.uuid4().hex[:12]


def _probe_scheme(scheme: str) -> Optional[str]:
    """What the pod does for a URL scheme: an HTTP GET (http, https; ws and wss start as HTTP), a TCP connect
    (any other TCP protocol: tcp, tls, grpc), or nothing (udp, sctp: None)."""
    from .vantages import http_scheme

    return http_scheme(scheme) or (None if scheme in ("udp", "sctp") else "tcp")


def cluster_targets(service: Dict[str, Any], slices: Sequence[Dict[str, Any]], urls: Sequence[Any] = ()
                    ) -> List[ProbeTarget]:
    """What `--from-cluster` tries, in order, at most MAX_TARGETS: the Service by its DNS name (`NAME.NS.svc`, the
    pod's resolv.conf search list completes it) on each TCP port; each ready endpoint address of its EndpointSlices on
    each TCP port (pod IPs, deduplicated); each URL computed for it (endpoints.Endpoint: NodePorts, load balancers,
    Ingresses...). Schemes from scheme.port_scheme; UDP and SCTP are not tried; a host that is no IP literal nor DNS
    name (urls.host_problem) is left out."""
    from .objects import field
    from .scheme import port_scheme
    from .urls import host_problem

    namespace, name = str(field(service, "metadata", "namespace") or "default"), str(field(service, "metadata", "name"))
    found: List[ProbeTarget] = []
    seen: set = set()

    def add(tried: str, scheme: Optional[str], host: Any, port: Any, path: str = "/") -> None:
        key = (scheme, host, port, path)
        if scheme and isinstance(host, str) and not host_problem(host) and isinstance(port, int) and \
                0 < port < 65536 and key not in seen:
            seen.add(key)
            found.append(ProbeTarget(clean(tried), scheme, host, port, path))

    def scheme_of(port: Dict[str, Any]) -> Optional[str]:
        return _probe_scheme(port_scheme(port.get("appProtocol"), port.get("name"), (port.get("port"),),
                                         port.get("protocol") or "TCP"))

    if field(service, "spec", "type") != "ExternalName":
        for port in field(service, "spec", "ports") or []:
            if isinstance(port, dict):
                add(f"service {namespace}/{name} port {port.get('port')}", scheme_of(port), f"{name}.{namespace}.svc",
                    port.get("port"))
    for endpoint_slice in slices:
        if field(endpoint_slice, "metadata", "labels", "kubernetes.io/service-name") != name or \
                field(endpoint_slice, "addressType") not in ("IPv4", "IPv6"):
            continue
        for endpoint in field(endpoint_slice, "endpoints") or []:
            if not isinstance(endpoint, dict) or field(endpoint, "conditions", "ready") is False:
                continue
            pod = field(endpoint, "targetRef", "name")
            for address in endpoint.get("addresses") or []:
                for port in field(endpoint_slice, "ports") or []:
                    if isinstance(port, dict):
                        add(f"pod {namespace}/{pod or address} port {port.get('port')}", scheme_of(port), address,
                            port.get("port"))
    for url in urls:
        add(f"{url.method} {url.url}", _probe_scheme(url.scheme), url.host, url.port, url.path or "/")
    return found[:MAX_TARGETS]


@dataclass(frozen=True)
class ProbePlan:
    """Everything the probe pod is made of: the targets, the namespace it runs in, its image (--probe-image), the
    seconds for one target, its activeDeadlineSeconds, and the run's own label value (RUN_LABEL: how a pod whose
    create was interrupted is found again)."""

    targets: Tuple[ProbeTarget, ...]
    namespace: str
    image: str = DEFAULT_IMAGE
    timeout: int = TARGET_TIMEOUT
    deadline: int = DEADLINE
    run_id: str = field(default_factory=lambda: _run_id())

    def manifest(self) -> Dict[str, Any]:
        """The probe Pod: least privilege (see the module's docstring), one container running SCRIPT over the
        targets' URLs. ValueError for no targets or too many, an image name with spaces, or a target that cannot
        be probed."""
        if not self.targets or len(self.targets) > MAX_TARGETS:
            raise ValueError(f"a probe pod tries 1 to {MAX_TARGETS} targets, not {len(self.targets)}")
        if not self.image or any(c.isspace() for c in self.image):
            raise ValueError(f"invalid image {self.image!r}")
        urls = [t.url() for t in self.targets]
        return {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"generateName": GENERATE_NAME, "namespace": self.namespace,
                         "labels": {**LABELS, RUN_LABEL: self.run_id},
                         "annotations": {"kubectl-reach/purpose": "a one-shot reachability probe of kubectl reach "
                                                                  "explain --from-cluster; safe to delete"}},
            "spec": {
                "restartPolicy": "Never", "activeDeadlineSeconds": int(self.deadline),
                "terminationGracePeriodSeconds": 1, "automountServiceAccountToken": False, "enableServiceLinks": False,
                "securityContext": {"runAsNonRoot": True, "runAsUser": USER, "runAsGroup": USER,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{
                    "name": CONTAINER, "image": self.image, "imagePullPolicy": "IfNotPresent",
                    "command": ["sh", "-c", SCRIPT.format(timeout=int(self.timeout)), "sh", *urls],
                    "resources": {k: dict(v) for k, v in RESOURCES.items()},
                    "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                        "runAsNonRoot": True, "privileged": False, "capabilities": {"drop": ["ALL"]}},
                }],
            },
        }

    def results(self, log: str, silent: str = "the probe pod reported nothing for it") -> List[VantageResult]:
        """One result per target, in order, from the pod's log (parse_log); `silent`: the detail where it has no
        line."""
        found = parse_log(log, len(self.targets))
        out = []
        for index, target in enumerate(self.targets, 1):
            answer = found.get(index)
            verdict, detail = verdict_of(target, answer, self.timeout) if answer else (UNKNOWN, silent)
            out.append(VantageResult(PROBE_POD, clean(f"{target.tried}: {target.url()}"), verdict, detail,
                                     reproduce(target, self.namespace, self.image, self.timeout)))
        return out


def parse_log(text: str, count: int) -> Dict[int, Tuple[int, str, float]]:
    """index (1-based) -> (curl's exit code, HTTP code, seconds to connect), from the lines of the exact form;
    anything else is ignored, and at most 4 x `count` lines are looked at."""
    found: Dict[int, Tuple[int, str, float]] = {}
    for line in text.splitlines()[: 4 * count]:
        match = _LINE.fullmatch(line.strip()[:LINE_LIMIT])
        if not match:
            continue
        index = int(match.group(1))
        if 1 <= index <= count and index not in found:
            found[index] = (int(match.group(2)), match.group(3), float(match.group(4).replace(",", ".")))
    return found


def verdict_of(target: ProbeTarget, answer: Optional[Tuple[int, str, float]], timeout: int = TARGET_TIMEOUT
               ) -> Tuple[str, str]:
    """(verdict, detail) of one target's line: a TCP connect that connected is ok; an HTTP answer below 500 is ok
    (reached, as --probe counts it), a 5xx a warning; curl's failures are broken, named; no line, or an image
    whose curl could not try it, is unknown."""
    if answer is None:
        return UNKNOWN, "the probe pod reported nothing for it"
    code, http, connect = answer
    if code in _CANNOT:
        return UNKNOWN, _CANNOT[code]
    if target.scheme == "tcp":
        if connect > 0:
            return OK, "TCP connect succeeded (from inside the cluster)"
        return BROKEN, _CURL_ERRORS.get(code, f"curl failed with exit code {code}").format(t=timeout)
    if code == 0 and http != "000":
        status = int(http)
        return (WARNING if status >= 500 else OK), f"HTTP {status} (from inside the cluster)"
    return BROKEN, _CURL_ERRORS.get(code, f"curl failed with exit code {code}").format(t=timeout)


def reproduce(target: ProbeTarget, namespace: str, image: str = DEFAULT_IMAGE, timeout: int = TARGET_TIMEOUT) -> str:
    """A kubectl command that tries the same from a throw-away pod (without our security settings: a sketch)."""
    words = ["kubectl", "run", "reach-probe", "--rm", "-i", "--restart=Never", "-n", namespace, f"--image={image}",
             "--command", "--", "curl", "-sS", "-k", "-o", "/dev/null", "-w", "%{http_code}\\n",
             "--connect-timeout", str(timeout), target.url()]
    return " ".join(shlex.quote(w) for w in words)


def _one_line(text: str, limit: int = 500) -> str:
    text = clean(redact(" ".join(str(text).split())))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def refusal(exc: ApiError, namespace: str) -> ApiError:
    """A refused create as one clear line: Pod Security, RBAC, or validation."""
    said = _one_line(str(exc))
    if isinstance(exc, Forbidden) and "PodSecurity" in said:
        return Forbidden(f"the probe pod is refused by Pod Security in namespace {clean(namespace)}: {said}", code=403)
    if isinstance(exc, Forbidden):
        return Forbidden(f"not allowed to create the probe pod in namespace {clean(namespace)}: {said}", code=403)
    if isinstance(exc, Invalid):
        return Invalid(f"the API server refused the probe pod as invalid: {said}", code=exc.code)
    return type(exc)(f"could not create the probe pod in namespace {clean(namespace)}: {said}", code=exc.code)


def state_of(pod: Optional[Dict[str, Any]]) -> str:
    """What a pod is doing, in one line: its phase and reason (`Failed: DeadlineExceeded`), the first container
    waiting reason (`ImagePullBackOff: ...`), or why it is not scheduled."""
    if not isinstance(pod, dict):
        return "no status seen"
    status: Dict[str, Any] = pod["status"] if isinstance(pod.get("status"), dict) else {}
    said = [": ".join(str(p) for p in (status.get("phase") or "Pending", status.get("reason"), status.get("message"))
                      if p)]
    for container in status.get("containerStatuses") or []:
        waiting = ((container or {}).get("state") or {}).get("waiting") if isinstance(container, dict) else None
        if isinstance(waiting, dict) and waiting.get("reason"):
            said.append(f"{waiting.get('reason')}: {waiting.get('message') or ''}".rstrip(": "))
            break
    for condition in status.get("conditions") or []:
        if isinstance(condition, dict) and condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            said.append(f"not scheduled: {condition.get('message') or condition.get('reason') or ''}".rstrip(": "))
    return _one_line(", ".join(said), 300)


# --- I/O ---------------------------------------------------------------------------------------------------

def _path(namespace: str, name: str = "", sub: str = "") -> str:
    from urllib.parse import quote

    path = f"/api/v1/namespaces/{quote(namespace, safe='')}/pods"
    return path + (f"/{quote(name, safe='')}" if name else "") + (f"/{sub}" if sub else "")


def create(kube: "Kube", pod: Dict[str, Any], dry_run: bool) -> Dict[str, Any]:
    """POST the pod (dryRun=All for a dry run); a refusal becomes its one line."""
    namespace = pod["metadata"]["namespace"]
    try:
        return kube.create("pods", namespace, pod, dry_run=dry_run)
    except ApiError as exc:
        raise refusal(exc, namespace) from None


# What the flow needs besides the create (which the dry run checks): (verb, subresource, what fails without it).
# Delete first: a pod that could not be deleted must never be made.
NEEDED = (("delete", "", "deleted afterwards"), ("watch", "", "watched to its end"), ("get", "log", "read"))


def check(kube: "Kube", plan: ProbePlan) -> Dict[str, Any]:
    """Before any consent: the dry run (`dryRun=All`: the Pod as the API server would create it, or the one-line
    refusal: Forbidden for RBAC or Pod Security, Invalid), then one SelfSubjectAccessReview per other verb the flow
    needs (NEEDED), so that a pod is never made that could not be watched, read or deleted. Nothing is created.
    Pod Security's warn-mode texts land in kube.warnings."""
    from .vantages import allowed

    pod = create(kube, plan.manifest(), dry_run=True)
    for verb, subresource, why in NEEDED:
        if not allowed(kube, plan.namespace, "pods", subresource, verb):
            what = f"pods/{subresource}" if subresource else "pods"
            raise Forbidden(f"not allowed to {verb} {what} in namespace {clean(plan.namespace)}: the probe pod could "
                            f"not be {why}, so it is not created (kubectl auth can-i {verb} {what} -n "
                            f"{shlex.quote(plan.namespace)})", code=403)
    return pod


def _phase(pod: Any) -> str:
    status = pod.get("status") if isinstance(pod, dict) else None
    return str(status.get("phase") or "") if isinstance(status, dict) else ""


def wait_for_end(kube: "Kube", pod: Dict[str, Any], seconds: float) -> Dict[str, Any]:
    """The pod once its phase is Succeeded or Failed, watched (fieldSelector metadata.name) from the version `pod` (as
    created) has; bounded by `seconds` (each watch asks the server to end by then; a 410 re-reads the pod)."""
    meta = pod.get("metadata") or {}
    namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
    end = time.monotonic() + seconds
    version, last = str(meta.get("resourceVersion") or ""), pod
    for _ in range(1000):  # watches renewed (each ends at the server's timeoutSeconds): bounded by the deadline too
        left = end - time.monotonic()
        if left <= 0:
            break
        try:
            for kind, obj in kube.watch("pods", namespace, version, f"metadata.name={name}",
                                        timeout_seconds=max(1, int(left + 0.999))):
                version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
                if kind == "DELETED":
                    raise ReachError(f"the probe pod {clean(namespace)}/{clean(name)} was deleted before it ended")
                if kind in ("ADDED", "MODIFIED"):
                    last = obj
                    if _phase(obj) in ENDED:
                        return obj
                if time.monotonic() >= end:
                    break
        except Gone:
            last = kube.get("pods", name, namespace)
            version = str((last.get("metadata") or {}).get("resourceVersion") or "")
            if _phase(last) in ENDED:
                return last
    raise ReachError(f"the probe pod {clean(namespace)}/{clean(name)} did not end within {seconds:g}s "
                     f"({state_of(last)})")


def read_log(kube: "Kube", namespace: str, name: str) -> Optional[str]:
    """The probe container's log: at most LOG_LIMIT bytes (limitBytes, and the read itself bounded); None when the
    server has none to give (a container that never started: the kubelet answers 400)."""
    from urllib.parse import urlencode

    query = urlencode({"container": CONTAINER, "limitBytes": str(LOG_LIMIT)})
    status, _, body = kube.read(f"{_path(namespace, name, 'log')}?{query}", LOG_LIMIT)
    return body.decode("utf-8", "replace") if status == 200 else None


def delete(kube: "Kube", namespace: str, name: str, uid: str = "") -> None:
    """Delete the probe pod (that very one: a uid precondition), within its 1 s grace period."""
    body: Dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 1,
                            "propagationPolicy": "Background"}
    if uid:
        body["preconditions"] = {"uid": uid}
    try:
        kube.request("DELETE", _path(namespace, name), None, body)
    except ApiError as exc:
        if exc.code != 404:  # gone already: what we wanted
            raise


def remove_run(kube: "Kube", plan: ProbePlan, warn: Callable[[str], None]) -> None:
    """Delete the pods of this run (found by RUN_LABEL: a create whose answer never came), each by its uid."""
    selector = f"{RUN_LABEL}={plan.run_id}"
    try:
        found = kube.request("GET", _path(plan.namespace), {"labelSelector": selector, "limit": MAX_TARGETS})
        for pod in found.get("items") or []:
            meta = pod.get("metadata") if isinstance(pod, dict) else None
            name = str(meta.get("name") or "") if isinstance(meta, dict) else ""
            if name.startswith(GENERATE_NAME):
                delete(kube, plan.namespace, name, str(meta.get("uid") or "") if isinstance(meta, dict) else "")
    except ReachError as exc:
        warn(f"could not look for the probe pod ({_one_line(str(exc), 200)}): kubectl delete pod -n "
             f"{shlex.quote(plan.namespace)} -l {selector}")


def run(kube: "Kube", plan: ProbePlan, consent: bool, warn: Callable[[str], None] = lambda line: None
        ) -> List[VantageResult]:
    """With `consent` (the user's --yes): check() (the dry run and the reviews), then create the probe Pod, wait for
    it to end, read its log, and delete it whatever happens (Ctrl-C included): one result per target, in order. A
    delete that fails is said through `warn`, with the command that finishes it. Without consent: UsageError, and
    nothing is sent (show plan.manifest() and check() instead).

    Requests: check()'s four, a create, one watch (more only past a server's watch timeout or a 410), a log read, a
    delete."""
    if not consent:
        raise UsageError("the probe pod is created only with --yes (the dry run above shows it)")
    check(kube, plan)
    try:
        created = create(kube, plan.manifest(), dry_run=False)
    except (KeyboardInterrupt, Unreachable):  # the create may have landed without our hearing of it
        remove_run(kube, plan, warn)
        raise
    meta = created.setdefault("metadata", {})
    namespace, name, uid = plan.namespace, str(meta.get("name") or ""), str(meta.get("uid") or "")
    if meta.setdefault("namespace", namespace) != namespace or not name.startswith(GENERATE_NAME) or \
            not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name):  # never watch, read or delete another pod
        raise ApiError(f"the API server's answer to the probe pod's create names another pod "
                       f"({clean(meta.get('namespace'))}/{clean(name)}): nothing more is done with it")
    try:
        slack = min(SCHEDULING_SLACK, plan.deadline)  # the kubelet counts the deadline from its start of the pod
        ended = wait_for_end(kube, created, plan.deadline + slack)
        log = read_log(kube, namespace, name)
    finally:
        try:
            delete(kube, namespace, name, uid)
        except ReachError as exc:
            warn(f"could not delete the probe pod {clean(namespace)}/{clean(name)} ({_one_line(str(exc), 200)}): "
                 f"kubectl delete pod {shlex.quote(name)} -n {shlex.quote(namespace)}")
    if log is None:
        return plan.results("", f"the probe pod left no log ({state_of(ended)})")
    return plan.results(log)
