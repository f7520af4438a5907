"""Several clusters at once: `--context a,b,c` and `--all-contexts`, for the target view, the listing and `audit`.

Each context's answer is collected concurrently (one thread each, at most PARALLEL: the work is waiting on API
servers, so 20 contexts take about as long as the slowest), then printed as one: a table with a CONTEXT column, a
JSON/YAML document keyed by context name, or every context's URLs. Each context's warnings are prefixed with its
name. A context that fails (unreachable, forbidden, expired credentials, the target not there) is one
`error: context "NAME": ...` line after the others' answer, and the exit code is then 1; else it is the command's
own (audit --fail-on: 4 when any context has a finding at or above it). `--wait`, `--watch`, `--open`, `convert`
and `undo` work on one context.
"""

import dataclasses
import io
from typing import Any, List

from .errors import ReachError, UsageError, redact
from .streams import Streams

PARALLEL = 32


def run_contexts(plan: Any, flags: Any, names: List[str], streams: Streams) -> int:
    from concurrent.futures import ThreadPoolExecutor

    if not hasattr(plan, "report_contexts"):  # (a plan that has it names CONTEXT_OUTPUTS, what it prints then)
        raise UsageError("this command works on one context: give --context NAME")
    if any(getattr(plan, flag, None) for flag in ("wait", "watch", "open_browser")):
        raise UsageError("--wait, --watch and --open work on one context: give --context NAME")
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

    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(names))) as pool:
        results = list(pool.map(one, names))
    collected = []
    for name, (result, log) in zip(names, results):
        for line in log.splitlines():
            streams.warn(f"[{name}] {line}")
        collected.append((name, result))
    code = plan.report_contexts(streams, collected)
    failed = [(name, result) for name, result in collected if isinstance(result, str)]
    for name, message in failed:
        streams.warn(f'error: context "{name}": {message}')
    return 1 if failed else code
