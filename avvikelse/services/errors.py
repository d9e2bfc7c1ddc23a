"""The refusals every service shares, in one leaf module that any service can import."""

from flask_babel import gettext as _


class WorkflowError(Exception):
    """A rule refused the operation; the message is shown to the user (already translated)."""


class StaleEditError(WorkflowError):
    """Someone saved the record after the user opened the page; the default wording is the case
    page's, `message` is for pages that edit something else (see changed_elsewhere)."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or _(
                "Ärendet har ändrats av någon annan sedan du öppnade sidan. Ingenting sparades. "
                "Läs igenom ändringarna nedan; det du skrev finns kvar i formuläret."
            )
        )


def changed_elsewhere() -> str:
    """The refusal of a stale edit on a page whose form holds the record's fields itself (the
    föredragning, the four questions, the administration): what is now saved is not shown next
    to the typed text, so the message says how to see it, and that saving again overwrites it."""
    return _(
        "Någon annan har sparat ändringar här sedan du öppnade sidan. Ingenting sparades. Det "
        "du skrev finns kvar i formuläret. Öppna sidan i en ny flik för att se det som nu är "
        "sparat, eller spara igen för att ersätta det med det du skrev."
    )


def check_version(record, version: int | str | None, message: str | None = None) -> None:
    """Refuse an edit made on a page older than the record's current version. A record not yet
    created (the first answers to the four questions) is version 0."""
    current = record.version if record is not None else 0
    if version is not None and int(version) != current:
        raise StaleEditError(message)


def bump_version(record) -> None:
    """Count one saved edit. The tables whose forms carry a version map it with
    version_id_generator=False, so that only an edit moves it: a log-in, an agenda reordering
    or an activation does not make an open edit form stale, yet every UPDATE still checks it,
    so two edits committing at once cannot both win."""
    record.version += 1
