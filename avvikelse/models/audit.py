"""The audit log: every read and change of a case (DESIGN §10; kept at least 5 years)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db

# The log stores stable English keys; the page shows these. A key written anywhere in the code
# must be here (tests/views/test_admin_audit.py greps the code for them).
ACTION_TITLES = {
    "view": _l("Läste ärendet"),
    "read_search": _l("Såg ärendet i en sökträff"),
    "read_meeting": _l("Läste ärendet på mötessidan"),
    "read_notice": _l("Läste ärendet i kallelsen"),
    "read_notice_pdf": _l("Hämtade kallelsen med ärendet som pdf"),
    "read_minutes": _l("Läste ärendet i protokollet"),
    "read_minutes_pdf": _l("Hämtade protokollet med ärendet som pdf"),
    "read_presentation": _l("Öppnade föredragningen för att ändra den"),
    "read_cluster": _l("Läste ärendet på klustrets sida"),
    "read_council": _l("Läste ärendets förbättringsförslag på processrådet"),
    "read_hand_over": _l("Öppnade överlämningen till strategisk nivå"),
    "read_new_effort": _l("Öppnade nytt förbättringsarbete från ärendet"),
    "triage_confirm": _l("Sorterade ärendet"),
    "reroute": _l("Styrde om till en annan grupp"),
    "share": _l("Delade med en annan grupp"),
    "not_collaboration": _l("Bedömde som inte samverkan"),
    "duplicate": _l("Markerade som dubblett"),
    "request_answers": _l("Begärde svar"),
    "reclassify": _l("Ändrade klassning"),
    "answer": _l("Svarade"),
    "pass_on": _l("Skickade vidare (inte vårt ärende)"),
    "ivo_decision": _l("Tog ställning till anmälan till IVO"),
    "start_preparation": _l("Skickade till beredning"),
    "decide": _l("Beslutade om lösning"),
    "hand_over": _l("Överlämnade till strategisk nivå"),
    "add_action": _l("Lade till åtgärd"),
    "action_status": _l("Ändrade status på åtgärd"),
    "start_follow_up": _l("Skickade till uppföljning"),
    "close": _l("Avslutade och återkopplade"),
    "comment": _l("Skrev en kommentar"),
    "put_on_agenda": _l("Satte upp på ett möte"),
    "mark_general": _l("Markerade som generell avvikelse"),
    "start_effort": _l("Startade förbättringsarbete"),
    "four_questions": _l("Besvarade de fyra frågorna"),
    "meeting_moved": _l("Flyttade ett möte"),
    "meeting_cancelled": _l("Ställde in ett möte"),
    "extra_meeting_called": _l("Kallade till extra sammanträde"),
    "sso_login": _l("Loggade in med inloggningstjänst"),
    "sso_refused": _l("Nekades inloggning med inloggningstjänst"),
    "export_cases": _l("Laddade ner ärendelistan"),
    "export_dashboard": _l("Laddade ner uppföljningens tabeller"),
    "retention_purge": _l("Gallring: ärendets fritext togs bort"),
    "api_report": _l("Rapporterade ärendet via API:t"),
    "api_list": _l("Hämtade ärendelistan via API:t"),
    "read_api_list": _l("Såg ärendet i en ärendelista via API:t"),
    "api_reference": _l("Hämtade regionens listor via API:t"),
}


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_created", "created_at", "id"),
        Index("ix_audit_log_deviation", "deviation_id", "created_at"),
        Index("ix_audit_log_user", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    deviation_id: Mapped[int | None] = mapped_column(ForeignKey("deviations.id"))
    detail: Mapped[str | None] = mapped_column(Text)
    as_administrator: Mapped[bool] = mapped_column(default=False)

    user = relationship("User")
    deviation = relationship("Deviation")

    @property
    def action_title(self) -> str:
        """The Swedish label; an unknown key (from an older version) is shown as stored."""
        title = ACTION_TITLES.get(self.action)
        return str(title) if title is not None else self.action
