"""kubectl's printers for our documents: `-o name`, `-o jsonpath=`/`jsonpath-file=`, `-o custom-columns=`/
`custom-columns-file=`, `--no-headers` and `--sort-by`, beside the table, json, yaml and url outputs.

What a row is, decided: in the target view and the listing a row is one URL (an endpoint of the `-o json` document,
with its answer's `target` beside it), as in the table; in the audit a row is one exposing object (an item of its
document). So `--sort-by` and custom columns take JSONPaths relative to that row (`.url`, `.method`, `.node`,
`.target.name`; the audit's `.risk`, `.target.name`), and `-o jsonpath` reads the whole document
(`{range .endpoints[*]}{.url}{"\\n"}{end}`; a listing's is `{.items[*]...}`). `-o go-template` needs Go's
template engine: refused with a way to get the same.
"""

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

from .errors import UsageError
from .jsonpath import JSONPathError, evaluate, parse, render, text_of

FILE_FORMATS = ("jsonpath-file", "custom-columns-file")
TEMPLATE_FORMATS = ("jsonpath", "jsonpath-file", "custom-columns", "custom-columns-file", "name")
REFUSED = ("go-template", "go-template-file", "template", "templatefile")


@dataclass(frozen=True)
class Printer:
    """A parsed `-o`: `format` is one of the command's plain outputs, or name, jsonpath or custom-columns."""

    format: str
    template: Tuple = ()  # jsonpath: the parsed template
    columns: Tuple[Tuple[str, Tuple], ...] = ()  # custom-columns: (header, JSONPath steps)


def parse_output(value: str, plain: Sequence[str]) -> Printer:
    """`-o VALUE` for a command whose own outputs are `plain`; kubectl's error for anything else."""
    kind, equals, argument = value.partition("=")
    if kind in REFUSED:
        raise UsageError(f"-o {kind} is not supported by kubectl reach (Go templates need Go): use -o jsonpath=... "
                         "for the same, or -o json | jq")
    if value in plain:
        return Printer(value)
    if kind == "name" and not equals:
        return Printer("name")
    if kind in TEMPLATE_FORMATS and kind != "name":
        if not argument:
            raise UsageError(f"{kind} format specified but no {'template' if 'jsonpath' in kind else 'custom-columns'}"
                             " given")
        if kind in FILE_FORMATS:
            argument = _read(argument, kind)
        try:
            if kind.startswith("jsonpath"):
                return Printer("jsonpath", template=tuple(parse(argument)))
            return Printer("custom-columns", columns=_columns(argument, from_file=kind in FILE_FORMATS))
        except JSONPathError as exc:
            raise UsageError(str(exc)) from None
    allowed = sorted({*plain, "name", "jsonpath", "jsonpath-file", "custom-columns", "custom-columns-file"})
    raise UsageError(f'unable to match a printer suitable for the output format "{value}", allowed formats are: '
                     f"{','.join(allowed)}")


def _read(path: str, kind: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"error reading {kind} {path}: {exc.strerror}") from None


def _columns(spec: str, from_file: bool) -> Tuple[Tuple[str, Tuple], ...]:
    """`NAME:.path,OTHER:.path`, or a file whose first line holds the headers and the second the paths."""
    if from_file:
        lines = [line.split() for line in spec.splitlines() if line.strip()]
        if len(lines) != 2 or len(lines[0]) != len(lines[1]):
            raise UsageError("custom-columns-file: expected a line of headers and a line of as many JSONPaths")
        pairs = list(zip(lines[0], lines[1]))
    else:
        pairs = []
        for part in spec.split(","):
            header, colon, path = part.partition(":")
            if not colon or not header or not path:
                raise UsageError(f'unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>')
            pairs.append((header, path))
    return tuple((header, tuple(parse_path(path))) for header, path in pairs)


def parse_path(path: str) -> list:
    """One JSONPath (`.url`, `{.url}`), as --sort-by and custom columns take it."""
    text = path.strip()
    text = text[1:-1] if text.startswith("{") and text.endswith("}") else text
    nodes = parse("{" + text + "}")
    if len(nodes) != 1 or nodes[0][0] != "expr":
        raise JSONPathError(f"error parsing jsonpath {path}: one path expected")
    return nodes[0][1]


@dataclass(frozen=True)
class SortBy:
    """A parsed --sort-by: the JSONPath as kubectl shows it in its errors (`{.url}`) and its steps."""

    text: str
    steps: Tuple


def parse_sort_by(value: Optional[str]) -> Optional[SortBy]:
    """--sort-by: a JSONPath over a row (`.url`, `{.target.name}`); None: the command's own order."""
    if not value:
        return None
    try:
        steps = parse_path(value)
    except JSONPathError as exc:
        raise UsageError(f"--sort-by: {exc}") from None
    text = value if value.startswith("{") else "{" + (value if value.startswith(".") else "." + value) + "}"
    return SortBy(text, tuple(steps))


def sort_key(steps: Sequence, row: Any) -> tuple:
    """Numbers before strings, each in order; a row without the field first (kubectl's order for a missing one)."""
    found = evaluate(list(steps), row, row)
    if not found:
        return (0, 0, "")
    value = found[0]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value, "")
    return (2, 0, text_of(value))


def sorted_rows(rows: List[Any], sort_by: Optional[SortBy], row_of=lambda row: row) -> List[Any]:
    """`rows` by --sort-by (stable: equal keys keep the command's order); `row_of` finds the row in each entry.
    A field no row has is kubectl's error (kubectl/pkg/cmd/get/sorter.go SortObjects: "if the field is valid to at
    least one of them, we consider it to be a valid field; otherwise error out"), so a typo is not silently ignored."""
    if not sort_by:
        return rows
    keyed = [(sort_key(sort_by.steps, row_of(entry)), entry) for entry in rows]
    if keyed and all(key == (0, 0, "") for key, _ in keyed):
        raise UsageError(f'couldn\'t find any field with path "{sort_by.text}" in the list of objects')
    return [entry for _, entry in sorted(keyed, key=lambda pair: pair[0])]


def render_jsonpath(printer: Printer, document: Any) -> str:
    """The template over the document, every value from it (a cluster's text) escaped as terminal.clean does."""
    from .terminal import clean

    return render(list(printer.template), document, shown=clean)


def render_columns(printer: Printer, rows: Sequence[Any], headers: bool = True) -> str:
    from tabulate import tabulate

    from .terminal import clean

    cells = [[clean(" ".join(text_of(v) for v in evaluate(list(steps), row, row) if v is not None) or "<none>")
              for _, steps in printer.columns] for row in rows]
    if not cells and not headers:
        return ""
    return tabulate(cells, headers=[h for h, _ in printer.columns] if headers else (), tablefmt="plain",
                    disable_numparse=True)


def render_names(answers: Sequence[Any]) -> str:
    """`-o name`: each answer's target once, a line each."""
    return "\n".join(dict.fromkeys(resource_name(a.kind, a.name) for a in answers))


def resource_name(kind: str, name: str) -> str:
    """kubectl's `-o name`: `service/web`, `deployment.apps/api`, `ingress.networking.k8s.io/shop`."""
    from .kinds import BY_NAME

    group = BY_NAME[kind].group if kind in BY_NAME else ""
    return f"{kind.lower()}{'.' + group if group else ''}/{name}"
