"""Retention (gallring, services/retention.py) with the clock frozen past the limit: which cases
lose their text, what stays, the audit log's pruning, the dry run, the run record, a second run,
one region's setting against another's, and the case page and the search index afterwards."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from avvikelse.extensions import db
from avvikelse.models import (
    ActionStatus,
    Answer,
    AuditEntry,
    Cluster,
    ClusterCase,
    Decision,
    DecisionOutcome,
    Deviation,
    DeviationEvent,
    DeviationState,
    FourQuestions,
    GroupLevel,
    JobRun,
    Matter,
    MatterKind,
    Meeting,
    MembershipRole,
    Minutes,
    RaisedBy,
    Region,
    TargetGroup,
    WrittenView,
)
from avvikelse.services import annual_reports, dashboard, public_statistics, retention, search
from avvikelse.services import deviations as workflow
from avvikelse.services.retention import PURGED_TITLE, limit, purge_cases, sweep_retention

from .. import factories
from .conftest import at

NOW = datetime(2031, 6, 16, 10, 0, tzinfo=UTC)  # 12:00 in Stockholm
pytestmark = pytest.mark.clock(NOW)
TODAY = date(2031, 6, 16)
OVER = at(date(2026, 6, 15), 12)  # five years and one day before TODAY
UNDER = at(date(2026, 6, 17), 12)  # five years less one day
REPORT = "Fru Lindgren på Blåbärsvägen 3 kom hem utan läkemedelslista."
ANSWER = "Vår sjuksköterska Nils missade faxet den natten."
COMMENT = "Anhöriga ringde och berättade om hennes demens."
BACKGROUND = "Fru Lindgren har ringt tre gånger."
DECISION = "Rutinen för utskrivning ändras."
MINUTES_TEXT = "Gruppen beslutade att rutinen för utskrivning ändras."


def closed_case(w, closed_at: datetime, title: str = "Lindgren utan läkemedelslista"):
    """A case walked through the whole workflow, closed at `closed_at`, with a föredragning
    decided at a meeting whose minutes are approved."""
    day = timedelta(days=1)
    start = closed_at - 30 * day
    reported = factories.report(
        [w["regionorg"]],
        w["category"],
        title=title,
        description=REPORT,
        immediate_action="Ringde avdelningen.",
        proposal="Skicka listan elektroniskt.",
        agreement="Riktlinje för utskrivning",
        occurred_on=start.date() - 2 * day,
        discovered_on=start.date() - day,
    )
    case = workflow.submit_deviation(reported, actor=w["staff"], now=start)
    workflow.request_answers(case, due_on=None, actor=w["secretary"], now=start + day)
    workflow.add_comment(case, COMMENT, actor=w["chair"], now=start + 2 * day)
    workflow.submit_answer(
        case,
        w["regionorg"].id,
        what_happened=ANSWER,
        cause="Faxen var trasig.",
        measures="Ny fax.",
        actor=w["region_coordinator"],
        now=start + 3 * day,
    )
    meeting = Meeting(group=w["group"], starts_at=start + 10 * day, created_at=start)
    matter = Matter(
        group=w["group"],
        meeting=meeting,
        kind=MatterKind.DEVIATION,
        title=f"{case.number} {case.title}",
        raised_by=RaisedBy.SECRETARY,
        deviation=case,
        registered_at=start + 4 * day,
        background=BACKGROUND,
        done_so_far="Samordnarna har talat med varandra.",
        proposal="Ändra rutinen.",
        discussion="Gruppen diskuterade fru Lindgren.",
    )
    db.session.add_all([meeting, matter])
    db.session.add(
        WrittenView(matter=matter, user=w["member"], created_at=start + 5 * day, text=BACKGROUND)
    )
    decision = Decision(
        matter=matter,
        outcome=DecisionOutcome.DECIDED,
        text=DECISION,
        decided_at=start + 10 * day,
        recorded_by=w["secretary"],
        quorum={"met": True, "principals": []},
    )
    minutes = Minutes(
        meeting=meeting,
        approved_at=start + 12 * day,
        content={"matters": [{"title": matter.title, "decision": MINUTES_TEXT}]},
    )
    db.session.add_all([decision, minutes])
    db.session.add(
        FourQuestions(
            deviation=case,
            current_state="Fru Lindgren fick fel medicin.",
            updated_at=start + 5 * day,
            updated_by_id=w["chair"].id,
        )
    )
    cluster = Cluster(
        region_id=w["region"].id,
        group=w["group"],
        name="Utskrivningar",
        created_at=start,
        created_by=w["chair"],
    )
    db.session.add(cluster)
    db.session.add(
        ClusterCase(
            cluster=cluster,
            deviation=case,
            added_at=start,
            added_by=w["chair"],
            reason="Samma sak som hos fru Lindgrens granne.",
        )
    )
    workflow.decide(case, decision=DECISION, actor=w["chair"], now=start + 10 * day)
    action = workflow.add_action(
        case,
        description="Uppdatera rutinen",
        due_on=start.date() + 20 * day,
        owner_organization=w["regionorg"],
        owner_group=None,
        actor=w["secretary"],
        now=start + 11 * day,
    )
    workflow.set_action_status(action, ActionStatus.DONE, actor=w["chair"], now=start + 20 * day)
    workflow.start_follow_up(case, actor=w["chair"], now=start + 21 * day)
    workflow.close(
        case,
        evaluation="Fungerar för fru Lindgren.",
        summary="Rutinen är ändrad efter din rapport om fru Lindgren.",
        actor=w["chair"],
        now=closed_at,
    )
    db.session.flush()
    return case


def not_collaboration_case(region_world, closed_at: datetime) -> Deviation:
    """A case in another region, closed as not a collaboration deviation."""
    w = region_world
    reported = factories.report(
        [w["org"]],
        w["category"],
        description=REPORT,
        occurred_on=closed_at.date() - timedelta(days=3),
        discovered_on=closed_at.date() - timedelta(days=2),
    )
    case = workflow.submit_deviation(reported, actor=w["reporter"], now=closed_at - timedelta(1))
    workflow.mark_not_collaboration(
        case,
        reason="Gäller bara fru Lindgrens kommun.",
        report_instead="I kommunens eget system.",
        actor=w["chair"],
        now=closed_at,
    )
    db.session.flush()
    return case


def other_region(key: str) -> dict:
    region = factories.create_region(key, f"Region {key}")
    org = factories.create_organization(region, f"{key} kommun")
    group = factories.create_group(
        region,
        f"Samverkansgrupp {key}",
        level=GroupLevel.TACTICAL,
        target_group=TargetGroup.ELDERLY,
    )
    chair = factories.create_user(org, f"chair@{key}.example")
    factories.add_member(group, chair, MembershipRole.CHAIR)
    reporter = factories.create_user(org, f"staff@{key}.example")
    category = factories.create_category(region, "Informationsöverföring", 1)
    return {
        "region": region,
        "org": org,
        "group": group,
        "chair": chair,
        "reporter": reporter,
        "category": category,
    }


@pytest.fixture
def refs(app):
    """The world as (model, id) pairs: each test loads it into its own app context (fresh)."""
    with app.app_context():
        world = factories.case_world()
        world["over"] = closed_case(world, OVER, "Över gränsen")
        world["under"] = closed_case(world, UNDER, "Under gränsen")
        # Reported more than five years ago and still open (waiting for answers).
        world["open"] = workflow.submit_deviation(
            factories.report(
                [world["regionorg"]],
                world["category"],
                description=REPORT,
                occurred_on=date(2025, 1, 2),
                discovered_on=date(2025, 1, 3),
            ),
            actor=world["staff"],
            now=at(date(2025, 1, 3), 9),
        )
        workflow.request_answers(
            world["open"], due_on=None, actor=world["secretary"], now=at(date(2025, 1, 4), 9)
        )
        db.session.commit()
        return {name: (type(obj), obj.id) for name, obj in world.items()}


def fresh(refs) -> dict:
    return {name: db.session.get(model, id_) for name, (model, id_) in refs.items()}


def texts_of(case: Deviation) -> list:
    """Every free text retention removes, as stored."""
    db.session.expire_all()
    matters = db.session.scalars(select(Matter).where(Matter.deviation_id == case.id)).all()
    questions = db.session.scalars(
        select(FourQuestions).where(FourQuestions.deviation_id == case.id)
    ).all()
    links = db.session.scalars(select(ClusterCase).where(ClusterCase.deviation_id == case.id))
    return [
        case.description,
        case.immediate_action,
        case.proposal,
        case.agreement,
        case.evaluation,
        case.closing_summary,
        *(a.what_happened for a in case.answers),
        *(a.cause for a in case.answers),
        *(a.measures for a in case.answers),
        *(e.message for e in case.events),
        *(m.background for m in matters),
        *(m.done_so_far for m in matters),
        *(m.proposal for m in matters),
        *(m.discussion for m in matters),
        *(v.text for m in matters for v in m.written_views),
        *(q.current_state for q in questions),
        *(link.reason for link in links),
    ]


def is_purged(case: Deviation) -> bool:
    return case.purged_at is not None and not any(texts_of(case))


def test_the_limit_is_the_start_of_the_day_n_years_back_in_stockholm():
    assert limit(NOW, 5) == at(date(2026, 6, 16))
    # A leap day counts back to 28 February.
    assert limit(at(date(2032, 2, 29), 12), 5) == at(date(2027, 2, 28))


def test_over_the_limit_is_purged_under_it_and_open_cases_are_not(app, refs):
    with app.app_context():
        w = fresh(refs)
        summary = sweep_retention(now=NOW)
        db.session.commit()
        assert summary == {"regions": 1, "purged": 1, "audit_pruned": 0}
        over, under, still_open = (
            db.session.get(Deviation, w[k].id) for k in ("over", "under", "open")
        )
        assert is_purged(over)
        assert over.purged_at == NOW
        assert over.title == PURGED_TITLE
        assert db.session.scalar(select(Matter.title).where(Matter.deviation_id == over.id)) == (
            f"{over.number} {PURGED_TITLE}"
        )
        assert under.purged_at is None
        assert REPORT in texts_of(under)
        assert ANSWER in texts_of(under)
        assert still_open.purged_at is None
        assert still_open.description == REPORT
        assert still_open.state is DeviationState.AWAITING_ANSWERS


def test_numbers_classification_dates_decisions_and_approved_minutes_stay(app, refs):
    with app.app_context():
        w = fresh(refs)
        before = db.session.get(Deviation, w["over"].id)
        kept = {
            name: getattr(before, name)
            for name in (
                "number", "state", "category_id", "group_id", "target_group", "risk_score",
                "occurred_on", "submitted_at", "closed_at", "reporter_organization_id", "decision",
            )
        }  # fmt: skip
        events = [(e.kind, e.from_state, e.to_state, e.created_at) for e in before.events]
        sweep_retention(now=NOW)
        db.session.commit()
        db.session.expire_all()
        after = db.session.get(Deviation, w["over"].id)
        assert {name: getattr(after, name) for name in kept} == kept
        assert after.decision == DECISION
        assert [(e.kind, e.from_state, e.to_state, e.created_at) for e in after.events] == events
        assert [c.organization_id for c in after.concerned] == [w["regionorg"].id]
        assert [a.description for a in after.actions] == ["Uppdatera rutinen"]
        matter = db.session.scalar(select(Matter).where(Matter.deviation_id == after.id))
        assert matter.decision.text == DECISION
        minutes = matter.meeting.minutes[0]
        assert minutes.is_approved
        assert minutes.content["matters"][0]["decision"] == MINUTES_TEXT


def test_the_statistics_count_a_purged_case_as_before(app, refs):
    with app.app_context():
        w = fresh(refs)
        region, group = w["region"], w["group"]
        chair = w["chair"]
        filters = dashboard.Filters(start=date(2026, 1, 1), end=date(2026, 12, 31))

        def counted():
            db.session.expire_all()
            return (
                dashboard.figures(dashboard.scoped_cases(chair, filters), filters),
                public_statistics.region_statistics(region, 2026, quarter_label=str),
                annual_reports.contents(group, 2026, now=NOW).figures,
            )

        before = counted()
        assert before[0].total == 2
        assert before[0].closed == 2
        purge_cases(
            db.session.scalars(select(Deviation).where(Deviation.closed_at.is_not(None))).all(),
            now=NOW,
        )
        db.session.commit()
        assert counted() == before


def test_the_search_index_drops_the_purged_text(app, refs):
    with app.app_context():
        w = fresh(refs)
        chair = w["chair"]
        found = {hit.deviation.id for hit in search.search(chair, "Blåbärsvägen").hits}
        assert {w["over"].id, w["under"].id} <= found
        assert w["over"].id in {h.deviation.id for h in search.search(chair, "faxet").hits}
        sweep_retention(now=NOW)
        db.session.commit()
        found = {hit.deviation.id for hit in search.search(chair, "Blåbärsvägen").hits}
        assert w["over"].id not in found
        assert w["under"].id in found
        assert w["over"].id not in {h.deviation.id for h in search.search(chair, "faxet").hits}
        assert w["over"].id not in {h.deviation.id for h in search.search(chair, "gränsen").hits}
        # Nor do purged cases look alike by the placeholder that replaced their titles.
        purge_cases([w["under"]], now=NOW)
        db.session.commit()
        under = db.session.get(Deviation, w["under"].id)
        similar = {s.deviation.id: s.words for s in search.similar_cases(chair, under)}
        assert similar == {w["over"].id: []}  # by category and organizations only


def _audit(w, when: datetime, **kwargs) -> int:
    entry = AuditEntry(created_at=when, action="view", **kwargs)
    db.session.add(entry)
    db.session.flush()
    return entry.id


def test_the_audit_log_older_than_the_limit_is_pruned_and_newer_kept(app, refs):
    with app.app_context():
        w = fresh(refs)
        chair = w["chair"]
        old = {
            _audit(w, OVER, user_id=chair.id, deviation_id=w["under"].id),
            _audit(w, OVER, user_id=chair.id),  # no case: the user's region
            _audit(w, OVER),  # neither: the longest of all regions' limits
        }
        new = {
            _audit(w, UNDER, user_id=chair.id, deviation_id=w["under"].id),
            _audit(w, UNDER, user_id=chair.id),
            _audit(w, UNDER),
        }
        db.session.commit()
        summary = sweep_retention(now=NOW)
        db.session.commit()
        assert summary["audit_pruned"] == 3
        left = set(db.session.scalars(select(AuditEntry.id)))
        assert not old & left
        assert new <= left
        # The purge itself is in the log of the case.
        assert (
            db.session.scalar(
                select(AuditEntry.action).where(
                    AuditEntry.deviation_id == w["over"].id, AuditEntry.created_at == NOW
                )
            )
            == "retention_purge"
        )


def _snapshot():
    db.session.expire_all()
    return (
        db.session.execute(
            select(Deviation.id, Deviation.title, Deviation.description, Deviation.purged_at)
        ).all(),
        db.session.execute(select(Answer.id, Answer.what_happened)).all(),
        db.session.execute(select(DeviationEvent.id, DeviationEvent.message)).all(),
        db.session.execute(select(AuditEntry.id)).all(),
        db.session.scalar(select(func.count()).select_from(JobRun)),
    )


def test_the_dry_run_shows_what_would_go_and_changes_nothing(app, refs, runner):
    with app.app_context():
        w = fresh(refs)
        over, under = w["over"].number, w["under"].number
        _audit(w, OVER, user_id=w["chair"].id)
        db.session.commit()
        before = _snapshot()
    result = runner.invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "torrkörning 2031-06-16: ingenting ändras" in result.output
    assert "1 ärenden avslutade före 2026-06-16 (5 år)" in result.output
    assert f"{over} avslutat 2026-06-15: 1 svar" in result.output
    assert under not in result.output
    assert "1 rader i granskningsloggen" in result.output
    with app.app_context():
        assert _snapshot() == before
    refused = runner.invoke(args=["retention", "--region", "testregion"])
    assert refused.exit_code != 0
    assert "--region går bara med --dry-run" in refused.output
    unknown = runner.invoke(args=["retention", "--dry-run", "--region", "finns-inte"])
    assert unknown.exit_code != 0
    assert "Regionen 'finns-inte' finns inte" in unknown.output


def test_each_run_is_recorded_and_a_second_run_changes_nothing(app, refs, runner):
    first = runner.invoke(args=["retention"])
    assert first.exit_code == 0, first.output
    assert "'purged': 1" in first.output
    with app.app_context():
        after_first = _snapshot()[:4]
    second = runner.invoke(args=["jobs", "run", "retention_sweep"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert _snapshot()[:4] == after_first
        runs = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
        assert [(r.job, r.ok) for r in runs] == [("retention_sweep", True)] * 2
        assert runs[0].summary == {"regions": 1, "purged": 1, "audit_pruned": 0}
        assert runs[1].summary == {"regions": 1, "purged": 0, "audit_pruned": 0}


def test_one_regions_setting_does_not_purge_another_regions_cases(app, refs):
    with app.app_context():
        w = fresh(refs)
        short = other_region("kort")
        short["region"].retention_years = 1
        short["region"].audit_retention_years = 5
        w["region"].audit_retention_years = 10
        two_years_ago = at(date(2029, 6, 1), 12)
        short_case = not_collaboration_case(short, two_years_ago)
        long_case = closed_case(w, two_years_ago, "Två år gammalt")
        six_years_ago = at(date(2025, 6, 1), 12)
        short_log = _audit(w, six_years_ago, user_id=short["chair"].id)
        long_log = _audit(w, six_years_ago, user_id=w["chair"].id, deviation_id=long_case.id)
        db.session.commit()
        summary = sweep_retention(now=NOW)
        db.session.commit()
        # The short region's two-year-old case, and `over` under the test region's five years;
        # its ten years of audit log are its own and leave its case text alone.
        assert summary["purged"] == 2
        assert is_purged(db.session.get(Deviation, short_case.id))
        short_case = db.session.get(Deviation, short_case.id)
        assert short_case.not_collaboration_reason == ""
        assert short_case.closing_summary == ""
        assert db.session.get(Deviation, long_case.id).purged_at is None
        assert db.session.get(Deviation, w["over"].id).purged_at is not None
        assert db.session.get(AuditEntry, short_log) is None
        assert db.session.get(AuditEntry, long_log) is not None


def test_a_region_that_fails_is_reported_and_the_others_go_on(app, refs, monkeypatch):
    with app.app_context():
        w = fresh(refs)
        short = other_region("kort")
        short["region"].retention_years = 1
        short_case = not_collaboration_case(short, at(date(2029, 6, 1), 12))
        db.session.commit()
        purge = retention.purge_cases

        def broken(cases, *, now):
            if any(case.region_id == short["region"].id for case in cases):
                raise RuntimeError("disken är full")
            purge(cases, now=now)

        monkeypatch.setattr(retention, "purge_cases", broken)
        summary = retention.sweep_retention(now=NOW)
        db.session.commit()
        assert summary == {
            "regions": 2,
            "purged": 1,
            "audit_pruned": 0,
            "errors": ["kort: RuntimeError: disken är full"],
        }
        assert db.session.get(Deviation, short_case.id).purged_at is None
        assert db.session.get(Deviation, w["over"].id).purged_at is not None


def test_the_case_page_says_the_text_was_removed_and_when(app, refs, client, auth):
    with app.app_context():
        sweep_retention(now=NOW)
        db.session.commit()
    auth.login("chair@test.example")
    page = client.get(f"/avvikelser/{refs['over'][1]}").get_data(as_text=True)
    assert "Gallrat ärende" in page
    assert "Fritexten i ärendet togs bort genom gallring den 2031-06-16" in page
    assert "Ärendet avslutades 2026-06-15" in page
    assert "Blåbärsvägen" not in page
    assert "Nils" not in page
    assert "demens" not in page
    assert DECISION in page
    kept = client.get(f"/avvikelser/{refs['under'][1]}").get_data(as_text=True)
    assert "gallring" not in kept
    assert "Blåbärsvägen" in kept


def test_the_shipped_region_files_keep_five_years(app):
    from avvikelse.services.regions import load_region

    with app.app_context():
        load_region("blekinge")
        region = db.session.scalar(select(Region).where(Region.key == "blekinge"))
        assert (region.retention_years, region.audit_retention_years) == (5, 5)


def test_the_region_file_checks_the_retention_settings(tmp_path, app):
    from avvikelse.services.regions import RegionFileError, load_region

    source = (
        '[region]\nkey = "liten"\nname = "Liten"\nretention_years = 0\n'
        'audit_retention_years = 4\n\n[[organizations]]\nkey = "k"\nname = "K"\n'
        'kind = "municipality"\n'
    )
    path = tmp_path / "liten.toml"
    path.write_text(source, encoding="utf-8")
    with app.app_context(), pytest.raises(RegionFileError) as error:
        load_region(str(path))
    assert '"retention_years" måste vara minst 1' in str(error.value)
    assert '"audit_retention_years" måste vara minst 5' in str(error.value)
