"""The case list's filters: a GET form, so a filtered list is a link that can be shared or kept."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from ..models import DeviationState, RiskLevel
from ..services.case_lists import CaseFilters, FilterOptions
from . import Form
from .admin import check_period, optional_enum, optional_id, row_options

OPEN = "open"


def status_choice(value):
    """ "open" stands for every state that is not finished; anything else is one state."""
    if value in (None, ""):
        return None
    return value if value == OPEN else DeviationState(value)


class CaseFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        coerce=status_choice,
        choices=[SelectChoice("", _l("Alla")), SelectChoice(OPEN, _l("Alla öppna"))]
        + [SelectChoice(state.value, state.title) for state in DeviationState],
        default="",
    )
    grupp = SelectField(_l("Samverkansgrupp"), coerce=optional_id)
    kategori = SelectField(_l("Kategori"), coerce=optional_id)
    organisation = SelectField(_l("Organisation, rapporterande eller berörd"), coerce=optional_id)
    fran = DateField(
        _l("Inkommen från"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    till = DateField(
        _l("Inkommen till och med"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    risk = SelectField(
        _l("Risknivå"),
        coerce=optional_enum(RiskLevel),
        choices=[SelectChoice("", _l("Alla"))]
        + [SelectChoice(level.value, level.title) for level in RiskLevel],
        default="",
    )

    def __init__(self, *args, options: FilterOptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.grupp.choices = row_options(options.groups, empty=_l("Alla grupper"))
        self.kategori.choices = row_options(
            [category for category, _depth in options.categories],
            label=category_label,
            empty=_l("Alla kategorier"),
        )
        self.organisation.choices = row_options(
            options.organizations, empty=_l("Alla organisationer")
        )

    def validate(self, extra_validators=None) -> bool:
        return super().validate(extra_validators) and check_period(self)

    def to_filters(self) -> CaseFilters:
        status = self.status.data
        if status == OPEN:
            states = frozenset(s for s in DeviationState if s.is_open)
        elif status is not None:
            states = frozenset({status})
        else:
            states = None
        return CaseFilters(
            states=states,
            group_id=self.grupp.data,
            category_id=self.kategori.data,
            organization_id=self.organisation.data,
            submitted_from=self.fran.data,
            submitted_to=self.till.data,
            risk_level=self.risk.data,
        )


def category_label(category) -> str:
    """A subcategory is named with its main category, as the report form groups them."""
    return f"{category.parent.name} › {category.name}" if category.parent else category.name
