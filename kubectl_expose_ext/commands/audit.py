"""`kubectl reach audit`: everything exposed, with its risks (the checks: audit.CHECKS)."""

from dataclasses import dataclass
from typing import Optional

from ..errors import UsageError
from ..kubeflags import Session
from . import FINDINGS, nothing_exposed, report_malformed, show_progress


@dataclass
class AuditOptions:
    all_namespaces: bool = False
    selector: Optional[str] = None
    field_selector: Optional[str] = None
    output: str = "table"
    fail_on: Optional[str] = None

    def validate(self) -> "Audit":
        from ..audit import SEVERITIES
        from ..options import AUDIT_OUTPUTS, validate_output

        if self.fail_on is not None and self.fail_on not in SEVERITIES:
            raise UsageError(f'invalid --fail-on "{self.fail_on}": use one of {", ".join(SEVERITIES)}')
        return Audit(self.all_namespaces, validate_output(self.output, AUDIT_OUTPUTS), self.fail_on, self.selector,
                     self.field_selector)


@dataclass(frozen=True)
class Audit:
    all_namespaces: bool
    output: str
    fail_on: Optional[str]
    selector: Optional[str] = None
    field_selector: Optional[str] = None

    def run(self, session: Session) -> int:
        from .. import audit, render, targets

        scope = None if self.all_namespaces else session.namespace
        show_progress(session)
        try:
            snapshot = targets.fetch_everything(session.kube, scope, every_address=True, label_selector=self.selector,
                                                field_selector=self.field_selector)
        finally:
            session.streams.status_done()
        assessed = audit.audit(snapshot)
        report_malformed(session)
        if self.output != "table":
            session.streams.write(render.render_audit(assessed, self.output) + "\n")
        elif assessed:
            session.streams.print(render.render_audit_table(assessed, all_namespaces=self.all_namespaces))
        else:
            nothing_exposed(session, self.all_namespaces)
        threshold = self.fail_on
        failing = threshold and any(audit.at_or_above(f.severity, threshold) for a in assessed for f in a.findings)
        return FINDINGS if failing else 0
