"""One root error class: everything a user can cause ends as a single `error: ...` line."""


class ReachError(Exception):
    """An error the user can act on; its message is printed after `error: `."""

    exit_code = 1


class UsageError(ReachError):
    """Bad target syntax or flags, caught before any request is sent."""


class ConfigError(ReachError):
    """No usable kubeconfig or in-cluster configuration."""


class Unreachable(ReachError):
    """The API server could not be reached, or did not answer in time."""

    refused = False  # nothing listens there: retrying will not help


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


class Conflict(ApiError):
    """409: the object changed since we read it, or already exists."""


class Invalid(ApiError):
    """422: the API server rejected the object."""
