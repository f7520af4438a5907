"""Durations as Go's time.ParseDuration reads them (src/time/format.go): kubectl's duration flags use it."""

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_MAX_SECONDS = (2 ** 63 - 1) / 1e9  # a time.Duration is an int64 of nanoseconds


def go_duration(value: str) -> float:
    """Seconds: an optional sign, then one or more decimal numbers, each with an optional fraction and a unit (ns, us,
    \u00b5s, ms, s, m, h): `300ms`, `1m30s`, `1h30m`, `1.5h`; `0` alone needs no unit. ValueError in Go's words."""
    quoted = '"' + value + '"'
    text, negative = value, False
    if text[:1] in ("-", "+"):
        negative, text = text[0] == "-", text[1:]
    if text == "0":
        return 0.0
    if not text:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0.0
    while text:
        number = re.match(r"([0-9]*)(\.([0-9]*))?", text)
        assert number is not None  # the pattern matches the empty string
        whole, fraction = number.group(1), number.group(3) or ""
        if not whole and not fraction:  # Go: neither digits before nor after the dot
            raise ValueError(f"time: invalid duration {quoted}")
        text = text[number.end():]
        unit = re.match(r"[^0-9.]*", text).group(0)  # type: ignore[union-attr]  # matches the empty string
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _UNITS:
            raise ValueError(f'time: unknown unit "{unit}" in duration {quoted}')
        text = text[len(unit):]
        total += float(f"{whole or 0}.{fraction or 0}") * _UNITS[unit]
    if total > _GO_MAX_SECONDS:
        raise ValueError(f"time: invalid duration {quoted}")
    return -total if negative else total
