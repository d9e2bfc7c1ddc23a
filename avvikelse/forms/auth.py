from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from . import EmailAddress, Form


class LoginForm(Form):
    email = EmailField(
        _l("E-postadress"),
        validators=[
            DataRequired(_l("Fyll i din e-postadress.")),
            EmailAddress(_l("Skriv en giltig e-postadress, t.ex. namn@kommun.se.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(_l("Fyll i ditt lösenord.")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
