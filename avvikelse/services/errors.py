"""The refusals every service shares, in one leaf module that any service can import."""

from flask_babel import gettext as _


class WorkflowError(Exception):
    """A rule refused the operation; the message is shown to the user (already translated)."""


class StaleEditError(WorkflowError):
    def __init__(self):
        super().__init__(
            _(
                "Ärendet har ändrats av någon annan sedan du öppnade sidan. Ingenting sparades. "
                "Läs igenom ändringarna nedan; det du skrev finns kvar i formuläret."
            )
        )


def check_version(record, version: int | None) -> None:
    """Refuse an edit made on a page older than the record's current version."""
    if version is not None and int(version) != record.version:
        raise StaleEditError()
