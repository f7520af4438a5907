"""Exit codes: the one place they are decided and documented. The help text (`kubectl reach --help`) and the table in
docs/usage.md are generated from this enum (a test compares them), and every command returns one of its members."""

import enum


class ExitCode(enum.IntEnum):
    """kubectl's conventions: 0 success, 1 any error (usage errors too, where click would use 2)."""

    OK = 0
    ERROR = 1
    DIFF_ERROR = 2
    NO_ANSWER = 3
    FINDINGS = 4
    INTERRUPTED = 130

    def __str__(self) -> str:  # the number, on every Python (IntEnum prints its name before 3.11)
        return str(self.value)

    __format__ = int.__format__  # type: ignore[assignment]

    @property
    def meaning(self) -> str:
        return MEANINGS[self]


MEANINGS = {  # each fits one line of --help
    ExitCode.OK: "success, even when the target has no external endpoint (the warnings say why)",
    ExitCode.ERROR: "an error (a bad flag, not found, forbidden, unreachable, a --wait that timed out...)",
    ExitCode.DIFF_ERROR: "diff: an error (kubectl diff's code: there, 1 means that something changes)",
    ExitCode.NO_ANSWER: "--probe: no URL answered; -o url: no URL that can work was printed",
    ExitCode.FINDINGS: "audit --fail-on: a finding at or above that severity",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); during a convert's write, it may have been applied",
}


def help_lines(indent: str = "") -> str:
    """For --help: `0   success, ...`, one line each."""
    return "\n".join(f"{indent}{code.value:<3} {code.meaning}" for code in ExitCode)


def markdown() -> str:
    """docs/usage.md's table."""
    rows = [f"| `{code.value}` | `{code.name}` | {code.meaning} |" for code in ExitCode]
    return "\n".join(["| code | name | meaning |", "| --- | --- | --- |", *rows])
