"""The front doors: every family of kinds that routes outside traffic to Services, one module each, and the registry.

Adding a door is one module (a `FrontDoor` subclass and its `DOOR`: base.py says what it declares) and one line here.
kinds.py gathers the doors' kinds (targets, API paths, discovery, completion, help, type checks); targets.py fetches
through `fetch`/`fetch_target`; reach.py, audit.py and waiting.py walk DOORS; docs/rules.md's table of doors is
`markdown()`. tests/test_doors.py fails when a door's kinds are missing from fetching, watching or completion.
"""

from typing import Dict, Tuple

from . import contour, gateway, ingress, istio, nginx, openshift, traefik
from .base import FrontDoor

DOORS: Tuple[FrontDoor, ...] = (
    ingress.DOOR,
    gateway.DOOR,
    openshift.DOOR,
    traefik.DOOR,
    istio.DOOR,
    contour.DOOR,
    nginx.DOOR,
)
BY_ROLE: Dict[str, FrontDoor] = {door.role: door for door in DOORS}


def markdown() -> str:
    """docs/rules.md's table of front doors, from their declarations."""
    rows = [f"| {d.title} | {', '.join(dict.fromkeys(f'`{k.name}` ({k.group}/{k.versions[0]})' for k in d.route_kinds))}"
            f" | {d.rules} | {d.source} |" for d in DOORS]
    return "\n".join(["| door | kinds (best version) | URL rules | source |", "| --- | --- | --- | --- |", *rows])
