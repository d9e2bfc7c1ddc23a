"""Forms for meetings, matters, attendance and decisions: input only; the rules are in
services/meetings.py. Select fields that list rows get their choices from the view."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from ..models import DecisionOutcome, MatterKind, RaisedBy
from . import Form, Versioned
from .case import TEXT_MAX, StepForm, optional_id

WEEKDAYS = [
    SelectChoice(0, _l("måndag")),
    SelectChoice(1, _l("tisdag")),
    SelectChoice(2, _l("onsdag")),
    SelectChoice(3, _l("torsdag")),
    SelectChoice(4, _l("fredag")),
]


def _text(label, missing=None, *, description=None):
    required = [DataRequired(missing)] if missing else [Optional()]
    return TextAreaField(
        label,
        validators=[
            *required,
            Length(max=TEXT_MAX, message=_l("Högst %(max)d tecken.", max=TEXT_MAX)),
        ],
        description=description,
    )


class _Place(Form):
    starts = TimeField(_l("Starttid"), validators=[InputRequired(_l("Skriv starttid."))])
    ends = TimeField(_l("Sluttid"), validators=[Optional()])
    place = StringField(
        _l("Plats"), validators=[Optional(), Length(max=300, message=_l("Högst 300 tecken."))]
    )
    link = StringField(
        _l("Länk till digitalt möte"),
        validators=[
            Optional(),
            URL(message=_l("Skriv en hel webbadress, https://…")),
            Length(max=500),
        ],
    )


class MeetingForm(_Place):
    day = DateField(_l("Datum"), validators=[InputRequired(_l("Välj datum."))])


class MoveMeetingForm(Form):
    day = DateField(_l("Nytt datum"), validators=[InputRequired(_l("Välj datum."))])
    starts = TimeField(_l("Starttid"), validators=[InputRequired(_l("Skriv starttid."))])
    ends = TimeField(_l("Sluttid"), validators=[Optional()])
    place = StringField(
        _l("Plats"), validators=[Optional(), Length(max=300, message=_l("Högst 300 tecken."))]
    )
    reason = _text(
        _l("Skäl"),
        _l("Skriv varför mötet flyttas."),
        description=_l("Skälet står i beskedet till dem som har fått kallelsen."),
    )


class CancelMeetingForm(Form):
    reason = _text(
        _l("Skäl"),
        _l("Skriv varför mötet ställs in."),
        description=_l("Skälet står i beskedet till dem som har fått kallelsen."),
    )


class ExtraMeetingForm(MeetingForm):
    """Extra sammanträde: a shorter notice than 7 days, by the chair's decision."""

    notice_days = IntegerField(
        _l("Kallelsetid (dagar före mötet)"),
        validators=[
            InputRequired(_l("Skriv kallelsetiden i dagar.")),
            NumberRange(0, 6, message=_l("Kallelsetiden för ett extra sammanträde är 0–6 dagar.")),
        ],
    )
    reason = _text(
        _l("Skäl för extra sammanträde"), _l("Skriv varför ett extra sammanträde behövs.")
    )
    chair_decided = BooleanField(
        _l("Ordföranden har beslutat om extra sammanträde med kortare kallelsetid"),
        description=_l("Behövs när sekreteraren kallar; ordföranden får besked."),
    )


class YearPlanForm(_Place):
    """Either the first weekday of every month (July off) or up to ten dates picked by hand."""

    year = SelectField(_l("År"), coerce=int)
    weekday = SelectField(
        _l("Första … i varje månad (utom juli)"),
        coerce=optional_id,
        choices=[SelectChoice("", _l("Välj datum själv nedan")), *WEEKDAYS],
        validators=[Optional()],
    )
    days = FieldList(
        DateField(_l("Datum"), validators=[Optional()]), min_entries=10, max_entries=10
    )


class PresentationForm(Form):
    """The föredragning (LEDNINGSSYSTEM §7.1)."""

    title = StringField(
        _l("Rubrik"),
        validators=[
            DataRequired(_l("Skriv en rubrik.")),
            Length(max=200, message=_l("Högst 200 tecken.")),
        ],
    )
    presenter = SelectField(_l("Föredragande"), coerce=optional_id, validators=[Optional()])
    background = _text(
        _l("Bakgrund"), description=_l("Vad handlar ärendet om och varför tas det upp?")
    )
    done_so_far = _text(_l("Vad har gjorts hittills"))
    proposal = _text(_l("Förslag till beslut"))


class PresentationEditForm(PresentationForm, Versioned):
    """Editing the föredragning of a raised matter."""


class MatterForm(PresentationForm):
    meeting = SelectField(
        _l("Möte"), coerce=optional_id, validators=[InputRequired(_l("Välj möte."))]
    )
    kind = SelectField(
        _l("Typ av ärende"),
        coerce=MatterKind,
        choices=[SelectChoice(k.value, k.title) for k in MatterKind],
    )
    raised_by = SelectField(
        _l("Aktualiseras av"),
        coerce=RaisedBy,
        choices=[SelectChoice(r.value, r.title) for r in RaisedBy if r is not RaisedBy.SYSTEM],
    )
    case_number = StringField(
        _l("Ärendenummer (för en avvikelse)"),
        validators=[Optional(), Length(max=20)],
        description=_l("Till exempel AV-2026-0003."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class WrittenViewForm(Form):
    text = _text(
        _l("Skriftliga synpunkter"),
        _l("Skriv dina synpunkter."),
        description=_l("Om du inte kan vara med: sekreteraren läser upp dem på mötet."),
    )


class AttendanceForm(Form):
    present = SelectMultipleField(_l("Närvarande"), coerce=int, validate_choice=True)


class DecisionForm(Form):
    outcome = RadioField(
        _l("Utfall"),
        choices=[SelectChoice(o.value, o.title) for o in DecisionOutcome],
        validators=[InputRequired(_l("Välj utfall."))],
    )
    text = _text(_l("Beslut"), description=_l("Beslutstexten som den ska stå i protokollet."))
    follow_up_on = DateField(_l("Följs upp"), validators=[Optional()])
    refer_upward = BooleanField(_l("Lyft ärendet till regionchefsgruppen"))
    action_description = _text(_l("Åtgärd"))
    action_owner = SelectField(_l("Ansvarig för åtgärden"), validators=[Optional()])
    action_due_on = DateField(_l("Åtgärden klar senast"), validators=[Optional()])
    assignment_group = SelectField(
        _l("Uppdrag till grupp"), coerce=optional_id, validators=[Optional()]
    )
    purpose = _text(_l("Syfte"))
    assignment_background = _text(_l("Bakgrund till uppdraget"))
    deliverable = _text(_l("Vad ska levereras"))
    assignment_deadline = DateField(_l("Uppdraget klart senast"), validators=[Optional()])
    reporting_back = _text(_l("Återrapportering"), description=_l("Till vem, när och hur."))

    def validate(self, extra_validators=None):
        """An action needs all three parts, and so does an assignment; half of one is a typo."""
        ok = super().validate(extra_validators)
        pairs = [
            (self.action_description, [self.action_owner, self.action_due_on]),
            (self.assignment_group, [self.purpose, self.deliverable, self.assignment_deadline]),
        ]
        for lead, rest in pairs:
            parts = [lead, *rest]
            filled = [bool(f.data) for f in parts]
            if any(filled) and not all(filled):
                for f, has in zip(parts, filled, strict=True):
                    if not has:
                        f.errors = [
                            *f.errors,
                            _l("Fyll i även det här, eller töm de andra fälten."),
                        ]
                ok = False
        return ok


class PutOnAgendaForm(StepForm):
    """The case page's "Sätt upp på nästa möte": a button carrying the case version."""
