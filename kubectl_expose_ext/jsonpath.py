"""kubectl's JSONPath dialect (k8s.io/client-go/util/jsonpath), for `-o jsonpath=` and `-o custom-columns=`.

A generic JSONPath library has no `{range}`/`{end}`, no template text between actions and none of kubectl's
printing rules, so the dialect is implemented here, exactly that much: template text and `{...}` actions; `$`, `@`,
`.name`, `..name` (recursive), `*`, `[n]`, `[-n]`, `[a:b:c]`, `[*]`, `['key']`, `['a','b']` (union), filters
`[?(@.x == "y")]` (==, !=, <, <=, >, >=, or a bare path: it exists), `{range EXPR}...{end}`, string literals
`{"\\n"}`. Printing as kubectl prints: several results of one action separated by a space; strings as they are;
maps and lists as compact JSON; a missing key, and null, print nothing (kubectl's --allow-missing-template-keys=true).
"""

import json
from typing import Any, Callable, List, NoReturn, Optional, Tuple

_MISSING = object()


class JSONPathError(ValueError):
    """A template kubectl's parser would refuse: the message is kubectl's shape of it."""


def parse(template: str) -> List[Tuple]:
    """The template as nodes: ("text", s), ("expr", steps), ("range", steps, body)."""
    nodes: List[Tuple] = []
    stack: List[List[Tuple]] = [nodes]
    pos = 0
    while pos < len(template):
        start = template.find("{", pos)
        if start < 0:
            stack[-1].append(("text", template[pos:]))
            break
        if start > pos:
            stack[-1].append(("text", template[pos:start]))
        end = _action_end(template, start)
        action = template[start + 1:end].strip()
        pos = end + 1
        if action == "end":
            if len(stack) == 1:
                raise JSONPathError(f"error parsing jsonpath {template}, not in range, nothing to end")
            stack.pop()
        elif action.startswith("range ") or action == "range":
            body: List[Tuple] = []
            stack[-1].append(("range", _steps(action[5:].strip(), template), body))
            stack.append(body)
        elif action[:1] in ("'", '"'):
            stack[-1].append(("text", _literal(action, template)))
        else:
            stack[-1].append(("expr", _steps(action, template)))
    if len(stack) > 1:
        raise JSONPathError(f"error parsing jsonpath {template}, unclosed range")
    return nodes


def _action_end(template: str, start: int) -> int:
    """The `}` closing the action opened at `start` (braces inside quotes do not count)."""
    quote = None
    for i in range(start + 1, len(template)):
        c = template[i]
        if quote:
            if c == "\\":
                continue
            if c == quote and template[i - 1] != "\\":
                quote = None
        elif c in ("'", '"'):
            quote = c
        elif c == "}":
            return i
    raise JSONPathError(f"error parsing jsonpath {template}, unclosed action")


def _literal(text: str, template: str) -> str:
    try:
        return json.loads('"' + text[1:-1].replace('\\"', '"').replace('"', '\\"') + '"') \
            if text[-1:] == text[0] and len(text) > 1 else _bad(template, "unterminated string")
    except ValueError:
        return _bad(template, "invalid string")


def _bad(template: str, why: str) -> NoReturn:
    raise JSONPathError(f"error parsing jsonpath {template}, {why}")


MAX_NESTING = 32  # brackets inside brackets (a filter's own paths): deeper is an error, not a RecursionError


class _Reader:
    """One pass over an action's text: every parser below moves `pos` forward only, so parsing costs time linear
    in the template, however it nests (a regular expression that backtracks, or a scan for the closing bracket
    before each nested bracket is parsed, cost exponential or quadratic time on hostile templates)."""

    def __init__(self, text: str, template: str):
        self.text, self.template, self.pos, self.depth = text, template, 0, 0

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos:self.pos + n]

    def more(self, stops: str = "") -> bool:
        return self.pos < len(self.text) and self.text[self.pos] not in stops

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def expect(self, c: str, why: str) -> None:
        if self.peek() != c:
            _bad(self.template, why)
        self.pos += 1

    def until(self, stops: str) -> str:
        """The text up to the first character of `stops` (or the end), consumed."""
        start = self.pos
        while self.more(stops):
            self.pos += 1
        return self.text[start:self.pos]

    def quoted(self) -> str:
        """A '...' or "..." string (no escapes, as kubectl's bracket keys), consumed."""
        close = self.text.find(self.text[self.pos], self.pos + 1)
        if close < 0:
            _bad(self.template, "unterminated string")
        value, self.pos = self.text[self.pos + 1:close], close + 1
        return value


_SPACE = " \t\r\n\f\v"


def _steps(expression: str, template: str) -> List[Tuple]:
    """`.a[0]..b` -> [("child", "a"), ("index", 0), ("deep", "b")]; `$`/`@` at the start mean the root/current."""
    reader = _Reader(expression.strip(), template)
    steps = _path(reader, "")
    if reader.more():
        _bad(template, f"unrecognized character in action: {reader.peek()!r}")
    return steps


def _path(reader: _Reader, stops: str) -> List[Tuple]:
    """Steps up to the end or a character of `stops` (a filter's `==`, `)` or a space)."""
    steps: List[Tuple] = []
    if reader.peek() == "$":
        steps.append(("root",))
        reader.pos += 1
    elif reader.peek() == "@":
        reader.pos += 1
    implicit = reader.more(stops + ".[")  # kubectl accepts `{metadata.name}` too
    while implicit or reader.more(stops):
        if not implicit and reader.peek() == "[":
            steps.append(_bracket(reader))
            continue
        if not implicit and reader.peek() != ".":
            _bad(reader.template, f"unrecognized character in action: {reader.peek()!r}")
        deep = not implicit and reader.peek(2) == ".."
        reader.pos += 0 if implicit else 2 if deep else 1
        implicit = False
        name = reader.until(stops + ".[]")
        if not name.strip():
            _bad(reader.template, f"unrecognized character in action: {reader.peek() or '.'!r}")
        steps.append(("deep", name) if deep else ("child", name.strip()))
    return steps


def _bracket(reader: _Reader) -> Tuple:
    """`[...]` at the reader: `*`, an index, a slice, indices, quoted keys or a filter."""
    reader.depth += 1
    if reader.depth > MAX_NESTING:
        _bad(reader.template, f"brackets nested more than {MAX_NESTING} deep")
    reader.pos += 1
    reader.skip_spaces()
    if reader.peek(2) == "?(":
        reader.pos += 2
        step: Tuple = ("filter", _filter(reader))
        reader.skip_spaces()
    elif reader.peek() in ("'", '"'):
        keys = []
        while reader.more("]"):
            if reader.peek() in ("'", '"'):
                keys.append(reader.quoted())
            else:
                reader.pos += 1  # what lies between the strings is ignored
        step = ("keys", keys)
    else:
        step = _index(reader.until("]").strip(), reader.template)
    reader.expect("]", "unterminated array")
    reader.depth -= 1
    return step


def _index(inside: str, template: str) -> Tuple:
    if inside == "*":
        return ("child", "*")
    parts = inside.split(":")
    if inside and len(parts) <= 3 and all(_integer(p, True) for p in parts):
        if len(parts) == 1:
            return ("index", int(inside))
        numbers = [int(p) if p else None for p in parts]
        return ("slice", *(numbers + [None] * (3 - len(numbers))))
    parts = [p.strip() for p in inside.split(",")]
    if len(parts) > 1 and all(_integer(p, False) for p in parts):
        return ("indices", [int(p) for p in parts])
    return _bad(template, f"invalid array index {inside}")


def _integer(text: str, empty_ok: bool) -> bool:
    """`-?[0-9]+` (or empty, for a slice's bounds)."""
    digits = text[1:] if text[:1] == "-" else text
    return (digits.isascii() and digits.isdigit()) or (empty_ok and text == "")


_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")


def _filter(reader: _Reader) -> Tuple:
    """After `[?(`: `@.x == "y"` (==, !=, <, <=, >, >=; the right side a string, a number or another path), or a
    bare `@.x` (it exists); then the `)`."""
    reader.skip_spaces()
    if reader.peek() != "@":
        _bad(reader.template, f"invalid filter {reader.text[reader.pos:]}")
    left = _path(reader, _SPACE + "=!<>)")
    reader.skip_spaces()
    op = next((o for o in _OPERATORS if reader.peek(len(o)) == o), None)
    if op is None:
        reader.expect(")", f"invalid filter {reader.text[reader.pos:]}")
        return ("exists", left, None, None)
    reader.pos += len(op)
    reader.skip_spaces()
    if reader.peek() in ("'", '"'):
        value: Any = ("value", reader.quoted())
    elif reader.peek() in ("@", "$"):
        value = ("path", _path(reader, _SPACE + ")"))
    else:
        literal = reader.until(")").strip()
        try:
            value = ("value", json.loads(literal))
        except ValueError:
            return _bad(reader.template, f"invalid filter value {literal}")
    reader.skip_spaces()
    reader.expect(")", "invalid filter: `)` expected")
    return (op, left, value, None)


MAX_SELECTED = 1_000_000  # values one use of a template may select, all its actions and ranges together


class Selected:
    """What one use of a template has selected so far. Parsing is linear in the template; evaluating cannot be (each
    `..*` selects every value under each value before it, so `{..*..*..*}` grows as the document's size to the
    power of three): a template that selects more than MAX_SELECTED values is an error, not a hang."""

    def __init__(self) -> None:
        self.left = MAX_SELECTED

    def take(self, values: List[Any]) -> List[Any]:
        self.left -= len(values)
        if self.left < 0:
            from .errors import UsageError

            raise UsageError(f"error executing jsonpath: the template selects more than {MAX_SELECTED:,} values")
        return values


def evaluate(steps: List[Tuple], current: Any, root: Any, selected: Optional[Selected] = None) -> List[Any]:
    selected = selected or Selected()
    values = [current]
    for step in steps:
        values = [found for value in values for found in selected.take(_step(step, value, root, selected))]
    return values


def _step(step: Tuple, value: Any, root: Any, selected: Selected) -> List[Any]:
    kind = step[0]
    if kind == "root":
        return [root]
    if kind == "child":
        if step[1] == "*":
            return list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, list) else []
        return [value[step[1]]] if isinstance(value, dict) and step[1] in value else []
    if kind == "keys":
        return [value[k] for k in step[1] if isinstance(value, dict) and k in value]
    if kind == "deep":
        found: List[Any] = []
        _descend(value, step[1], found)
        return found
    if not isinstance(value, list):
        return []
    if kind == "index":
        return [value[step[1]]] if -len(value) <= step[1] < len(value) else []
    if kind == "indices":
        return [value[i] for i in step[1] if -len(value) <= i < len(value)]
    if kind == "slice":
        return value[slice(step[1], step[2], step[3] or None)]
    return [item for item in value if _keeps(step[1], item, root, selected)]  # filter


def _descend(value: Any, name: str, found: List[Any]) -> None:
    if isinstance(value, dict):
        if name == "*":
            found.extend(value.values())
        elif name in value:
            found.append(value[name])
        for child in value.values():
            _descend(child, name, found)
    elif isinstance(value, list):
        for child in value:
            _descend(child, name, found)


def _keeps(condition: Tuple, item: Any, root: Any, selected: Selected) -> bool:
    op, left_steps, right, _ = condition
    left = evaluate(left_steps, item, root, selected)
    if op == "exists":
        return bool(left)
    if not left:
        return False
    expected = right[1] if right[0] == "value" else next(iter(evaluate(right[1], item, root, selected)), _MISSING)
    actual = left[0]
    try:
        return {"==": actual == expected, "!=": actual != expected}[op] if op in ("==", "!=") else \
            {"<": actual < expected, "<=": actual <= expected, ">": actual > expected, ">=": actual >= expected}[op]
    except TypeError:  # comparing a string with a number: kubectl's filter does not match it either
        return False


def text_of(value: Any) -> str:
    """A value as kubectl's JSONPath printer prints it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:  # our documents write an absent field as null: printed as a missing one, nothing
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def render(nodes: List[Tuple], document: Any, current: Any = _MISSING,
           shown: Callable[[str], str] = lambda text: text, selected: Optional[Selected] = None) -> str:
    """The template's output for `document` (`current`: the item of an enclosing range). `shown` is applied to
    every value the document supplies, not to the template's own text (a terminal's sanitiser: the values may be a
    cluster's, the `{"\\t"}` between them are the user's)."""
    selected = selected or Selected()
    here = document if current is _MISSING else current
    out: List[str] = []
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "expr":
            out.append(" ".join(shown(text_of(v)) for v in evaluate(node[1], here, document, selected)))
        else:
            found = evaluate(node[1], here, document, selected)
            if len(found) == 1 and isinstance(found[0], list):  # {range .items}: over the list's elements
                found = selected.take(found[0])
            for item in found:
                out.append(render(node[2], document, item, shown, selected))
    return "".join(out)
