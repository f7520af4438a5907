"""The one sanitiser for text that reaches a terminal: every byte a cluster or server sent passes through it.

C0 and C1 controls (ESC, CR, LF, NUL...; ANSI and OSC sequences start with them), bidirectional overrides
and isolates (U+202A-U+202E, U+2066-U+2069, U+061C, LRM/RLM), zero-width characters (U+200B-U+200D, U+2060,
U+FEFF, the soft hyphen) and the line and paragraph separators U+2028/U+2029 are shown escaped (`\\x1b`,
`\\u202e`): they could recolour or retitle the terminal, forge a line, or make one host look like another.
JSON and YAML output are not passed through it: json.dumps and yaml.safe_dump already escape them, exactly.
"""

import re

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _escape(match: "re.Match") -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text) -> str:
    """`text` with every unsafe character escaped (None: empty)."""
    return _UNSAFE.sub(_escape, "" if text is None else str(text))


def clean_lines(text: str) -> str:
    """Multi-line text of ours (a table, a diff) whose lines may hold cluster data: each line cleaned."""
    return "\n".join(clean(line) for line in text.split("\n"))


def is_clean(text: str) -> bool:
    return _UNSAFE.search(text) is None
