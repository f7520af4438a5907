"""`audit -o html > report.html`: the audit as one self-contained page, to read and to print. Pure.

Nothing is fetched when the page is viewed: a Content-Security-Policy meta forbids every fetch (`default-src 'none'`,
inline styles only, no script at all), and the page holds no external reference: the URLs it lists are text to copy,
not links, so opening the report of a hostile cluster neither loads nor follows anything. Every byte a cluster chose
is escaped (terminal.clean for invisible and bidirectional characters, then html.escape).

The page: a summary (objects exposed, findings by severity, how many have public URLs), the chain from the internet to
the pods as one inline SVG graph (internet or private network -> the address -> the Ingress or route -> the Service ->
its pods; public ways in drawn red, internal ones grey), then one card per exposing object, riskiest first: its URLs,
each marked public or internal (ranking.is_internal: a private address or an internal load balancer), its findings
with the command that previews their fix (sarif.FIXES), and its warnings. The graph draws the first GRAPH_OBJECTS
objects (riskiest first) and says how many more the cards list. Several contexts: one section each.
"""

import html
from typing import Dict, List, Optional, Sequence, Tuple, Union

from . import __version__
from .audit import Assessment, summary
from .ranking import is_internal
from .terminal import clean

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
GRAPH_OBJECTS = 60
COLUMNS = ("from", "address", "front door", "Service", "pods")
NODE_W, NODE_H, GAP_Y, COL_W, TOP, LABEL = 236, 30, 12, 262, 36, 34
SEVERITY_COLORS = {"high": "#b42318", "medium": "#b54708", "low": "#475467", None: "#067647"}
Audited = Union[Sequence[Assessment], str]

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#101828;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:28px 0 8px} h3{font-size:15px;margin:0}
.meta{color:#475467;margin:0 0 16px}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.tile{border:1px solid #d0d5dd;border-radius:8px;padding:8px 14px;min-width:92px}
.tile b{display:block;font-size:22px}
.high{color:#b42318}.medium{color:#b54708}.low{color:#475467}.none{color:#067647}
.card{border:1px solid #d0d5dd;border-left:6px solid #067647;border-radius:8px;padding:10px 14px;margin:10px 0;
      break-inside:avoid}
.card.high{border-left-color:#b42318}.card.medium{border-left-color:#b54708}.card.low{border-left-color:#98a2b3}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;margin-right:6px}
.public{background:#fee4e2;color:#912018}.internal{background:#eaecf0;color:#344054}
.risk-high{background:#b42318;color:#fff}.risk-medium{background:#f79009;color:#fff}.risk-low{background:#98a2b3;color:#fff}
.risk-none{background:#d1fadf;color:#05603a}
ul{margin:6px 0 4px;padding-left:20px} code{font:12.5px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.fix{color:#475467} .warn{color:#93370d}
.graph{border:1px solid #d0d5dd;border-radius:8px;overflow-x:auto;padding:4px}
@media print{body{margin:0}.graph{border:none}}
"""


def esc(text: object) -> str:
    """Cluster text, made visible (bidi and invisible characters escaped) and inert (HTML-escaped)."""
    return html.escape(clean(text), quote=True)


# --- the graph -------------------------------------------------------------------------------------------------

Node = Tuple[int, str, str]  # column, id, label


def chain_edges(exposure: Assessment) -> List[Tuple[Node, Node, bool]]:
    """(from, to, public) for each step of an exposing object's ways in: source -> address -> front door ->
    Service -> pods, or source -> address -> pod for a host-networked pod."""
    answer = exposure.answer
    ns = answer.namespace
    edges = []
    for endpoint in answer.found.endpoints:
        public = not is_internal(endpoint)
        source = (0, "internet" if public else "private", "internet" if public else "private network")
        # a node's or a load balancer's host:port; a virtual host's URL (https:// left out: http:// stands out)
        address = endpoint.url.split("://", 1)[-1] if endpoint.method not in ("Ingress", "Gateway", "Route") or \
            endpoint.scheme == "https" else endpoint.url
        entry = (1, f"{endpoint.method}:{endpoint.url}", f"{endpoint.method} {address}")
        edges.append((source, entry, public))
        if answer.kind == "Pod":
            edges.append((entry, (4, f"pod:{ns}/{answer.name}", f"pod/{answer.name}"), public))
            continue
        last = entry
        if answer.kind != "Service":
            door = (2, f"door:{ns}/{answer.ref}", answer.ref)
            edges.append((entry, door, public))
            last = door
        if endpoint.service:
            service = (3, f"svc:{ns}/{endpoint.service}", f"svc/{endpoint.service}")
            pods = (4, f"pods:{ns}/{endpoint.service}", f"pods of svc/{endpoint.service}")
            edges += [(last, service, public), (service, pods, public)]
    return edges


def ordered(nodes: Dict[str, Node], edges: Dict[Tuple[str, str], bool]) -> Dict[int, List[str]]:
    """Each column's nodes, top to bottom, placed near the nodes they connect to (few crossings): the addresses in
    the objects' order (riskiest first), each column after them by the mean row of its predecessors, then the
    sources by the mean row of what they lead to (the barycenter heuristic, one sweep each way)."""
    rows: Dict[int, List[str]] = {}
    for column, node_id, _ in nodes.values():
        rows.setdefault(column, []).append(node_id)
    before: Dict[str, List[str]] = {}
    after: Dict[str, List[str]] = {}
    for start, end in edges:
        before.setdefault(end, []).append(start)
        after.setdefault(start, []).append(end)

    def mean_row(neighbours: List[str], row_of: Dict[str, int]) -> float:
        known = [row_of[n] for n in neighbours if n in row_of]
        return sum(known) / len(known) if known else float(len(row_of))

    for column in sorted(rows)[2:]:  # left to right, the addresses as given
        row_of = {n: i for c in rows if c < column for i, n in enumerate(rows[c])}
        rows[column].sort(key=lambda n: mean_row(before.get(n, []), row_of))
    if 0 in rows and 1 in rows:
        row_of = {n: i for i, n in enumerate(rows[1])}
        rows[0].sort(key=lambda n: mean_row(after.get(n, []), row_of))
    return rows


def graph_svg(exposures: Sequence[Assessment]) -> str:
    """The chain from the internet to the pods of these objects, as inline SVG (no external reference)."""
    nodes: Dict[str, Node] = {}
    edges: Dict[Tuple[str, str], bool] = {}
    risk: Dict[str, Optional[str]] = {}
    for exposure in exposures:
        for tail, head, public in chain_edges(exposure):
            for node in (tail, head):
                nodes.setdefault(node[1], node)
            edges[(tail[1], head[1])] = edges.get((tail[1], head[1]), False) or public
            if head[0] == 1:
                risk.setdefault(head[1], exposure.risk)
    rows = ordered(nodes, edges)
    where: Dict[str, Tuple[int, int]] = {}
    for column in sorted(rows):  # stacked; past the addresses, each node level with what leads to it where there is room
        y = TOP
        for node_id in rows[column]:
            leading = [where[a][1] for a, b in edges if b == node_id and a in where] if column > 1 else []
            y = max(y, sum(leading) // len(leading)) if leading else y
            where[node_id] = (column * COL_W + 8, y)
            y += NODE_H + GAP_Y
    height = max((y for _, y in where.values()), default=TOP) + NODE_H + 12
    width = len(COLUMNS) * COL_W
    parts = [f'<svg role="img" aria-label="exposure graph" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui,sans-serif" font-size="12">']
    for column, title in enumerate(COLUMNS):
        parts.append(f'<text x="{column * COL_W + 8}" y="18" font-weight="600" fill="#475467">{esc(title)}</text>')
    for (start, end), public in edges.items():
        (left, top), (right, bottom) = where[start], where[end]
        x1, y1, x2, y2 = left + NODE_W, top + NODE_H // 2, right, bottom + NODE_H // 2
        middle = (x1 + x2) // 2
        color = "#d92d20" if public else "#98a2b3"
        parts.append(f'<path d="M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}" fill="none" stroke="{color}" '
                     f'stroke-width="1.6" class="{"edge-public" if public else "edge-internal"}"/>')
    for node_id, (column, _, label) in nodes.items():
        x, y = where[node_id]
        fill = {0: "#fef3f2" if node_id == "internet" else "#f2f4f7", 1: "#fff", 2: "#f5f8ff", 3: "#f0f9ff",
                4: "#ecfdf3"}[column]
        stroke = SEVERITY_COLORS[risk.get(node_id)] if column == 1 else "#98a2b3"
        shown = label if len(label) <= LABEL else label[:LABEL - 1] + "\u2026"
        parts.append(f'<g><title>{esc(label)}</title><rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" '
                     f'fill="{fill}" stroke="{stroke}" stroke-width="1.4"/><text x="{x + 8}" y="{y + 19}" '
                     f'fill="#101828">{esc(shown)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


# --- the page ----------------------------------------------------------------------------------------------------

def card(exposure: Assessment) -> str:
    from .sarif import fix_command

    answer, risk = exposure.answer, exposure.risk
    urls = []
    for endpoint in answer.found.endpoints:
        where = "internal" if is_internal(endpoint) else "public"
        urls.append(f'<li><span class="badge {where}">{where}</span><code>{esc(endpoint.url)}</code> '
                    f'<span class="fix">{esc(endpoint.method)}{" on " + esc(endpoint.node) if endpoint.node else ""}'
                    f'</span></li>')
    findings = [f'<li><span class="badge risk-{f.severity}">{f.severity}</span><b>{esc(f.check)}</b>: '
                f'{esc(f.message)}<br><span class="fix">fix: <code>{esc(fix_command(f.check, exposure))}</code>'
                f'</span></li>' for f in exposure.findings]
    warnings = [f'<li class="warn">{esc(w)}</li>' for w in answer.found.warnings]
    return (f'<div class="card {risk or "none"}"><h3><span class="badge risk-{risk or "none"}">{risk or "no risk"}'
            f'</span>{esc(answer.ref)} <span class="fix">namespace {esc(answer.namespace)}</span></h3>'
            f'<ul>{"".join(urls) or "<li>no URL</li>"}</ul>'
            + (f'<ul>{"".join(findings)}</ul>' if findings else "")
            + (f'<ul>{"".join(warnings)}</ul>' if warnings else "") + "</div>")


def section(context: Optional[str], exposures: Audited, scope: str) -> str:
    title = f"<h2>context {esc(context)}</h2>" if context else ""
    if isinstance(exposures, str):
        return f'{title}<p class="warn">error: {esc(exposures)}</p>'
    counts = summary(exposures)
    public = sum(any(not is_internal(e) for e in x.answer.found.endpoints) for x in exposures)
    tiles = [("exposed objects", counts["exposed"], ""), ("with public URLs", public, "high" if public else ""),
             ("high", counts["high"], "high"), ("medium", counts["medium"], "medium"), ("low", counts["low"], "low")]
    drawn = list(exposures)[:GRAPH_OBJECTS]
    more = len(exposures) - len(drawn)
    return (title + '<div class="summary">' +
            "".join(f'<div class="tile"><b class="{cls}">{value}</b>{label}</div>' for label, value, cls in tiles) +
            "</div><h2>From the internet to the pods</h2>"
            f'<div class="graph">{graph_svg(drawn)}</div>'
            + (f"<p class=\"meta\">The graph draws the {len(drawn)} riskiest objects; {more} more are listed below.</p>"
               if more else "")
            + "<h2>Exposed objects, riskiest first</h2>"
            + ("".join(card(x) for x in exposures) or f"<p>Nothing is exposed ({esc(scope)}).</p>"))


def render(runs: Sequence[Tuple[Optional[str], Audited]], scope: str = "", generated: Optional[str] = None) -> str:
    """The report: one section per context (`runs`: (context, assessments or an error))."""
    import datetime

    when = generated or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    contexts = ", ".join(c for c, _ in runs if c) or "the current context"
    body = "".join(section(context if len(runs) > 1 else None, exposures, scope) for context, exposures in runs)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width">'
            f"<title>kubectl reach audit: {esc(contexts)}</title><style>{STYLE}</style></head><body>"
            f"<h1>Exposure audit</h1><p class=\"meta\">{esc(contexts)} &middot; {esc(scope or 'namespace')} &middot; "
            f"generated {esc(when)} by kubectl-reach {esc(__version__)}</p>{body}</body></html>\n")
