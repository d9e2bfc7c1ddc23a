"""Mitt konto: the user's own settings."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from ..models import EmailDelivery
from . import Form


class EmailDeliveryForm(Form):
    delivery = RadioField(
        _l("E-post om notiser"),
        choices=[SelectChoice(d.value, d.title) for d in EmailDelivery],
        validators=[InputRequired(_l("Välj när du vill få e-post."))],
    )
