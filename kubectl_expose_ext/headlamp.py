"""`-o headlamp`: every object's links as one JSON document, for UIs (Headlamp's plugins, dashboards). Pure."""

from typing import Sequence

from .reach import Reach
from .render import unusable
from .terminal import is_clean

API_VERSION = "kubectl-reach.io/v1"


def document(answers: Sequence[Reach], cluster: str = "") -> dict:
    """`-o headlamp`: the ways in keyed the way Headlamp (and most Kubernetes UIs) find an object's extras: by
    cluster, apiVersion, kind, namespace and name, each with its links ready to show: `{title, url}` (the way in, or
    a declared link's title), best first, only URLs that can work (`unusable` ones left out, as `-o url` does), each
    marked public or internal, primary, and declared (links.py); then the declared http(s) links that match no derived
    URL (a dashboard elsewhere: `public` null, unknown). A Headlamp plugin's details-view section
    (registerDetailsViewSection) looks its resource up in `items` and renders `links` (docs/integrations.md)."""
    from .kinds import BY_NAME
    from .ranking import is_internal

    items = []
    for answer in answers:
        kind = BY_NAME.get(answer.kind)
        api_version = (f"{kind.group}/{kind.versions[0]}" if kind.group else kind.versions[0]) if kind else ""
        declared = {link.matches: link for link in answer.links if link.matches}
        links = [{"title": declared[e.url].title if e.url in declared else e.method,
                  "url": declared[e.url].url if e.url in declared else e.url, "public": not is_internal(e),
                  "primary": bool(e.url in declared and declared[e.url].primary), "declared": e.url in declared}
                 for e in answer.found.endpoints if unusable(e) is None]
        links += [{"title": link.title, "url": link.url, "public": None, "primary": False, "declared": True}
                  for link in answer.links if not link.matches and link.mismatch != "invalid" and is_clean(link.url)
                  and link.url.lower().startswith(("http://", "https://"))]  # a team's dashboard on another host
        links = list({link["url"]: link for link in links}.values())
        items.append({"cluster": cluster, "apiVersion": api_version, "kind": answer.kind,
                      "namespace": answer.namespace, "name": answer.name, "links": links,
                      "warnings": answer.found.warnings})
    return {"apiVersion": API_VERSION, "kind": "ExternalLinks", "items": items}
