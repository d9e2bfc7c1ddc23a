"""The report form (DESIGN §3): input only.

The form checks types, lengths, required fields and the dates a reporter can fix on the spot.
The personal-data guard, the organizations of the region and the routing are the service's
(services/deviations.py), so the API and the form refuse the same things with the same words.

Field names are those of `services.deviations.Report`, so a service error about a field (the
personal-data guard names `title`, `description`, ...) lands on the form field of that name.
"""

import re
import uuid
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from ..models import OrganizationKind, TargetGroup
from ..services.deviations import Report
from ..services.reporting import ReportOptions
from . import Form, optional_id

TOKEN_PATTERN = re.compile(r"[0-9a-f]{32}")

# Group headings for the concerned organizations, in the order of OrganizationKind.
KIND_HEADINGS = {
    OrganizationKind.MUNICIPALITY: _l("Kommuner"),
    OrganizationKind.REGION: _l("Region"),
    OrganizationKind.PRIVATE_PROVIDER: _l("Privata vårdgivare"),
    OrganizationKind.OTHER: _l("Gemensamma nämnder och andra"),
}

# Socialstyrelsen's scales for the 4×4 risk matrix.
PROBABILITY_CHOICES = [
    SelectChoice(1, _l("1 Mycket liten – kan hända någon gång på flera år")),
    SelectChoice(2, _l("2 Liten – kan hända någon gång per år")),
    SelectChoice(3, _l("3 Stor – kan hända flera gånger per år")),
    SelectChoice(4, _l("4 Mycket stor – kan hända varje månad eller oftare")),
]
CONSEQUENCE_CHOICES = [
    SelectChoice(1, _l("1 Mindre – ingen eller obetydlig skada eller olägenhet")),
    SelectChoice(2, _l("2 Måttlig – övergående skada, ökat vård- eller omsorgsbehov")),
    SelectChoice(3, _l("3 Betydande – bestående skada eller stort ökat vårdbehov")),
    SelectChoice(4, _l("4 Katastrofal – dödsfall eller bestående allvarlig skada")),
]

# What a draft keeps: every field the reporter types or chooses.
DRAFT_FIELDS = (
    "unit_id",
    "title",
    "description",
    "occurred_on",
    "occurred_at_time",
    "discovered_on",
    "concerned_organization_ids",
    "target_group",
    "category_id",
    "process_id",
    "agreement",
    "immediate_action",
    "proposal",
    "probability",
    "consequence",
    "wants_feedback",
    "possible_serious",
)
MULTIPLE_FIELDS = frozenset({"concerned_organization_ids"})


def strip(value):
    return value.strip() if isinstance(value, str) else value


def draft_formdata(data: dict) -> MultiDict:
    """A saved draft as the form data it was typed as, so resuming looks like the page it was."""
    pairs = []
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, v) for v in values if v not in (None, ""))
    return MultiDict(pairs)


class ReportForm(Form):
    submission_token = HiddenField()
    # Set when the page has shown the phone-number and e-mail warnings once.
    warnings_seen = HiddenField()

    unit_id = SelectField(
        _l("Din enhet"),
        coerce=optional_id,
        description=_l("Från ditt konto. Byt om det hände på en annan enhet i din organisation."),
        invalid_choice_message=_l("Välj en enhet i listan."),
    )
    title = StringField(
        _l("Kort rubrik"),
        filters=[strip],
        validators=[
            DataRequired(_l("Skriv en kort rubrik.")),
            Length(max=150, message=_l("Högst 150 tecken.")),
        ],
        description=_l(
            "Några ord om vad som brast, t.ex. ”Utskriven utan besked till hemtjänsten”."
        ),
        render_kw={"maxlength": 150, "autocomplete": "off"},
    )
    description = TextAreaField(
        _l("Beskriv vad som hände"),
        filters=[strip],
        validators=[
            DataRequired(_l("Beskriv vad som hände.")),
            Length(max=10000, message=_l("Högst 10 000 tecken.")),
        ],
        description=_l(
            "Vad brast mellan organisationerna, och vad fick det för följder? "
            "Skriv inga namn eller personnummer."
        ),
        render_kw={"rows": 6},
    )
    occurred_on = DateField(
        _l("Datum då det hände"),
        validators=[InputRequired(_l("Fyll i datum då det hände."))],
    )
    occurred_at_time = TimeField(
        _l("Klockslag"),
        validators=[Optional()],
        description=_l("Om du vet."),
    )
    discovered_on = DateField(
        _l("Datum då det upptäcktes"),
        validators=[InputRequired(_l("Fyll i datum då det upptäcktes."))],
    )
    concerned_organization_ids = SelectMultipleField(
        _l("Berörda organisationer"),
        coerce=int,
        validators=[DataRequired(_l("Välj minst en berörd organisation."))],
        description=_l(
            "Organisationen eller organisationerna som avvikelsen gäller. Du kan välja flera, "
            "också din egen."
        ),
        invalid_choice_message=_l("Välj bland organisationerna i listan."),
    )
    target_group = RadioField(
        _l("Målgrupp"),
        choices=[SelectChoice(t.value, t.title) for t in TargetGroup],
        coerce=TargetGroup,
        validate_choice=False,
        validators=[InputRequired(_l("Välj målgrupp."))],
        invalid_value_message=_l("Välj målgrupp."),
        description=_l("Styr vilken samverkansgrupp som tar emot rapporten."),
    )
    category_id = SelectField(
        _l("Kategori"),
        coerce=optional_id,
        validators=[DataRequired(_l("Välj kategori."))],
        description=_l("Välj den som passar bäst. Gruppen kan ändra den senare."),
        invalid_choice_message=_l("Välj en kategori i listan."),
    )
    process_id = SelectField(
        _l("Gemensam process"),
        coerce=optional_id,
        description=_l("Om händelsen gäller en gemensam process. Lämna tomt om du är osäker."),
        invalid_choice_message=_l("Välj en process i listan."),
    )
    agreement = StringField(
        _l("Överenskommelse eller rutin som berörs"),
        filters=[strip],
        validators=[Optional(), Length(max=300, message=_l("Högst 300 tecken."))],
        description=_l("T.ex. en överenskommelse eller riktlinje som inte följdes. Frivilligt."),
    )
    immediate_action = TextAreaField(
        _l("Åtgärder som gjordes direkt"),
        filters=[strip],
        validators=[Optional(), Length(max=5000, message=_l("Högst 5 000 tecken."))],
        description=_l("Det som gjordes för att rätta till eller begränsa följderna. Frivilligt."),
        render_kw={"rows": 3},
    )
    proposal = TextAreaField(
        _l("Ditt förslag till förbättring"),
        filters=[strip],
        validators=[Optional(), Length(max=5000, message=_l("Högst 5 000 tecken."))],
        description=_l("Hur kan samverkan fungera bättre nästa gång? Frivilligt."),
        render_kw={"rows": 3},
    )
    probability = RadioField(
        _l("Sannolikhet"),
        choices=PROBABILITY_CHOICES,
        coerce=int,
        validate_choice=False,
        validators=[
            InputRequired(_l("Välj sannolikhet.")),
            AnyOf([1, 2, 3, 4], message=_l("Välj sannolikhet.")),
        ],
        invalid_value_message=_l("Välj sannolikhet."),
        description=_l("Hur troligt är det att det händer igen?"),
    )
    consequence = RadioField(
        _l("Konsekvens"),
        choices=CONSEQUENCE_CHOICES,
        coerce=int,
        validate_choice=False,
        validators=[
            InputRequired(_l("Välj konsekvens.")),
            AnyOf([1, 2, 3, 4], message=_l("Välj konsekvens.")),
        ],
        invalid_value_message=_l("Välj konsekvens."),
        description=_l("Hur allvarligt blev det, eller kunde det ha blivit?"),
    )
    possible_serious = BooleanField(
        _l(
            "Kan vara en allvarlig vårdskada eller ett allvarligt missförhållande "
            "(möjlig lex Maria / lex Sarah)"
        ),
        description=_l(
            "Den berörda organisationen bedömer själv om händelsen ska anmälas till IVO. "
            "Följ också din egen organisations rutin för lex Maria och lex Sarah."
        ),
    )
    wants_feedback = BooleanField(
        _l("Jag vill ha återkoppling"),
        default=True,
        description=_l("Du får ett meddelande när ärendet är avslutat och vad det ledde till."),
    )

    def __init__(self, *args, options: ReportOptions, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # New on every fresh page; kept through re-renders, so a resubmit finds its case.
        if not TOKEN_PATTERN.fullmatch(self.submission_token.data or ""):
            self.submission_token.data = uuid.uuid4().hex
        for field in (self.occurred_on, self.discovered_on):
            field.render_kw = {"max": today.isoformat()}
        units = [SelectChoice(unit.id, unit.path) for unit in options.units]
        if options.account_unit_id not in {unit.id for unit in options.units}:
            units.insert(0, SelectChoice("", _("Ingen särskild enhet")))
        self.unit_id.choices = units
        self.concerned_organization_ids.choices = [
            SelectChoice(o.id, o.name, optgroup=KIND_HEADINGS[o.kind])
            for o in options.organizations
        ]
        categories = [SelectChoice("", _("Välj kategori"))]
        for top, children in options.categories:
            if not children:
                categories.append(SelectChoice(top.id, top.name))
                continue
            categories.append(
                SelectChoice(top.id, _("%(name)s, allmänt", name=top.name), optgroup=top.name)
            )
            categories.extend(SelectChoice(c.id, c.name, optgroup=top.name) for c in children)
        self.category_id.choices = categories
        self.process_id.choices = [SelectChoice("", _("Ingen särskild process / vet inte"))] + [
            SelectChoice(p.id, p.name) for p in options.processes
        ]

    def validate_occurred_on(self, field):
        if field.data and field.data > self.today:
            raise ValidationError(_("Datumet kan inte vara i framtiden."))

    def validate_discovered_on(self, field):
        if not field.data:
            return
        if field.data > self.today:
            raise ValidationError(_("Datumet kan inte vara i framtiden."))
        if self.occurred_on.data and field.data < self.occurred_on.data:
            raise ValidationError(_("Det kan inte ha upptäckts före datumet då det hände."))

    def to_report(self) -> Report:
        return Report(
            submission_token=self.submission_token.data,
            concerned_organization_ids=list(self.concerned_organization_ids.data),
            target_group=self.target_group.data,
            category_id=self.category_id.data,
            occurred_on=self.occurred_on.data,
            occurred_at_time=self.occurred_at_time.data,
            discovered_on=self.discovered_on.data,
            title=self.title.data,
            description=self.description.data,
            immediate_action=self.immediate_action.data or None,
            proposal=self.proposal.data or None,
            agreement=self.agreement.data or None,
            process_id=self.process_id.data,
            probability=self.probability.data,
            consequence=self.consequence.data,
            wants_feedback=self.wants_feedback.data,
            possible_serious=self.possible_serious.data,
            unit_id=self.unit_id.data,
        )

    def draft_data(self) -> dict:
        """The fields exactly as typed, valid or not: a draft is a place to stop, not to check."""
        data = {}
        for name in DRAFT_FIELDS:
            raw = list(self[name].raw_data or [])
            data[name] = raw if name in MULTIPLE_FIELDS else (raw[0] if raw else "")
        return data

    def add_field_errors(self, messages: dict[str, list[str]]) -> None:
        """Attach a service's findings per field (the names are shared, see the module doc)."""
        for name, field_messages in messages.items():
            self[name].errors = list(self[name].errors) + field_messages
