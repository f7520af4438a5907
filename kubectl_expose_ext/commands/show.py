"""`kubectl reach [TARGET]`: every external URL of one target, or of everything in a namespace."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from ..errors import NotFound, ReachError, UsageError
from ..flags import flag
from ..kubeflags import Session
from ..options import OUTPUTS, TargetSpec

if TYPE_CHECKING:
    from ..printers import Printer, SortBy
from ..exitcodes import ExitCode
from . import Probing, Rows, Selection, declare_links, nothing_exposed, rank, report_malformed, show_progress


@dataclass
class ShowOptions(Selection, Rows, Probing):
    """The flags as typed: each declared here once (flags.flag), with its default."""

    target: Sequence[str] = ()
    output: str = flag("-o", "--output", default="table", show_default=True, metavar="FORMAT", values="show-outputs",
                       help="table, wide, json, yaml, url (one URL per line), headlamp (links keyed by object, for "
                            "UIs), name, jsonpath=TEMPLATE, jsonpath-file=FILE, custom-columns=SPEC or "
                            "custom-columns-file=FILE.")
    probe: bool = flag("--probe", default=False,
                       help="Try every URL from this machine (TCP connect; HTTP GET; TLS certificate check) and report "
                            "ok, refused, timeout or tls-error. Exit code 3 when none answers.")
    wait: Optional[str] = flag("--wait", metavar="DURATION",
                               help="Wait (--wait: up to 5m; --wait=DURATION) until TARGET can be reached: a URL that "
                                    "can work, its load balancer, a ready pod (--probe: a URL that answers). Exit code "
                                    "1 on timeout.")
    watch: bool = flag("-w", "--watch", default=False,
                       help="After the answer, print each URL gained (+) and lost (-) as the cluster changes, until "
                            "Ctrl-C (exit code 0).")
    open_browser: bool = flag("--open", default=False, help="Open the best http(s) URL in the browser (the first of "
                                                            "-o url; with --probe, one that answered).")
    show_labels: bool = flag("--show-labels", default=False, help="table, wide: a last column with the target's labels.")
    explain: bool = flag("--explain", default=False,
                         help="-o json, yaml of named targets: each target's document also holds `ways`, the trace "
                              "`kubectl reach explain` prints (each way in, hop by hop).")
    fallback: Optional[str] = flag("--fallback", metavar="WAY", values="fallbacks",
                                   help="port-forward: when no URL answers from here (--probe) or none can work, run "
                                        "kubectl port-forward to TARGET on a free local port and print (--open: open) "
                                        "its URL, until Ctrl-C.")

    def validate(self) -> "Show":
        from ..options import parse_duration, parse_targets, validate_address_type
        from ..portforward import checked_fallback
        from ..printers import parse_output, parse_sort_by

        specs = parse_targets(self.target)
        if specs and self.all_namespaces:
            raise UsageError("a resource cannot be retrieved by name across all namespaces")
        if specs and (self.selector or self.field_selector):
            raise UsageError("name cannot be provided when a selector is specified")
        probe_timeout = self.time_limit(self.probe)
        wait = None
        if self.wait is not None:
            wait = parse_duration(self.wait, "--wait")
            if not wait:
                raise UsageError(f'invalid --wait "{self.wait}": give a time limit, e.g. --wait=5m')
            if not specs:
                raise UsageError("--wait needs a target: kubectl reach svc/NAME --wait=5m")
        if self.open_browser and not specs:
            raise UsageError("--open needs a target: kubectl reach svc/NAME --open")
        printer = parse_output(self.output, OUTPUTS)
        if self.show_labels and printer.format not in ("table", "wide"):  # kubectl get's refusal, in its words
            raise UsageError(f"--show-labels option cannot be used with {self.output} printer")
        if checked_fallback(self.fallback) is not None:
            if len(specs) != 1 or self.watch:
                raise UsageError("--fallback port-forward needs one target and no --watch: kubectl reach svc/NAME "
                                 "--fallback port-forward")
        if self.explain and (not specs or printer.format not in ("json", "yaml") or self.watch or wait is not None):
            raise UsageError("--explain adds explain's trace to -o json or yaml of named targets: kubectl reach "
                             "svc/NAME -o json --explain")
        if self.watch and printer.format not in ("table", "wide", "url", "json"):
            raise UsageError("--watch prints table, wide, url or json lines: not -o " + printer.format)
        return Show(specs, self.all_namespaces, printer.format, validate_address_type(self.address_type),
                    probe_timeout if self.probe else None, self.probe_allow_local, self.selector, self.field_selector,
                    printer, self.no_headers, parse_sort_by(self.sort_by), self.show_labels, wait, self.open_browser,
                    self.watch, self.fallback, self.explain)


@dataclass(frozen=True)
class Show:
    """A validated `show`: no `specs` lists the namespace (or the cluster); several are answered as a listing of
    those targets (one table with a TARGET column, one List document); `probe_timeout` None: no probes."""

    CONTEXT_OUTPUTS = OUTPUTS  # several contexts: the plain outputs (report_contexts), not the printers

    specs: Tuple[TargetSpec, ...]
    all_namespaces: bool
    output: str
    address_type: str
    probe_timeout: Optional[float]
    probe_allow_local: bool
    selector: Optional[str] = None
    field_selector: Optional[str] = None
    printer: Optional["Printer"] = None  # -o as parsed (its format is `output`)
    no_headers: bool = False
    sort_by: Optional["SortBy"] = None  # over a row (one URL)
    show_labels: bool = False
    wait: Optional[float] = None  # --wait: seconds
    open_browser: bool = False
    watch: bool = False
    fallback: Optional[str] = None  # --fallback: a FALLBACKS value
    explain: bool = False  # --explain: each target's document holds explain's trace

    def one_context_only(self) -> Optional[str]:
        if self.wait is not None or self.watch or self.open_browser or self.fallback:
            return "--wait, --watch, --open and --fallback work on one context: give --context NAME"
        return None

    def run(self, session: Session) -> int:
        if self.by_namespace():
            return self.print_by_namespace(session)
        answers, findings, probes, missing = self.collect(session)
        code = self.report(session, answers, findings, probes, missing)
        if self.fallback and not missing and not reachable(answers, probes):
            return self.port_forward(session, answers)
        return code

    def by_namespace(self) -> bool:
        """-A as a table is printed namespace by namespace (chunks.py), as kubectl get -A prints each chunk; not
        with what needs every row first (--sort-by, --probe, --watch) or a selector (-l, --field-selector: the
        Services they leave out are read whole, for the front doors that lead to them)."""
        return (self.all_namespaces and not self.specs and self.output in ("table", "wide") and not self.sort_by
                and not self.probe_timeout and not self.watch and not self.selector and not self.field_selector)

    def print_by_namespace(self, session: Session) -> int:
        from .. import render
        from . import print_by_namespace

        printed: List[bool] = []

        def table(assessed: List) -> str:
            text = render.render_table([a.answer for a in assessed], wide=self.output == "wide", listing=True,
                                       all_namespaces=True, headers_shown=not any(printed) and not self.no_headers,
                                       show_labels=self.show_labels)
            printed.append(bool(text))
            return text

        assessed = print_by_namespace(session, self.address_type, False, table)
        answers = [a.answer for a in assessed]
        if not any(printed):
            nothing_exposed(session, True)
        for line in render.render_warnings(answers):
            session.streams.warn(line)
        hint = render.findings_hint([a.findings for a in assessed], "-A")
        if hint:
            session.streams.warn(hint)
        return ExitCode.OK

    def port_forward(self, session: Session, answers: List) -> int:
        from ..portforward import fall_back

        return fall_back(session, self.specs[0], self.address_type, [e for a in answers for e in a.found.endpoints],
                         lambda url: open_url(session, url) if self.open_browser and url.startswith("http") else None)

    def collect(self, session: Session) -> Tuple[List, Optional[List], Optional[dict], List[str]]:
        """(answers, findings of a listing, probes, targets not found): everything but the output."""
        findings: Optional[List] = None
        missing: List[str] = []
        if not self.specs:
            show_progress(session)
            try:
                assessed = self.listing(session)
            finally:
                session.streams.status_done()
            answers = [a.answer for a in assessed]
            declare_links(session, answers, None if self.all_namespaces else session.namespace)
            findings = [a.findings for a in assessed]  # JSON lists them; a hint counts them
            probes = self.probed(answers)
        elif self.wait is None:  # each target resolved in turn; a LIST two of them need is sent once (Kube.list)
            _, answers, missing = self.targets(session)
            probes = self.probed(answers)
        else:
            answers, probes = self.wait_for(session)
        rank(answers, probes)
        report_malformed(session)
        return answers, findings, probes, missing

    def listing(self, session: Session) -> List:
        """The assessed exposures of the namespace (-A: the cluster), as the listing shows them."""
        from ..audit import assess  # the listing's hint counts the findings: a target needs none of it
        from ..targets import fetch_everything

        scope = None if self.all_namespaces else session.namespace
        return assess(fetch_everything(session.kube, scope, self.address_type, label_selector=self.selector,
                                       field_selector=self.field_selector))

    def probed(self, answers: List) -> Optional[dict]:
        """--probe: each endpoint's probe (None without --probe)."""
        if not self.probe_timeout:
            return None
        from ..probe import probe_all

        return probe_all([e for r in answers for e in r.found.endpoints], self.probe_timeout,
                         allow_local=self.probe_allow_local)

    def report(self, session: Session, answers: List, findings: Optional[List], probes: Optional[dict],
               missing: List[str]) -> int:
        printed = self.emit(session, answers, findings, probes) if answers or not missing else False
        if self.open_browser:
            open_best(session, answers, probes)
        if self.watch:
            return self.follow(session, answers)
        for message in missing:
            session.streams.warn(f"error: {message}")
        if missing:
            return ExitCode.ERROR
        if probes is not None:
            return ExitCode.OK if any(p.answered for p in probes.values()) else ExitCode.NO_ANSWER
        return ExitCode.NO_ANSWER if self.output == "url" and not printed else ExitCode.OK

    def report_contexts(self, streams, collected: List[tuple]) -> int:
        """Several contexts (contexts.py): one table with a CONTEXT column, one document keyed by context, or every
        context's URLs; each context's warnings prefixed with its name."""
        from .. import render

        answered = [(name, result) for name, result in collected if not isinstance(result, str)]
        answers = [a for _, result in answered for a in result[0]]
        contexts = [name for name, result in answered for _ in result[0]]
        probes = {k: v for _, result in answered for k, v in (result[2] or {}).items()} if self.probe_timeout else None
        if self.output in ("json", "yaml"):
            doc = {name: ({"error": result} if isinstance(result, str) else
                          render.document(result[0], len(self.specs) != 1, result[1], result[2]))
                   for name, result in collected}
            streams.write(render.dump(doc, self.output) + "\n")
        elif self.output == "headlamp":  # one document: each item names its cluster
            from ..headlamp import document

            items = [item for name, result in answered for item in document(result[0], name)["items"]]
            streams.write(render.dump({**document([]), "items": items}, "json") + "\n")
        else:
            text = render.render_urls(answers, probes) if self.output == "url" else render.render_table(
                answers, wide=self.output == "wide", listing=True, all_namespaces=self.all_namespaces,
                headers_shown=not self.no_headers, contexts=contexts, probes=probes or None)
            if text:
                streams.print(text)
        if self.output not in ("json", "yaml", "headlamp"):
            for name, result in answered:
                for line in render.render_warnings(result[0]):
                    streams.warn(f"[{name}] {line}")
        return ExitCode.OK

    def targets(self, session: Session, quiet: bool = False) -> Tuple[List, List, List[str]]:
        """(resolved, answers, messages for the targets not found) of the named targets. A missing target among
        several is named and the others answered, as kubectl get a b does; alone, it is the error."""
        from ..links import chain
        from ..reach import reach_target
        from ..targets import resolve

        resolved_all, answers, missing = [], [], []
        for spec in self.specs:
            try:
                resolved = resolve(session.kube, spec, session.namespace, self.address_type,
                                   note=(lambda message: None) if quiet else
                                   (lambda message: session.streams.warn(f"reach: {message}")))
            except NotFound as exc:
                if len(self.specs) == 1:
                    raise
                missing.append(str(exc))
                continue
            resolved_all.append(resolved)
            answers.append(reach_target(resolved.kind.name, resolved.obj, resolved.pods, resolved.snapshot))
            if self.explain:
                from .explain import trace

                answers[-1].ways = [w.to_dict() for w in trace(session.kube, answers[-1].namespace, resolved)]
        declare_links(session, answers, session.namespace,
                      [chain(answer, r.snapshot) for answer, r in zip(answers, resolved_all)])
        return resolved_all, answers, missing

    def follow(self, session: Session, answers: List) -> int:
        """-w/--watch: after the answer, each URL gained (`+`) and lost (`-`) as the cluster changes, until Ctrl-C.
        -o url prints the gained URLs (the lost ones on stderr); -o json one JSON line per change."""
        import json

        from ..render import unusable
        from ..waiting import follow, watched_by_listing, watched_for

        if self.specs:
            watched = [w for a in answers for w in watched_for(session.kube, a, session.namespace)]

            def compute() -> list:
                return self.targets(session, quiet=True)[1]
        else:
            scope = None if self.all_namespaces else session.namespace
            watched = watched_by_listing(session.kube, scope)

            def compute() -> list:
                return [a.answer for a in self.listing(session)]

        def rows(answers: list) -> dict:
            """Every URL the table shows, and why it cannot work yet (-o url: only those that can); a URL that
            starts to work (an Ingress given its address) is lost with its reason and gained without."""
            return {(a.ref, e.url, why): (a, e, why) for a in answers for e in a.found.endpoints
                    for why in [unusable(e)] if why is None or self.output != "url"}

        seen = [rows(answers)]

        def changed(answers: list) -> None:
            now = rows(answers)
            for sign, keys, source in (("+", now.keys() - seen[0].keys(), now), ("-", seen[0].keys() - now.keys(),
                                                                               seen[0])):
                for key in sorted(keys, key=lambda k: (k[0], k[1], k[2] or "")):
                    answer, endpoint, why = source[key]
                    if self.output == "json":
                        event = {"type": "ADDED" if sign == "+" else "DELETED", "target": answer.to_dict()["target"],
                                 "endpoint": endpoint.to_dict()}
                        session.streams.write(json.dumps({**event, "unusable": why} if why else event) + "\n")
                    elif self.output == "url":
                        (session.streams.write(f"{endpoint.url}\n") if sign == "+" else
                         session.streams.warn(f"Warning: URL gone: {endpoint.url}"))
                    else:
                        from ..terminal import clean

                        note = f"  ({why})" if why else ""
                        session.streams.write(clean(f"{sign} {answer.ref}  {endpoint.method}  {endpoint.url}{note}")
                                              + "\n")
            seen[0] = now

        return follow(compute, session.kube, watched, changed)

    def wait_for(self, session: Session) -> Tuple[List, Optional[dict]]:
        """--wait: the answers (and their probes) once every target can be reached (waiting.py), else kubectl wait's
        timeout error after what each still lacks."""
        import time

        from ..waiting import wait_until_reachable

        first = [True]

        def compute():
            resolved, answers, missing = self.targets(session, quiet=not first[0])
            first[0] = False
            if missing:
                raise NotFound(missing[0])
            return resolved, answers, self.probed(answers)

        assert self.wait is not None
        try:
            _, answers, probes, waiting = wait_until_reachable(compute, session.kube, session.namespace,
                                                               time.monotonic() + self.wait, session.streams.status)
        finally:
            session.streams.status_done()
        if waiting:
            for ref, gaps in waiting.items():
                session.streams.warn(f"Warning: {ref}: {'; '.join(gaps)}")
            raise ReachError(f"timed out waiting for the condition on {', '.join(waiting)}")
        return answers, probes

    def emit(self, session: Session, answers: List, findings: Optional[List], probes: Optional[dict]) -> bool:
        """stdout: the data; stderr: warnings, hints. Whether any data (a row, a URL, a document) was printed."""
        from .. import printers, render

        streams, listing = session.streams, len(self.specs) != 1
        if self.sort_by and self.output in ("json", "yaml", "jsonpath", "name"):  # kubectl sorts every printer's rows
            order = {id(e): i for i, (_, e, _) in enumerate(printers.sorted_rows(
                render.endpoint_rows(answers, probes), self.sort_by, row_of=lambda r: r[2]))}
            for answer in answers:  # a document keeps its targets: each one's endpoints in the sorted order
                answer.found.endpoints.sort(key=lambda e: order[id(e)])
        if self.output == "headlamp":  # a document for UIs: every object's links (headlamp.py)
            from ..headlamp import document

            streams.write(render.dump(document(answers, session.kube.connection.context or ""), "json") + "\n")
            return True
        if self.output in ("json", "yaml"):  # the document carries the warnings itself
            render_document = render.render_json if self.output == "json" else render.render_yaml
            streams.write(render_document(answers, listing, findings=findings, probes=probes) + "\n")
            return True
        if self.output == "jsonpath" and self.printer:
            text = printers.render_jsonpath(self.printer, render.document(answers, listing, findings, probes))
            streams.write(text)  # as kubectl: no newline of its own
            for line in render.render_warnings(answers):
                streams.warn(line)
            return bool(text)
        shown = answers
        if self.sort_by or self.output == "custom-columns":  # rows as -o json has them: only where they are read
            rows = printers.sorted_rows(render.endpoint_rows(answers, probes), self.sort_by, row_of=lambda r: r[2])
            shown = render.regrouped(rows) if self.sort_by else answers
        if self.output == "name":
            text = printers.render_names(answers)
        elif self.output == "custom-columns" and self.printer:
            text = printers.render_columns(self.printer, [row for _, _, row in rows], headers=not self.no_headers)
        elif self.output == "url":
            text = render.render_urls(shown, probes)
            for line in render.left_out_url_warnings(answers):
                streams.warn(line)
        else:
            text = render.render_table(shown, wide=self.output == "wide", listing=listing,
                                       all_namespaces=listing and self.all_namespaces, probes=probes,
                                       headers_shown=not self.no_headers, show_labels=self.show_labels)
        if text:
            streams.print(text)
        elif not self.specs and self.output != "url":
            nothing_exposed(session, self.all_namespaces)
        for line in render.render_warnings(answers):
            streams.warn(line)
        hint = render.findings_hint(findings or [], "-A" if self.all_namespaces else f"-n {session.namespace}")
        if not self.specs and hint:
            streams.warn(hint)
        return bool(text)




def reachable(answers: List, probes: Optional[dict]) -> bool:
    """Whether a URL reaches the target from here: one that answered (--probe), else one that can work."""
    from ..render import unusable

    if probes is not None:
        return any(p.answered for p in probes.values())
    return any(unusable(e) is None for a in answers for e in a.found.endpoints)


def best_url(answers: List, probes: Optional[dict]) -> Optional[str]:
    """What --open opens: the best-ranked (ranking.py) http or https URL that can work and is safe to hand on; with
    --probe, one that answered. When that is the URL a declared primary matches (links.py), the declared URL itself
    (its path kept): the team's chosen page of the same scheme, host and port, never another host."""
    from ..links import primary
    from ..ranking import ranked
    from ..render import unusable
    from ..terminal import is_clean

    live = [e for a in answers for e in a.found.endpoints if e.scheme in ("http", "https") and unusable(e) is None]
    if probes is not None:
        live = [e for e in live if probes.get(e.key()) is not None and probes[e.key()].answered]
    declared = next((p for p in (primary(a.links) for a in answers) if p is not None), None)
    live = ranked(live, probes, declared.matches if declared else None)
    if not live:
        return None
    if declared is not None and declared.matches == live[0].url and is_clean(declared.url):
        return declared.url
    return live[0].url


def open_best(session: Session, answers: List, probes: Optional[dict]) -> None:
    """--open: the best URL in the default browser ($BROWSER first, as Python's webbrowser reads it); where there is
    no display (Linux with neither DISPLAY nor WAYLAND_DISPLAY, and no BROWSER), nothing is opened and it says so."""
    url = best_url(answers, probes)
    for link in (link for a in answers for link in a.links if link.primary and not link.matches):
        session.streams.warn(f"Warning: --open: the declared primary URL {link.url} matches no derived URL: not used")
    if url is None:
        session.streams.warn("Warning: --open: no http or https URL that can work" +
                             (" answered" if probes is not None else "") + ": nothing opened")
        return
    open_url(session, url)


def open_url(session: Session, url: str) -> None:
    """One URL in the default browser, said on stderr; where there is no display, only said."""
    import os
    import sys

    headless = sys.platform.startswith("linux") and not any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY",
                                                                                       "BROWSER"))
    if headless:
        _say_exactly(session, f"Warning: --open: no display to open a browser on; the URL is {url}")
        return
    import webbrowser

    _say_exactly(session, f"Opening {url} in the browser")
    if not webbrowser.open(url):
        _say_exactly(session, f"Warning: --open: no browser could be started; the URL is {url}")


def _say_exactly(session: Session, line: str) -> None:
    """A line naming the URL opened, on stderr, cleaned but not masked: streams.warn would mask a `scheme://x@`
    anywhere in it (a query such as `?next=https://a@b`), and the user must see the very URL the browser gets (one
    with user information in its authority is never opened: urls.py)."""
    from ..terminal import clean

    session.streams.err.write(clean(line) + "\n")
    session.streams.err.flush()

