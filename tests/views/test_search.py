"""The search page (issue 15): ranked hits among the visible cases, in a fixed number of
statements whatever the number of hits."""

import re

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from avvikelse.extensions import db
from avvikelse.models import Deviation, OrganizationKind, TargetGroup, User
from avvikelse.models.search import region_lexeme
from avvikelse.permissions import visible_deviations, visible_id_bound
from avvikelse.services import deviations, search

from .. import factories
from .test_inbox import add_cases, now, w  # noqa: F401 - the fixture

QUERY = {"q": "utskrivning inskrivningsmeddelande"}


def search_statements(client) -> list[str]:
    statements = []

    def count_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count_statement)
    try:
        # 200, not 500: a lazy load while rendering would raise (raiseload) and fail the page.
        assert client.post("/sok/", data=QUERY).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", count_statement)
    return statements


@pytest.mark.parametrize(
    "email",
    [
        "admin@test.example",
        "chair@test.example",
        "member@test.example",
        "coord.region@test.example",
        "staff@test.example",
    ],
)
def test_search_statements_do_not_grow_with_hits(app, client, w, auth, email):  # noqa: F811
    auth.login(email)
    client.post("/sok/", data=QUERY)  # warm up
    few = search_statements(client)
    add_cases(app, w, 25)
    many = search_statements(client)
    assert len(few) == len(many)


def test_the_id_bound_holds_every_case_the_user_may_see(app, w):  # noqa: F811
    """Search drops every match outside the user's region and visible_id_bound before the rule
    runs: they must hold all that the rule lets the user see, for every kind of user."""
    add_cases(app, w, 3)
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        assert len(users) > 5
        for user in users:
            visible = set(
                db.session.scalars(visible_deviations(user).with_only_columns(Deviation.id))
            )
            bound = visible_id_bound(user)
            if bound is None:  # the user's region bounds what they see
                bound = select(Deviation.id).where(
                    Deviation.region_id == user.organization.region_id
                )
            assert visible <= set(db.session.scalars(bound)), user.email


def test_a_hit_marks_the_words_it_matched_and_escapes_the_rest():
    body = "Läkemedelslistan <b>saknades</b> och " + "ord " * 30 + "hemtjänsten visste inget."
    snippet = search.mark(search._snippet(body, ["hemtjänst", "läkemedel"]))
    assert snippet.startswith("<mark>Läkemedelslistan</mark> &lt;b&gt;saknades&lt;/b&gt;")
    assert snippet.endswith("…")
    later = search.mark(search._snippet(body, ["hemtjänst"]))
    assert later.startswith("…")
    assert "<mark>hemtjänsten</mark> visste inget." in later
    assert search._snippet(body, ["zebra"]).startswith("Läkemedelslistan <b>saknades</b>")


def test_the_index_matches_within_the_users_region_and_only_in_the_text(app, w):  # noqa: F811
    """The index itself keeps the words to the region (the join with the rule would hide another
    region's case anyway, but only after walking it), and the region's own token or lexeme is no
    word a user can search for."""
    home_cases = add_cases(app, w, 2)
    with app.app_context():
        other = factories.create_region("annan", "Annan region")
        municipality = factories.create_organization(other, "Annan kommun")
        counterpart = factories.create_organization(
            other, "Annan region", kind=OrganizationKind.REGION
        )
        category = factories.create_category(other, "Utskrivning")
        factories.create_group(other, "Samverkansgrupp Äldre", target_group=TargetGroup.ELDERLY)
        reporter = factories.create_user(municipality, "annan@test.example")
        foreign = deviations.submit_deviation(
            factories.report([counterpart], category), actor=reporter, now=now()
        )
        db.session.commit()
        chair = db.session.scalar(select(User).where(User.email == "chair@test.example"))
        home_hits = {hit.deviation.id for hit in search.search(chair, "utskrivning").hits}
        assert set(home_cases) <= home_hits
        assert foreign.id not in home_hits
        assert [hit.deviation.id for hit in search.search(reporter, "utskrivning").hits] == [
            foreign.id
        ]
        region_id = chair.organization.region_id
        index_matches = set(
            db.session.scalars(select(search._hits(["utskrivning"], region_id=region_id).c.id))
        )
        assert set(home_cases) <= index_matches
        assert foreign.id not in index_matches
        for token in (f"r{region_id}", region_lexeme(region_id)):
            assert search.search(chair, token).hits == [], token


@pytest.mark.parametrize("few", [False, True])
def test_a_search_reads_only_its_regions_partition(app, few):
    """The index is split by region (models/search.py PARTITIONS): both search paths name the
    region, so the plan reads one partition on PostgreSQL, and on SQLite the region's own FTS5
    table, never the country's index."""
    with app.app_context():
        statement = select(search._hits(["utskrivning"], region_id=7, few=few).c.id).compile(
            db.engine, compile_kwargs={"literal_binds": True}
        )
        if db.engine.dialect.name == "postgresql":
            plan = "\n".join(db.session.scalars(text(f"EXPLAIN (COSTS OFF) {statement}")))
        else:
            rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {statement}"))
            plan = "\n".join(row[-1] for row in rows)
            assert "deviation_search_p07" in plan, plan
        assert len(set(re.findall(r"deviation_search_p\d+", plan))) == 1, plan
