"""WTForms classes: input validation only; workflow rules live in services."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, Regexp, ValidationError


class EmptyForm(FlaskForm):
    """A POST button with nothing but the CSRF token."""


class Versioned(FlaskForm):
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
