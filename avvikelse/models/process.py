"""Common processes in management (LEDNINGSSYSTEM §2.4); filled out by the improvement issue."""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import db


class Process(db.Model):
    __tablename__ = "processes"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    owner_group = relationship("Group")

    def __repr__(self) -> str:
        return f"<Process {self.id} {self.name!r}>"
