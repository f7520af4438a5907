"""The front doors' real CustomResourceDefinitions, for the real-cluster tier: each project's own YAML, as its Go
module ships it, fetched from the Go module proxy (`go mod download -json MODULE@VERSION` gives the module's Dir) and
cached under ~/.cache/kubectl-reach-tests/crds/ (cache.py) (a machine fetches them once; nothing of them is committed here).

    python tests/realcluster/crds.py      # fetch once (what .ci/run does); prints the cache directory

| door | module | file in the module |
| --- | --- | --- |
| Gateway API: Gateway, GatewayClass, HTTP/GRPC/TLS/TCP/UDPRoute, ReferenceGrant, ListenerSet | sigs.k8s.io/gateway-api v1.5.1 | config/crd/experimental/gateway.networking.k8s.io_*.yaml |
| Istio Gateway, VirtualService | istio.io/api v1.32.0 | kubernetes/customresourcedefinitions.gen.yaml |
| Traefik IngressRoute(TCP, UDP) | github.com/traefik/traefik/v3 v3.7.13 | docs/.../kubernetes-crd-definition-v1.yml |
| Contour HTTPProxy | github.com/projectcontour/contour v1.33.8 | examples/contour/01-crds.yaml |

Two cannot be had that way, and are said so in docs/rules.md: Traefik's legacy group `traefik.containo.us` (Traefik v3
dropped it, and the proxy does not serve github.com/traefik/traefik/v2): its CRDs are Traefik v3's with the group
renamed, as Traefik v2.10 and v2.11 shipped both groups with one schema; NGINX Inc.'s VirtualServer and
VirtualServerRoute (the proxy does not serve github.com/nginx/kubernetes-ingress): tests/fixtures/crds.yaml has CRDs
built from the project's published types (pkg/apis/configuration/v1/types.go), with the fields the door reads.
tests/fixtures/crds.yaml keeps reduced CRDs for what the proxy cannot serve (OpenShift's Route, Application) and for
the fake-vs-real comparisons that predate these; a real CRD replaces a reduced one of the same name (loader.py).
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
from typing import Dict, List, Optional, Tuple

import yaml

# (module, version, file in the module, the CRD names taken from it)
GATEWAY_API = ("sigs.k8s.io/gateway-api", "v1.5.1")
# the experimental channel: it serves every route kind the door reads (TCPRoute and UDPRoute are experimental only)
GATEWAY_KINDS = ("gateways", "gatewayclasses", "httproutes", "grpcroutes", "tlsroutes", "tcproutes", "udproutes",
                 "referencegrants", "listenersets")
SOURCES: Tuple[Tuple[str, str, str, Tuple[str, ...]], ...] = (
    *((*GATEWAY_API, f"config/crd/experimental/gateway.networking.k8s.io_{kind}.yaml",
       (f"{kind}.gateway.networking.k8s.io",)) for kind in GATEWAY_KINDS),
    ("istio.io/api", "v1.32.0", "kubernetes/customresourcedefinitions.gen.yaml",
     ("gateways.networking.istio.io", "virtualservices.networking.istio.io")),
    ("github.com/traefik/traefik/v3", "v3.7.13",
     "docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml",
     ("ingressroutes.traefik.io", "ingressroutetcps.traefik.io", "ingressrouteudps.traefik.io")),
    ("github.com/projectcontour/contour", "v1.33.8", "examples/contour/01-crds.yaml",
     ("httpproxies.projectcontour.io",)),
)
LEGACY = ("traefik.io", "traefik.containo.us")  # Traefik v2's group: v3's CRDs, renamed


def cache_dir() -> pathlib.Path:
    try:
        from .cache import machine_cache
    except ImportError:  # run as a script: python tests/realcluster/crds.py
        from cache import machine_cache  # type: ignore[no-redef]
    return machine_cache("crds")


def _cached(module: str, version: str, path: str) -> pathlib.Path:
    return cache_dir() / f"{module.replace('/', '+')}@{version}+{pathlib.Path(path).stem}.yaml"


def fetch(quiet: bool = False) -> Optional[pathlib.Path]:
    """Fetch what is not cached (None when `go` is missing and something is); the cache directory."""
    for module, version, path, names in SOURCES:
        target = _cached(module, version, path)
        if target.exists():
            continue
        if not shutil.which("go"):
            return None
        done = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"], capture_output=True,
                              text=True, timeout=600, cwd=str(cache_dir().parent) if cache_dir().parent.exists()
                              else None, env={**os.environ, "GOFLAGS": "-mod=mod", "GO111MODULE": "on"})
        info = json.loads(done.stdout or "{}")
        if done.returncode or "Dir" not in info:
            raise RuntimeError(f"go mod download {module}@{version}: {info.get('Error') or done.stderr.strip()}")
        documents = [d for d in yaml.safe_load_all((pathlib.Path(info["Dir"]) / path).read_text())
                     if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"
                     and d["metadata"]["name"] in names]
        missing = set(names) - {d["metadata"]["name"] for d in documents}
        if missing:
            raise RuntimeError(f"{module}@{version} {path}: no {', '.join(sorted(missing))}")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        partial.write_text(yaml.safe_dump_all(documents, sort_keys=False))
        partial.replace(target)
        if not quiet:
            print(f"crds: {module}@{version}: {', '.join(names)}", file=sys.stderr)
    return cache_dir()


def legacy(crd: dict) -> dict:
    """A traefik.io CRD as Traefik v2.10/v2.11 also served it, in the traefik.containo.us group."""
    renamed = json.loads(json.dumps(crd))
    renamed["spec"]["group"] = LEGACY[1]
    renamed["metadata"] = {"name": f"{crd['spec']['names']['plural']}.{LEGACY[1]}"}
    return renamed


def real_crds() -> List[dict]:
    """Every fetched CRD (and the legacy Traefik ones made from them); empty when they are not fetched."""
    found: List[dict] = []
    for module, version, path, _ in SOURCES:
        target = _cached(module, version, path)
        if not target.exists():
            return []
        found += [d for d in yaml.safe_load_all(target.read_text()) if d]
    found += [legacy(d) for d in found if d["spec"]["group"] == LEGACY[0]]
    for crd in found:  # the loader's own bookkeeping would fight the server's: drop what it sets
        crd["metadata"] = {k: v for k, v in crd["metadata"].items() if k in ("name", "annotations", "labels")}
        crd.pop("status", None)
    return found


def groups(crds: List[dict]) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {}
    for crd in crds:
        found.setdefault(crd["spec"]["group"], []).append(crd["metadata"]["name"])
    return found


if __name__ == "__main__":
    where = fetch()
    if where is None:
        sys.exit("error: the front doors' CRDs are not cached and there is no go command to fetch them")
    print(where)
