"""WTForms classes: input validation only; workflow rules live in services."""

import re
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, HiddenField, StringField
from wtforms.validators import InputRequired, Regexp, ValidationError

from ..db import MAX_ID

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls. PostgreSQL
# cannot store a NUL, and none of them shows on a page, so a field holding one is refused.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# No date in this service lies outside this century: a year like 0001 or 9999 is a slip of the
# keyboard, and date arithmetic on it overflows.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def optional_id(value) -> int | None:
    """A choice list's value: the empty option means none, anything else is a row id. A number
    no row can have fails to coerce, so the field says "not a valid choice" instead of the
    database failing on it."""
    if value in (None, ""):
        return None
    number = int(value)
    if abs(number) > MAX_ID:
        raise ValueError(value)
    return number


def _leaf_fields(fields) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        elif isinstance(field, FieldList):
            yield from _leaf_fields(field.entries)
        else:
            yield field


class Form(FlaskForm):
    """The base of every form: refuses, in any field, what no field may hold.

    The checks run after the form's own validators, and the refused value stays in the field,
    so the page shows back what was typed with the reason next to it.
    """

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.refuse_unstorable() and valid

    def refuse_unstorable(self) -> bool:
        """Control characters in text and dates outside EARLIEST_DATE..LATEST_DATE. Also for a
        draft, which is saved without the form's own validation."""
        ok = True
        for field in _leaf_fields(self):
            message = None
            if isinstance(field, StringField) and isinstance(field.data, str):
                if CONTROL_CHARACTERS.search(field.data):
                    message = _l(
                        "Texten innehåller osynliga styrtecken (till exempel NUL) som inte kan "
                        "sparas. Ta bort dem och skicka igen."
                    )
            elif isinstance(field.data, date):
                day = field.data.date() if isinstance(field.data, datetime) else field.data
                if not EARLIEST_DATE <= day <= LATEST_DATE:
                    message = _l(
                        "Skriv ett datum mellan %(first)s och %(last)s.",
                        first=EARLIEST_DATE.isoformat(),
                        last=LATEST_DATE.isoformat(),
                    )
            if message is not None:
                field.errors = [*field.errors, str(message)]
                ok = False
        return ok


class EmptyForm(Form):
    """A POST button with nothing but the CSRF token."""


class Versioned(Form):
    """An edit form: it carries the version of the record the page showed, so that a save made
    in between is refused instead of overwritten (services/errors.py check_version). A record
    not created yet (no answers to the four questions) is version 0."""

    version = HiddenField(
        default="0",
        validators=[
            InputRequired(_l("Sidan saknar uppgifternas version. Ladda om sidan och försök igen.")),
            Regexp(r"^\d{1,18}$", message=_l("Ladda om sidan och försök igen.")),
        ],
    )


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


class EmailAddress:
    """A shape check only: deliverability is proven by the mail that gets through."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if field.data and not EMAIL_PATTERN.match(field.data.strip()):
            raise ValidationError(self.message or _l("Skriv en giltig e-postadress."))
