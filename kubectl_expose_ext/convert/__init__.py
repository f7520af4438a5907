"""`kubectl reach convert` and `undo`: the desired objects (pure), the diff, and the guarded write."""

UNDO_ANNOTATION = "kubectl-reach/previous-exposure"
CREATED_ANNOTATION = "kubectl-reach/created-for"
LBSR_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
