"""The commands, one module each: an Options class holds the flags as typed (Flags), its `validate()` checks them
without the cluster and returns a frozen plan (Options), and the plan's `run(session)` does the work (Run), writing
only to the session's streams. cli.py declares the flags and calls these; nothing here parses argv.

Each run returns an ExitCode (exitcodes.py: what each means); `-o url` returns NO_ANSWER when nothing that can work
was printed, so `curl "$(kubectl reach svc/x -o url | head -1)"` never gets an empty or dead URL silently.
"""

from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence

from typing import Protocol, runtime_checkable

from ..flags import flag
from ..kubeflags import Session


class Plan(Protocol):
    """What an Options' validate() returns: runs with a Session, returns an ExitCode."""

    def run(self, session: Session) -> int: ...


class Options(Protocol):
    """A command's flags as typed: validate() checks them without the cluster."""

    def validate(self) -> Plan: ...


@runtime_checkable
class ManyContexts(Protocol):
    """A plan that runs over several contexts (contexts.py): it collects per context, then reports them together;
    CONTEXT_OUTPUTS are the -o values that can show several contexts at once."""

    CONTEXT_OUTPUTS: Sequence[str]
    output: str

    def one_context_only(self) -> Optional[str]:
        """Why this plan's flags need one context (--wait...), else None."""

    def collect(self, session: Session) -> Any: ...

    def report_contexts(self, streams: Any, collected: List[tuple]) -> int: ...


@dataclass
class Selection:
    """What a listing (show with no target) and the audit look at: the flags both take."""

    all_namespaces: bool = flag("-A", "--all-namespaces", default=False,
                                help="Every namespace (show: with no target; audit).")
    selector: Optional[str] = flag("-l", "--selector", metavar="SELECTOR",
                                   help="Only the objects with these labels (app=web, tier in (web,api), !canary).")
    field_selector: Optional[str] = flag("--field-selector", metavar="SELECTOR",
                                         help="Only the objects these fields select (metadata.name=web).")


@dataclass
class Probing:
    """The node address a URL uses and --probe's limits: the flags show and explain both take."""

    address_type: str = flag("--address-type", default="auto", show_default=True, metavar="TYPE",
                             values="address-types", help="Node address to use: auto (ExternalIP, else InternalIP, "
                                                          "else Hostname), ExternalIP, InternalIP or Hostname.")
    timeout: str = flag("--timeout", default="2s", show_default=True, metavar="DURATION",
                        help="--probe: time limit per URL.")
    probe_allow_local: bool = flag("--probe-allow-local", default=False,
                                   help="--probe: also connect to loopback and this machine's own addresses (refused "
                                        "by default: the cluster chooses them).")

    def time_limit(self, probing: bool) -> float:
        """--timeout in seconds, after the checks both commands make (--probe-allow-local needs --probe)."""
        from ..errors import UsageError
        from ..options import parse_duration

        if self.probe_allow_local and not probing:
            raise UsageError("--probe-allow-local applies only with --probe")
        seconds = parse_duration(self.timeout, "--timeout")
        if not seconds:
            raise UsageError(f'invalid --timeout "{self.timeout}": a probe needs a time limit, e.g. 2s or 500ms')
        return seconds


@dataclass
class Rows:
    """How the rows of a table are printed, in show and audit (a row: one URL in show, one exposing object in
    audit)."""

    no_headers: bool = flag("--no-headers", default=False, help="table, wide, custom-columns: no header line.")
    sort_by: Optional[str] = flag("--sort-by", metavar="JSONPATH",
                                  help="Sort the rows by this field of a row of -o json: show: an endpoint (.url, "
                                       ".port, .method, .target.name); audit: an item (.risk, .target.name).")

MALFORMED_SHOWN = 20  # warnings about objects of the wrong shape, before they are counted instead


def report_malformed(session: Session) -> None:
    """Fields the server sent with the wrong JSON type (removed by shapes.conform): on stderr, in every format."""
    found = list(dict.fromkeys(session.kube.malformed))
    for line in found[:MALFORMED_SHOWN]:
        session.streams.warn(f"Warning: {line}")
    if len(found) > MALFORMED_SHOWN:
        session.streams.warn(f"Warning: ... and {len(found) - MALFORMED_SHOWN} more fields of the wrong type, ignored")


def rank(answers: list, probes: Optional[dict]) -> None:
    """Each answer's URLs in the one order of ranking.py (best first), which the table, -o url, --open, --wait and
    the audit's URL column then read as they are; a declared primary's URL first among those that can work."""
    from ..links import primary
    from ..ranking import ranked

    for answer in answers:
        declared = primary(answer.links)
        answer.found.endpoints = ranked(answer.found.endpoints, probes, declared.matches if declared else None)


def declare_links(session: Session, answers: list, namespace: Optional[str], chains: Optional[list] = None) -> None:
    """Each answer's declared links (links.py), from its annotations, its chain's (`chains`: one per answer, for
    named targets) and its Applications: one LIST of those, and only when an answer is labelled
    app.kubernetes.io/name and the cluster serves app.k8s.io (discovery, cached); not readable: none."""
    from ..errors import Forbidden, NotFound
    from ..links import attach, wants_applications

    applications: list = []
    if any(wants_applications(a.labels) for a in answers) and "applications" in session.kube.discover():
        try:
            applications = session.kube.list("applications", namespace)
        except (Forbidden, NotFound):
            pass
    for i, answer in enumerate(answers):
        attach(answer, chains[i] if chains else (), applications)


def show_progress(session: Session) -> None:
    """For a listing, which reads whole lists: on a terminal, what is being read and how much so far, on one
    stderr line that the first output line replaces (`reading pods: 12500 so far`)."""
    def progress(resource: str, count: int, more: bool) -> None:
        session.streams.status(f"reading {resource}: {count}{' so far' if more else ''}...")
    session.kube.progress = progress


def nothing_exposed(session: Session, all_namespaces: bool) -> None:
    where = "the cluster" if all_namespaces else f"namespace {session.namespace}"
    session.streams.warn(f"No externally reachable resources found in {where}.")


def print_by_namespace(session: Session, address_type: str, every_address: bool,
                       render: Callable[[List[Any]], str]) -> List[Any]:
    """-A (and audit -A) as a table: each namespace's rows printed as soon as its answer is complete (chunks.py),
    `render`ed from its assessments (ranked; the header only with the first rows printed). Every assessment, as
    much as is said after the table (warnings, hints, the findings hint, --fail-on): a printed namespace's URLs are
    not kept.

    Column widths: each chunk is aligned on its own, as kubectl's printer aligns each chunk of a list (its
    tabwriter is flushed per chunk): a wide URL in one namespace does not push every other namespace's columns."""
    from ..chunks import assessed_by_namespace

    every: List[Any] = []
    show_progress(session)
    try:
        for assessed in assessed_by_namespace(session.kube, address_type, every_address):
            answers = [a.answer for a in assessed]
            declare_links(session, answers, None)
            rank(answers, None)
            text = render(assessed)
            if text:
                session.streams.status_done()
                session.streams.print(text)
            every.extend(said_after(a) for a in assessed)
    finally:
        session.streams.status_done()
    report_malformed(session)
    return every


def said_after(assessed: Any) -> Any:
    """An assessment without its URLs, once its rows are printed: its warnings, hints and findings."""
    from dataclasses import replace

    from ..endpoints import Found

    found = assessed.answer.found
    return replace(assessed, answer=replace(assessed.answer, found=Found(warnings=found.warnings, hints=found.hints)))
