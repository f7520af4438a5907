"""Answers -> text: table, wide, json, yaml, url. Nothing here prints."""

import json
from itertools import groupby
from typing import List, Sequence

from .endpoints import Endpoint
from .reach import Reach
from .terminal import clean, is_clean

NODE_ROWS_SHOWN = 3  # NodePort rows per service port in the plain table; -o wide shows every node
safe = clean  # every cell, warning and hint of cluster data goes through the one sanitiser (terminal.py)


def backend(endpoint: Endpoint) -> str:
    """`service:port -> pod port`, or `-> container port` for hostNetwork/hostPort."""
    target = "" if endpoint.target_port is None else f" -> {endpoint.target_port}"
    if endpoint.service:
        return f"{endpoint.service}:{endpoint.service_port if endpoint.service_port else '?'}{target}"
    return target.strip()


def notes(endpoint: Endpoint) -> str:
    parts = [endpoint.probe.detail] if endpoint.probe is not None and endpoint.probe.detail else []
    parts += [f"ingress {endpoint.ingress}"] if endpoint.ingress else [endpoint.via] if endpoint.via else []
    return "; ".join(parts + endpoint.warnings)


def probe_cell(endpoint: Endpoint) -> str:
    """`ok 12.3ms`, `refused`, `timeout`..."""
    answer = endpoint.probe
    if answer is None:
        return ""
    return f"{answer.status} {answer.latency_ms:g}ms" if answer.latency_ms is not None and answer.answered else answer.status


def _collapsed(endpoints: Sequence[Endpoint]):
    """Endpoints, with each run of NodePort rows for the same service port cut to NODE_ROWS_SHOWN."""
    def port_group(endpoint):
        return (endpoint.service, endpoint.service_port, endpoint.port) if endpoint.method == "NodePort" else id(endpoint)
    for _, run in groupby(endpoints, key=port_group):
        run = list(run)
        yield from ((e, None) for e in run[:NODE_ROWS_SHOWN])
        if len(run) > NODE_ROWS_SHOWN:
            yield run[0], f"... {len(run) - NODE_ROWS_SHOWN} more node(s): -o wide or -o url lists them all"


def _rows(result: Reach, wide: bool, prefix: List[str], probed: bool):
    pairs = ((e, None) for e in result.found.endpoints) if wide else _collapsed(result.found.endpoints)
    for endpoint, more in pairs:
        if more:
            yield prefix + [endpoint.method, more, "", "", ""] + ([""] if wide else []) + ([""] if probed else [])
            continue
        row = prefix + [endpoint.method, endpoint.url, endpoint.node or "", backend(endpoint), notes(endpoint)]
        if probed:
            row.insert(len(prefix) + 2, probe_cell(endpoint))
        if wide:
            row.insert(len(prefix) + 2, endpoint.scheme)
        yield [safe(cell) for cell in row]


def render_table(results: Sequence[Reach], wide: bool = False, listing: bool = False,
                 all_namespaces: bool = False) -> str:
    """kubectl-style columns; a listing adds TARGET (and NAMESPACE with -A)."""
    from tabulate import tabulate  # lazy: only tables need it

    prefix_headers = (["NAMESPACE"] if all_namespaces else []) + (["TARGET"] if listing else [])
    headers = prefix_headers + ["METHOD", "URL", "NODE", "BACKEND", "NOTES"]
    probed = any(e.probe is not None for r in results for e in r.found.endpoints)
    if probed:
        headers.insert(len(prefix_headers) + 2, "PROBE")
    if wide:
        headers.insert(len(prefix_headers) + 2, "SCHEME")
    rows = []
    for result in results:
        prefix = ([result.namespace] if all_namespaces else []) + ([result.ref] if listing else [])
        rows.extend(_rows(result, wide, [safe(p) for p in prefix], probed))
    if not rows:
        return ""
    return tabulate(rows, headers=headers, tablefmt="plain", disable_numparse=True)


def render_warnings(results: Sequence[Reach]) -> List[str]:
    """Warnings, then hints, for stderr: stdout stays data only."""
    lines = [f"Warning: {safe(w)}" for result in results for w in result.found.warnings]
    return lines + [f"Hint: {safe(h)}" for result in results for h in result.found.hints]


def findings_hint(results: Sequence[Reach], scope: str) -> str:
    """`Hint: 2 high, 3 medium risk findings: kubectl reach audit` under a listing, or nothing."""
    counts = {}
    for result in results:
        for finding in result.findings or []:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
    if not counts:
        return ""
    shown = ", ".join(f"{counts[s]} {s}" for s in ("high", "medium", "low") if s in counts)
    return f"Hint: {shown} risk finding(s): kubectl reach audit {scope} lists them"


def document(results: Sequence[Reach], listing: bool):
    """The JSON/YAML document: one answer, or `{"items": [...]}` for a listing."""
    return {"items": [r.to_dict() for r in results]} if listing else results[0].to_dict()


def dump(doc, output: str) -> str:
    """A document as `-o json` or `-o yaml` prints it (keys in contract order)."""
    if output == "json":
        return json.dumps(doc, indent=2)
    import yaml  # lazy; PyYAML comes with the kubernetes client

    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False).rstrip("\n")


def render_json(results: Sequence[Reach], listing: bool = False) -> str:
    return dump(document(results, listing), "json")


def render_yaml(results: Sequence[Reach], listing: bool = False) -> str:
    return dump(document(results, listing), "yaml")


def render_urls(results: Sequence[Reach], answering_only: bool = False) -> str:
    """One URL per line, each once: for scripts (`curl $(kubectl reach svc/x -o url | head -1)`).
    After --probe, only the URLs that answered; never one `left_out_url_warnings` names."""
    urls = dict.fromkeys(e.url for r in results for e in r.found.endpoints
                         if (not answering_only or (e.probe is not None and e.probe.answered)) and is_clean(e.url)
                         and not e.dead)
    return "\n".join(urls)


def left_out_url_warnings(results: Sequence[Reach]) -> List[str]:
    """`-o url` prints only URLs that are safe to paste and can work: one carrying a control, bidi or invisible
    character (a cluster put it there), and an Ingress URL no controller serves (missing IngressClass) or without
    an address yet, are left out with these warnings, so `curl "$(... -o url | head -1)"` gets a live one."""
    unsafe, dead = {}, {}
    for endpoint in (e for r in results for e in r.found.endpoints):
        if not is_clean(endpoint.url):
            unsafe[endpoint.url] = None
        elif endpoint.dead:
            dead[endpoint.url] = endpoint.dead
    return ([f"Warning: URL not printed: it holds a control or invisible character: {clean(url)}" for url in unsafe]
            + [f"Warning: URL not printed: {clean(url)}: {why}" for url, why in dead.items()])


# --- audit -------------------------------------------------------------------------------------------------

def render_audit_table(exposures, all_namespaces: bool = False) -> str:
    """One row per exposing object; its further findings on the lines below it, riskiest first."""
    from tabulate import tabulate

    headers = (["NAMESPACE"] if all_namespaces else []) + ["TARGET", "METHODS", "URL", "RISK", "FINDING"]
    rows = []
    for exposure in exposures:
        answer = exposure.answer
        urls = exposure.urls
        shown = urls[0] + (f" (+{len(urls) - 1})" if len(urls) > 1 else "") if urls else "-"
        first = (exposure.findings or [None])[0]
        prefix = [answer.namespace] if all_namespaces else []
        rows.append(prefix + [answer.ref, ",".join(exposure.methods) or "-", shown, exposure.risk or "-",
                              f"{first.check}: {first.message}" if first else ""])
        for finding in exposure.findings[1:]:
            rows.append([""] * (len(prefix) + 3) + [finding.severity, f"{finding.check}: {finding.message}"])
    if not rows:
        return ""
    return tabulate([[safe(c) for c in row] for row in rows], headers=headers, tablefmt="plain", disable_numparse=True)


def render_audit(exposures, output: str) -> str:
    from .audit import summary

    return dump({"items": [e.to_dict() for e in exposures], "summary": summary(exposures)}, output)
