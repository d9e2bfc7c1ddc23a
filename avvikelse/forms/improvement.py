"""Forms for improvement work and the processråd: input only; the rules are in
services/improvement.py. Select fields that list rows get their choices from the view."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..models import (
    CheckMethod,
    Direction,
    EffortKind,
    Frequency,
    IndicatorSource,
    ProposalStatus,
)
from ..services.run_chart import MAX_VALUE
from . import Form, Versioned
from .case import REASON_MAX, TEXT_MAX, ActionFields, ActionStatusFields, optional_id


def _text(label, missing=None, *, max_length=TEXT_MAX, description=None):
    required = [DataRequired(missing)] if missing else [Optional()]
    return TextAreaField(
        label,
        validators=[
            *required,
            Length(max=max_length, message=_l("Högst %(max)d tecken.", max=max_length)),
        ],
        description=description,
    )


def _title(label, missing):
    return StringField(
        label,
        validators=[DataRequired(missing), Length(max=200, message=_l("Högst 200 tecken."))],
    )


def parse_number(text: str) -> float:
    """Swedish numbers: a decimal comma, spaces between thousands."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise ValueError(text)
    return float(cleaned)


def too_large(value: float) -> bool:
    """Beyond what any indicator measures (see run_chart.MAX_VALUE)."""
    return abs(value) > MAX_VALUE


class DecimalText(StringField):
    """A number typed the Swedish way ("12,5"); empty means none."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.number = None
        if self.data and self.data.strip():
            try:
                number = parse_number(self.data.strip())
            except ValueError:
                self.process_errors.append(_l("Skriv ett tal, t.ex. 12 eller 12,5."))
                return
            if too_large(number):
                self.process_errors.append(
                    _l(
                        "Talet är orimligt stort. Skriv ett tal mellan −1 000 000 000 och "
                        "1 000 000 000."
                    )
                )
            else:
                self.number = number


class FourQuestionsForm(Versioned):
    current_state = _text(
        _l("1. Hur fungerar processen eller verksamheten i dagsläget?"),
        description=_l("Kartlägg nuläget: vad händer, var brister överlämningen?"),
    )
    possible_improvements = _text(
        _l("2. Vilka förbättringar är möjliga i verksamheten eller processen?")
    )
    measurement = _text(
        _l("3. Hur kan vi säkerställa att det sker en förbättring (mätning/uppföljning)?"),
        description=_l("Svaret blir en eller flera indikatorer med mätvärden över tid."),
    )
    required_changes = _text(
        _l("4. Vilka förändringar krävs för att uppnå förbättringarna?"),
        description=_l("Svaret blir åtgärder med ansvarig och slutdatum."),
    )


class _PlanFields(Form):
    purpose = _text(_l("Syfte"), description=_l("Varför görs arbetet?"))
    goal = _text(_l("Mål"), description=_l("Vad ska vara uppnått när arbetet är klart?"))
    steering_group = _text(_l("Styrgrupp"), max_length=REASON_MAX)
    time_plan = _text(_l("Tidsplan"), max_length=REASON_MAX)
    resources = _text(_l("Resurser"), max_length=REASON_MAX)


class EffortForm(_PlanFields):
    title = _title(_l("Rubrik"), _l("Ge förbättringsarbetet en rubrik."))
    kind = RadioField(
        _l("Typ av förbättring"),
        coerce=EffortKind,
        choices=[SelectChoice(k.value, k.title) for k in EffortKind],
        default=EffortKind.SMALL_ADJUSTMENT.value,
        validators=[InputRequired(_l("Välj typ av förbättring."))],
        description=_l("Ett utvecklingsarbete drivs som projekt med projektplan (syfte och mål)."),
    )
    owner_group = SelectField(
        _l("Ägande grupp"),
        coerce=optional_id,
        validators=[InputRequired(_l("Välj grupp."))],
    )
    linked_process = SelectField(_l("Gemensam process"), coerce=optional_id)
    # Where the effort starts from, at most one of them (a process is the linked process).
    deviation = HiddenField()
    cluster = HiddenField()
    decision = HiddenField()


class PlanForm(_PlanFields):
    title = _title(_l("Rubrik"), _l("Ge förbättringsarbetet en rubrik."))
    responsible = SelectField(
        _l("Ansvarig"),
        coerce=optional_id,
        validators=[InputRequired(_l("Välj ansvarig."))],
        description=_l("En av den ägande gruppens ledamöter."),
    )
    change_on = DateField(
        _l("Förändringen infördes"),
        validators=[Optional()],
        description=_l("Markeras i diagrammen; mätvärden efter detta datum visar effekten."),
    )


class IndicatorForm(Form):
    name = StringField(
        _l("Indikator"),
        validators=[DataRequired(_l("Skriv indikatorns namn.")), Length(max=200)],
        description=_l("T.ex. ”Utskrivningar utan läkemedelslista”."),
    )
    unit = StringField(
        _l("Enhet"),
        validators=[DataRequired(_l("Skriv enheten.")), Length(max=60)],
        description=_l("T.ex. antal, procent, dagar."),
    )
    direction = RadioField(
        _l("Riktning"),
        coerce=Direction,
        choices=[SelectChoice(d.value, d.title) for d in Direction],
        validators=[InputRequired(_l("Välj om lägre eller högre är bättre."))],
    )
    baseline = DecimalText(_l("Utgångsvärde"), description=_l("Valfritt."))
    target = DecimalText(_l("Målvärde"), description=_l("Valfritt; ritas som en linje."))
    frequency = SelectField(
        _l("Mäts"),
        coerce=Frequency,
        choices=[SelectChoice(f.value, f.title) for f in Frequency],
        default=Frequency.MONTHLY.value,
    )
    source = RadioField(
        _l("Mätvärden"),
        coerce=IndicatorSource,
        choices=[SelectChoice(s.value, s.title) for s in IndicatorSource],
        default=IndicatorSource.MANUAL.value,
    )
    category = SelectField(_l("Räkna bara kategorin"), coerce=optional_id)
    organization = SelectField(_l("Räkna bara mellan organisationen …"), coerce=optional_id)
    counterpart = SelectField(_l("… och organisationen"), coerce=optional_id)


PERIOD_LINE = re.compile(r"^(\d{4})-(\d{1,2})\s*[:;=\t ]\s*(.+)$")


class MeasurementLines(Field):
    """Values typed one per line, "2026-03 12" or "2026-03: 12,5"; parsed into (date, value)."""

    widget = TextAreaField.widget

    def _value(self):
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        self.data = []
        text = valuelist[0] if valuelist else ""
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            match = PERIOD_LINE.match(line)
            try:
                if match is None:
                    raise ValueError(line)
                year, month = int(match.group(1)), int(match.group(2))
                day = date(year, month, 1)
                value = parse_number(match.group(3).strip())
            except ValueError:
                self.process_errors.append(
                    _l(
                        "Rad %(line)d: skriv period och värde, t.ex. ”2026-03 12” eller "
                        "”2026-03 12,5”.",
                        line=number,
                    )
                )
                continue
            if too_large(value):
                self.process_errors.append(
                    _l(
                        "Rad %(line)d: värdet är orimligt stort. Ett mätvärde ligger mellan "
                        "−1 000 000 000 och 1 000 000 000.",
                        line=number,
                    )
                )
                continue
            self.data.append((day, value))

    def pre_validate(self, form):
        if not self.process_errors and not self.data:
            raise ValidationError(_l("Skriv minst ett mätvärde."))


class MeasurementForm(Form):
    values = MeasurementLines(
        _l("Mätvärden"),
        description=_l(
            "En rad per period: år-månad och värde, t.ex. ”2026-03 12”. För kvartal och år "
            "räcker periodens första månad. Ett nytt värde för samma period ersätter det gamla."
        ),
    )


class EffortActionForm(ActionFields):
    """Answer 4 becomes actions: the same fields as a case's actions."""


class EffortActionStatusForm(ActionStatusFields):
    pass


class EffortStatusForm(Form):
    target = SelectField(_l("Ny status"), validators=[InputRequired(_l("Välj status."))])
    conclusion = _text(
        _l("Slutsats"),
        description=_l("Krävs för att avsluta: blev det en förbättring, och hur vet ni det?"),
    )
    note = _text(
        _l("Kommentar"), max_length=REASON_MAX, description=_l("Krävs om arbetet avbryts.")
    )


class ProposalForm(Form):
    text = _text(
        _l("Ditt förslag"),
        _l("Skriv ditt förslag."),
        max_length=REASON_MAX,
        description=_l(
            "Vad kan bli bättre i processen, och hur? Skriv inga uppgifter om enskilda patienter."
        ),
    )


class TriageForm(Form):
    item = HiddenField(validators=[InputRequired()])
    outcome = RadioField(
        _l("Beslut om förslaget"),
        coerce=ProposalStatus,
        choices=[
            SelectChoice(s.value, label)
            for s, label in (
                (ProposalStatus.SMALL_ADJUSTMENT, _l("Liten justering – görs direkt")),
                (ProposalStatus.DEVELOPMENT_EFFORT, _l("Starta ett utvecklingsarbete")),
                (ProposalStatus.REJECTED, _l("Avslå")),
            )
        ],
        validators=[InputRequired(_l("Välj vad som ska hända med förslaget."))],
    )
    note = _text(
        _l("Anteckning till förslagsställaren"),
        max_length=REASON_MAX,
        description=_l("Vad som justerades, eller varför förslaget avslås."),
    )
    effort_title = StringField(
        _l("Rubrik på utvecklingsarbetet"), validators=[Optional(), Length(max=200)]
    )


class GoalForm(Form):
    text = StringField(
        _l("Processmål"), validators=[DataRequired(_l("Skriv processmålet.")), Length(max=500)]
    )


class MaintenanceForm(Form):
    done_on = DateField(_l("Datum"), validators=[InputRequired(_l("Välj datum."))])
    description = _text(
        _l("Vad underhölls?"),
        _l("Beskriv vad som underhölls."),
        max_length=REASON_MAX,
        description=_l(
            "T.ex. roller som bytts ut, IT-system som bytt namn, dokument som tagits bort."
        ),
    )


class ApplicationCheckForm(Form):
    checked_on = DateField(_l("Datum"), validators=[InputRequired(_l("Välj datum."))])
    method = SelectField(
        _l("Metod"),
        coerce=CheckMethod,
        choices=[SelectChoice(m.value, m.title) for m in CheckMethod],
    )
    result = _text(_l("Resultat"), _l("Skriv resultatet av kontrollen."))
    follow_up = _text(_l("Uppföljande åtgärder"), max_length=REASON_MAX)
