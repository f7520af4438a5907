"""Where the test tiers keep what a machine fetches or builds once (the control plane's binaries, the front doors'
CRDs, the SARIF schema): `$XDG_CACHE_HOME/kubectl-reach-tests/` (else `~/.cache/...`).

Never under the plugin's own cache directory (`~/.cache/kubectl-reach/`): the krew archive's bootstrap keeps only
its current build there and removes everything else it finds (krew/build.py `_clean`), so a zipapp run with the
real HOME (a benchmark, a user's own) would delete the binaries mid-run. A tree cached there by an earlier checkout
is moved over once, not rebuilt.
"""

import os
import pathlib

OWN = "kubectl-reach-tests"
EARLIER = "kubectl-reach"  # where earlier checkouts kept it


def machine_cache(*parts: str) -> pathlib.Path:
    base = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    if parts:
        earlier, wanted = base / EARLIER / parts[0], base / OWN / parts[0]
        if earlier.is_dir() and not earlier.is_symlink() and not wanted.exists():
            wanted.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(earlier, wanted)
            except OSError:
                pass  # another run moved it first, or another filesystem: it is fetched or built again
    return base.joinpath(OWN, *parts)
