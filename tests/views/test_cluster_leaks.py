"""Issue 12 point 2: a cluster and the processråd show of each case only what
visible_deviations lets the reader see.

LSVO's chair manages every cluster of the region (it may help the group), but the cases stay
the group's until they are handed over: before that, LSVO's chair gets 404 on each case and so
must not read their titles or answers on the cluster page or in its prefilled föredragning.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from avvikelse.extensions import db
from avvikelse.models import Cluster, Deviation, EffortKind, Group, Process, User
from avvikelse.services import clusters, dates, improvement
from avvikelse.services import deviations as workflow

from .. import factories

TITLE = "Hemlig rubrik om utskrivning zebra"
ANSWER = "Svaret från regionen om giraff-rutinen"


@pytest.fixture
def cluster_world(app):
    with app.app_context():
        w = factories.case_world()
        now = dates.now()
        today = dates.local_today(now)
        cases = [w["deviation"]]
        for day in (1, 2):
            cases.append(
                workflow.submit_deviation(
                    factories.report(
                        [w["regionorg"]],
                        w["category"],
                        title=f"{TITLE} {day}",
                        occurred_on=today - timedelta(days=3 + day),
                        discovered_on=today - timedelta(days=3 + day),
                    ),
                    actor=w["staff"],
                    now=now,
                )
            )
        workflow.request_answers(
            cases[1], due_on=today + timedelta(days=20), actor=w["chair"], now=now
        )
        workflow.submit_answer(
            cases[1],
            w["regionorg"].id,
            what_happened=ANSWER,
            cause="Orsaken",
            measures="Åtgärden",
            actor=w["region_coordinator"],
            now=now,
        )
        cluster = clusters.create_cluster(
            w["group"],
            name="Utskrivningar",
            description=None,
            deviations=cases,
            reason="Samma mönster",
            actor=w["chair"],
            now=now,
        )
        db.session.commit()
        return {
            "cluster": cluster.id,
            "numbers": [c.number for c in cases],
            "ids": [c.id for c in cases],
        }


def test_lsvo_chair_reads_the_cluster_without_the_groups_cases(client, auth, cluster_world):
    auth.login("lsvo.chair@test.example")
    for case_id in cluster_world["ids"]:
        assert client.get(f"/avvikelser/{case_id}").status_code == 404
    page = client.get(f"/kluster/{cluster_world['cluster']}").get_data(as_text=True)
    assert "Utskrivningar" in page
    assert "Ärenden (3)" in page
    assert "3 ärenden hör till grupper du inte är med i" in page
    for secret in (TITLE, ANSWER, "Orsaken", "Samma mönster", *cluster_world["numbers"]):
        assert secret not in page, secret
    # The prefilled föredragning counts the cases it may not name.
    assert "Länkade avvikelser (3):" in page
    assert "3 av dem kan du inte se" in page
    assert "Ett ärende som du inte kan se lades till" in page


def test_the_group_chair_reads_every_case_of_the_cluster(client, auth, cluster_world):
    auth.login("chair@test.example")
    page = client.get(f"/kluster/{cluster_world['cluster']}").get_data(as_text=True)
    assert TITLE in page
    assert ANSWER in page
    assert "kan du inte se" not in page
    for number in cluster_world["numbers"]:
        assert f"{number} lades till: Samma mönster" in page


def test_presentation_names_only_visible_cases(app, cluster_world):
    with app.app_context():
        cluster = db.session.get(Cluster, cluster_world["cluster"])
        lsvo_chair = db.session.scalar(select(User).where(User.email == "lsvo.chair@test.example"))
        chair = db.session.scalar(select(User).where(User.email == "chair@test.example"))
        hidden = clusters.cluster_presentation(cluster, viewer=lsvo_chair)
        full = clusters.cluster_presentation(cluster, viewer=chair)
        text = hidden.background + hidden.done_so_far + hidden.proposal
        assert TITLE not in text
        assert ANSWER not in text
        assert TITLE in full.background
        assert ANSWER in full.done_so_far
        assert db.session.get(Group, cluster.group_id).name in hidden.proposal
        assert all(db.session.get(Deviation, i).number not in text for i in cluster_world["ids"])


# --- The processråd --------------------------------------------------------------------------

CASE_PROPOSAL = "Inför en gemensam checklista vid utskrivning, okapi-modellen."
STAFF_PROPOSAL = "Samla kontaktuppgifterna på ett ställe."


@pytest.fixture
def council_world(app):
    """A county-wide process owned by LSVO, a report proposing a change to it (a case LSVO's
    members may not open) and a staff proposal."""
    with app.app_context():
        w = factories.case_world()
        now = dates.now()
        process = Process(region_id=w["region"].id, name="Trygg utskrivning", owner_group=w["lsvo"])
        db.session.add(process)
        db.session.flush()
        case = workflow.submit_deviation(
            factories.report(
                [w["regionorg"]],
                w["category"],
                title=TITLE,
                process_id=process.id,
                proposal=CASE_PROPOSAL,
            ),
            actor=w["staff"],
            now=now,
        )
        improvement.submit_proposal(process, STAFF_PROPOSAL, actor=w["member"], now=now)
        db.session.commit()
        return {"process": process.id, "case": case.id, "number": case.number}


def test_council_shows_a_reports_proposal_but_not_the_case(client, auth, council_world):
    """The decision documented on views/processes.py CouncilPage."""
    auth.login("lsvo.member@test.example")
    assert client.get(f"/avvikelser/{council_world['case']}").status_code == 404
    page = client.get(f"/processer/{council_world['process']}/processrad").get_data(as_text=True)
    assert CASE_PROPOSAL in page
    assert "ärende som du inte kan öppna" in page
    for secret in (council_world["number"], TITLE, "Stina Personal", "Hemtjänst"):
        assert secret not in page, secret
    # A staff proposal is signed: the proposer wrote to the processråd in their own name.
    assert STAFF_PROPOSAL in page
    assert "Mats Medlem" in page


def test_council_links_the_case_for_a_member_who_may_open_it(app, client, auth, council_world):
    with app.app_context():
        process = db.session.get(Process, council_world["process"])
        process.owner_group_id = db.session.scalar(
            select(Group.id).where(Group.name == "Samverkansgrupp Äldre")
        )
        db.session.commit()
    auth.login("chair@test.example")
    page = client.get(f"/processer/{council_world['process']}/processrad").get_data(as_text=True)
    assert f'<a href="/avvikelser/{council_world["case"]}">{council_world["number"]}</a>' in page
    assert "Stina Personal" not in page


def test_effort_names_its_case_only_to_whoever_may_open_it(app, client, auth, council_world):
    """The processråd's members read an effort of their process; its source case stays the
    group's (the same rule as the case proposals above)."""
    with app.app_context():
        chair = db.session.scalar(select(User).where(User.email == "chair@test.example"))
        effort = improvement.start_effort(
            title="Checklista vid utskrivning",
            kind=EffortKind.SMALL_ADJUSTMENT,
            owner_group=db.session.scalar(
                select(Group).where(Group.name == "Samverkansgrupp Äldre")
            ),
            process=db.session.get(Process, council_world["process"]),
            deviation=db.session.get(Deviation, council_world["case"]),
            actor=chair,
            now=dates.now(),
        )
        db.session.commit()
        effort_id = effort.id
    auth.login("lsvo.member@test.example")
    page = client.get(f"/forbattring/{effort_id}").get_data(as_text=True)
    assert "Checklista vid utskrivning" in page
    assert council_world["number"] not in page
    assert "ärende som du inte kan öppna" in page
    auth.logout()
    auth.login("chair@test.example")
    page = client.get(f"/forbattring/{effort_id}").get_data(as_text=True)
    assert council_world["number"] in page
