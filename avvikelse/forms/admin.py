"""Administration forms: input only. Uniqueness, cycles and the quorum rule are checked in
services/admin.py, so the CLI and the views refuse the same things with the same words.

Select fields that list rows get their choices from the view (from a service query), because
they depend on the administrator's region.
"""

from collections.abc import Callable, Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..models import ApiScope, GroupLevel, MembershipRole, OrganizationKind, TargetGroup
from ..models.audit import ACTION_TITLES
from . import EmailAddress, Form, Versioned, optional_id

# Language names are written in their own language, as language pickers do everywhere.
LOCALE_CHOICES = [SelectChoice("sv", "Svenska"), SelectChoice("en", "English")]


def optional_enum(enum_cls) -> Callable:
    def coerce(value):
        return enum_cls(value) if value not in (None, "") else None

    return coerce


def enum_options(enum_cls, *, empty=None) -> list[SelectChoice]:
    """Enum members in their declared order (the order of the hierarchy), with their titles."""
    options = [SelectChoice("", empty)] if empty is not None else []
    return options + [SelectChoice(member.value, member.title) for member in enum_cls]


def row_options(
    rows: Iterable,
    *,
    label: Callable = lambda row: row.name,
    empty=None,
    optgroup: Callable | None = None,
) -> list[SelectChoice]:
    options = [SelectChoice("", empty)] if empty is not None else []
    return options + [
        SelectChoice(row.id, label(row), optgroup=optgroup(row) if optgroup else None)
        for row in rows
    ]


def _name_field(label, missing):
    return StringField(
        label,
        validators=[DataRequired(missing), Length(max=200, message=_l("Högst 200 tecken."))],
    )


class UserFilterForm(Form):
    """The search on the account list: sent with GET, so no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Sök på namn eller e-postadress"),
        validators=[Optional(), Length(max=200, message=_l("Högst 200 tecken."))],
    )
    organization = SelectField(_l("Organisation"), coerce=optional_id)
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("Alla")),
            SelectChoice("active", _l("Aktiva")),
            SelectChoice("inactive", _l("Inaktiva")),
        ],
        default="",
    )


class UserForm(Form):
    name = _name_field(_l("Namn"), _l("Fyll i namnet."))
    email = EmailField(
        _l("E-postadress"),
        validators=[
            DataRequired(_l("Fyll i e-postadressen.")),
            EmailAddress(_l("Skriv en giltig e-postadress, t.ex. namn@kommun.se.")),
            Length(max=254, message=_l("Högst 254 tecken.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    organization_id = SelectField(
        _l("Organisation"),
        coerce=optional_id,
        validators=[DataRequired(_l("Välj organisation."))],
    )
    unit_id = SelectField(
        _l("Enhet"),
        coerce=optional_id,
        description=_l("Enheten måste höra till den valda organisationen."),
    )
    title = StringField(
        _l("Befattning"),
        validators=[Optional(), Length(max=200, message=_l("Högst 200 tecken."))],
    )
    locale = SelectField(_l("Språk"), choices=LOCALE_CHOICES, default="sv")
    is_admin = BooleanField(
        _l("Administratör"),
        description=_l("Får ändra regionens konton, organisationer, grupper och kategorier."),
    )
    password = PasswordField(
        _l("Startlösenord"),
        validators=[DataRequired(_l("Ange ett startlösenord."))],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The length rule is the one services/accounts.py enforces; the hint just tells it.
        self.password.description = _(
            "Minst %(n)d tecken.",
            n=current_app.config["PASSWORD_MIN_LENGTH"],
        )


class UserEditForm(UserForm, Versioned):
    password = PasswordField(
        _l("Nytt lösenord"),
        validators=[Optional()],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.password.description = _(
            "Lämna tomt för att behålla det nuvarande lösenordet. Ett nytt måste ha minst "
            "%(n)d tecken.",
            n=current_app.config["PASSWORD_MIN_LENGTH"],
        )


class OrganizationForm(Form):
    name = _name_field(_l("Namn"), _l("Fyll i organisationens namn."))
    kind = SelectField(
        _l("Typ"),
        choices=enum_options(OrganizationKind, empty=_l("Välj typ")),
        coerce=optional_enum(OrganizationKind),
        validators=[DataRequired(_l("Välj typ av organisation."))],
    )
    is_party = BooleanField(
        _l("Part i samverkan (huvudman)"),
        default=True,
        description=_l(
            "Organisationen har skrivit under samverkansöverenskommelsen. Privata "
            "vårdgivare är oftast inte parter."
        ),
    )


class UnitForm(Form):
    name = _name_field(_l("Namn"), _l("Fyll i enhetens namn."))
    parent_id = SelectField(
        _l("Ligger under"),
        coerce=optional_id,
        description=_l("Till exempel förvaltning → verksamhet → enhet."),
    )


class GroupForm(Form):
    name = _name_field(_l("Namn"), _l("Fyll i gruppens namn."))
    short_name = StringField(
        _l("Kortnamn"),
        validators=[Optional(), Length(max=60, message=_l("Högst 60 tecken."))],
        description=_l("Visas i listor, t.ex. SG Äldre."),
    )
    level = SelectField(
        _l("Nivå"),
        choices=enum_options(GroupLevel, empty=_l("Välj nivå")),
        coerce=optional_enum(GroupLevel),
        validators=[DataRequired(_l("Välj gruppens nivå."))],
    )
    target_group = SelectField(
        _l("Målgrupp"),
        choices=enum_options(TargetGroup, empty=_l("Ingen särskild målgrupp")),
        coerce=optional_enum(TargetGroup),
        description=_l("Avvikelser för målgruppen går till den här gruppen."),
    )
    escalation_parent_id = SelectField(
        _l("Överlämnar till"),
        coerce=optional_id,
        description=_l(
            "Gruppen som tar emot ärenden som lämnas över, t.ex. den strategiska gruppen."
        ),
    )


class MembershipForm(Form):
    user_id = SelectField(
        _l("Person"), coerce=optional_id, validators=[DataRequired(_l("Välj person."))]
    )
    role = SelectField(
        _l("Roll"),
        choices=enum_options(MembershipRole),
        coerce=optional_enum(MembershipRole),
        default=MembershipRole.MEMBER.value,
        validators=[DataRequired(_l("Välj roll."))],
    )
    function = StringField(
        _l("Funktion"),
        validators=[Optional(), Length(max=200, message=_l("Högst 200 tecken."))],
        description=_l("T.ex. verksamhetschef hemsjukvård."),
    )
    represented_organization_id = SelectField(_l("Företräder"), coerce=optional_id)
    counts_for_quorum = BooleanField(
        _l("Räknas för beslutsförhet"),
        description=_l(
            "Bara ledamöter som företräder en organisation räknas. Ordförande, sekreterare "
            "och adjungerade räknas aldrig."
        ),
    )


class MembershipEditForm(MembershipForm, Versioned):
    """The person of a membership does not change; remove it and add another instead."""

    user_id = None


class CategoryForm(Form):
    name = _name_field(_l("Namn"), _l("Fyll i kategorins namn."))
    description = TextAreaField(
        _l("Beskrivning"),
        validators=[Optional(), Length(max=500, message=_l("Högst 500 tecken."))],
        description=_l("Hjälper den som rapporterar att välja rätt."),
    )
    parent_id = SelectField(
        _l("Huvudkategori"),
        coerce=optional_id,
        description=_l("Välj en huvudkategori om det här är en underkategori."),
    )


class OrganizationEditForm(OrganizationForm, Versioned):
    pass


class UnitEditForm(UnitForm, Versioned):
    pass


class GroupEditForm(GroupForm, Versioned):
    pass


class CategoryEditForm(CategoryForm, Versioned):
    pass


def check_period(form) -> bool:
    """`fran` and `till` are a period picked as dates; the end may not come before the start."""
    if form.fran.data and form.till.data and form.till.data < form.fran.data:
        form.till.errors.append(_("Till-datumet kan inte vara före från-datumet."))
        return False
    return True


def audit_action_choices() -> list[tuple[str, str]]:
    """The log's keys by their Swedish labels, so nobody has to know the stored key."""
    titles = sorted((str(title), key) for key, title in ACTION_TITLES.items())
    return [("", _("Alla händelser")), *((key, title) for title, key in titles)]


class AuditFilterForm(Form):
    """The audit log's filters: sent with GET, so no CSRF token."""

    class Meta:
        csrf = False

    anvandare = SearchField(
        _l("Användare"),
        validators=[Optional(), Length(max=254, message=_l("Högst 254 tecken."))],
        description=_l("Del av e-postadressen."),
    )
    arende = SearchField(
        _l("Ärendenummer"),
        validators=[Optional(), Length(max=20, message=_l("Högst 20 tecken."))],
        description=_l("T.ex. AV-2026-0042."),
    )
    handelse = SelectField(
        _l("Händelse"), choices=audit_action_choices, default="", validate_choice=False
    )
    fran = DateField(_l("Från"), validators=[Optional()], format="%Y-%m-%d")
    till = DateField(_l("Till och med"), validators=[Optional()], format="%Y-%m-%d")
    administratorer = BooleanField(_l("Bara det administratörer har gjort"))

    def validate(self, extra_validators=None) -> bool:
        return super().validate(extra_validators) and check_period(self)


class CoordinatorForm(Form):
    user_id = SelectField(
        _l("Person"), coerce=optional_id, validators=[DataRequired(_l("Välj person."))]
    )
    organization_id = SelectField(
        _l("Samordnare för"),
        coerce=optional_id,
        validators=[DataRequired(_l("Välj organisation."))],
        description=_l(
            "Samordnaren tar emot avvikelser som berör organisationen och skriver dess svar."
        ),
    )


class ApiClientForm(Form):
    """Registering an API client: a name, the one organization it speaks for, its scopes."""

    name = StringField(
        _l("Namn"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(_l("Skriv ett namn på klienten.")),
            Length(max=200, message=_l("Högst 200 tecken.")),
        ],
        description=_l("T.ex. systemets namn: ”Synergi, Region Test”."),
    )
    organization_id = SelectField(
        _l("Organisation"),
        coerce=optional_id,
        validators=[DataRequired(_l("Välj organisation."))],
        description=_l("Klienten ser och svarar på det organisationens samordnare ser."),
    )
    scopes = SelectMultipleField(
        _l("Behörigheter"),
        choices=[SelectChoice(scope.value, scope.title) for scope in ApiScope],
        validators=[DataRequired(_l("Välj minst en behörighet."))],
        invalid_choice_message=_l("Välj bland behörigheterna i listan."),
    )
