"""The annual report (årsrapport): a group's account of its year to the forum above it
(LEDNINGSSYSTEM §6.2 Uppföljning): the groups' to LSVO, LSVO's to the regionchefsgrupp."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db


class AnnualReport(db.Model):
    """The free-text sections the group writes; the figures come from the cases.

    Approval freezes the report: the PDF made at that moment is kept in `document`, so what
    was sent stays what was sent however the cases change later.
    """

    __tablename__ = "annual_reports"
    __table_args__ = (
        UniqueConstraint("group_id", "year"),
        CheckConstraint(
            "approved_at IS NULL OR document IS NOT NULL", name="approved_has_document"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    year: Mapped[int]
    analysis: Mapped[str | None] = mapped_column(Text)
    priorities: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The receiving group's matter, once the report is put on its agenda.
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    group = relationship("Group")
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    matter = relationship("Matter")

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None
