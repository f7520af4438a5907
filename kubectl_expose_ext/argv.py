"""kubectl's command-line habits in click's terms, read from argv before click parses it: pflag's flag spellings,
did-you-mean for mistyped commands, and whether a log level was asked for."""

from typing import Any, List, Optional, Sequence

from .errors import UsageError

COMPLETE_VAR = "_KUBECTL_REACH_COMPLETE"  # click's shell completion: the variable its scripts set


def unknown_command(word: str, commands: Any, target_hint: bool = False) -> UsageError:
    """kubectl's message for a mistyped command, with the likely one (and, before a target, how to name one)."""
    near = near_command(word, commands)
    message = f'unknown command "{word}" for "kubectl reach"'
    if near:
        message += f'; did you mean "{near}"?'
        if target_hint:
            message += f" (a service named so is svc/{word})"
    return UsageError(message)


def near_command(word: str, commands) -> Optional[str]:
    """The command `word` is a likely typo of, else None: one edit for words of up to 5 letters, two for longer
    (kubectl suggests within 2). Words with a `/` or `.`, and words under 3 letters, are targets."""
    if "/" in word or "." in word or len(word) < 3:
        return None
    # `shop` is far likelier a service than a typo of `show`
    return nearest(word, [c for c in commands if c != "show"])


def nearest(word: str, candidates: Sequence[str]) -> Optional[str]:
    """The candidate `word` is a likely typo of (one edit for words of up to 5 letters, two for longer), else None."""
    if not candidates:
        return None
    best = min(candidates, key=lambda c: (edit_distance(word, c), c))
    return best if edit_distance(word, best) <= (1 if len(word) <= 5 else 2) else None


def edit_distance(a: str, b: str) -> int:
    """Edits from a to b, a swap of two neighbours counting one (the commonest typo: `audti`, `sevrice`)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def boolean_flags(*commands: Any) -> set:
    """Every on/off flag of these click commands (the group and the command the arguments run), from their own
    declarations. Only the command that runs is asked: building the others would import their modules (issue 30),
    and another command's flag is no flag here (`audit --probe=true` is refused as kubectl refuses an unknown flag,
    not dropped)."""
    return {opt for command in commands for param in command.params if getattr(param, "is_flag", False)
            for opt in param.opts}


ON_OFF = {"true": True, "false": False}  # what pflag takes for an on/off flag
OPTIONAL_VALUES = {"--wait": "5m"}  # flags whose value is optional: bare, they mean this (`--wait` vs `--wait=1m`)
DRY_RUN = {"server": True, "none": False}  # kubectl's --dry-run values (client: refused)


def kubectl_spellings(args: Sequence[str], flags: set, optional: Optional[dict] = None) -> List[str]:
    """kubectl's (pflag's) spellings, in click's terms: `-n=NS` is `-n NS` (click would take `=NS` as the value);
    `--probe=true` is `--probe` and `--probe=false` is nothing, for every on/off flag; `--dry-run=server` is
    `--dry-run` and `--dry-run=none` is nothing (kubectl's values; `client` is refused: every preview here is the
    server's); a bare flag of `optional` (`--wait`) takes its default value, `--wait=1m` its own (a value given
    after a space would be a target's name)."""
    import re

    spelled: List[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            return spelled + list(args[i:])
        if optional and arg in optional:
            following = args[i + 1] if i + 1 < len(args) else ""
            if _is_duration(following):  # `--wait 5m` would make "5m" a target: say how to write it
                raise UsageError(f'{arg} takes its value after "=": {arg}={following} (a bare {arg} means '
                                 f'{optional[arg]}; a word after a space is a target: write TYPE/{following} for one)')
            spelled.extend([arg, optional[arg]])
            continue
        name, equals, value = arg.partition("=")
        if equals and name in flags:
            if name == "--dry-run" and value == "client":
                raise UsageError("--dry-run=client is not supported: kubectl reach always has the API server "
                                 "validate the change (use --dry-run or --dry-run=server)")
            values = {**ON_OFF, **DRY_RUN} if name == "--dry-run" else ON_OFF
            if value.lower() not in values:
                allowed = '"server" or "none"' if name == "--dry-run" else '"true" or "false"'
                raise UsageError(f'invalid argument "{value}" for "{name}" flag: use {allowed}')
            spelled.extend([name] if values[value.lower()] else [])
            continue
        match = re.fullmatch(r"(-[A-Za-z])=(.*)", arg, re.DOTALL)
        spelled.extend(match.groups() if match else (arg,))
    return spelled


def _is_duration(word: str) -> bool:
    from .durations import go_duration

    try:
        go_duration(word)
    except ValueError:
        return False
    return word != "0" and "/" not in word


def verbose(args: Sequence[str]) -> bool:
    """Whether the command line asks for any log level (`-v`, `-v 6`, `-v6`, `-v=6`, `--v=6`), read from argv
    because the last-resort handler runs when click may not have parsed the flags."""
    import re

    for i, arg in enumerate(args):
        match = re.fullmatch(r"--?v(?:=?([0-9]+))?", arg)
        if match:
            level = match.group(1) or (args[i + 1] if i + 1 < len(args) else "")
            if level.isascii() and level.isdigit() and int(level) > 0:
                return True
    return False
