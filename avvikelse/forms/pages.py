from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from . import EmailAddress, Form


class AccessibilityProblemForm(Form):
    page = StringField(
        _l("Vilken sida gäller det?"),
        validators=[Optional(), Length(max=500, message=_l("Högst 500 tecken."))],
        description=_l("Adressen eller namnet på sidan, om du vet det."),
    )
    description = TextAreaField(
        _l("Beskriv problemet"),
        validators=[
            DataRequired(_l("Beskriv vad som inte fungerar.")),
            Length(max=5000, message=_l("Högst 5000 tecken.")),
        ],
        description=_l("Vad försökte du göra, och vad hände? Skriv inga uppgifter om patienter."),
    )
    contact = EmailField(
        _l("Din e-postadress (frivilligt)"),
        validators=[Optional(), EmailAddress(_l("Skriv en giltig e-postadress.")), Length(max=254)],
        description=_l("Om du vill att vi svarar dig."),
    )
