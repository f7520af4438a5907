"""Several clusters at once: `--context a,b,c` and `--all-contexts`, for the target view, the listing and `audit`.

Each context's answer is collected concurrently (one thread each, at most PARALLEL: the work is waiting on API
servers, so 20 contexts take about as long as the slowest), then printed as one: a table with a CONTEXT column, a
JSON/YAML document keyed by context name, or every context's URLs. Each context's warnings are prefixed with its
name. A context that fails (unreachable, forbidden, expired credentials, the target not there) is one
`error: context "NAME": ...` line, and the exit code is then 1; else it is the command's own (audit --fail-on: 4
when any context has a finding at or above it). `--wait`, `--watch`, `--open`, `convert` and `undo` work on one
context.

A silent context costs at most one `--request-timeout` (kube.Kube.request: the deadline covers the retries, and a
request that timed out is not sent again). What can be printed as it comes is: `-o url` is a stream of lines, so
each context's URLs (its warnings, or its error) are printed as soon as it has answered, in the order they finish;
a table and a document need every context, so they come at the end, in the contexts' order. Meanwhile a terminal's
stderr shows which contexts are still pending (one status line, rewritten in place, gone before any output).
"""

import dataclasses
import io
from typing import TYPE_CHECKING, Dict, List

from .errors import ReachError, UsageError, redact
from .exitcodes import ExitCode
from .streams import Streams

if TYPE_CHECKING:
    from .commands import ManyContexts, Plan
    from .kubeflags import KubeFlags

PARALLEL = 32
_NAMED = 4  # pending contexts named on the status line; the others counted


def run_contexts(plan: "Plan", flags: "KubeFlags", names: List[str], streams: Streams) -> int:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from .commands import ManyContexts

    if not isinstance(plan, ManyContexts):  # (such a plan names CONTEXT_OUTPUTS, what it prints then)
        raise UsageError("this command works on one context: give --context NAME")
    reason = plan.one_context_only()
    if reason:
        raise UsageError(reason)
    if plan.output not in plan.CONTEXT_OUTPUTS:
        raise UsageError(f"with several contexts, -o is one of {', '.join(plan.CONTEXT_OUTPUTS)}")

    def one(name: str):
        log = io.StringIO()
        try:
            session = dataclasses.replace(flags, context=name, all_contexts=False).connect(
                Streams(out=io.StringIO(), err=log, input=io.StringIO()))
            return plan.collect(session), log.getvalue()
        except ReachError as exc:  # masked here: the message also goes into -o json, which warn() does not mask
            return redact(str(exc)), log.getvalue()

    streaming = plan.output == "url"
    pending = list(names)
    results: Dict[str, tuple] = {}
    codes: List[int] = []
    _show_pending(streams, pending, len(names))
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(names))) as pool:
        futures = {pool.submit(one, name): name for name in names}
        for future in as_completed(futures):
            name = futures[future]
            pending.remove(name)
            results[name] = future.result()
            if streaming:
                streams.status_done()
                codes.append(_report(plan, streams, [(name, results[name])]))
            _show_pending(streams, pending, len(names))
    streams.status_done()
    if not streaming:
        codes.append(_report(plan, streams, [(name, results[name]) for name in names]))
    failed = any(isinstance(result, str) for result, _ in results.values())
    return ExitCode.ERROR if failed else ExitCode(max(codes, default=ExitCode.OK))


def _report(plan: "ManyContexts", streams: Streams, done: List[tuple]) -> int:
    """Print what `done` (name, (result, log)) collected: each context's log lines, the plan's output, then each
    failed context's error line."""
    for name, (_, log) in done:
        for line in log.splitlines():
            streams.warn(f"[{name}] {line}")
    collected = [(name, result) for name, (result, _) in done]
    code = plan.report_contexts(streams, collected)
    for name, result in collected:
        if isinstance(result, str):
            streams.warn(f'error: context "{name}": {result}')
    return code


def _show_pending(streams: Streams, pending: List[str], total: int) -> None:
    if pending:
        named = ", ".join(pending[:_NAMED]) + (f" and {len(pending) - _NAMED} more" if len(pending) > _NAMED else "")
        streams.status(f"waiting for {len(pending)} of {total} contexts: {named}")
