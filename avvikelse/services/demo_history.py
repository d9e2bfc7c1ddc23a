"""Demo history: about eighteen months of a county's collaboration deviations, made by walking
the workflow services day by day from a fixed seed, so that every page of the demo (lists,
inboxes, trends, årshjul, minutes, processråd, Mina rapporter) shows one consistent history.

Nothing is written behind the services' backs: cases are submitted, triaged, answered, put on
agendas, decided at meetings with quorum, followed up and closed by the people whose role it is,
at instants before the app's `now`. Only for demo databases; flushes, never commits.
"""

import random
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app, has_request_context
from sqlalchemy import func, select

from ..db import db
from ..models import (
    ActionStatus,
    Category,
    Cluster,
    ConcernedStatus,
    Decision,
    DecisionOutcome,
    Deviation,
    DeviationState,
    Direction,
    EffortKind,
    EffortStatus,
    Group,
    GroupLevel,
    Matter,
    MatterKind,
    Meeting,
    MembershipRole,
    Minutes,
    Organization,
    OrganizationKind,
    Process,
    ProposalStatus,
    Region,
    TargetGroup,
    User,
)
from .clusters import Presentation as ClusterPresentation
from .clusters import create_cluster, hand_over_cluster
from .dates import add_months, local_today
from .deviations import (
    Report,
    close,
    mark_duplicate,
    mark_not_collaboration,
    request_answers,
    set_action_status,
    start_follow_up,
    start_preparation,
    submit_answer,
    submit_deviation,
)
from .digest import send_weekly_digest
from .improvement import (
    IndicatorSpec,
    ProjectPlan,
    add_effort_action,
    add_indicator,
    change_status,
    record_measurements,
    set_effort_action_status,
    start_effort,
    submit_proposal,
    triage_proposal,
    update_plan,
)
from .meeting_deadlines import deadlines_for
from .meetings import (
    ActionDraft,
    local_moment,
    plan_meeting,
    put_case_on_agenda,
    record_attendance,
    record_decision,
    send_notice,
)
from .minutes import approve, draft_minutes, eligible_adjusters, save_discussion, set_adjuster
from .regions import read_region_file
from .reminders import send_action_reminders, send_answer_reminders, send_meeting_reminders

MARKER = "demo-historik"
MONTHS = 18
SEED = 14
CASES = 300

# Rough population in thousands: larger municipalities report and are reported more often.
POPULATION = {
    "Karlskrona kommun": 67,
    "Karlshamns kommun": 32,
    "Ronneby kommun": 29,
    "Sölvesborgs kommun": 18,
    "Olofströms kommun": 13,
    "Östersunds kommun": 64,
    "Krokoms kommun": 15,
    "Åre kommun": 12,
    "Strömsunds kommun": 11,
    "Härjedalens kommun": 10,
    "Bergs kommun": 7,
    "Bräcke kommun": 6,
    "Ragunda kommun": 5,
}

# What happened, per top-level category: (title, description, immediate action, proposal).
TEXTS = {
    "Informationsöverföring": [
        (
            "Överrapportering saknades vid flytt till korttidsboende",
            "Den enskilde kom till korttidsboendet utan skriftlig överrapportering. Personalen "
            "fick ringa avdelningen för att få veta aktuella insatser och ordinationer.",
            "Ringde avdelningen och fick muntlig rapport.",
            "En gemensam checklista för överrapportering vid flytt.",
        ),
        (
            "Hemsjukvården fick inte veta om ändrad vårdnivå",
            "Vårdcentralen ändrade vårdnivå efter ett besök men informationen nådde inte "
            "hemsjukvården, som fortsatte enligt den gamla planeringen i en vecka.",
            "Kontaktade vårdcentralen och uppdaterade planeringen.",
            None,
        ),
    ],
    "Utskrivning från slutenvård": [
        (
            "Inskrivningsmeddelande kom efter hemgång",
            "Inskrivningsmeddelandet skickades först samma dag som den enskilde skrevs ut. "
            "Kommunen hann inte planera hemtjänst och hemsjukvård före hemkomsten.",
            "Akut insats från hemtjänsten samma kväll.",
            "Påminnelse i journalsystemet när inskrivningsmeddelandet inte är skickat efter ett "
            "dygn.",
        ),
        (
            "Utskriven utan planering fredag eftermiddag",
            "Den enskilde skrevs ut en fredag eftermiddag utan att kommunen kallats till "
            "planering. Hjälpmedel och hemtjänst saknades över helgen.",
            "Korttidsplats ordnades över helgen.",
            None,
        ),
    ],
    "SIP/individuell plan": [
        (
            "SIP-möte genomfördes utan kallad part",
            "Kallelsen till SIP skickades men den kallade parten kom inte och meddelade inte "
            "förhinder. Planen kunde inte fastställas.",
            "Nytt SIP-möte bokat.",
            "Bekräftelse på kallelse till SIP inom två arbetsdagar.",
        ),
        (
            "SIP upprättades inte trots behov",
            "Flera huvudmän har insatser men ingen har tagit initiativ till en samordnad "
            "individuell plan. Insatserna krockar och den enskilde får olika besked.",
            "Initiativ till SIP taget.",
            None,
        ),
    ],
    "Läkemedel": [
        (
            "Läkemedelslistan var inaktuell vid hemgång",
            "Läkemedelslistan som följde med vid hemgången var inte uppdaterad efter "
            "ordinationsändringar under vårdtiden. Hemsjukvården delade enligt den gamla listan.",
            "Kontakt med ansvarig läkare och ny lista.",
            "Läkemedelsavstämning som fast punkt före utskrivning.",
        ),
        (
            "Ordinationsändring kommunicerades inte till hemsjukvården",
            "Läkaren ändrade dosen men hemsjukvården fick inte veta det förrän vid nästa besök "
            "en vecka senare.",
            "Dosen rättad efter kontakt med vårdcentralen.",
            None,
        ),
    ],
    "Hjälpmedel": [
        (
            "Hjälpmedel saknades vid hemkomst",
            "Förskrivna hjälpmedel levererades inte före hemkomsten. Den enskilde kunde inte "
            "förflytta sig säkert de första dagarna.",
            "Lånade hjälpmedel från korttidsboendet.",
            None,
        ),
    ],
    "Vårdplanering och uppföljning": [
        (
            "Uppföljning efter utskrivning blev inte av",
            "Den överenskomna uppföljningen en vecka efter hemgång genomfördes inte eftersom "
            "ingen av parterna hade ansvaret noterat.",
            "Uppföljning bokad i efterhand.",
            "Tydlig ansvarig för uppföljningen i planeringen.",
        ),
    ],
    "Tillgänglighet och kontaktvägar": [
        (
            "Gick inte att nå jourhavande sjuksköterska",
            "Hemtjänsten försökte under en timme nå kommunens jourhavande sjuksköterska via "
            "växeln utan att komma fram.",
            "Ringde 1177 för råd.",
            "Ett direktnummer till jouren som alla parter känner till.",
        ),
        (
            "Okänd kontaktväg till vårdcentralen för hemsjukvården",
            "Hemsjukvården hittade ingen kontaktväg för samråd med vårdcentralens läkare utanför "
            "telefontiden.",
            None,
            None,
        ),
    ],
    "Överenskommelse/rutin ej följd": [
        (
            "Överenskommen rutin för hembesök följdes inte",
            "Enligt den gemensamma rutinen ska läkare göra hembesök inom en vecka efter "
            "inskrivning i hemsjukvård. Besöket blev inte av.",
            "Påminnelse till vårdcentralen.",
            None,
        ),
    ],
    "Rutin saknas": [
        (
            "Gemensam rutin saknas för delegering över huvudmannagräns",
            "Det finns ingen rutin för hur delegering ska hanteras när personal från två "
            "huvudmän arbetar hos samma person.",
            None,
            "Ta fram en gemensam rutin för delegering.",
        ),
    ],
    "Annat": [
        (
            "Oklart ansvar vid transport mellan enheter",
            "Ingen av parterna tog ansvar för att boka transport mellan enheterna, och den "
            "enskilde fick vänta flera timmar.",
            "Transport bokad av personalen på plats.",
            None,
        ),
    ],
}

PATTERN_CATEGORY = "Inskrivningsmeddelande ej skickat inom 24 timmar"
TREND_CATEGORY = "Läkemedelslista saknas eller är inaktuell vid överflyttning"
DISCUSSION = "Föredraget av sekreteraren. Gruppen diskuterade ärendet och parternas svar."


@dataclass
class Summary:
    """What the history holds, for the command's output and the tests."""

    cases: int = 0
    states: dict = field(default_factory=dict)
    duplicates: int = 0
    meetings: int = 0
    decisions: int = 0
    minutes_approved: int = 0
    clusters: int = 0
    open_proposals: int = 0

    def describe(self) -> str:
        states = ", ".join(f"{state}: {count}" for state, count in sorted(self.states.items()))
        return (
            f"{self.cases} avvikelser ({states}; varav {self.duplicates} dubbletter); "
            f"{self.meetings} hållna möten, "
            f"{self.decisions} beslut, {self.minutes_approved} justerade protokoll; "
            f"{self.clusters} kluster; {self.open_proposals} obedömda förbättringsförslag"
        )


def has_demo_history(region: Region) -> bool:
    return (
        db.session.scalar(
            select(func.count(Deviation.id)).where(
                Deviation.region_id == region.id, Deviation.submission_token.like(f"{MARKER}-%")
            )
        )
        > 0
    )


def build_demo_history(region_key: str, *, now: datetime) -> Summary | None:
    """Walk the region through MONTHS months before `now`; None when it already has them (a
    second demo start adds nothing). Call after load_demo, whose planned meetings ahead of `now`
    the last cases of the history land on."""
    region = db.session.scalar(select(Region).where(Region.key == region_key))
    if region is None or has_demo_history(region):
        return None
    history = _History(region, now=now)
    # Some steps link their notices with url_for; outside a request (the CLI) that needs one.
    with nullcontext() if has_request_context() else current_app.test_request_context():
        history.run()
    return history.summary()


def _manager(group: Group, role: MembershipRole) -> User | None:
    return next((m.user for m in group.memberships if m.active and m.role is role), None)


@dataclass
class _Case:
    """A case still to be submitted: when, by whom and what the history does with it."""

    day: date
    reporter: User
    concerned: list[Organization]
    target_group: TargetGroup
    category: Category
    texts: tuple
    reserved: bool = False  # the planted recurring pattern: handed over as one cluster
    late: bool = False  # the planted overdue answer (_plan_cases)


class _History:
    def __init__(self, region: Region, *, now: datetime):
        self.region = region
        self.now = now
        self.today = local_today(now)
        self.start = add_months(self.today, -MONTHS)
        self.random = random.Random(f"{SEED}-{region.key}")  # noqa: S311 - demo data
        self.groups = db.session.scalars(
            select(Group).where(Group.region_id == region.id, Group.active).order_by(Group.id)
        ).all()
        self.tactical = {g.target_group: g for g in self.groups if g.level is GroupLevel.TACTICAL}
        self.strategic = next(g for g in self.groups if g.level is GroupLevel.STRATEGIC)
        self.organizations = db.session.scalars(
            select(Organization)
            .where(Organization.region_id == region.id, Organization.active)
            .order_by(Organization.id)
        ).all()
        self.region_org = next(o for o in self.organizations if o.kind is OrganizationKind.REGION)
        self.municipalities = [
            o for o in self.organizations if o.kind is OrganizationKind.MUNICIPALITY
        ]
        self.users = db.session.scalars(
            select(User)
            .join(Organization, User.organization_id == Organization.id)
            .where(Organization.region_id == region.id, User.active)
            .order_by(User.id)
        ).all()
        self.coordinators = defaultdict(list)
        for user in self.users:
            for role in user.coordinator_roles:
                self.coordinators[role.organization_id].append(user)
        categories = db.session.scalars(
            select(Category).where(Category.region_id == region.id).order_by(Category.id)
        ).all()
        self.top_categories = [c for c in categories if c.parent_id is None]
        self.children = defaultdict(list)
        for category in categories:
            if category.parent_id is not None:
                self.children[category.parent_id].append(category)
        self.by_name = {c.name: c for c in categories}
        self.processes = db.session.scalars(
            select(Process).where(Process.region_id == region.id).order_by(Process.id)
        ).all()
        self.cases: dict[int, _Case] = {}
        self.answer_days: dict[tuple[int, int], date] = {}
        self.action_days: dict[int, date] = {}
        self.close_days: dict[int, date] = {}
        self.approvals: list[tuple[date, object, User]] = []
        self.meetings: list[Meeting] = []
        self.reserved: list[Deviation] = []
        self.cluster = None
        self.effort = None
        self.proposals: list[tuple[date, object]] = []
        self.sequence = 0
        self.open_cases: list[Deviation] = []
        self.latest: dict[int, int] = {}
        self.referred: set[int] = set()

    # --- The plan: who reports what, when ---------------------------------------------------

    def _reporters(self, organization: Organization) -> list[User]:
        """Frontline staff first (people in no group), the demo's own reporters more often."""
        staff = [
            u
            for u in self.users
            if u.organization_id == organization.id and not u.memberships and not u.is_admin
        ]
        return staff or [u for u in self.users if u.organization_id == organization.id]

    def _day(self, first: date, last: date) -> date:
        """A weekday mostly; more reports in the holiday months when staff are thin."""
        days = (last - first).days
        while True:
            day = first + timedelta(days=self.random.randint(0, max(days, 0)))
            season = 1.5 if day.month in (6, 7, 8, 12, 1) else 1.0
            weekday = 1.0 if day.weekday() < 5 else 0.3
            if self.random.random() < season * weekday / 1.5:
                return day

    def _texts(self, category: Category) -> tuple:
        top = (
            category if category.parent_id is None else db.session.get(Category, category.parent_id)
        )
        return self.random.choice(TEXTS.get(top.name, TEXTS["Annat"]))

    def _category(self, day: date) -> Category:
        weights = [
            (3.0 if c.name == "Utskrivning från slutenvård" and day.month in (6, 7, 8) else 1.0)
            * (2.0 if c.name in ("Informationsöverföring", "Utskrivning från slutenvård") else 1.0)
            for c in self.top_categories
        ]
        top = self.random.choices(self.top_categories, weights)[0]
        children = self.children.get(top.id)
        return self.random.choice(children) if children and self.random.random() < 0.7 else top

    def _pair(self) -> tuple[Organization, list[Organization]]:
        """Most failures are between a municipality and the region, in either direction."""
        weights = [POPULATION.get(m.name, 10) for m in self.municipalities]
        municipality = self.random.choices(self.municipalities, weights)[0]
        if self.random.random() < 0.1:
            others = [m for m in self.municipalities if m is not municipality]
            return municipality, [self.random.choice(others)]
        if self.random.random() < 0.45:
            return self.region_org, [municipality]
        concerned = [self.region_org]
        if self.random.random() < 0.08:
            concerned.append(self.random.choice(self.municipalities))
        return municipality, list(dict.fromkeys(concerned))

    def _plan_cases(self) -> list[_Case]:
        plan = []
        last = self.today - timedelta(days=1)
        target_groups = [t for t in TargetGroup if t in self.tactical]
        weights = [{"elderly": 5, "adults": 3}.get(t.value, 2) for t in target_groups]
        for _ in range(CASES - 24):
            reporter_org, concerned = self._pair()
            day = self._day(self.start, last)
            category = self._category(day)
            plan.append(
                _Case(
                    day=day,
                    reporter=self.random.choice(self._reporters(reporter_org)),
                    concerned=concerned,
                    target_group=self.random.choices(target_groups, weights)[0],
                    category=category,
                    texts=self._texts(category),
                )
            )
        # The planted recurring pattern: one municipality's home care keeps getting late notice
        # of admissions from the region's hospital, five times in ten weeks about eight months ago.
        biggest = max(self.municipalities, key=lambda m: POPULATION.get(m.name, 10))
        pattern = self.by_name.get(PATTERN_CATEGORY) or self.top_categories[0]
        elderly = TargetGroup.ELDERLY if TargetGroup.ELDERLY in self.tactical else target_groups[0]
        first = add_months(self.today, -9)
        for k in range(5):
            plan.append(
                _Case(
                    day=first + timedelta(days=4 + k * 15),
                    reporter=self.random.choice(self._reporters(biggest)),
                    concerned=[self.region_org],
                    target_group=elderly,
                    category=pattern,
                    texts=TEXTS["Utskrivning från slutenvård"][0],
                    reserved=True,
                )
            )
        # An answer overdue today, whatever day the demo is built: the inboxes and Uppföljning
        # show what is late. Triaged 1-7 days after it came in, the case is due the region's
        # deadline later, 3-9 days ago, and the chair moves on only 14 days after the due date.
        # Chosen without drawing from self.random, so the rest of the plan stays as it was.
        plan.append(
            _Case(
                day=self.today - timedelta(days=self.region.answer_deadline_days + 10),
                reporter=self._reporters(biggest)[0],
                concerned=[self.region_org],
                target_group=elderly,
                category=pattern,
                texts=TEXTS["Utskrivning från slutenvård"][0],
                late=True,
            )
        )
        # The rising trend: outdated medication lists between the second municipality and the
        # region, more every month for the last half year.
        second = sorted(self.municipalities, key=lambda m: -POPULATION.get(m.name, 10))[
            min(2, len(self.municipalities) - 1)
        ]
        trend = self.by_name.get(TREND_CATEGORY) or self.top_categories[0]
        for months_ago, count in ((5, 1), (4, 2), (3, 3), (2, 4), (1, 5)):
            month = add_months(self.today.replace(day=1), -months_ago)
            for _ in range(count):
                plan.append(
                    _Case(
                        day=month + timedelta(days=self.random.randint(0, 26)),
                        reporter=self.random.choice(self._reporters(second)),
                        concerned=[self.region_org],
                        target_group=elderly,
                        category=trend,
                        texts=TEXTS["Läkemedel"][0],
                    )
                )
        # The demo's own reporters each have a handful of reports in every stage.
        for label_user in self._demo_reporters():
            for months_ago in (15, 9, 5, 2, 1, 0):
                _, concerned = self._pair()
                if label_user.organization.kind is OrganizationKind.MUNICIPALITY:
                    concerned = [self.region_org]
                elif self.region_org in concerned:
                    concerned = [self.random.choice(self.municipalities)]
                day = max(self.today - timedelta(days=30 * months_ago + 3), self.start)
                category = self._category(day)
                plan.append(
                    _Case(
                        day=day,
                        reporter=label_user,
                        concerned=concerned,
                        target_group=elderly,
                        category=category,
                        texts=self._texts(category),
                    )
                )
        return sorted(plan, key=lambda case: case.day)

    def _demo_reporters(self) -> list[User]:
        try:
            spec = read_region_file(self.region.key)
        except Exception:  # noqa: BLE001 - a region loaded from a path has no shipped file
            return []
        people = {p.key: p.email for p in spec.people}
        emails = {people[key] for _label, key in spec.demo_logins} | {
            people[key] for key in spec.demo_admins
        }
        return [
            u
            for u in self.users
            if u.email.lower() in emails and not u.memberships and not u.coordinator_roles
        ]

    # --- The walk -------------------------------------------------------------------------------

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return local_moment(day, time(hour, minute))

    def run(self) -> None:
        plan = self._plan_cases()
        self._plan_meetings()
        for meeting in self.meetings:
            self.latest[meeting.group_id] = meeting.id
        by_day = defaultdict(list)
        for case in plan:
            by_day[case.day].append(case)
        day = self.start
        while day < self.today:
            for case in by_day.get(day, []):
                self._submit(case)
            if day.weekday() < 5:
                self._load_open()
                self._answer(day)
                self._triage(day)
                self._move_on_overdue(day)
                self._actions(day)
            self._meeting_work(day)
            self._cluster_work(day)
            self._proposal_work(day)
            self._effort_work(day)
            self._jobs(day)
            day += timedelta(days=1)
        for case in by_day.get(self.today, []):
            self._submit(case)

    def _plan_meetings(self) -> None:
        """Second Thursday of each month but July, as load_demo plans the year ahead."""
        planned_ahead = {
            (m.group_id, local_today(m.starts_at))
            for m in db.session.scalars(
                select(Meeting).where(Meeting.group_id.in_([g.id for g in self.groups]))
            )
        }
        at = self.at(self.start - timedelta(days=1), 9)
        for group in self.groups:
            secretary = _manager(group, MembershipRole.SECRETARY)
            if secretary is None:
                continue
            strategic = group.level is GroupLevel.STRATEGIC
            month = self.start.replace(day=1)
            while month <= self.today:
                day = month + timedelta(days=(3 - month.weekday()) % 7 + 7)
                if month.month != 7 and self.start < day and (group.id, day) not in planned_ahead:
                    if local_moment(day, time(9)) < self.now and day < self.today:
                        self.meetings.append(
                            plan_meeting(
                                group,
                                day=day,
                                starts=time(9) if strategic else time(13),
                                ends=time(12) if strategic else time(16),
                                place="Regionhuset",
                                link=None,
                                actor=secretary,
                                now=at,
                            )
                        )
                month = add_months(month, 1)

    def _submit(self, case: _Case) -> None:
        self.sequence += 1
        title, description, immediate, proposal = case.texts
        process = (
            self.processes[0]
            if self.processes and case.category.parent_id is not None and self.random.random() < 0.5
            else None
        )
        reporter = case.reporter
        moment = self.at(case.day, self.random.randint(8, 16), self.random.randint(0, 59))
        deviation = submit_deviation(
            Report(
                submission_token=f"{MARKER}-{self.region.key}-{self.sequence}",
                concerned_organization_ids=[o.id for o in case.concerned],
                target_group=case.target_group,
                category_id=case.category.id,
                occurred_on=case.day - timedelta(days=self.random.randint(0, 3)),
                discovered_on=case.day,
                title=title,
                description=description,
                immediate_action=immediate,
                proposal=proposal,
                process_id=process.id if process else None,
                probability=self.random.choices([1, 2, 3, 4], [2, 4, 3, 1])[0],
                consequence=self.random.choices([1, 2, 3, 4], [2, 4, 3, 1])[0],
                wants_feedback=self.random.random() < 0.9,
            ),
            actor=reporter,
            now=min(moment, self.now),
        )
        self.cases[deviation.id] = case
        if case.reserved:
            self.reserved.append(deviation)

    def _load_open(self) -> None:
        """One query a day; the steps read each case's state as the services leave it."""
        self.open_cases = list(
            db.session.scalars(
                select(Deviation)
                .where(
                    Deviation.region_id == self.region.id,
                    Deviation.state.in_(
                        [
                            DeviationState.SUBMITTED,
                            DeviationState.AWAITING_ANSWERS,
                            DeviationState.IN_PREPARATION,
                            DeviationState.ACTIONS,
                            DeviationState.FOLLOW_UP,
                        ]
                    ),
                )
                .order_by(Deviation.id)
            )
        )

    def _open(self, state: DeviationState) -> list[Deviation]:
        return [d for d in self.open_cases if d.state is state]

    def _triage(self, day: date) -> None:
        for deviation in self._open(DeviationState.SUBMITTED):
            submitted = local_today(deviation.submitted_at)
            delay = 1 + deviation.id % 5
            if day < submitted + timedelta(days=delay):
                continue
            secretary = _manager(deviation.group, MembershipRole.SECRETARY)
            now = self.at(day, 10)
            case = self.cases.get(deviation.id)
            roll = self.random.random()
            planted = case.reserved or case.late
            if not planted and roll < 0.05:
                mark_not_collaboration(
                    deviation,
                    reason="Händelsen gäller bara den egna organisationen.",
                    report_instead="Rapportera i den egna organisationens avvikelsesystem.",
                    actor=secretary,
                    now=now,
                )
                continue
            original = self._original_of(deviation) if not planted and roll < 0.09 else None
            if original is not None:
                mark_duplicate(deviation, original, actor=secretary, now=now)
                continue
            request_answers(deviation, due_on=None, actor=secretary, now=now)
            if case.late:
                continue  # no answer day: still missing when the demo starts
            for concerned in deviation.concerned:
                if self.coordinators.get(concerned.organization_id):
                    late = self.random.random() < 0.2
                    wait = self.random.randint(30, 50) if late else self.random.randint(4, 22)
                    self.answer_days[(deviation.id, concerned.organization_id)] = day + timedelta(
                        days=wait
                    )

    def _original_of(self, deviation: Deviation) -> Deviation | None:
        return db.session.scalar(
            select(Deviation)
            .where(
                Deviation.region_id == self.region.id,
                Deviation.id < deviation.id,
                Deviation.group_id == deviation.group_id,
                Deviation.category_id == deviation.category_id,
                Deviation.duplicate_of_id.is_(None),
                Deviation.state.not_in([DeviationState.NOT_COLLABORATION]),
            )
            .order_by(Deviation.id.desc())
        )

    def _answer(self, day: date) -> None:
        for deviation in self._open(DeviationState.AWAITING_ANSWERS):
            for concerned in list(deviation.concerned):
                due = self.answer_days.get((deviation.id, concerned.organization_id))
                if due is None or due > day or concerned.status is not ConcernedStatus.PENDING:
                    continue
                if deviation.state is not DeviationState.AWAITING_ANSWERS:
                    break
                submit_answer(
                    deviation,
                    concerned.organization_id,
                    what_happened="Vi har gått igenom händelsen med berörd verksamhet.",
                    cause="Rutinen var inte känd av all personal, särskilt inte av vikarier.",
                    measures="Rutinen är genomgången på arbetsplatsträff.",
                    actor=self.coordinators[concerned.organization_id][0],
                    now=self.at(day, 11),
                )

    def _move_on_overdue(self, day: date) -> None:
        """The chair moves on two weeks after the deadline, without the missing answers."""
        for deviation in self._open(DeviationState.AWAITING_ANSWERS):
            if deviation.answer_due_on and day >= deviation.answer_due_on + timedelta(days=14):
                chair = _manager(deviation.group, MembershipRole.CHAIR)
                start_preparation(deviation, actor=chair, now=self.at(day, 12))

    def _meeting_work(self, day: date) -> None:
        for meeting in self.meetings:
            deadlines = deadlines_for(meeting.starts_at)
            group = meeting.group
            secretary = _manager(group, MembershipRole.SECRETARY)
            if day == deadlines.registration_closes:
                self._fill_agenda(group, secretary, self.at(day, 15))
            elif day == deadlines.notice_due:
                send_notice(meeting, actor=secretary, now=self.at(day, 9))
            elif day == deadlines.meeting_day:
                self._hold(meeting, secretary, day)
        keep = []
        for when, minutes, person in self.approvals:
            if when == day:
                approve(minutes, actor=person, now=self.at(day, 14))
            else:
                keep.append((when, minutes, person))
        self.approvals = keep

    def _fill_agenda(self, group: Group, secretary: User, now: datetime) -> None:
        reserved = {d.id for d in self.reserved}
        on_agenda = set(
            db.session.scalars(
                select(Matter.deviation_id).where(
                    Matter.group_id == group.id,
                    Matter.deviation_id.is_not(None),
                    Matter.meeting_id.is_not(None),
                )
            )
        )
        for deviation in self._open(DeviationState.IN_PREPARATION):
            if (
                deviation.group_id == group.id
                and deviation.id not in reserved
                and deviation.id not in on_agenda
            ):
                put_case_on_agenda(deviation, actor=secretary, now=now)

    def _present(self, meeting: Meeting) -> list[int]:
        """Everyone but a few, never so many that a principal loses its majority."""
        by_principal = defaultdict(list)
        present = []
        for membership in meeting.group.memberships:
            if not membership.active:
                continue
            if membership.counts_for_quorum:
                by_principal[membership.represented_organization_id].append(membership.id)
            else:
                present.append(membership.id)
        for ids in by_principal.values():
            spare = len(ids) - (len(ids) // 2 + 1)
            absent = set(self.random.sample(ids, min(spare, self.random.randint(0, 1))))
            present += [i for i in ids if i not in absent]
        return present

    def _hold(self, meeting: Meeting, secretary: User, day: date) -> None:
        after = self.at(day, 16, 30)
        record_attendance(meeting, self._present(meeting), actor=secretary, now=after)
        db.session.refresh(meeting, ["matters"])
        for matter in sorted(meeting.matters, key=lambda m: m.position):
            if matter.decision is not None or (matter.late and matter.late_accepted_by_id is None):
                continue
            self._decide(matter, secretary, day, after)
        minutes = draft_minutes(meeting, actor=secretary, now=after)
        save_discussion(
            minutes,
            {m.id: DISCUSSION for m in meeting.matters if m.kind is MatterKind.DEVIATION},
            actor=secretary,
            now=after,
        )
        adjusters = eligible_adjusters(meeting)
        chair = _manager(meeting.group, MembershipRole.CHAIR)
        if not adjusters or chair is None:
            return
        adjuster = self.random.choice(adjusters).user
        set_adjuster(minutes, adjuster, actor=secretary, now=after)
        # The latest meeting's minutes are still waiting for the adjuster when the demo starts.
        self.approvals.append((day + timedelta(days=3), minutes, chair))
        self.approvals.append((day + timedelta(days=7), minutes, adjuster))

    def _decide(self, matter: Matter, secretary: User, day: date, now: datetime) -> None:
        deviation = matter.deviation
        strategic = matter.group.level is GroupLevel.STRATEGIC
        if matter.kind is MatterKind.CLUSTER:
            record_decision(
                matter,
                outcome=DecisionOutcome.DECIDED,
                text=(
                    f"{self.strategic.display_name} ger {self.region_org.name}s slutenvård och "
                    "kommunens hemsjukvård i uppdrag att införa en gemensam kontroll av "
                    "inskrivningsmeddelanden inom ett dygn. Samverkansgruppen följer upp efter "
                    "sex månader."
                ),
                actor=secretary,
                now=now,
                follow_up_on=add_months(day, 6),
            )
            self.cluster_decided = day
            return
        if deviation is None or deviation.state not in (
            DeviationState.IN_PREPARATION,
            DeviationState.ESCALATED,
        ):
            record_decision(
                matter, outcome=DecisionOutcome.NOTED, text="", actor=secretary, now=now
            )
            return
        roll = self.random.random()
        # Each samverkansgrupp's latest meeting hands one case over, so LSVO has one waiting.
        latest = matter.meeting_id == self.latest.get(matter.group_id)
        if not strategic and (roll < 0.06 or (latest and matter.meeting_id not in self.referred)):
            self.referred.add(matter.meeting_id)
            record_decision(
                matter,
                outcome=DecisionOutcome.REFERRED_TO_LSVO,
                text=f"Händelsen berör flera kommuner och behöver beslut i "
                f"{self.strategic.display_name}.",
                actor=secretary,
                now=now,
            )
            return
        if not strategic and roll < 0.12:
            record_decision(
                matter,
                outcome=DecisionOutcome.POSTPONED,
                text="Ärendet bordläggs i väntan på kompletterande svar.",
                actor=secretary,
                now=now,
            )
            return
        owner = next((c.organization for c in deviation.concerned), self.region_org)
        due = day + timedelta(days=self.random.randint(21, 70))
        record_decision(
            matter,
            outcome=DecisionOutcome.DECIDED,
            text=(
                f"Gruppen beslutar att {owner.name} ser över sin rutin och informerar berörd "
                "personal. Åtgärden återrapporteras till gruppen."
            ),
            actor=secretary,
            now=now,
            action=ActionDraft(
                description=f"{owner.name} ser över rutinen och informerar personalen.",
                due_on=due,
                owner_organization=owner,
            ),
        )
        self.action_days[deviation.id] = due - timedelta(days=self.random.randint(0, 14))

    def _actions(self, day: date) -> None:
        for deviation in self._open(DeviationState.ACTIONS):
            done_on = self.action_days.get(deviation.id)
            if done_on is None or done_on > day or not deviation.actions:
                continue
            secretary = _manager(deviation.group, MembershipRole.SECRETARY)
            now = self.at(day, 13)
            for action in deviation.actions:
                if action.status.is_open:
                    set_action_status(action, ActionStatus.DONE, actor=secretary, now=now)
            start_follow_up(deviation, actor=secretary, now=now)
            self.close_days[deviation.id] = day + timedelta(days=self.random.randint(14, 45))
        for deviation in self._open(DeviationState.FOLLOW_UP):
            if self.close_days.get(deviation.id, self.today) <= day:
                chair = _manager(deviation.group, MembershipRole.CHAIR)
                close(
                    deviation,
                    evaluation="Åtgärden är genomförd och inga nya avvikelser av samma slag har "
                    "kommit in sedan dess.",
                    summary="Tack för din rapport. Berörd organisation har sett över sin rutin "
                    "och informerat personalen, och gruppen har följt upp att det fungerar.",
                    actor=chair,
                    now=self.at(day, 15),
                )

    # --- The cluster to LSVO and the improvement effort it starts ------------------------------

    def _cluster_work(self, day: date) -> None:
        if self.cluster is not None or not self.reserved or day.weekday() >= 5:
            return
        if any(d.state is not DeviationState.IN_PREPARATION for d in self.reserved):
            return
        group = self.reserved[0].group
        secretary = _manager(group, MembershipRole.SECRETARY)
        now = self.at(day, 10)
        name = "Sena inskrivningsmeddelanden till hemsjukvården"
        self.cluster = create_cluster(
            group,
            name=name,
            description="Fem avvikelser på tio veckor: inskrivningsmeddelandet kom efter ett dygn.",
            deviations=list(self.reserved),
            reason="Samma kategori och samma par av organisationer inom tre månader.",
            actor=secretary,
            now=now,
        )
        hand_over_cluster(
            self.cluster,
            ClusterPresentation(
                title=f"Kluster: {name}",
                background="Avvikelserna visar ett återkommande mönster mellan kommunens "
                "hemsjukvård och regionens slutenvård.",
                done_so_far="Båda parter har svarat. Rutinen för inskrivningsmeddelande är känd "
                "men följs inte vid hög beläggning.",
                proposal=f"{self.strategic.display_name} beslutar om en gemensam kontroll av "
                "inskrivningsmeddelanden.",
            ),
            actor=secretary,
            now=now,
        )

    def _effort_work(self, day: date) -> None:
        decided = getattr(self, "cluster_decided", None)
        lsvo_secretary = _manager(self.strategic, MembershipRole.SECRETARY)
        if decided is None or lsvo_secretary is None:
            return
        if self.effort is None and day >= decided + timedelta(days=7):
            now = self.at(day, 10)
            self.effort = start_effort(
                title="Inskrivningsmeddelande inom ett dygn",
                kind=EffortKind.DEVELOPMENT_EFFORT,
                owner_group=self.strategic,
                plan=ProjectPlan(
                    purpose="Hemsjukvården ska kunna planera hemgången från första vårddygnet.",
                    goal="95 procent av inskrivningsmeddelandena skickas inom ett dygn.",
                ),
                process=self.processes[0] if self.processes else None,
                cluster=self.cluster,
                actor=lsvo_secretary,
                now=now,
            )
            self.indicator = add_indicator(
                IndicatorSpec(
                    name="Inskrivningsmeddelanden inom ett dygn",
                    unit="procent",
                    direction=Direction.HIGHER_IS_BETTER,
                    baseline=71,
                    target=95,
                ),
                effort=self.effort,
                actor=lsvo_secretary,
                now=now,
            )
            add_effort_action(
                self.effort,
                description="Daglig kontroll av inskrivningsmeddelanden på vårdavdelningarna.",
                due_on=day + timedelta(days=45),
                owner_organization=self.region_org,
                owner_group=None,
                actor=lsvo_secretary,
                now=now,
            )
            change_status(self.effort, EffortStatus.ONGOING, actor=lsvo_secretary, now=now)
            months = [add_months(day.replace(day=1), -k) for k in range(6, 0, -1)]
            record_measurements(
                self.indicator,
                [(m, 70 + self.random.uniform(-3, 3)) for m in months],
                actor=lsvo_secretary,
                now=now,
            )
            self.change_on = day + timedelta(days=30)
        elif self.effort is not None and day.day == 1:
            now = self.at(day, 9)
            if self.effort.change_on is None and day >= self.change_on:
                for action in self.effort.actions:
                    set_effort_action_status(
                        self.effort, action, ActionStatus.DONE, actor=lsvo_secretary, now=now
                    )
                update_plan(
                    self.effort,
                    title=self.effort.title,
                    plan=ProjectPlan(purpose=self.effort.purpose, goal=self.effort.goal),
                    change_on=self.change_on,
                    actor=lsvo_secretary,
                    now=now,
                )
            month = add_months(day, -1)
            shifted = self.effort.change_on is not None and month >= self.effort.change_on
            value = (89 if shifted else 71) + self.random.uniform(-3, 3)
            record_measurements(
                self.indicator, [(month, round(value, 1))], actor=lsvo_secretary, now=now
            )

    # --- Staff proposals and the scheduled jobs ------------------------------------------------

    def _proposal_work(self, day: date) -> None:
        if not self.processes or self.processes[0].owner_group is None:
            return
        if day.weekday() == 2 and (day - self.start).days % 21 < 7:
            staff = self._reporters(self.random.choice([self.region_org, *self.municipalities]))
            proposal = submit_proposal(
                self.random.choice(self.processes),
                self.random.choice(
                    [
                        "Skicka inskrivningsmeddelandet automatiskt när patienten skrivs in.",
                        "En gemensam telefonlista för hemsjukvård och vårdcentral.",
                        "Läkemedelsgenomgång inför varje utskrivning till särskilt boende.",
                        "Mall för överrapportering som båda parter kan använda.",
                    ]
                ),
                actor=self.random.choice(staff),
                now=self.at(day, 14),
            )
            self.proposals.append((day + timedelta(days=self.random.randint(14, 40)), proposal))
        keep = []
        for when, proposal in self.proposals:
            process = proposal.process
            chair = (
                _manager(process.owner_group, MembershipRole.CHAIR) if process.owner_group else None
            )
            if when > day or chair is None:
                keep.append((when, proposal))
                continue
            outcome = self.random.choice(
                [
                    ProposalStatus.SMALL_ADJUSTMENT,
                    ProposalStatus.SMALL_ADJUSTMENT,
                    ProposalStatus.REJECTED,
                ]
            )
            triage_proposal(
                process,
                outcome=outcome,
                note="Rutinen är justerad efter förslaget."
                if outcome is ProposalStatus.SMALL_ADJUSTMENT
                else "Förslaget ryms inte i nuvarande överenskommelse.",
                proposal=proposal,
                actor=chair,
                now=self.at(day, 10),
            )
        self.proposals = keep

    def _jobs(self, day: date) -> None:
        """The scheduler's work in the last weeks, at the times it would have run it (jobs.py);
        earlier runs would only have sent what has long been read."""
        if day < self.today - timedelta(weeks=6):
            return
        if day.weekday() == 0:
            send_weekly_digest(now=self.at(day, 7))
        if day.weekday() in (0, 3):
            send_answer_reminders(now=self.at(day, 6, 10))
            send_meeting_reminders(now=self.at(day, 6, 20))
            send_action_reminders(now=self.at(day, 6, 30))

    # --- What came of it -----------------------------------------------------------------------

    def summary(self) -> Summary:
        states = dict(
            db.session.execute(
                select(Deviation.state, func.count(Deviation.id))
                .where(Deviation.region_id == self.region.id)
                .group_by(Deviation.state)
            ).all()
        )
        group_ids = [g.id for g in self.groups]
        return Summary(
            cases=sum(states.values()),
            states={state.value: count for state, count in states.items()},
            duplicates=db.session.scalar(
                select(func.count(Deviation.id)).where(
                    Deviation.region_id == self.region.id, Deviation.duplicate_of_id.is_not(None)
                )
            ),
            meetings=len(self.meetings),
            decisions=db.session.scalar(
                select(func.count(Decision.id))
                .join(Matter, Decision.matter_id == Matter.id)
                .where(Matter.group_id.in_(group_ids))
            ),
            minutes_approved=db.session.scalar(
                select(func.count(Minutes.id))
                .join(Meeting, Minutes.meeting_id == Meeting.id)
                .where(Meeting.group_id.in_(group_ids), Minutes.approved_at.is_not(None))
            ),
            clusters=db.session.scalar(
                select(func.count(Cluster.id)).where(Cluster.region_id == self.region.id)
            ),
            open_proposals=len(self.proposals),
        )
