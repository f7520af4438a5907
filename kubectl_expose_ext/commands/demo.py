"""`kubectl reach demo`: its flags (the demo cluster itself is kubectl_expose_ext/demo/, imported only to run)."""

from dataclasses import dataclass

from ..flags import flag


@dataclass(frozen=True)
class DemoOptions:
    serve: bool = flag("--serve", default=False, help="Keep the demo API server running and print how to use it.")
