"""--fallback port-forward: when nothing reaches the target from this machine, `kubectl port-forward` to it on a free
local port, print (and with --open, open) that URL, and stop it on Ctrl-C.

kubectl is the user's own (the first on PATH), run with the same global flags as this command (Session.kubectl_args)
and `:PORT`, so that it picks a free local port and says which (`Forwarding from 127.0.0.1:43215 -> 8086`): that line
is the only thing read from it, within a deadline, and the URL is built from its local port alone. Whatever ends the
command (Ctrl-C, an error, kubectl exiting), the kubectl it started is stopped: SIGTERM, then SIGKILL.
"""

import re
import threading
from typing import TYPE_CHECKING, Any, Callable, List, Optional

from .errors import ReachError
from .exitcodes import ExitCode
from .kubeflags import Session

if TYPE_CHECKING:
    import subprocess

STARTUP_DEADLINE = 30.0  # seconds for kubectl to say it is forwarding
_FORWARDING = r"^Forwarding from 127\.0\.0\.1:(\d{1,5}) -> (\d{1,5})$"  # compiled on first use (re's cache)


def command(session: Session, ref: str, port: int, kubectl: str = "kubectl") -> List[str]:
    """The kubectl command line: loopback only (kubectl's default too, said explicitly), a free local port."""
    return [kubectl, "port-forward", "-n", session.namespace, *session.kubectl_args, "--address=127.0.0.1", ref,
            f":{port}"]


FALLBACKS = ("port-forward",)  # --fallback's values (show, explain)


def checked_fallback(value: Optional[str]) -> Optional[str]:
    """--fallback as given (None: none), refused in one line when it is no FALLBACKS value."""
    from .errors import UsageError

    if value is not None and value not in FALLBACKS:
        raise UsageError(f'invalid --fallback "{value}": use {" or ".join(FALLBACKS)}')
    return value


def fall_back(session: Session, spec: Any, address_type: str, endpoints: List, on_url: Callable[[str], None]) -> int:
    """--fallback port-forward (show, explain): kubectl port-forward to the target (hints.port_forward_target: a
    running pod, a Service that selects one), on a free local port, until Ctrl-C; the URL's scheme from the target's
    http(s) endpoints, else its port; `on_url` gets the URL once it is served (show --open opens it)."""
    from .hints import port_forward_target
    from .scheme import port_scheme
    from .targets import resolve

    resolved = resolve(session.kube, spec, session.namespace, address_type, note=lambda m: None)
    found = port_forward_target(resolved.kind.name, resolved.obj, resolved.pods)
    port = found[2] if found else None
    if found is None or port is None:
        raise ReachError(f"--fallback port-forward: {spec.name} has no running pod (or declared port) "
                         "that kubectl port-forward could reach")
    ref = found[1]
    schemes = [e.scheme for e in endpoints if e.scheme in ("http", "https")]
    scheme = schemes[0] if schemes else port_scheme(numbers=[port])
    session.streams.warn(f"Hint: nothing reaches {ref} from this machine: falling back to kubectl port-forward")
    return forward(session, ref, port, scheme, on_url)


def forward(session: Session, ref: str, port: int, scheme: str, open_url) -> int:
    """Run kubectl port-forward until Ctrl-C (ExitCode.OK) or until kubectl ends (its failure: an error)."""
    import subprocess  # here: show and explain import this module for --fallback's check alone

    argv = command(session, ref, port)
    try:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, errors="replace")
    except OSError as exc:
        raise ReachError(f"--fallback port-forward: cannot run kubectl: {exc.strerror}") from None
    try:
        local = _local_port(process)
        if local is None:
            process.terminate()
            _, err = process.communicate(timeout=10)
            last = (err or "").strip().splitlines()[-1:] or ["no output"]
            raise ReachError(f"--fallback port-forward: kubectl port-forward {ref} did not start: {last[0]}")
        url = f"{scheme}://127.0.0.1:{local}"
        # stderr first: once the URL is on stdout (what a script waits for), everything before it has been said
        session.streams.warn(f"Forwarding {url} to {ref} port {port} (kubectl port-forward; Ctrl-C stops it)")
        session.streams.write(url + "\n")
        open_url(url)
        code = process.wait()
        raise ReachError(f"--fallback port-forward: kubectl port-forward ended (exit code {code})")
    except KeyboardInterrupt:
        return ExitCode.OK
    finally:
        _stop(process)


def _local_port(process: "subprocess.Popen") -> Optional[int]:
    """The local port kubectl reports, read from its first lines within STARTUP_DEADLINE; None if it does not."""
    found: List[int] = []
    done = threading.Event()

    def read() -> None:
        for line in process.stdout or []:
            match = re.match(_FORWARDING, line.strip())
            if match:
                found.append(int(match.group(1)))
                break
        done.set()

    threading.Thread(target=read, daemon=True).start()
    done.wait(STARTUP_DEADLINE)
    return found[0] if found and 0 < found[0] < 65536 else None


def _stop(process: "subprocess.Popen") -> None:
    import subprocess

    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
