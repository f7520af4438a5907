"""A LIST page decoded item by item: what `keep` retains of each item is all that outlives it.

`json.loads` of a page holds every item whole until the last is decoded: 500 pods with managedFields are ~16 MB of
Python objects for the sake of the ~1 MB a slim pod keeps. Here the page's top-level object is walked key by key and
its `items` array element by element, each decoded by the json module's own scanner (`raw_decode`, the C scanner
json.loads uses: one decode, no second walk, no copy) and handed to `each` at once. Every other value is decoded
whole. The result is what json.loads would give, with `items` replaced by what `each` returned (None dropped); any
input json.loads refuses is refused here too (ValueError), and anything else than an object is decoded by json.loads.
`each` also sees the keys decoded before the array (a Table's rows need its columnDefinitions, which the API server
sends first).
"""

import json
import re
from typing import Any, Callable, Dict, List, Optional

_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace (RFC 8259, section 2)
_DECODER = json.JSONDecoder()


Each = Callable[[Any, Dict[str, Any]], Optional[Any]]  # (an element, the keys decoded before its array) -> kept


def decode_list(raw: bytes, each: Each, key: str = "items") -> Any:
    """`raw` as json.loads decodes it, the array at the top-level `key` given to `each` one element at a time."""
    text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    start = _blank(text, 0)
    if text[start:start + 1] != "{":
        return json.loads(text)
    body: Dict[str, Any] = {}
    at = _blank(text, start + 1)
    if text[at:at + 1] == "}":
        return _end(text, at + 1, body)
    while True:
        name, at = _DECODER.raw_decode(text, at)
        if not isinstance(name, str):
            raise ValueError(f"a key that is not a string at {at}")
        at = _expect(text, _blank(text, at), ":")
        at = _blank(text, at)
        if name == key and text[at:at + 1] == "[":
            body[name], at = _each(text, _blank(text, at + 1), each, body)
        else:
            body[name], at = _DECODER.raw_decode(text, at)
        at = _blank(text, at)
        if text[at:at + 1] == "}":
            return _end(text, at + 1, body)
        at = _blank(text, _expect(text, at, ","))


def _each(text: str, at: int, each: Each, body: Dict[str, Any]):
    kept: List[Any] = []
    if text[at:at + 1] == "]":
        return kept, at + 1
    while True:
        item, at = _DECODER.raw_decode(text, at)
        item = each(item, body)
        if item is not None:
            kept.append(item)
        at = _blank(text, at)
        if text[at:at + 1] == "]":
            return kept, at + 1
        at = _blank(text, _expect(text, at, ","))


def _blank(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]


def _expect(text: str, at: int, char: str) -> int:
    if text[at:at + 1] != char:
        raise ValueError(f"expected {char!r} at {at}")
    return at + 1


def _end(text: str, at: int, body: Dict[str, Any]) -> Dict[str, Any]:
    if _blank(text, at) != len(text):
        raise ValueError(f"extra data at {at}")
    return body


def slimming(keep: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a projection (a LIST's `keep`) that retains a small part of each item: its pages are decoded item by
    item. One that keeps items whole (a listing's Services, the front doors' objects) is better served by one
    json.loads per page, whose keys are shared strings across the page: decoded apart, 20,000 Services held ~20 MB
    more of their own copies of "metadata", "name", "spec"..."""
    keep.slims = True  # type: ignore[attr-defined]
    return keep

