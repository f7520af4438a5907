"""What a conversion changes, for people: a YAML diff like `kubectl diff`, and the URLs gained and lost (pure)."""

import copy
import difflib
from typing import Iterable, List, Optional, Set, Tuple

from ..objects import items, port_number

ALLOCATED = "<allocated on apply>"
_IGNORED_METADATA = ("managedFields", "resourceVersion", "generation")


def comparable(obj: Optional[dict]) -> dict:
    """The object as `kubectl diff` compares it: without managedFields, resourceVersion, generation."""
    obj = copy.deepcopy(obj or {})
    for key in _IGNORED_METADATA:
        (obj.get("metadata") or {}).pop(key, None)
    return obj


def dry_run_placeholders(live: dict, patch: dict, after: dict) -> Set[int]:
    """nodePorts (and the healthCheckNodePort) a dry run invented: new in `after`, neither live nor requested.

    A dry run does not reserve ports; it answers placeholders (32769, 32770...) for the ports it would
    allocate, so they must not be shown as the real ones.
    """
    def node_ports(obj):
        numbers = {port_number(p.get("nodePort")) for p in items(obj, "spec", "ports")}
        numbers.add(port_number((obj.get("spec") or {}).get("healthCheckNodePort")))
        return numbers - {None}
    return node_ports(after) - node_ports(live) - node_ports(patch)


def mark_allocated(obj: dict, placeholders: Set[int]) -> dict:
    """A copy of `obj` with placeholder ports shown as `<allocated on apply>`."""
    obj = copy.deepcopy(obj)
    spec = obj.get("spec") or {}
    for port in items(obj, "spec", "ports"):
        if port.get("nodePort") in placeholders:
            port["nodePort"] = ALLOCATED
    if spec.get("healthCheckNodePort") in placeholders:
        spec["healthCheckNodePort"] = ALLOCATED
    return obj


def to_yaml(obj: Optional[dict]) -> List[str]:
    import yaml

    if not obj:
        return []
    return yaml.safe_dump(comparable(obj), sort_keys=True, default_flow_style=False).splitlines(keepends=True)


def unified_diff(before: Optional[dict], after: Optional[dict], label: str) -> List[str]:
    """`diff -u` of the two objects as YAML (an empty side for a create or a delete)."""
    return list(difflib.unified_diff(to_yaml(before), to_yaml(after), fromfile=f"{label} (live)",
                                     tofile=f"{label} (after)", n=3))


def colorize(lines: Iterable[str], enabled: bool) -> List[str]:
    if not enabled:
        return list(lines)
    import click

    def paint(line: str) -> str:
        if line.startswith(("+++", "---")):
            return click.style(line, bold=True)
        if line.startswith("+"):
            return click.style(line, fg="green")
        if line.startswith("-"):
            return click.style(line, fg="red")
        if line.startswith("@@"):
            return click.style(line, fg="cyan")
        return line
    return [paint(line) for line in lines]


def url_changes(before: Iterable[str], after: Iterable[str]) -> Tuple[List[str], List[str]]:
    """(removed, added) URLs, each list in its original order."""
    before, after = dict.fromkeys(before), dict.fromkeys(after)  # ordered sets: linear, not 40k x 40k
    return [u for u in before if u not in after], [u for u in after if u not in before]


def show_placeholder_urls(urls: Iterable[str], placeholders: Set[int]) -> List[str]:
    """URLs on placeholder ports get `<allocated on apply>` instead of the dummy number."""
    shown = []
    for url in urls:
        for port in placeholders:
            url = url.replace(f":{port}", f":{ALLOCATED}") if url.endswith(f":{port}") else url
        shown.append(url)
    return shown
