"""The JSON API's bodies as marshmallow schemas: flask-smorest writes the OpenAPI document
from them. They check shapes and types only; what a report or an answer must say is checked
by the report form and the services, as on the web (views/api.py)."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from ..db import MAX_ID
from ..models import DeviationState, TargetGroup

Id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))

# marshmallow speaks English only: the messages of what the API reads, in the request's
# language (sv or en, Accept-Language), like every other message of the problem document.
FIELD_MESSAGES = {
    "required": _l("Uppgiften saknas."),
    "null": _l("Uppgiften får inte vara null."),
    "validator_failed": _l("Ogiltigt värde."),
}
TYPE_MESSAGES = (
    (fields.Boolean, {"invalid": _l("Ska vara true eller false.")}),
    (fields.Integer, {"invalid": _l("Ska vara ett heltal."), "too_large": _l("För stort tal.")}),
    (fields.Date, {"invalid": _l("Ska vara ett datum, ÅÅÅÅ-MM-DD.")}),
    (fields.Time, {"invalid": _l("Ska vara ett klockslag, TT:MM.")}),
    (fields.String, {"invalid": _l("Ska vara en text.")}),
    (fields.List, {"invalid": _l("Ska vara en lista.")}),
)
VALIDATOR_MESSAGES = (
    (validate.Range, _l("Ska vara från {min} till {max}.")),
    (validate.OneOf, _l("Ska vara ett av: {choices}.")),
    (validate.Length, _l("Högst {max} tecken.")),
)


class InSchema(Schema):
    """What a client sends: refused with messages in the request's language."""

    error_messages = {
        "type": _l("Ska vara ett JSON-objekt."),
        "unknown": _l("Okänt fält."),
    }

    def on_bind_field(self, field_name, field_obj):
        for field in (field_obj, getattr(field_obj, "inner", None)):
            if field is None:
                continue
            field.error_messages.update(FIELD_MESSAGES)
            for kind, messages in TYPE_MESSAGES:
                if isinstance(field, kind):
                    field.error_messages.update(messages)
            for validator in field.validators:
                for kind, message in VALIDATOR_MESSAGES:
                    if isinstance(validator, kind):
                        validator.error = message


class ProblemSchema(Schema):
    """RFC 9457 problem details, in the language Accept-Language asks for (sv or en)."""

    type = fields.String()
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per field of the request body"},
    )
    warnings = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ReportInSchema(InSchema):
    title = fields.String(required=True)
    description = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    occurred_at_time = fields.Time(allow_none=True)
    discovered_on = fields.Date(required=True)
    concerned_organization_ids = fields.List(Id, required=True)
    target_group = fields.String(
        required=True, validate=validate.OneOf([t.value for t in TargetGroup])
    )
    category_id = Id
    process_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    agreement = fields.String(allow_none=True)
    immediate_action = fields.String(allow_none=True)
    proposal = fields.String(allow_none=True)
    probability = fields.Integer(required=True, validate=validate.Range(min=1, max=4))
    consequence = fields.Integer(required=True, validate=validate.Range(min=1, max=4))
    wants_feedback = fields.Boolean(load_default=True)
    possible_serious = fields.Boolean(load_default=False)
    acknowledge_warnings = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Send although the text has phone numbers or e-mail addresses "
            "(identity numbers are always refused)"
        },
    )


class AnswerInSchema(InSchema):
    what_happened = fields.String(required=True)
    cause = fields.String(allow_none=True)
    measures = fields.String(allow_none=True)


class PassOnInSchema(InSchema):
    to_organization_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    reason = fields.String(required=True)


class CommentInSchema(InSchema):
    text = fields.String(required=True)


class ListArgsSchema(InSchema):
    changed_since = fields.AwareDateTime(
        metadata={"description": "Only cases changed after this instant (ISO 8601 with offset)"}
    )
    cursor = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "next_cursor of the previous page"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class NamedSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class OrganizationSchema(NamedSchema):
    kind = fields.String(required=True)
    active = fields.Boolean(required=True)


class CategorySchema(NamedSchema):
    parent_id = fields.Integer(allow_none=True)
    retired = fields.Boolean(required=True)


class GroupSchema(NamedSchema):
    level = fields.String(required=True)
    target_group = fields.String(allow_none=True)
    active = fields.Boolean(required=True)


class ConcernedSchema(Schema):
    organization_id = fields.Integer(required=True)
    organization = fields.String(required=True)
    status = fields.String(required=True)
    answer_due_on = fields.Date(allow_none=True)


class DeviationSummarySchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in DeviationState]))
    title = fields.String(required=True)
    target_group = fields.String(required=True)
    category_id = fields.Integer(required=True)
    group_id = fields.Integer(required=True)
    reporter_organization_id = fields.Integer(required=True)
    submitted_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    answer_due_on = fields.Date(allow_none=True)
    concerned = fields.List(fields.Nested(ConcernedSchema), required=True)


class AnswerSchema(Schema):
    organization_id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    what_happened = fields.String(required=True)
    cause = fields.String(allow_none=True)
    measures = fields.String(allow_none=True)


class EventSchema(Schema):
    created_at = fields.DateTime(required=True)
    kind = fields.String(required=True)
    actor_organization_id = fields.Integer(allow_none=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    message = fields.String(allow_none=True)


class DeviationSchema(DeviationSummarySchema):
    description = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    discovered_on = fields.Date(required=True)
    probability = fields.Integer(required=True)
    consequence = fields.Integer(required=True)
    risk_score = fields.Integer(required=True)
    immediate_action = fields.String(allow_none=True)
    proposal = fields.String(allow_none=True)
    possible_serious = fields.Boolean(required=True)
    decision = fields.String(allow_none=True)
    closing_summary = fields.String(allow_none=True)
    answers = fields.List(fields.Nested(AnswerSchema), required=True)
    timeline = fields.List(fields.Nested(EventSchema), required=True)


class DeviationPageSchema(Schema):
    items = fields.List(fields.Nested(DeviationSummarySchema), required=True)
    next_cursor = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "Pass as cursor for the next page; null on the last page"},
    )
