"""Lines of "Väntar på dig" beyond the inbox counts of case_lists.waiting_for: cases handed over
to the strategic group for its chair and secretary, and unread notices for everyone. Without
them a reporter, a member or LSVO's managers saw "Inget väntar på dig" while their feedback,
kallelse or escalated cases waited for them."""

from datetime import date

from sqlalchemy import func

from ..db import db
from ..models import Deviation, DeviationState, GroupLevel, User
from ..permissions import manages_group, visible_deviations
from .case_lists import Waiting, in_group, inbox_groups
from .notifications import unread_count


def more_waiting(user: User, *, today: date) -> list[Waiting]:
    waiting = []
    for group in inbox_groups(user):
        if group.level is not GroupLevel.STRATEGIC or not manages_group(user, group.id):
            continue
        escalated = db.session.scalar(
            visible_deviations(user)
            .where(in_group(group), Deviation.state == DeviationState.ESCALATED)
            .with_only_columns(func.count(Deviation.id))
        )
        if escalated:
            waiting.append(Waiting("escalated", escalated, group=group))
    unread = unread_count(user)
    if unread:
        waiting.append(Waiting("notifications", unread))
    return waiting
