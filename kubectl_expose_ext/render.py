"""Answers -> text: table, wide, json, yaml, url, the audit's table and documents, convert's dumps. Nothing here prints.


Beside the answers (pure models), commands pass what they learnt about them: `probes` (endpoint key -> the probe's
answer, after --probe) and `findings` (the listing's audit findings, one list per answer). Every cell, warning and
hint of cluster data goes through the one sanitiser, terminal.clean.
"""

import json
import re
from itertools import groupby
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence

from .endpoints import Endpoint
from .reach import Reach
from .objects import format_labels
from .terminal import clean, is_clean

if TYPE_CHECKING:
    from .audit import Assessment, Finding
    from .links import Link
    from .probe import Probe

Probes = Mapping[tuple, "Probe"]
NODE_ROWS_SHOWN = 3  # NodePort rows per service port in the plain table; -o wide shows every node


def backend(endpoint: Endpoint) -> str:
    """`service:port -> pod port`, or `-> container port` for hostNetwork/hostPort."""
    target = "" if endpoint.target_port is None else f" -> {endpoint.target_port}"
    if endpoint.service:
        return f"{endpoint.service}:{endpoint.service_port if endpoint.service_port else '?'}{target}"
    return target.strip()


def notes(endpoint: Endpoint, answer: Optional["Probe"] = None) -> str:
    parts = [answer.detail] if answer is not None and answer.detail else []
    parts += [f"ingress {endpoint.ingress}"] if endpoint.ingress else [endpoint.via] if endpoint.via else []
    return "; ".join(parts + endpoint.warnings)


def probe_cell(answer: Optional["Probe"]) -> str:
    """`ok 12.3ms`, `refused`, `timeout`..."""
    if answer is None:
        return ""
    return f"{answer.status} {answer.latency_ms:g}ms" if answer.latency_ms is not None and answer.answered else answer.status


def _collapsed(endpoints: Sequence[Endpoint]):
    """Endpoints, with each run of NodePort rows for the same service port cut to NODE_ROWS_SHOWN."""
    def port_group(endpoint):
        if endpoint.method != "NodePort":
            return id(endpoint)
        return endpoint.service, endpoint.service_port, endpoint.port, endpoint.scheme  # 53/TCP and 53/UDP apart
    for _, group in groupby(endpoints, key=port_group):
        run = list(group)
        yield from ((e, None) for e in run[:NODE_ROWS_SHOWN])
        if len(run) > NODE_ROWS_SHOWN:
            yield run[0], f"... {len(run) - NODE_ROWS_SHOWN} more node(s): -o wide or -o url lists them all"


def _rows(result: Reach, wide: bool, prefix: List[str], probes: Optional[Probes], show_labels: bool = False):
    pairs = ((e, None) for e in result.found.endpoints) if wide else _collapsed(result.found.endpoints)
    suffix = [clean(format_labels(result.labels))] if show_labels else []
    for endpoint, more in pairs:
        if more:
            yield prefix + [endpoint.method, more, "", "", ""] + ([""] if wide else []) + ([""] if probes else []) + \
                suffix
            continue
        answer = probes.get(endpoint.key()) if probes else None
        row = prefix + [endpoint.method, endpoint.url, endpoint.node or "", backend(endpoint), notes(endpoint, answer)]
        if probes:
            row.insert(len(prefix) + 2, probe_cell(answer))
        if wide:
            row.insert(len(prefix) + 2, endpoint.scheme)
        yield [clean(cell) for cell in row] + suffix


def link_note(link: "Link") -> str:
    """`declared primary (kubectl-reach on svc/web)`, `argocd "grafana" on svc/web; matches no derived URL: port`."""
    what = "declared primary" if link.primary else f'declared "{link.title}"'
    note = f"{what} ({link.source} on {link.declared_on})"
    return note + (f"; matches no derived URL: {link.mismatch}" if link.mismatch else "")


def _link_rows(result: Reach, wide: bool, prefix: List[str], probes: Optional[Probes], show_labels: bool = False):
    """The declared links (links.py), beside the derived URLs: METHOD `Declared`, no node or backend."""
    suffix = [clean(format_labels(result.labels))] if show_labels else []
    for link in result.links:
        row = prefix + ["Declared", link.url, "", "", link_note(link)]
        if probes:
            row.insert(len(prefix) + 2, "")
        if wide:
            row.insert(len(prefix) + 2, link.url.partition(":")[0] if "://" in link.url else "")
        yield [clean(cell) for cell in row] + suffix


def render_table(results: Sequence[Reach], wide: bool = False, listing: bool = False,
                 all_namespaces: bool = False, probes: Optional[Probes] = None, headers_shown: bool = True,
                 show_labels: bool = False, contexts: Optional[Sequence[str]] = None) -> str:
    """kubectl-style columns; a listing adds TARGET (and NAMESPACE with -A), --probe a PROBE column,
    --show-labels a LABELS column (the target's labels); `headers_shown` False: --no-headers."""
    from tabulate import tabulate  # lazy: only tables need it

    prefix_headers = (["CONTEXT"] if contexts else []) + (["NAMESPACE"] if all_namespaces else []) + \
        (["TARGET"] if listing else [])
    headers = prefix_headers + ["METHOD", "URL", "NODE", "BACKEND", "NOTES"]
    probed = bool(probes)
    if probed:
        headers.insert(len(prefix_headers) + 2, "PROBE")
    if wide:
        headers.insert(len(prefix_headers) + 2, "SCHEME")
    headers += ["LABELS"] if show_labels else []
    rows = []
    for i, result in enumerate(results):
        prefix = ([contexts[i]] if contexts else []) + ([result.namespace] if all_namespaces else []) + \
            ([result.ref] if listing else [])
        rows.extend(_rows(result, wide, [clean(p) for p in prefix], probes, show_labels))
        rows.extend(_link_rows(result, wide, [clean(p) for p in prefix], probes, show_labels))
    if not rows:
        return ""
    return tabulate(rows, headers=headers if headers_shown else (), tablefmt="plain", disable_numparse=True)


def endpoint_rows(results: Sequence[Reach], probes: Optional[Probes] = None) -> List[tuple]:
    """(answer, endpoint, row) per URL, the row being the endpoint's `-o json` object with its answer's `target`
    beside it: what --sort-by and custom columns read."""
    rows: List[tuple] = []
    for result in results:
        doc = answer_document(result, probes=probes)
        rows.extend((result, endpoint, {**shown, "target": doc["target"]})
                    for endpoint, shown in zip(result.found.endpoints, doc["endpoints"]))
    return rows


def regrouped(rows: Sequence[tuple]) -> List[Reach]:
    """Rows, in their (sorted) order, as answers again: each run of one answer's rows becomes one, for the table
    and url printers (the answers' warnings are printed from the originals)."""
    import dataclasses

    from .endpoints import Found

    runs: List[tuple] = []
    for result, endpoint, _ in rows:
        if runs and runs[-1][0] is result:
            runs[-1][1].append(endpoint)
        else:
            runs.append((result, [endpoint]))
    return [dataclasses.replace(result, found=Found(endpoints=endpoints)) for result, endpoints in runs]


SAME_KIND_SHOWN = 3  # warnings of one kind on the terminal before the rest are counted (-o json keeps them all)
_NAMED = re.compile(r"\b(ingress|service|svc|pod|route|httproute|grpcroute|tlsroute|tcproute|udproute|gateway|"
                    r"node|deployment|statefulset|daemonset|backend)(s?) [^\s,:;()]+")


def warning_kind(message: str) -> str:
    """A warning with the names of the objects it is about left out: warnings of one kind share it."""
    return _NAMED.sub(lambda m: f"{m.group(1)}{m.group(2)} _", message)


def aggregated(messages: Sequence[str]) -> List[str]:
    """Each kind's first SAME_KIND_SHOWN warnings as they are, the rest of that kind counted on the last line."""
    kinds: Dict[str, List[str]] = {}
    for message in dict.fromkeys(messages):
        kinds.setdefault(warning_kind(message), []).append(message)
    lines = []
    for group in kinds.values():
        lines += group[:SAME_KIND_SHOWN]
        if len(group) > SAME_KIND_SHOWN:
            lines[-1] += f" (and {len(group) - SAME_KIND_SHOWN} more like it: -o json lists them all)"
    return lines


def render_warnings(results: Sequence[Reach]) -> List[str]:
    """Warnings, then hints, for stderr: stdout stays data only. A listing's many warnings of one kind (an ingress
    to a missing service, again and again) are counted after a few examples."""
    lines = [f"Warning: {clean(w)}" for w in aggregated([w for result in results for w in result.found.warnings])]
    return lines + [f"Hint: {clean(h)}" for result in results for h in result.found.hints]


def findings_hint(findings: Sequence[Sequence["Finding"]], scope: str) -> str:
    """`Hint: 2 high, 3 medium risk findings: kubectl reach audit` under a listing, or nothing."""
    if not any(findings):  # a named target's view: no audit, and its module is not imported (issue 30)
        return ""
    from .audit import SEVERITIES

    counts = {s: sum(f.severity == s for answer in findings for f in answer) for s in SEVERITIES}
    shown = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    return f"Hint: {shown} risk finding(s): kubectl reach audit {scope} lists them" if shown else ""


def answer_document(result: Reach, findings: Optional[Sequence["Finding"]] = None,
                    probes: Optional[Probes] = None) -> dict:
    """One answer's `-o json` contract: its endpoints (each with its probe after --probe) and warnings; in a
    listing, its findings too."""
    data = result.to_dict()
    if probes:
        for endpoint, shown in zip(result.found.endpoints, data["endpoints"]):
            answer = probes.get(endpoint.key())
            if answer is not None:
                shown["probe"] = answer.to_dict()
    if findings is not None:
        data["findings"] = [f.to_dict() for f in findings]
    return data


def document(results: Sequence[Reach], listing: bool, findings: Optional[Sequence[Sequence["Finding"]]] = None,
             probes: Optional[Probes] = None) -> Any:
    """The JSON/YAML document: one answer, or `{"items": [...]}` for a listing."""
    docs = [answer_document(r, findings[i] if findings is not None else None, probes) for i, r in enumerate(results)]
    return {"items": docs} if listing else docs[0]


def dump(doc, output: str) -> str:
    """A document as `-o json` or `-o yaml` prints it (keys in contract order)."""
    if output == "json":
        return json.dumps(doc, indent=2)
    import yaml  # lazy; PyYAML comes with the kubernetes client

    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False).rstrip("\n")


def render_json(results: Sequence[Reach], listing: bool = False, **beside: Any) -> str:
    return dump(document(results, listing, **beside), "json")


def render_yaml(results: Sequence[Reach], listing: bool = False, **beside: Any) -> str:
    return dump(document(results, listing, **beside), "yaml")


UNSAFE = "it holds a control or invisible character"


def unusable(endpoint: Endpoint) -> Optional[str]:
    """Why a URL must not be handed to a client (`-o url`, `--open`, `--wait`, `--watch`), else None: a control,
    bidi or invisible character (a cluster put it there); an Ingress URL no controller serves (missing IngressClass)
    or without an address yet (`dead`); a wildcard host (any name under it is served: no client can ask for `*`);
    a host or authority that breaks the one rule for URLs handed on (urls.py)."""
    from .urls import url_problem

    url = endpoint.url
    if not is_clean(url):
        return UNSAFE
    if endpoint.dead:
        return endpoint.dead
    if "*" in endpoint.host:
        return "a wildcard host (any name under it is served)"
    return url_problem(url, endpoint.host, endpoint.port)


def render_urls(results: Sequence[Reach], probes: Optional[Probes] = None) -> str:
    """One URL per line, each once: for scripts (`curl $(kubectl reach svc/x -o url | head -1)`).
    After --probe (`probes`), only the URLs that answered; never an `unusable` one (left_out_url_warnings)."""
    def answered(endpoint: Endpoint) -> bool:
        answer = probes.get(endpoint.key()) if probes is not None else None
        return probes is None or (answer is not None and answer.answered)

    urls = dict.fromkeys(e.url for r in results for e in r.found.endpoints if answered(e) and unusable(e) is None)
    return "\n".join(urls)


def left_out_url_warnings(results: Sequence[Reach]) -> List[str]:
    """The warnings for the URLs `-o url` leaves out (`unusable`), so that `curl "$(... -o url | head -1)"` gets a
    live one: the unsafe ones first."""
    unsafe: Dict[str, None] = {}
    dead: Dict[str, str] = {}
    for endpoint in (e for r in results for e in r.found.endpoints):
        why = unusable(endpoint)
        if why == UNSAFE:
            unsafe[endpoint.url] = None
        elif why:
            dead[endpoint.url] = why
    return ([f"Warning: URL not printed: {UNSAFE}: {clean(url)}" for url in unsafe]
            + [f"Warning: URL not printed: {clean(url)}: {why}" for url, why in dead.items()])


# --- audit -------------------------------------------------------------------------------------------------

def render_audit_table(exposures: Sequence["Assessment"], all_namespaces: bool = False,
                       headers_shown: bool = True, contexts: Optional[Sequence[str]] = None) -> str:
    """One row per exposing object; its further findings on the lines below it, riskiest first."""
    from tabulate import tabulate

    headers = (["CONTEXT"] if contexts else []) + (["NAMESPACE"] if all_namespaces else []) + \
        ["TARGET", "METHODS", "URL", "RISK", "FINDING"]
    rows = []
    for i, exposure in enumerate(exposures):
        answer = exposure.answer
        urls = exposure.urls
        shown = urls[0] + (f" (+{len(urls) - 1})" if len(urls) > 1 else "") if urls else "-"
        shown += " (internal)" if exposure.exposure == "internal" else ""
        first = exposure.findings[0] if exposure.findings else None
        prefix = ([contexts[i]] if contexts else []) + ([answer.namespace] if all_namespaces else [])
        rows.append(prefix + [answer.ref, ",".join(exposure.methods) or "-", shown, exposure.risk or "-",
                              f"{first.check}: {first.message}" if first else ""])
        for finding in exposure.findings[1:]:
            rows.append([""] * (len(prefix) + 3) + [finding.severity, f"{finding.check}: {finding.message}"])
    if not rows:
        return ""
    return tabulate([[clean(c) for c in row] for row in rows], headers=headers if headers_shown else (),
                    tablefmt="plain", disable_numparse=True)


def audit_document(exposures: Sequence["Assessment"]) -> dict:
    from .audit import summary

    return {"items": [e.to_dict() for e in exposures], "summary": summary(exposures)}


def render_audit(exposures: Sequence["Assessment"], output: str) -> str:
    return dump(audit_document(exposures), output)

