"""The package's shape: no import cycle (at module level or inside functions; `if TYPE_CHECKING:` imports aside),
and the pure layers import no I/O module."""

import ast

from support import ROOT

PACKAGE = ROOT / "kubectl_expose_ext"
PURE = ("reach", "snapshot", "doors", "hints", "audit", "endpoints", "addresses", "objects", "kinds", "render",
        "loadbalancers")
IO = {"kube", "kubeconfig", "credentials", "probe", "cli", "commands", "streams", "kubeflags", "completion"}


def modules():
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name, path, known):
    """What `name` imports from the package; `from pkg import submodule` counts as the submodule alone."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text())
    type_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                 for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or id(node) in type_only or not node.level:
            continue
        base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
        submodules = {f"{base}.{alias.name}" for alias in node.names} & set(known)
        found |= submodules or ({base} & set(known))
    return found - {name}


def test_no_import_cycle():
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    state, cycles = {}, []

    def visit(node, trail):
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycles.append(trail[trail.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, trail + [dep])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def test_pure_layers_do_no_io():
    known = modules()
    for name, path in known.items():
        short = name.split(".")[1] if "." in name else ""
        if short in PURE:
            touched = {dep.split(".")[1] for dep in imports(name, path, known)} & IO
            assert touched == set(), f"{name} imports {touched}"
