"""The dashboard's filters: a GET form, so a filtered dashboard is a link to share or keep."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from ..services.case_lists import FilterOptions
from ..services.dashboard import Filters, period_error
from . import Form, optional_id
from .admin import row_options
from .inbox import category_label


class DashboardFilterForm(Form):
    class Meta:
        csrf = False

    fran = DateField(_l("Inkommen från"), validators=[Optional()], format="%Y-%m-%d")
    till = DateField(_l("Inkommen till och med"), validators=[Optional()], format="%Y-%m-%d")
    grupp = SelectField(_l("Samverkansgrupp"), coerce=optional_id)
    kategori = SelectField(_l("Kategori"), coerce=optional_id)
    organisation = SelectField(_l("Organisation, rapporterande eller berörd"), coerce=optional_id)

    def __init__(self, *args, options: FilterOptions, default: Filters, **kwargs):
        super().__init__(*args, **kwargs)
        self.default = default
        # The period shown is the period counted, also when the user has not picked one.
        if not any(self.fran.raw_data or ()):
            self.fran.data = default.start
        if not any(self.till.raw_data or ()):
            self.till.data = default.end
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
        if not super().validate(extra_validators):
            return False
        error = period_error(*self._period())
        if error:
            self.till.errors.append(error)
            return False
        return True

    def _period(self):
        return self.fran.data, self.till.data

    def to_filters(self) -> Filters:
        start, end = self._period()
        return Filters(
            start=start,
            end=end,
            group_id=self.grupp.data,
            category_id=self.kategori.data,
            organization_id=self.organisation.data,
        )
