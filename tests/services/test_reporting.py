"""The reporter's side without HTTP: form options, the warnings step, drafts, Mina rapporter."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import InvalidRequestError

from avvikelse.extensions import db
from avvikelse.models import DeviationDraft, OrganizationKind
from avvikelse.services import reporting
from avvikelse.services.deviations import delete_draft
from avvikelse.services.errors import WorkflowError
from avvikelse.services.personal_data import PersonalDataError

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def w(app):
    with app.app_context():
        yield factories.case_world()


def test_options_offer_the_active_rows_of_the_region(w):
    region = w["region"]
    top = w["category"]
    child = factories.create_category(region, "Saknat meddelande", 1, parent=top)
    retired = factories.create_category(region, "Gammal", 2)
    retired.retired_at = NOW
    factories.create_category(region, "Under gammal", 1, parent=retired)
    retired_child = factories.create_category(region, "Avvecklad", 2, parent=top)
    retired_child.retired_at = NOW
    private = factories.create_organization(
        region, "Vårdbolaget", kind=OrganizationKind.PRIVATE_PROVIDER
    )
    closed = factories.create_organization(region, "Nedlagd kommun")
    closed.active = False
    elsewhere = factories.create_organization(factories.create_region("annan"), "Borta kommun")
    factories.create_unit(w["regionorg"], "Akuten")

    options = reporting.report_options(w["staff"])

    assert options.categories == [(top, [child])]
    names = [o.name for o in options.organizations]
    assert names == ["Annanby kommun", "Testby kommun", "Region Test", "Vårdbolaget"]
    assert private in options.organizations
    assert closed not in options.organizations
    assert elsewhere not in options.organizations
    assert options.units == [w["unit"]]
    assert options.account_unit_id == w["unit"].id


def test_warnings_stop_once_and_the_draft_goes_with_the_report(w):
    draft = reporting.save_report_draft(w["staff"], {"title": "Utkast"}, now=NOW)
    report = factories.report(
        [w["regionorg"]], w["category"], description="Ring 0455-73 10 00 eller a.b@example.se."
    )
    with pytest.raises(reporting.PersonalDataWarning) as raised:
        reporting.submit_report(report, actor=w["staff"], now=NOW, draft=draft)
    assert set(raised.value.field_messages()) == {"description"}
    assert len(raised.value.field_messages()["description"]) == 2
    assert db.session.get(DeviationDraft, draft.id) is not None

    deviation = reporting.submit_report(
        report, actor=w["staff"], now=NOW, draft=draft, warnings_seen=True
    )
    assert deviation.number == "AV-2026-0002"
    assert db.session.get(DeviationDraft, draft.id) is None


def test_identity_numbers_are_refused_even_after_the_warnings(w):
    report = factories.report([w["regionorg"]], w["category"], proposal="Gäller 191212121212")
    with pytest.raises(PersonalDataError) as raised:
        reporting.submit_report(report, actor=w["staff"], now=NOW, warnings_seen=True)
    assert set(raised.value.field_messages()) == {"proposal"}


def test_a_resent_token_returns_the_case_it_made(w):
    report = factories.report(
        [w["regionorg"]], w["category"], token=w["deviation"].submission_token
    )
    draft = reporting.save_report_draft(w["staff"], {"title": "Igen"}, now=NOW)
    same = reporting.submit_report(report, actor=w["staff"], now=NOW, draft=draft)
    assert same is w["deviation"]
    assert db.session.get(DeviationDraft, draft.id) is None


def test_drafts_refuse_identity_numbers_and_belong_to_their_author(w):
    with pytest.raises(PersonalDataError):
        reporting.save_report_draft(w["staff"], {"description": "Brukaren 121212-1212"}, now=NOW)
    draft = reporting.save_report_draft(
        w["staff"], {"title": "Ring 070-123 45 67", "probability": "9"}, now=NOW
    )
    assert draft.data == {"title": "Ring 070-123 45 67", "probability": "9"}
    assert reporting.find_draft(draft.id, w["staff"]) is draft
    assert reporting.find_draft(draft.id, w["member"]) is None
    with pytest.raises(WorkflowError):
        delete_draft(draft, user=w["member"])
    later = reporting.save_report_draft(w["staff"], {"title": "Senare"}, now=NOW + timedelta(1))
    assert reporting.user_drafts(w["staff"]) == [later, draft]
    assert reporting.user_drafts(w["staff"], limit=1) == [later]
    assert reporting.user_drafts(w["member"]) == []


def test_my_reports_pages_by_keyset_and_loads_nothing_lazily(w):
    mine = [w["deviation"]]
    for minutes in range(1, 5):
        mine.append(
            reporting.submit_report(
                factories.report([w["regionorg"]], w["category"]),
                actor=w["staff"],
                now=NOW + timedelta(minutes=minutes),
            )
        )
    reporting.submit_report(
        factories.report([w["regionorg"]], w["category"]), actor=w["member"], now=NOW
    )
    db.session.flush()
    db.session.expire_all()

    first = reporting.my_reports(w["staff"], size=3)
    assert [d.id for d in first.deviations] == [d.id for d in reversed(mine)][:3]
    assert first.next_cursor == (NOW + timedelta(minutes=2), mine[2].id)
    assert first.deviations[0].category.name == "Informationsöverföring"
    with pytest.raises(InvalidRequestError):
        first.deviations[0].concerned  # noqa: B018 - the access itself is the test

    second = reporting.my_reports(w["staff"], fore=first.next_cursor, size=3)
    assert [d.id for d in second.deviations] == [mine[1].id, mine[0].id]
    assert second.next_cursor is None
