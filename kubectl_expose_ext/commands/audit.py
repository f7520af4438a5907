"""`kubectl reach audit`: everything exposed, with its risks (the checks: audit.CHECKS)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional

from ..errors import UsageError
from ..flags import flag
from ..kubeflags import Session
from ..options import AUDIT_OUTPUTS
from ..exitcodes import ExitCode
from . import Rows, Selection, nothing_exposed, rank, report_malformed, show_progress

if TYPE_CHECKING:
    from ..printers import Printer, SortBy


@dataclass
class AuditOptions(Selection, Rows):
    """The flags as typed: each declared here once (flags.flag), with its default."""

    output: str = flag("-o", "--output", default="table", show_default=True, metavar="FORMAT", values="audit-outputs",
                       help="table, json, yaml, sarif (SARIF 2.1.0), html (a self-contained report), name, "
                            "jsonpath=TEMPLATE, jsonpath-file=FILE, custom-columns=SPEC or custom-columns-file=FILE.")
    fail_on: Optional[str] = flag("--fail-on", metavar="SEVERITY", values="severities",
                                  help="high, medium or low: exit with code 4 when a finding is at least this severe "
                                       "(for CI pipelines).")

    def validate(self) -> "Audit":
        from ..audit import SEVERITIES
        from ..printers import parse_output, parse_sort_by

        if self.fail_on is not None and self.fail_on not in SEVERITIES:
            raise UsageError(f'invalid --fail-on "{self.fail_on}": use one of {", ".join(SEVERITIES)}')
        printer = parse_output(self.output, AUDIT_OUTPUTS)
        return Audit(self.all_namespaces, printer.format, self.fail_on, self.selector, self.field_selector, printer,
                     self.no_headers, parse_sort_by(self.sort_by))


@dataclass(frozen=True)
class Audit:
    CONTEXT_OUTPUTS = AUDIT_OUTPUTS  # several contexts: the plain outputs (report_contexts), not the printers

    all_namespaces: bool
    output: str
    fail_on: Optional[str]
    selector: Optional[str] = None
    field_selector: Optional[str] = None
    printer: Optional["Printer"] = None
    no_headers: bool = False
    sort_by: Optional["SortBy"] = None  # over a row (one exposing object)

    def one_context_only(self) -> Optional[str]:
        return None

    def run(self, session: Session) -> int:
        if self.all_namespaces and self.output == "table" and not self.sort_by and not self.selector \
                and not self.field_selector:
            return self.print_by_namespace(session)
        return self.report(session, self.collect(session))

    def print_by_namespace(self, session: Session) -> int:
        """audit -A as a table: namespace by namespace (commands.print_by_namespace), riskiest first within each."""
        from .. import audit, render
        from . import print_by_namespace

        printed: List[bool] = []

        def table(assessed: List) -> str:
            riskiest = sorted(assessed, key=lambda a: audit.SEVERITIES.index(a.risk) if a.risk else
                              len(audit.SEVERITIES))
            text = render.render_audit_table(riskiest, all_namespaces=True,
                                             headers_shown=not any(printed) and not self.no_headers)
            printed.append(bool(text))
            return text

        assessed = print_by_namespace(session, "auto", True, table)
        if not assessed:
            nothing_exposed(session, True)
        return ExitCode.FINDINGS if self.failing(assessed) else ExitCode.OK

    def collect(self, session: Session) -> List:
        """The assessed exposures: everything but the output."""
        from .. import audit, printers, targets

        scope = None if self.all_namespaces else session.namespace
        show_progress(session)
        try:
            snapshot = targets.fetch_everything(session.kube, scope, every_address=True, label_selector=self.selector,
                                                field_selector=self.field_selector)
        finally:
            session.streams.status_done()
        assessed = audit.audit(snapshot)
        rank([a.answer for a in assessed], None)  # the URL column shows each object's best way in first
        report_malformed(session)
        if self.sort_by:
            assessed = printers.sorted_rows(assessed, self.sort_by, row_of=lambda a: a.to_dict())
        return assessed

    def failing(self, assessed: List) -> bool:
        from .. import audit

        threshold = self.fail_on
        return threshold is not None and any(audit.at_or_above(f.severity, threshold) for a in assessed
                                             for f in a.findings)

    def report_contexts(self, streams, collected: List[tuple]) -> int:
        """Several contexts (contexts.py): one table with a CONTEXT column, or one document keyed by context."""
        from .. import render

        if self.output in ("json", "yaml"):
            doc = {name: {"error": result} if isinstance(result, str) else render.audit_document(result)
                   for name, result in collected}
            streams.write(render.dump(doc, self.output) + "\n")
        elif self.output in ("sarif", "html"):
            streams.write(self.document(collected, self.scope()))
        else:
            rows = [(name, a) for name, result in collected if not isinstance(result, str) for a in result]
            text = render.render_audit_table([a for _, a in rows], all_namespaces=self.all_namespaces,
                                             headers_shown=not self.no_headers, contexts=[n for n, _ in rows])
            if text:
                streams.print(text)
        failing = any(self.failing(result) for _, result in collected if not isinstance(result, str))
        return ExitCode.FINDINGS if failing else ExitCode.OK

    def scope(self, session: Optional[Session] = None) -> str:
        """What was audited, for -o sarif and html: every namespace, or one (several contexts: each one's own)."""
        if self.all_namespaces:
            return "all-namespaces"
        return f"namespace/{session.namespace}" if session is not None else "namespace"

    def document(self, runs: List[tuple], scope: str) -> str:
        """-o sarif (sarif.py) or -o html (report.py): one run or section per context."""
        if self.output == "sarif":
            from .. import sarif

            return sarif.render(runs, scope) + "\n"
        from .. import report

        return report.render(runs, scope)

    def report(self, session: Session, assessed: List) -> int:
        from .. import printers, render

        if self.output in ("json", "yaml"):
            session.streams.write(render.render_audit(assessed, self.output) + "\n")
        elif self.output in ("sarif", "html"):
            session.streams.write(self.document([(session.kube.connection.context, assessed)], self.scope(session)))
        elif self.output == "jsonpath" and self.printer:
            session.streams.write(printers.render_jsonpath(self.printer, render.audit_document(assessed)))
        elif self.output == "name":
            names = printers.render_names([a.answer for a in assessed])
            if names:
                session.streams.print(names)  # (each line cleaned: the names are the cluster's)
        elif self.output == "custom-columns" and self.printer:
            session.streams.print(printers.render_columns(self.printer, [a.to_dict() for a in assessed],
                                                          headers=not self.no_headers))
        elif assessed:
            session.streams.print(render.render_audit_table(assessed, all_namespaces=self.all_namespaces,
                                                            headers_shown=not self.no_headers))
        else:
            nothing_exposed(session, self.all_namespaces)
        return ExitCode.FINDINGS if self.failing(assessed) else ExitCode.OK
