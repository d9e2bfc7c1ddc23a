"""WTForms classes: input validation only; workflow rules live in services."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError


class EmptyForm(FlaskForm):
    """A POST button with nothing but the CSRF token."""


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


class EmailAddress:
    """A shape check only: deliverability is proven by the mail that gets through."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        if field.data and not EMAIL_PATTERN.match(field.data.strip()):
            raise ValidationError(self.message or _l("Skriv en giltig e-postadress."))
