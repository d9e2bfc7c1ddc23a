"""Domain rules of DESIGN.md, one module per rule family. Services flush, never commit."""


class WorkflowError(Exception):
    """A rule refused the operation; the message is shown to the user (already translated)."""
