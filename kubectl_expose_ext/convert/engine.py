"""The guarded write: dry run -> diff -> confirm -> apply, for any Change a strategy plans.

Every write first goes to the API server with dryRun=All, and the diff shown is live vs what the server answered.
The real write is the same body, carrying the resourceVersion the diff was computed from: if anything changed in
between, the server answers 409 and nothing is written.
"""

from dataclasses import dataclass, field as dc_field
from typing import TYPE_CHECKING, Callable, List, Optional, Tuple

from ..errors import Conflict, ReachError
from ..exitcodes import ExitCode
from ..kinds import Kind
from ..objects import name
from ..terminal import clean, clean_lines
from .diff import colorize, mark_allocated, show_placeholder_urls, unified_diff, url_changes

if TYPE_CHECKING:
    from ..kubeflags import Session


@dataclass
class Change:
    """One write, described before it is made."""

    kind: Kind
    live: Optional[dict]                  # None for a create
    write: Callable[[bool], dict]         # dry_run -> the object as the server returns it
    urls: Callable[[Optional[dict]], List[str]]  # object (None: absent) -> its external URLs
    placeholders: Callable[[dict], set] = lambda after: set()
    verb: str = "change"
    new_name: str = ""                    # for a create: the name of the object to be
    dangers: List[str] = dc_field(default_factory=list)  # what the change opens: warned, and named in the prompt

    @property
    def ref(self) -> str:
        return self.kind.ref(name(self.live) if self.live else self.new_name)


class Interrupted(ReachError):
    """Ctrl-C during the real write: the change may or may not have been applied."""

    exit_code = ExitCode.INTERRUPTED


def conflict_message(kind: Kind, obj_name: str) -> str:
    return (f'{kind.resource} "{obj_name}" has been modified since it was read; nothing was changed: '
            "run the command again")


def present(session: "Session", change: Change, after: dict, output: Optional[str]) -> Tuple[List[str], List[str]]:
    """Print the diff and the URL changes (or the after object for -o json|yaml)."""
    from ..render import dump

    streams = session.streams
    placeholders = change.placeholders(after)
    if output:
        streams.write(dump(after, output) + "\n")
    shown_after = None if change.verb == "delete" else mark_allocated(after, placeholders)
    removed, added = url_changes(change.urls(change.live), change.urls(None if change.verb == "delete" else after))
    added = show_placeholder_urls(added, placeholders)
    if output:
        return removed, added
    lines = unified_diff(change.live, shown_after, change.ref)
    for line in colorize([clean_lines(line.rstrip("\n")) + "\n" for line in lines], streams.color()):
        streams.write(line)
    if not lines:
        streams.print(f"{change.ref}: no change")
    for title, urls, sign in (("URLs removed:", removed, "-"), ("URLs added:", added, "+")):
        if urls:
            streams.print(title)
            for url in urls:  # a cluster's text: one line per URL, whatever it holds (streams.print splits lines)
                streams.print(f"  {sign} {clean(url)}")
    return removed, added


def confirm(session: "Session", change: Change, yes: bool) -> None:
    if yes:
        return
    if not session.streams.interactive():
        raise ReachError(f"refusing to {change.verb} {change.ref} without confirmation: add --yes to apply "
                         "(or --dry-run to only preview)")
    opens = f" It opens {'; '.join(change.dangers)}." if change.dangers else ""
    if not session.streams.confirm(f"Apply this change to {clean(change.ref)}?{clean(opens)}"):
        raise ReachError("cancelled: nothing was changed")


def server_warnings(session: "Session") -> None:
    """The API server's `Warning:` headers for the last writes, on stderr."""
    for text in session.kube.warnings:
        session.streams.warn(f"Warning: {text}")
    session.kube.warnings.clear()


def execute(session: "Session", change: Change, dry_run: bool, yes: bool, output: Optional[str]) -> int:
    """Dry run, show, then (unless --dry-run) confirm and apply the same request."""
    streams = session.streams
    after = change.write(True)
    server_warnings(session)
    present(session, change, after, output)
    if dry_run:
        streams.warn("Dry run: nothing was changed (the API server validated the change with dryRun=All).")
        return ExitCode.OK
    confirm(session, change, yes)
    try:
        applied = change.write(False)
    except Conflict:
        raise ReachError(conflict_message(change.kind, name(change.live))) from None
    except KeyboardInterrupt:  # the request was on its way: only the server knows whether it was applied
        raise Interrupted(f"interrupted while the change to {change.ref} was being sent: it may have been applied; "
                          f"check with `kubectl get {change.ref} -o yaml` (and `kubectl reach {change.ref}`) "
                          "before running the command again") from None
    server_warnings(session)
    done = {"delete": "deleted", "create": "created"}.get(change.verb, "changed")
    streams.warn(f"{change.ref} {done}.")
    if change.verb != "delete" and not output:
        urls = change.urls(applied)
        streams.print("External URLs now:" if urls else "No external URL now.")
        for url in urls:
            streams.print(f"  {clean(url)}")
    return ExitCode.OK
