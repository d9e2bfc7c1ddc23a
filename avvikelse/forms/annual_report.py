"""The annual report's free-text sections, saved as a draft, and its buttons."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from ..services.annual_reports import TEXT_LIMIT
from . import Form

_LENGTH = Length(max=TEXT_LIMIT, message=_l("Högst %(max)d tecken."))


class AnnualReportForm(Form):
    # Empty for the first save: there is no report yet to have a version.
    version = HiddenField(validators=[Optional(), Regexp(r"^\d+$", message=_l("Ladda om sidan."))])
    analysis = TextAreaField(
        _l("Analys av året"),
        validators=[Optional(), _LENGTH],
        description=_l("Vad siffrorna säger: mönster, orsaker, vad som fungerat och inte."),
    )
    priorities = TextAreaField(
        _l("Prioriteringar för nästa år"),
        validators=[Optional(), _LENGTH],
        description=_l("Vad gruppen ska arbeta med nästa år och vad den föreslår."),
    )

    @property
    def seen_version(self) -> int | None:
        return int(self.version.data) if self.version.data else None


class ApproveForm(Form):
    version = HiddenField(validators=[Regexp(r"^\d+$", message=_l("Ladda om sidan."))])
