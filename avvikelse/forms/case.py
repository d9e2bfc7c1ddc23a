"""The step forms on the case page: input only; whether a step is allowed is the workflow's call.

Every form carries the case version the page showed (a stale edit is refused by the service),
and each gets its own prefix on the page, so that several forms can sit side by side with unique
field ids and a POST reads only its own fields. Field names follow the keyword names the
personal data guard reports (what_happened, reason, ...), so its findings land on the right field.
Select fields that list rows get their choices from the view, as in forms/admin.py.
"""

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from ..forum_names import STRATEGIC
from ..models import ActionStatus
from . import Form, optional_id

TEXT_MAX = 10_000
REASON_MAX = 2_000


def _text(label, missing=None, *, max_length=TEXT_MAX, description=None):
    """A free-text area; required when `missing` (the message for an empty field) is given."""
    required = [DataRequired(missing)] if missing else [Optional()]
    return TextAreaField(
        label,
        validators=[
            *required,
            Length(max=max_length, message=_l("Högst %(max)d tecken.", max=max_length)),
        ],
        description=description,
    )


class StepForm(Form):
    """The base of every step: the version of the case the user was looking at."""

    version = HiddenField(
        validators=[
            InputRequired(_l("Sidan saknar ärendets version. Ladda om sidan och försök igen.")),
            Regexp(r"^\d+$", message=_l("Ladda om sidan och försök igen.")),
        ]
    )

    @property
    def case_version(self) -> int:
        return int(self.version.data)


class ConfirmGroupForm(StepForm):
    pass


class RerouteForm(StepForm):
    group = SelectField(
        _l("Ny samverkansgrupp"),
        coerce=optional_id,
        validators=[InputRequired(_l("Välj samverkansgrupp."))],
    )
    reason = _text(_l("Varför styrs ärendet om?"), _l("Skriv varför."), max_length=REASON_MAX)


class ShareForm(StepForm):
    group = SelectField(
        _l("Dela med grupp"), coerce=optional_id, validators=[InputRequired(_l("Välj grupp."))]
    )
    reason = _text(
        _l("Varför delas ärendet?"),
        max_length=REASON_MAX,
        description=_l("Till exempel att händelsen berör flera målgrupper."),
    )


class NotCollaborationForm(StepForm):
    reason = _text(
        _l("Varför är det inte en avvikelse i samverkan?"),
        _l("Skriv varför."),
        max_length=REASON_MAX,
    )
    report_instead = _text(
        _l("Var ska rapportören rapportera i stället?"),
        _l("Skriv var rapportören ska rapportera i stället."),
        max_length=REASON_MAX,
        description=_l("Rapportören får det här som återkoppling."),
    )


CASE_NUMBER = re.compile(r"^\s*AV-\d{4}-\d{4,}\s*$", re.IGNORECASE)


class DuplicateForm(StepForm):
    number = StringField(
        _l("Ärendenummer för det ursprungliga ärendet"),
        validators=[
            DataRequired(_l("Skriv ärendenumret.")),
            Regexp(CASE_NUMBER, message=_l("Skriv numret som AV-2026-0003.")),
        ],
        description=_l("Till exempel AV-2026-0003."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class RequestAnswersForm(StepForm):
    due_on = DateField(
        _l("Sista svarsdag"),
        validators=[InputRequired(_l("Välj sista svarsdag."))],
        description=_l("Förvalt enligt regionens svarstid."),
    )


PROBABILITY_CHOICES = [
    SelectChoice(1, _l("1 – Mycket liten")),
    SelectChoice(2, _l("2 – Liten")),
    SelectChoice(3, _l("3 – Stor")),
    SelectChoice(4, _l("4 – Mycket stor")),
]
CONSEQUENCE_CHOICES = [
    SelectChoice(1, _l("1 – Mindre")),
    SelectChoice(2, _l("2 – Måttlig")),
    SelectChoice(3, _l("3 – Betydande")),
    SelectChoice(4, _l("4 – Katastrofal")),
]


class ReclassifyForm(StepForm):
    category_id = SelectField(
        _l("Kategori"), coerce=optional_id, validators=[InputRequired(_l("Välj kategori."))]
    )
    process_id = SelectField(_l("Gemensam process"), coerce=optional_id)
    probability = SelectField(_l("Sannolikhet"), coerce=int, choices=PROBABILITY_CHOICES)
    consequence = SelectField(_l("Konsekvens"), coerce=int, choices=CONSEQUENCE_CHOICES)


class AnswerForm(StepForm):
    what_happened = _text(_l("Vad hände hos er?"), _l("Beskriv vad som hände hos er."))
    cause = _text(_l("Orsak"), description=_l("Vad ledde till att samverkan brast?"))
    measures = _text(
        _l("Vad har ni gjort eller ska göra?"),
        description=_l("Åtgärder i er egen organisation."),
    )


class PassOnForm(StepForm):
    organization = SelectField(
        _l("Vilken organisation gäller det?"),
        coerce=optional_id,
        validators=[InputRequired(_l("Välj organisation."))],
    )
    reason = _text(_l("Varför gäller ärendet inte er?"), _l("Skriv varför."), max_length=REASON_MAX)


class IvoDecisionForm(StepForm):
    reported = RadioField(
        _l("Anmäls händelsen till IVO?"),
        choices=[
            SelectChoice("yes", _l("Ja, vi anmäler till IVO")),
            SelectChoice("no", _l("Nej, vi anmäler inte")),
        ],
        validators=[InputRequired(_l("Välj ja eller nej."))],
    )
    reason = _text(_l("Motivering"), _l("Skriv en motivering."), max_length=REASON_MAX)


class StartPreparationForm(StepForm):
    pass


class DecideForm(StepForm):
    decision = _text(
        _l("Beslut"),
        _l("Skriv beslutet."),
        description=_l("Lösningen på bristen i samverkan. Åtgärderna läggs till efteråt."),
    )


class HandOverForm(StepForm):
    reason = _text(
        _l("Varför överlämnas ärendet till %(strategic)s?", strategic=STRATEGIC),
        _l("Skriv varför."),
        max_length=REASON_MAX,
        description=_l(
            "Till exempel återkommande eller generell avvikelse, behov av resurser, "
            "eller att gruppen inte kan enas."
        ),
    )


class ActionFields(Form):
    """An action (owner, due date): on a case and, without the case version, on an effort."""

    description = _text(_l("Åtgärd"), _l("Beskriv åtgärden."), max_length=REASON_MAX)
    owner = SelectField(_l("Ansvarig"), validators=[InputRequired(_l("Välj ansvarig."))])
    due_on = DateField(_l("Klart senast"), validators=[InputRequired(_l("Välj datum."))])


class ActionStatusFields(Form):
    status = SelectField(
        _l("Status"),
        coerce=ActionStatus,
        choices=[SelectChoice(s.value, s.title) for s in ActionStatus],
    )


class AddActionForm(StepForm, ActionFields):
    pass


class ActionStatusForm(StepForm, ActionStatusFields):
    pass


class StartFollowUpForm(StepForm):
    pass


class CloseForm(StepForm):
    evaluation = _text(
        _l("Utvärdering"),
        _l("Skriv en utvärdering."),
        description=_l("Fungerade åtgärderna? Hur vet ni det?"),
    )
    summary = _text(
        _l("Återkoppling till rapportören"),
        _l("Skriv en sammanfattning till rapportören."),
        description=_l("Vad kom ut av rapporten? Rapportören och alla som ser ärendet läser det."),
    )


class CommentForm(StepForm):
    comment = _text(_l("Kommentar"), _l("Skriv en kommentar."), max_length=REASON_MAX)
