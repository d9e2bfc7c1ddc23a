"""Forms of the minutes page and the follow-up list: input only, the rules are in services/minutes.

The discussion form has one text area per matter of the meeting, so its class is built per page;
field names carry the matter id, which is also the key the personal data guard reports under.
"""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from . import Form
from .case import REASON_MAX, TEXT_MAX, optional_id


class ButtonForm(Form):
    """A POST that carries nothing but its CSRF token (draft, approve, mark done)."""


def discussion_field_name(matter_id: int) -> str:
    return f"matter_{matter_id}"


def discussion_form(matters, *, posted: bool = False) -> Form:
    class DiscussionForm(Form):
        pass

    for position, matter in enumerate(matters, start=1):
        setattr(
            DiscussionForm,
            discussion_field_name(matter.id),
            TextAreaField(
                _l("Protokollstext för § %(position)d", position=position),
                validators=[
                    Optional(),
                    Length(max=TEXT_MAX, message=_l("Högst %(max)d tecken.", max=TEXT_MAX)),
                ],
            ),
        )
    if posted:
        return DiscussionForm(prefix="discussion")
    return DiscussionForm(
        formdata=None,
        prefix="discussion",
        **{discussion_field_name(m.id): m.discussion for m in matters},
    )


class AdjusterForm(Form):
    adjuster = SelectField(
        _l("Justerare"),
        coerce=optional_id,
        validators=[InputRequired(_l("Välj justerare."))],
        description=_l("En ledamot som var närvarande vid mötet, inte ordföranden."),
    )


class CorrectionForm(Form):
    reason = TextAreaField(
        _l("Varför rättas protokollet?"),
        validators=[
            DataRequired(_l("Skriv varför protokollet rättas.")),
            Length(max=REASON_MAX, message=_l("Högst %(max)d tecken.", max=REASON_MAX)),
        ],
        description=_l(
            "Den justerade versionen finns kvar. Den rättade versionen behöver godkännas av "
            "ordföranden och justeraren igen."
        ),
    )
