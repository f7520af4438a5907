"""`audit -o sarif`: the audit as a SARIF 2.1.0 log (OASIS SARIF v2.1.0, the `sarif-2.1.0-rtm.5` JSON schema), what
code-scanning UIs and SARIF viewers read. Pure.

One run per cluster context (one, unless several are given); one rule per audit check (audit.CHECKS: its id, summary,
why, and its severity as a SARIF `level` and a numeric `security-severity`, GitHub's scale), whose help says how to fix
it and gives the command that previews the fix; one result per finding, its location the Kubernetes object as a
*logical* location (`namespace/Kind/name`, kind `resource`): a live cluster has no file and line to point at. GitHub
code scanning only shows results with a file location, so this log is for SARIF viewers, DefectDojo-style
aggregators and CI gates; docs/integrations.md says so. Each result's `partialFingerprints` (check, object, message)
keeps one alert per finding across runs.

FIXES holds, per check, the fix in words and its command: a `kubectl reach convert ... --dry-run` where an exposure
change is the fix, else the dry run of the one-line change (`kubectl patch ... --dry-run=server`) or the read-only
`kubectl reach TARGET` that shows the broken link. It is kept here, beside the checks' table it completes (a test checks
every check has one), so that audit.py stays the table of what is found.
"""

import hashlib
from typing import Dict, NamedTuple, Optional, Sequence, Tuple, Union

from . import __version__
from .audit import CHECKS, Assessment, Finding, summary

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/kubectl-reach/kubectl-reach"
LEVELS = {"high": "error", "medium": "warning", "low": "note"}
# GitHub's security-severity scale: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.0", "low": "2.0"}


class Fix(NamedTuple):
    text: str
    command: str  # {ref} {namespace} {name} {service} {host} {port}; UPPER-CASE words are for the user to fill in


FIXES: Dict[str, Fix] = {
    "host-network": Fix("Take the pods off the node's network: remove spec.hostNetwork from the workload's pod "
                        "template and reach them through a Service, or at least narrow it to the one port they serve "
                        "(a hostPort):",
                        "kubectl reach convert WORKLOAD --to hostport --port {port} -n {namespace} --dry-run"),
    "open-lb": Fix("Restrict who may connect to the load balancer to the networks that need it:",
                   "kubectl reach convert {ref} --to loadbalancer --source-range CIDR -n {namespace} --dry-run"),
    "host-port": Fix("Remove the hostPort from the workload's pod template and reach the pods through a Service; a "
                     "hostPort that `kubectl reach convert` set is removed by undo:",
                     "kubectl reach undo WORKLOAD -n {namespace} --dry-run"),
    "public-node-port": Fix("Keep the Service inside the cluster (its nodePorts released) and reach it through an "
                            "Ingress or a load balancer with source ranges:",
                            "kubectl reach convert {ref} --to clusterip -n {namespace} --dry-run"),
    "external-ips": Fix("Remove spec.externalIPs (and enable the DenyServiceExternalIPs admission plugin, "
                        "CVE-2020-8554); the externalTrafficPolicy they allowed on a ClusterIP Service goes with them "
                        "(the API server refuses it without them):",
                        "kubectl patch service {name} -n {namespace} --type merge -p "
                        "'{{\"spec\":{{\"externalIPs\":null,\"externalTrafficPolicy\":null}}}}' --dry-run=server"),
    "plain-http": Fix("Serve the host over https: an Ingress with a TLS Secret for a Service (a Gateway: an HTTPS "
                      "listener; a Route: spec.tls with insecureEdgeTerminationPolicy Redirect):",
                      "kubectl reach convert svc/{service} --to ingress --host {host} --tls-secret SECRET "
                      "-n {namespace} --dry-run"),
    "broken-backend": Fix("Point the backend at a Service and port that exist; the chain and where it breaks:",
                          "kubectl reach {ref} -n {namespace}"),
    "no-ready-pods": Fix("Make the Service's selector match ready pods (or scale the workload up); what it selects:",
                         "kubectl reach {ref} -n {namespace}"),
    "not-accepted": Fix("Attach the route to a listener that accepts it (hostnames, allowedRoutes, a ReferenceGrant), "
                        "or let a router admit it; the parents' conditions:",
                        "kubectl reach {ref} -n {namespace}"),
}


def fix_command(check: str, exposure: Optional[Assessment] = None) -> str:
    """The fix's command, filled in for one exposing object where it is known (the rule's help: the template)."""
    template = FIXES[check].command
    if exposure is None:
        return template.replace("{ref}", "TARGET").replace("{namespace}", "NAMESPACE").replace("{name}", "NAME") \
            .replace("{service}", "SERVICE").replace("{host}", "HOST").replace("{port}", "PORT") \
            .replace("{{", "{").replace("}}", "}")
    answer = exposure.answer
    endpoints = answer.found.endpoints
    values = {"ref": answer.ref, "namespace": answer.namespace, "name": answer.name,
              "service": next((e.service for e in endpoints if e.service), "SERVICE"),
              "host": next((e.host for e in endpoints if e.scheme == "http"), "HOST"),
              "port": next((str(e.port) for e in endpoints if e.method in ("hostNetwork", "hostPort")), "PORT")}
    return template.format(**values)


def rule(check) -> dict:
    fix = FIXES[check.id]
    command = fix_command(check.id)
    why = check.why.replace("`", "")
    return {
        "id": check.id,
        "name": "".join(word.capitalize() for word in check.id.split("-")),
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": why[:1].upper() + why[1:] + "."},
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "help": {"text": f"{fix.text} {command}",
                 "markdown": f"{fix.text}\n\n```sh\n{command}\n```"},
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/audit.md",
        "properties": {"security-severity": SECURITY_SEVERITY[check.severity], "severity": check.severity,
                       "tags": ["security", "kubernetes", "network-exposure"]},
    }


def fingerprint(exposure: Assessment, finding: Finding) -> str:
    answer = exposure.answer
    identity = "\x00".join((finding.check, answer.namespace, answer.kind, answer.name, finding.message))
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def result(exposure: Assessment, finding: Finding, index: Dict[str, int]) -> dict:
    answer = exposure.answer
    command = fix_command(finding.check, exposure)
    qualified = f"{answer.namespace}/{answer.kind}/{answer.name}" if answer.namespace else f"{answer.kind}/{answer.name}"
    return {
        "ruleId": finding.check,
        "ruleIndex": index[finding.check],
        "level": LEVELS[finding.severity],
        "message": {"text": f"{answer.ref}: {finding.message}. Fix: {command}"},
        "locations": [{"logicalLocations": [{"name": answer.name, "fullyQualifiedName": qualified,
                                             "kind": "resource"}]}],
        "partialFingerprints": {"kubectlReachFinding/v1": fingerprint(exposure, finding)},
        "properties": {"target": {"kind": answer.kind, "namespace": answer.namespace, "name": answer.name},
                       "urls": exposure.urls, "fix": command},
    }


Audited = Union[Sequence[Assessment], str]  # a context's assessments, or why it could not be read


def run(exposures: Audited, context: Optional[str] = None, scope: str = "") -> dict:
    """One SARIF run: every rule, and a result per finding (riskiest objects first, as the audit lists them). A
    context that could not be read is a run whose invocation failed, with the error as its notification."""
    rules = [rule(check) for check in CHECKS]
    index = {check.id: i for i, check in enumerate(CHECKS)}
    failed = isinstance(exposures, str)
    audited: Sequence[Assessment] = [] if isinstance(exposures, str) else exposures
    found: dict = {"tool": {"driver": {"name": "kubectl-reach", "version": __version__, "semanticVersion": __version__,
                                       "informationUri": INFORMATION_URI, "rules": rules}},
                   "automationDetails": {"id": f"kubectl-reach/audit/{context or 'current-context'}/{scope}"},
                   "invocations": [{"executionSuccessful": not failed}],
                   "columnKind": "unicodeCodePoints",
                   "results": [result(e, f, index) for e in audited for f in e.findings],
                   "properties": {"summary": summary(audited), **({"context": context} if context else {})}}
    if isinstance(exposures, str):
        found["invocations"][0]["toolExecutionNotifications"] = [{"level": "error", "message": {"text": exposures}}]
    return found


def document(runs: Sequence[Tuple[Optional[str], Audited]], scope: str = "") -> dict:
    """The SARIF log: `runs` is (context, assessments or an error) per cluster context."""
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run(exposures, context, scope) for context, exposures in runs]}


def render(runs: Sequence[Tuple[Optional[str], Audited]], scope: str = "") -> str:
    import json

    return json.dumps(document(runs, scope), indent=2)

