"""kubectl's JSONPath dialect (k8s.io/client-go/util/jsonpath), for `-o jsonpath=` and `-o custom-columns=`.

A generic JSONPath library has no `{range}`/`{end}`, no template text between actions and none of kubectl's
printing rules, so the dialect is implemented here, exactly that much: template text and `{...}` actions; `$`, `@`,
`.name`, `..name` (recursive), `*`, `[n]`, `[-n]`, `[a:b:c]`, `[*]`, `['key']`, `['a','b']` (union), filters
`[?(@.x == "y")]` (==, !=, <, <=, >, >=, or a bare path: it exists), `{range EXPR}...{end}`, string literals
`{"\\n"}`. Printing as kubectl prints: several results of one action separated by a space; strings as they are;
maps and lists as compact JSON; a missing key, and null, print nothing (kubectl's --allow-missing-template-keys=true).
"""

import json
import re
from typing import Any, Callable, List, NoReturn, Tuple

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


_STEP = re.compile(r"""\.\.(?P<deep>[^.\[\]]+|\*)|\.(?P<child>[^.\[\]]+)|\[(?P<bracket>(?:'[^']*'|"[^"]*"|[^\]])*)\]""")


def _steps(expression: str, template: str) -> List[Tuple]:
    """`.a[0]..b` -> [("child", "a"), ("index", 0), ("deep", "b")]; `$`/`@` at the start mean the root/current."""
    text = expression.strip()
    steps: List[Tuple] = []
    if text[:1] == "$":
        steps.append(("root",))
        text = text[1:]
    elif text[:1] == "@":
        text = text[1:]
    if text and text[0] not in ".[":
        text = "." + text  # kubectl accepts `{metadata.name}` too
    pos = 0
    while pos < len(text):
        match = _STEP.match(text, pos)
        if not match:
            _bad(template, f"unrecognized character in action: {text[pos]!r}")
        pos = match.end()
        if match.group("deep") is not None:
            steps.append(("deep", match.group("deep")))
        elif match.group("child") is not None:
            steps.append(("child", match.group("child").strip()))
        else:
            steps.append(_bracket(match.group("bracket").strip(), template))
    return steps


def _bracket(inside: str, template: str) -> Tuple:
    if inside == "*":
        return ("child", "*")
    if inside.startswith("?(") and inside.endswith(")"):
        return ("filter", _filter(inside[2:-1].strip(), template))
    if inside[:1] in ("'", '"'):
        keys = [k.strip()[1:-1] for k in re.findall(r"""'[^']*'|"[^"]*\"""", inside)]
        return ("keys", keys)
    if re.fullmatch(r"-?\d*(:-?\d*){0,2}", inside) and inside:
        if ":" not in inside:
            return ("index", int(inside))
        parts = [int(p) if p else None for p in inside.split(":")]
        return ("slice", *(parts + [None] * (3 - len(parts))))
    if re.fullmatch(r"-?\d+(\s*,\s*-?\d+)+", inside):
        return ("indices", [int(p) for p in inside.split(",")])
    return _bad(template, f"invalid array index {inside}")


_COMPARE = re.compile(r"^(?P<left>@[^\s=!<>]*)\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<right>.+)$")


def _filter(text: str, template: str) -> Tuple:
    match = _COMPARE.match(text)
    if not match:
        if text.startswith("@"):
            return ("exists", _steps(text, template), None, None)
        return _bad(template, f"invalid filter {text}")
    right = match.group("right").strip()
    if right[:1] in ("'", '"'):
        value: Any = ("value", right[1:-1])
    elif right.startswith("@") or right.startswith("$"):
        value = ("path", _steps(right, template))
    else:
        try:
            value = ("value", json.loads(right))
        except ValueError:
            return _bad(template, f"invalid filter value {right}")
    return (match.group("op"), _steps(match.group("left"), template), value, None)


def evaluate(steps: List[Tuple], current: Any, root: Any) -> List[Any]:
    values = [current]
    for step in steps:
        values = [found for value in values for found in _step(step, value, root)]
    return values


def _step(step: Tuple, value: Any, root: Any) -> List[Any]:
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
    return [item for item in value if _keeps(step[1], item, root)]  # filter


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


def _keeps(condition: Tuple, item: Any, root: Any) -> bool:
    op, left_steps, right, _ = condition
    left = evaluate(left_steps, item, root)
    if op == "exists":
        return bool(left)
    if not left:
        return False
    expected = right[1] if right[0] == "value" else next(iter(evaluate(right[1], item, root)), _MISSING)
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
           shown: Callable[[str], str] = lambda text: text) -> str:
    """The template's output for `document` (`current`: the item of an enclosing range). `shown` is applied to
    every value the document supplies, not to the template's own text (a terminal's sanitiser: the values may be a
    cluster's, the `{"\\t"}` between them are the user's)."""
    here = document if current is _MISSING else current
    out: List[str] = []
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "expr":
            out.append(" ".join(shown(text_of(v)) for v in evaluate(node[1], here, document)))
        else:
            found = evaluate(node[1], here, document)
            if len(found) == 1 and isinstance(found[0], list):  # {range .items}: over the list's elements
                found = found[0]
            for item in found:
                out.append(render(node[2], document, item, shown))
    return "".join(out)
