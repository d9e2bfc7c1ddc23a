"""Forms for suggestions, clusters, the föredragning to LSVO and the detection thresholds.

Input only; the rules are in services/recurrence.py and services/clusters.py.
"""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from . import Form
from .case import TEXT_MAX

_LENGTH = Length(max=TEXT_MAX, message=_l("Högst %(max)d tecken.", max=TEXT_MAX))


class ConfirmSuggestionForm(Form):
    name = StringField(
        _l("Namn på klustret"),
        validators=[Optional(), Length(max=200, message=_l("Högst 200 tecken."))],
        description=_l("Lämna tomt för att använda förslagets beskrivning."),
    )


class DismissSuggestionForm(Form):
    note = TextAreaField(
        _l("Varför avfärdas förslaget?"),
        validators=[DataRequired(_l("Skriv varför förslaget avfärdas.")), _LENGTH],
    )


class MarkGeneralForm(Form):
    note = TextAreaField(
        _l("Varför är avvikelsen generell?"),
        validators=[DataRequired(_l("Skriv varför avvikelsen är generell.")), _LENGTH],
    )


class PresentationForm(Form):
    """The föredragning (LEDNINGSSYSTEM §7.1), prefilled by the service, edited by the group."""

    title = StringField(
        _l("Rubrik"),
        validators=[
            DataRequired(_l("Skriv en rubrik.")),
            Length(max=200, message=_l("Högst 200 tecken.")),
        ],
    )
    background = TextAreaField(_l("Bakgrund och länkade avvikelser"), validators=[_LENGTH])
    done_so_far = TextAreaField(
        _l("Analys: svar per organisation och de fyra frågorna"), validators=[_LENGTH]
    )
    proposal = TextAreaField(
        _l("Förslag till beslut"),
        validators=[DataRequired(_l("Skriv förslag till beslut.")), _LENGTH],
    )


class ClusterForm(Form):
    name = StringField(
        _l("Namn"),
        validators=[
            DataRequired(_l("Ge klustret ett namn.")),
            Length(max=200, message=_l("Högst 200 tecken.")),
        ],
    )
    description = TextAreaField(_l("Beskrivning"), validators=[Optional(), _LENGTH])
    numbers = StringField(
        _l("Ärendenummer"),
        validators=[DataRequired(_l("Ange minst ett ärende."))],
        description=_l("Till exempel AV-2026-0012, AV-2026-0031."),
    )
    reason = TextAreaField(
        _l("Varför hör ärendena ihop?"),
        validators=[DataRequired(_l("Skriv varför ärendena hör ihop.")), _LENGTH],
    )


class AddCaseForm(Form):
    number = StringField(
        _l("Ärendenummer"), validators=[DataRequired(_l("Ange ett ärendenummer."))]
    )
    reason = TextAreaField(
        _l("Varför hör ärendet till klustret?"),
        validators=[DataRequired(_l("Skriv en motivering.")), _LENGTH],
    )


class RemoveCaseForm(Form):
    reason = StringField(
        _l("Varför tas ärendet bort?"),
        validators=[DataRequired(_l("Skriv en motivering.")), Length(max=500)],
    )


class ThresholdsForm(Form):
    recurrence_min_count = IntegerField(
        _l("Återkommande: minsta antal avvikelser (N)"),
        validators=[NumberRange(min=2, max=100, message=_l("Mellan 2 och 100."))],
    )
    recurrence_months = IntegerField(
        _l("Återkommande: inom antal månader (M)"),
        validators=[NumberRange(min=1, max=60, message=_l("Mellan 1 och 60."))],
    )
    general_min_municipalities = IntegerField(
        _l("Generell: minsta antal kommuner (K)"),
        validators=[NumberRange(min=2, max=300, message=_l("Mellan 2 och 300."))],
    )
