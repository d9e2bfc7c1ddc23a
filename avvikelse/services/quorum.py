"""Beslutförhet (LEDNINGSSYSTEM §6.2 "Frånvaro"): a group may decide only when more than half of
the members from each principal (huvudman) are present. Chair, secretary and co-opted members
do not count, and there are no substitutes. Only memberships with counts_for_quorum count.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _


@dataclass(frozen=True)
class PrincipalQuorum:
    organization_id: int
    organization_name: str
    counting: int
    present: int

    @property
    def needed(self) -> int:
        """More than half: 4 members need 3, 3 need 2, 1 needs 1."""
        return self.counting // 2 + 1

    @property
    def met(self) -> bool:
        return self.present >= self.needed


@dataclass(frozen=True)
class QuorumStatus:
    principals: list[PrincipalQuorum] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return bool(self.principals) and all(p.met for p in self.principals)

    @property
    def missing(self) -> list[PrincipalQuorum]:
        return [p for p in self.principals if not p.met]

    def explanation(self) -> str:
        if not self.principals:
            return _("Gruppen har inga ledamöter som räknas för beslutsförheten.")
        if self.met:
            return _("Gruppen är beslutsför.")
        parts = [
            _(
                "%(org)s: %(present)d av %(counting)d närvarande, minst %(needed)d behövs",
                org=p.organization_name,
                present=p.present,
                counting=p.counting,
                needed=p.needed,
            )
            for p in self.missing
        ]
        return _("Gruppen är inte beslutsför: %(details)s.", details="; ".join(parts))

    def as_dict(self) -> dict:
        """The snapshot stored with a decision, so the minutes show the quorum it was made with."""
        return {
            "met": self.met,
            "principals": [
                {
                    "organization": p.organization_name,
                    "counting": p.counting,
                    "present": p.present,
                    "needed": p.needed,
                }
                for p in self.principals
            ],
        }


def quorum_status(memberships, present_membership_ids) -> QuorumStatus:
    """Pure rule over the group's memberships and who is present (no database access)."""
    present_ids = set(present_membership_ids)
    counts: dict[int, list] = {}
    for membership in memberships:
        if not (membership.active and membership.counts_for_quorum):
            continue
        organization = membership.represented_organization
        entry = counts.setdefault(organization.id, [organization.name, 0, 0])
        entry[1] += 1
        if membership.id in present_ids:
            entry[2] += 1
    principals = [
        PrincipalQuorum(org_id, name, counting, present)
        for org_id, (name, counting, present) in sorted(counts.items(), key=lambda kv: kv[1][0])
    ]
    return QuorumStatus(principals)


def meeting_quorum(meeting) -> QuorumStatus:
    present = [a.membership_id for a in meeting.attendance if a.present]
    return quorum_status(meeting.group.memberships, present)
