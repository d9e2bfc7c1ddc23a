"""One step of a page with steps: validate, one service call, commit once, redirect.

Case, meeting, effort, processråd, minutes, cluster and recurrence pages all take their steps
this way, so a refusal looks the same everywhere: nothing of the step is kept (rollback), and the
page answers with the form exactly as the user typed it and the reason on it. The page itself
only loads and authorizes its objects, parses the form into the service's arguments and says how
it renders a refusal.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..services.errors import StaleEditError, WorkflowError, check_version
from ..services.personal_data import PersonalDataError

REFUSED_STATUS = 422
# A stale edit is a conflict with someone else's change, not bad input.
STALE_STATUS = 409


class FieldRefusal(WorkflowError):
    """Input that is well-formed but names nothing the user may use, e.g. an unknown case
    number: the reason belongs next to that field."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Done:
    """What a step says when it went through: a warning when the user should look again, and
    the page to go to when the step itself made it (a new meeting, a new cluster)."""

    message: str
    category: str = "success"
    to: str | None = None


Refused = Callable[[FlaskForm, int], ResponseReturnValue]


def attach(form: FlaskForm, error: WorkflowError) -> None:
    """A refusal that names a field goes to that field; any other to the top of the form."""
    if isinstance(error, FieldRefusal):
        form[error.field].errors = [*form[error.field].errors, str(error)]
    elif isinstance(error, PersonalDataError):
        for name, messages in error.field_messages().items():
            if name in form:
                form[name].errors = [*form[name].errors, *messages]
            else:
                form.form_errors.extend(messages)
    else:
        form.form_errors.append(str(error))


def run_step(
    form: FlaskForm,
    call: Callable[[], str | Done],
    *,
    done: str | Callable[[], str] | None = None,
    refused: Refused,
    version: tuple[object, int | str | None] | None = None,
    stale: str | None = None,
    invalid: str | Callable[[FlaskForm], str] | None = None,
) -> ResponseReturnValue:
    """Validate `form` (CSRF included), call the one service through `call`, commit once, flash
    its message and redirect to `done` (a callable is asked after the commit, when the answer
    depends on the step, e.g. a case re-routed out of the user's sight; None when every `Done`
    the call returns says where).

    `version` is (the edited object, the version the user saw): a change made in between is
    refused with 409 instead of overwritten; `stale` words that refusal on pages that edit
    something other than a case (a service's own StaleEditError speaks for itself). `invalid`
    replaces the field errors of a form that does not validate with one reason, for pages that
    show only the form's top message.
    `refused(form, status)` renders the page again; it runs after the rollback, so it loads
    what it shows afresh.
    """
    if not form.validate():
        if invalid is not None:
            form.form_errors.append(invalid if isinstance(invalid, str) else invalid(form))
        return _refuse(form, refused, REFUSED_STATUS)
    try:
        if version is not None:
            check_version(*version, stale)
        result = call()
        db.session.commit()
    except StaleEditError as error:
        form.form_errors.append(str(error))
        return _refuse(form, refused, STALE_STATUS)
    except StaleDataError:
        form.form_errors.append(str(StaleEditError(stale)))
        return _refuse(form, refused, STALE_STATUS)
    except WorkflowError as error:
        attach(form, error)
        return _refuse(form, refused, REFUSED_STATUS)
    if not isinstance(result, Done):
        result = Done(result)
    flash(result.message, result.category)
    return redirect(result.to or (done if isinstance(done, str) else done()))


def _refuse(form: FlaskForm, refused: Refused, status: int) -> ResponseReturnValue:
    db.session.rollback()
    return refused(form, status)


def back_with_flash(url: str) -> Refused:
    """For a button with at most a short note: the reason is flashed on the page it came from,
    as there is little typed input to keep. The form's own reason (a rule, or `invalid`) says it
    best; field reasons are flashed only when there is none (a personal number in the note)."""

    def refused(form: FlaskForm, status: int) -> ResponseReturnValue:
        messages = form.form_errors or [m for f in form for m in f.errors]
        for message in messages:
            flash(message, "error")
        return redirect(url)

    return refused
