"""`kubectl reach convert` and `undo`: the desired objects (pure), the diff, and the guarded write."""

UNDO_ANNOTATION = "kubectl-reach/previous-exposure"
CREATED_ANNOTATION = "kubectl-reach/created-for"
LBSR_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def read_undo_record(obj: dict, ref: str):
    """The JSON of the undo annotation on `obj`, or a UsageError naming `ref`; None when there is none. Anyone who
    can edit annotations can write one: the callers validate every field of what this returns."""
    import json

    from ..objects import field

    text = field(obj, "metadata", "annotations", UNDO_ANNOTATION)
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise invalid_undo_record(ref, "not JSON") from None


def invalid_undo_record(ref: str, why: str):
    from ..errors import UsageError

    return UsageError(f"the {UNDO_ANNOTATION} annotation of {ref} is not valid ({why}): it was not written by "
                      "kubectl reach for this object; remove it, or convert explicitly")
