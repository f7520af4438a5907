"""One root error class: everything a user can cause ends as a single `error: ...` line."""


from .exitcodes import ExitCode


class ReachError(Exception):
    """An error the user can act on; its message is printed after `error: `."""

    exit_code = ExitCode.ERROR


class UsageError(ReachError):
    """Bad target syntax or flags, caught before any request is sent."""


class ConfigError(ReachError):
    """No usable kubeconfig or in-cluster configuration."""


class Unreachable(ReachError):
    """The API server could not be reached, or did not answer in time."""

    permanent = False  # nothing listens there, or TLS verification failed: retrying will not help
    timed_out = False  # --request-timeout passed: not retried (client-go's deadline covers the retries)


class ApiError(ReachError):
    """The API server answered with a failure Status."""

    def __init__(self, message, code=0, reason="", status=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.status = status or {}


class NotFound(ApiError):
    """404: the object does not exist."""


class Forbidden(ApiError):
    """403: RBAC denies the request."""


class Gone(ApiError):
    """410: a watch's resourceVersion (or a continue token) is older than the server keeps."""


class Conflict(ApiError):
    """409: the object changed since we read it, or already exists."""


class Invalid(ApiError):
    """422: the API server rejected the object."""


DISTRIBUTION = "kubectl-reach"


_SECRETS: set = set()  # credentials this process has read: tokens, passwords, key data


def remember_secret(value) -> None:
    """Note a credential as it is read, so that `redact` masks it wherever it would be printed."""
    if isinstance(value, str) and len(value.strip()) >= 8:  # shorter ones would mask ordinary words
        _SECRETS.add(value.strip())


def redact(text: str) -> str:
    """The one mask for every output line: URL userinfo (`https://user:pass@host` -> `https://<masked>@host`)
    and every credential remembered, wherever it appears (an echoed token in a server message, a traceback)."""
    import re

    text = re.sub(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s?#'\"]*@", r"\1<masked>@", text)
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, "<masked>")
    return text



def issue_tracker() -> str:
    """Where to report a bug: the `Issues` project URL of the installed package's metadata (pyproject.toml)."""
    from importlib import metadata

    try:
        urls = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:  # run from a bare source tree
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("issues", "bug tracker"):
            return url.strip()
    return "the project's issue tracker"


def internal_error_line(exc: BaseException) -> str:
    """One line for a bug: the exception's type and the module it came from, never its message (it may carry a
    credential), and where to report it."""
    module = _origin(exc)
    what = type(exc).__name__
    if isinstance(exc, ImportError) and exc.name:
        what += f" for module {exc.name}"  # a module name is no secret, and says what the install lacks
    where = f" in {module}" if module else ""
    return (f"error: internal error ({what}{where}); please report it at {issue_tracker()} "
            "with the command you ran (-v shows the traceback)")


def _origin(exc: BaseException) -> str:
    """The innermost module of ours the exception passed through, else the innermost module at all."""
    innermost = ours = ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_globals.get("__name__", "")
        innermost = name or innermost
        if name.split(".")[0] == __name__.split(".")[0]:
            ours = name
        tb = tb.tb_next
    return ours or innermost
