"""`kubectl reach diff -f FILE|DIR|-`: what applying these manifests would do to the ways in, before it is done.

The manifests are sent to the API server as `kubectl apply --server-side --force-conflicts` would send them (one
server-side apply PATCH per object, field manager `--field-manager`, default `kubectl`), with `dryRun=All`: the server
defaults, validates and admits them and answers with the objects as they would be, and persists nothing. The
namespace (or, when the manifests span several namespaces or hold a cluster-scoped object, the cluster) is read as the
audit reads it; the answers replace the objects they name, every other object is read as it is; then the ways in
(reach.exposing_objects) and the audit's findings before and after are compared, object by object: the URLs each
gains, loses or changes (a URL of the same method and host on another port or scheme), the warnings and the findings
it introduces or fixes. A nodePort the dry run invented is shown as `<allocated on apply>` (convert/diff.py).

Decisions where the issue is silent: only kinds that take part in a way in are sent (Services, Pods, Ingresses,
IngressClasses, Gateway API routes, Gateways, ReferenceGrants, OpenShift Routes); any other kind (ConfigMap,
Deployment...) is named on stderr and not sent: a workload's new pods are not simulated, nor are EndpointSlices (a
Service's readiness is the live one). Exit codes are kubectl diff's: 0 nothing changes, 1 something does (a URL, a
warning or a finding), 2 an error; with `--fail-on SEVERITY`, only a new finding at least that severe fails (4),
whatever else changes.
"""

import dataclasses
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import click

from ..errors import NotFound, ReachError, UsageError
from ..exitcodes import ExitCode
from ..flags import flag
from ..kubeflags import Session
from ..options import DIFF_OUTPUTS

MAX_MANIFEST_BYTES = 32 * 1024 * 1024  # every file together
MAX_OBJECTS = 5000
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")  # what kubectl reads in a directory (FileExtensions)
SNAPSHOT_FIELDS = {"Service": "services", "Ingress": "ingresses", "Pod": "pods", "IngressClass": "ingress_classes",
                   "Gateway": "gateways", "ReferenceGrant": "reference_grants", "Route": "openshift_routes"}


@dataclass
class DiffOptions:
    """The flags as typed, each declared here once (flags.flag)."""

    filename: Tuple[str, ...] = flag("-f", "--filename", default=(), metavar="FILE", type=click.Path(),
                                     help="A manifest file, a directory of them (.yaml, .yml, .json) or - for stdin. "
                                          "Repeatable.")
    recursive: bool = flag("-R", "--recursive", default=False, help="Read the directories given with -f recursively.")
    output: str = flag("-o", "--output", default="table", show_default=True, metavar="FORMAT",
                       help="table, json or yaml.")
    fail_on: Optional[str] = flag("--fail-on", metavar="SEVERITY", values="severities",
                                  help="high, medium or low: exit with code 4 only when the manifests introduce a "
                                       "finding at least this severe (not 1 for any change).")
    field_manager: str = flag("--field-manager", default="kubectl", show_default=True, metavar="NAME",
                              help="The field manager the apply is previewed as (the one your apply uses).")

    def validate(self) -> "Diff":
        from ..audit import SEVERITIES
        from ..options import validate_output

        if not self.filename:
            raise UsageError("must specify one of -f and -k (kubectl reach diff -f FILE|DIR|-)")
        if self.fail_on is not None and self.fail_on not in SEVERITIES:
            raise UsageError(f'invalid --fail-on "{self.fail_on}": use one of {", ".join(SEVERITIES)}')
        if not self.field_manager.strip() or len(self.field_manager) > 128:
            raise UsageError("--field-manager must be 1 to 128 characters")
        return Diff(tuple(self.filename), self.recursive, validate_output(self.output, DIFF_OUTPUTS), self.fail_on,
                    self.field_manager)


# --- reading the manifests ---------------------------------------------------------------------------------------

def manifest_files(paths: Sequence[str], recursive: bool) -> Iterator[str]:
    """Each path given, a directory's manifest files in name order (its subdirectories with -R), as kubectl -f."""
    for path in paths:
        if path == "-" or os.path.isfile(path):
            yield path
        elif os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(dirs) if recursive else []
                yield from (os.path.join(root, f) for f in sorted(files) if f.endswith(MANIFEST_SUFFIXES))
        else:
            raise UsageError(f'the path "{path}" does not exist')


def load_manifests(paths: Sequence[str], recursive: bool, stdin: Any) -> List[Tuple[str, dict]]:
    """(where it came from, object) for every object of the files; `List` objects are unpacked. Bounded: at most
    MAX_MANIFEST_BYTES read, MAX_OBJECTS objects."""
    import yaml

    found: List[Tuple[str, dict]] = []
    budget = MAX_MANIFEST_BYTES
    for path in manifest_files(paths, recursive):
        try:
            if path == "-":
                text = stdin.read(budget + 1)
            else:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read(budget + 1)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f'cannot read "{path}": {getattr(exc, "strerror", None) or exc}') from None
        budget -= len(text)
        if budget < 0:
            raise UsageError(f"the manifests are larger than {MAX_MANIFEST_BYTES // 2 ** 20} MiB")
        where = "stdin" if path == "-" else path
        try:
            documents = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as exc:
            raise UsageError(f"error parsing {where}: {str(exc).splitlines()[0]}") from None
        for document in documents:
            items = document.get("items") if isinstance(document, dict) and str(document.get("kind", "")).endswith(
                "List") else [document]
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict) or not item.get("kind") or not item.get("apiVersion"):
                    raise UsageError(f"error validating {where}: an object without apiVersion or kind")
                found.append((where, item))
                if len(found) > MAX_OBJECTS:
                    raise UsageError(f"more than {MAX_OBJECTS} objects in the manifests")
    if not found:
        raise UsageError("no objects passed to diff")
    return found


# --- the plan ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Applied:
    """One manifest's dry-run answer."""

    kind: str
    namespace: str
    name: str
    live: Optional[dict]
    manifest: dict
    after: dict

    @property
    def action(self) -> str:
        return "created" if self.live is None else "configured"


@dataclass(frozen=True)
class Diff:
    files: Tuple[str, ...]
    recursive: bool
    output: str
    fail_on: Optional[str]
    field_manager: str

    def run(self, session: Session) -> int:
        from .. import targets

        manifests = load_manifests(self.files, self.recursive, session.streams.input)
        sent, skipped = self.sendable(manifests, session.namespace)
        for where, obj in skipped:
            session.streams.warn(f"Warning: {obj['kind']}/{(obj.get('metadata') or {}).get('name', '?')} ({where}): "
                                 "not part of any way in: not sent")
        scope = self.scope(sent)
        before = targets.fetch_everything(session.kube, scope, every_address=True)
        applied = [self.apply(session, where, kind, obj, namespace) for where, kind, obj, namespace in sent]
        for text in session.kube.warnings:  # the API server's warnings about the manifests (deprecations...)
            session.streams.warn(f"Warning: {text}")
        session.kube.warnings.clear()
        changes = compare(before, after_snapshot(before, applied), applied)
        session.streams.write(render(changes, applied, self.output))
        session.streams.warn(f"Dry run: {len(applied)} object(s) sent with dryRun=All (server-side apply as "
                             f"{self.field_manager}); nothing was changed.")
        if self.fail_on is not None:
            from ..audit import at_or_above

            new = [f for c in changes for f in c["findings"]["added"] if at_or_above(f["severity"], self.fail_on)]
            return ExitCode.FINDINGS if new else ExitCode.OK
        return ExitCode.ERROR if changes else ExitCode.OK  # kubectl diff's 1: something changes

    @staticmethod
    def sendable(manifests: List[Tuple[str, dict]], default_namespace: str) -> Tuple[list, list]:
        """(where, Kind, object, namespace) of the objects that take part in a way in; the others, to name."""
        from ..kinds import KINDS

        by_kind = {(k.group, k.name): k for k in KINDS if k.role or k.name in SNAPSHOT_FIELDS}
        sent, skipped = [], []
        for where, obj in manifests:
            group = str(obj["apiVersion"]).rpartition("/")[0]
            kind = by_kind.get((group, str(obj["kind"])))
            if kind is None or (kind.role == "workload"):
                skipped.append((where, obj))
                continue
            meta: dict = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
            if not isinstance(meta.get("name"), str) or not meta["name"]:
                what = "generateName cannot be used with apply" if meta.get("generateName") else "no metadata.name"
                raise UsageError(f"error validating {where}: {obj['kind']}: {what}")
            namespace = (meta.get("namespace") or default_namespace) if kind.namespaced else ""
            sent.append((where, kind, obj, str(namespace)))
        return sent, skipped

    @staticmethod
    def scope(sent: list) -> Optional[str]:
        """The one namespace the manifests touch, else None (the cluster: several, or a cluster-scoped object)."""
        namespaces = {namespace for _, _, _, namespace in sent}
        return namespaces.pop() if len(namespaces) == 1 and "" not in namespaces else None

    def apply(self, session: Session, where: str, kind: Any, obj: dict, namespace: str) -> Applied:
        """The server-side apply, dryRun=All: the object as it would be (nothing persisted)."""
        from urllib.parse import quote

        from ..shapes import conform

        name = obj["metadata"]["name"]
        version = str(obj["apiVersion"])
        prefix = f"/apis/{version}" if "/" in version else f"/api/{version}"
        path = prefix + (f"/namespaces/{quote(namespace, safe='')}" if namespace else "") + \
            f"/{kind.resource}/{quote(name, safe='')}"
        body = {**obj, "metadata": {**obj["metadata"], **({"namespace": namespace} if namespace else {})}}
        try:
            live: Optional[dict] = session.kube.request("GET", path)
        except NotFound:
            live = None
        try:
            after = session.kube.request("PATCH", path, {"fieldManager": self.field_manager, "force": "true",
                                                         "dryRun": "All"}, body, "application/apply-patch+yaml")
        except NotFound:  # an apply creates what is missing: a 404 is an API the server does not serve
            raise ReachError(f'resource mapping not found for name: "{name}" namespace: "{namespace}" from '
                             f'"{where}": no matches for kind "{obj["kind"]}" in version "{version}"') from None
        except ReachError as exc:
            raise type(exc)(f"{kind.short}/{name} ({where}): {exc}") from None
        after.setdefault("kind", kind.name)
        session.kube.malformed.extend(conform(kind.resource, after))
        return Applied(kind.name, namespace, name, live, obj, after)


# --- before and after --------------------------------------------------------------------------------------------

def key(obj: dict) -> Tuple[str, str, str]:
    meta = obj.get("metadata") or {}
    return str(obj.get("kind") or ""), str(meta.get("namespace") or ""), str(meta.get("name") or "")


def after_snapshot(before: Any, applied: Sequence[Applied]) -> Any:
    """The snapshot with each applied object in place of (or beside) the one it names."""
    from ..endpoints.hostports import uses_host_network
    from ..kinds import BY_NAME, GATEWAY_ROUTES

    routes = {k.name for k in GATEWAY_ROUTES}
    changed: Dict[str, list] = {}
    extra = dict(before.extra)  # the other front doors' objects (doors/), by resource
    for item in applied:
        if item.kind in routes or item.kind in SNAPSHOT_FIELDS:
            field_name = "gateway_routes" if item.kind in routes else SNAPSHOT_FIELDS[item.kind]
            current = changed.setdefault(field_name, list(getattr(before, field_name) or []))
        else:
            field_name = BY_NAME[item.kind].resource
            current = extra[field_name] = list(extra.get(field_name, []))
        after = item.after
        if field_name != "gateway_routes":
            after = {**after, "kind": item.kind}
        wanted = (item.kind, item.namespace, item.name)
        current[:] = [o for o in current if (o.get("kind") or item.kind, *key(o)[1:]) != wanted]
        if item.kind != "Pod" or uses_host_network(after):  # the listing keeps host-networked pods only
            current.append(after)
    return dataclasses.replace(before, **changed, extra=extra)


def placeholders(applied: Sequence[Applied]) -> Dict[Tuple[str, str], set]:
    """(namespace, Service) -> the nodePorts its dry run invented (shown `<allocated on apply>`)."""
    from ..convert.diff import dry_run_placeholders

    return {(a.namespace, a.name): dry_run_placeholders(a.live or {}, a.manifest, a.after)
            for a in applied if a.kind == "Service"}


def allocated(text: str, ports: set) -> str:
    """A warning or finding with the dry run's stand-in nodePort numbers shown as what they are."""
    from ..convert.diff import ALLOCATED

    if not ports:
        return text
    return re.sub(r"(?<![\d.])(\d{4,5})(?![\d.])", lambda m: ALLOCATED if int(m.group(1)) in ports else m.group(1),
                  text)


def exposures(snapshot: Any, invented: Dict[Tuple[str, str], set]) -> Dict[tuple, dict]:
    """(kind, namespace, name) -> {"urls": {url: (method, host, path)}, "warnings", "findings"} of every exposing
    object."""
    from ..audit import assess
    from ..convert.diff import ALLOCATED

    found = {}
    for exposure in assess(snapshot):
        answer = exposure.answer
        urls = {}
        ports = {p for e in answer.found.endpoints for p in invented.get((answer.namespace, e.service or ""), ())}

        for endpoint in answer.found.endpoints:
            url = endpoint.url
            if endpoint.method == "NodePort" and endpoint.port in ports:
                url = url.rsplit(":", 1)[0] + f":{ALLOCATED}"
            urls[url] = (endpoint.method, endpoint.host, endpoint.path or "")
        found[(answer.kind, answer.namespace, answer.name)] = {
            "urls": urls, "warnings": list(dict.fromkeys(allocated(w, ports) for w in answer.found.warnings)),
            "findings": {(f.check, allocated(f.message, ports)): f.severity for f in exposure.findings}}
    return found


def compare(before: Any, after: Any, applied: Sequence[Applied]) -> List[dict]:
    """Each object whose ways in, warnings or findings differ, in the order after lists them (then those gone)."""
    invented = placeholders(applied)
    old, new = exposures(before, {}), exposures(after, invented)
    empty: dict = {"urls": {}, "warnings": [], "findings": {}}
    changes = []
    for identity in [*new, *(k for k in old if k not in new)]:
        was, now = old.get(identity, empty), new.get(identity, empty)
        gone = [u for u in was["urls"] if u not in now["urls"]]
        came = [u for u in now["urls"] if u not in was["urls"]]
        altered = []
        for url in list(gone):  # the same way in (method, host, path) on another port or scheme
            twin = next((u for u in came if now["urls"][u] == was["urls"][url]), None)
            if twin is not None:
                altered.append({"from": url, "to": twin})
                gone.remove(url)
                came.remove(twin)
        change = {"target": {"kind": identity[0], "namespace": identity[1], "name": identity[2]},
                  "urls": {"added": came, "removed": gone, "changed": altered},
                  "warnings": {"added": [w for w in now["warnings"] if w not in was["warnings"]],
                               "removed": [w for w in was["warnings"] if w not in now["warnings"]]},
                  "findings": {"added": [{"severity": s, "check": c, "message": m} for (c, m), s
                                         in now["findings"].items() if (c, m) not in was["findings"]],
                               "removed": [{"severity": s, "check": c, "message": m} for (c, m), s
                                           in was["findings"].items() if (c, m) not in now["findings"]]}}
        if any(change[part][side] for part in ("urls", "warnings", "findings") for side in change[part]):
            changes.append(change)
    return changes


# --- output ------------------------------------------------------------------------------------------------------

def document(changes: List[dict], applied: Sequence[Applied]) -> dict:
    from ..audit import SEVERITIES

    added = [f["severity"] for c in changes for f in c["findings"]["added"]]
    return {"objects": [{"kind": a.kind, "namespace": a.namespace, "name": a.name, "action": a.action}
                        for a in applied],
            "changes": changes,
            "summary": {"changed": len(changes),
                        "urlsAdded": sum(len(c["urls"]["added"]) for c in changes),
                        "urlsRemoved": sum(len(c["urls"]["removed"]) for c in changes),
                        "urlsChanged": sum(len(c["urls"]["changed"]) for c in changes),
                        "findingsAdded": {s: added.count(s) for s in SEVERITIES},
                        "findingsRemoved": sum(len(c["findings"]["removed"]) for c in changes)}}


def render(changes: List[dict], applied: Sequence[Applied], output: str) -> str:
    """-o json|yaml: the document; the table: one line per change, `+` gained, `-` lost, `~` changed."""
    from .. import render as printing
    from ..kinds import short_ref
    from ..terminal import clean

    if output in ("json", "yaml"):
        return printing.dump(document(changes, applied), output) + "\n"
    if not changes:
        return ""
    from tabulate import tabulate

    rows = []
    for change in changes:
        target = change["target"]
        ref = short_ref(target["kind"], target["name"])
        lines = ([("+", "url", u) for u in change["urls"]["added"]] +
                 [("-", "url", u) for u in change["urls"]["removed"]] +
                 [("~", "url", f"{c['from']} -> {c['to']}") for c in change["urls"]["changed"]] +
                 [("+", f["severity"], f"{f['check']}: {f['message']}") for f in change["findings"]["added"]] +
                 [("-", f["severity"], f"{f['check']}: {f['message']}") for f in change["findings"]["removed"]] +
                 [("+", "warning", w) for w in change["warnings"]["added"]] +
                 [("-", "warning", w) for w in change["warnings"]["removed"]])
        for i, (sign, what, text) in enumerate(lines):
            rows.append([target["namespace"] if i == 0 else "", ref if i == 0 else "", f"{sign} {what}", text])
    return tabulate([[clean(cell) for cell in row] for row in rows], headers=["NAMESPACE", "TARGET", "CHANGE", "DETAIL"],
                    tablefmt="plain", disable_numparse=True) + "\n"
