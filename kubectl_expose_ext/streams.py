"""The edges a command writes to and reads from, injected (httpie's Environment): stdout for data, stderr for
warnings, hints and logs, stdin for confirmations. Commands never print on their own; a test hands them StringIO."""

import os
import sys
from dataclasses import dataclass, field
from typing import Optional, TextIO


@dataclass
class Streams:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    input: TextIO = field(default_factory=lambda: sys.stdin)

    def print(self, text: str = "", end: str = "\n") -> None:
        """Data on stdout: text of ours whose lines may hold cluster data (each line cleaned)."""
        from .terminal import clean_lines

        self.write(clean_lines(text) + end)

    def write(self, text: str) -> None:
        """Text already safe for a terminal (JSON/YAML dumps, a coloured diff of cleaned lines)."""
        self.out.write(text)
        self.out.flush()

    def warn(self, message: str) -> None:
        """One line on stderr: warnings, hints, errors, -v logs. Credentials are masked, cluster text escaped."""
        from .errors import redact
        from .terminal import clean

        self.err.write(clean(redact(message)) + "\n")
        self.err.flush()

    def status(self, text: str) -> None:
        """A status line on a terminal's stderr, rewritten in place (progress); nothing when stderr is not one, or is
        a dumb terminal (TERM=dumb: Emacs shells, CI log viewers), which cannot erase a line."""
        if _rewritable(self.err):
            from .terminal import clean

            self.err.write(f"\r{clean(text)}\x1b[K")
            self.err.flush()

    def status_done(self) -> None:
        if _rewritable(self.err):
            self.err.write("\r\x1b[K")
            self.err.flush()

    def color(self) -> bool:
        """kubectl's rule: a terminal, TERM not dumb, NO_COLOR not set at all."""
        return _isatty(self.out) and os.environ.get("TERM") != "dumb" and "NO_COLOR" not in os.environ

    def interactive(self) -> bool:
        return _isatty(self.input)

    def confirm(self, question: str) -> bool:
        """`question [y/N]: ` on stderr; yes only for y or yes (end of input: no)."""
        self.err.write(f"{question} [y/N]: ")
        self.err.flush()
        answer: Optional[str] = self.input.readline()
        return (answer or "").strip().lower() in ("y", "yes")


def _rewritable(stream: TextIO) -> bool:
    """A terminal that understands cursor escapes (`\r`, erase to end of line)."""
    return _isatty(stream) and os.environ.get("TERM") != "dumb"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a file
        return False
