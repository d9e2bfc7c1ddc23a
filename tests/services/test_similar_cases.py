"""The case page's similar earlier cases (services/search.py similar_cases): which are offered,
in which order, and the cap on the candidates each index gives."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from avvikelse.extensions import db
from avvikelse.models import TargetGroup
from avvikelse.services import search
from avvikelse.services.deviations import submit_deviation

from .. import factories

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def world(app, clock):
    with app.app_context():
        data = factories.case_world()
        factories.create_group(
            data["region"], "Samverkansgrupp Barn", target_group=TargetGroup.CHILDREN_YOUTH
        )
        data["other_category"] = factories.create_category(data["region"], "Läkemedel", 2)
        data["clock"] = clock
        db.session.commit()
        yield data


def _case(world, title, *, concerned="regionorg", category="category", day=None, **overrides):
    """A case reported a minute after the last, so each is earlier than the next."""
    world["clock"].advance(timedelta(minutes=1))
    day = day or date(2026, 11, 20)
    return submit_deviation(
        factories.report(
            [world[concerned]],
            world[category],
            title=title,
            description="-",
            occurred_on=day,
            discovered_on=day,
            **overrides,
        ),
        actor=world["staff"],
        now=world["clock"].at,
    )


def _offered(world, case) -> list[tuple[str, bool, bool, list[str]]]:
    return [
        (s.deviation.title, s.same_category, s.same_pair, s.words)
        for s in search.similar_cases(world["chair"], case)
    ]


def test_category_and_pair_first_then_shared_words_then_newest(world):
    _case(world, "Ordinationsblanketten och läkemedelslistan saknades")  # pair and category
    _case(world, "Läkemedelslistan saknades", concerned="other")  # category only
    _case(world, "Ordinationsblanketten saknades", category="other_category")  # pair only
    _case(
        world,
        "Läkemedelslistan och ordinationsblanketten",
        concerned="other",
        category="other_category",
    )
    _case(world, "Läkemedelslistan kom fram")  # pair and category, fewer words, newer
    _case(world, "Ordinationsblanketten saknades", day=date(2025, 10, 1))  # before the window
    _case(world, "Läkemedelslistan saknades", target_group=TargetGroup.CHILDREN_YOUTH)  # not seen
    case = _case(world, "Läkemedelslistan och ordinationsblanketten saknades")
    _case(world, "Läkemedelslistan och ordinationsblanketten saknades")  # reported later
    assert _offered(world, case) == [
        (
            "Ordinationsblanketten och läkemedelslistan saknades",
            True,
            True,
            ["ordinationsblanketten", "läkemedelslistan", "saknades"],
        ),
        ("Läkemedelslistan kom fram", True, True, ["läkemedelslistan"]),
        # The first world case: same category and pair, none of the words.
        ("Utskrivning utan inskrivningsmeddelande", True, True, []),
        # One of the two in common and as many words: the newer first.
        ("Ordinationsblanketten saknades", False, True, ["ordinationsblanketten", "saknades"]),
        ("Läkemedelslistan saknades", True, False, ["läkemedelslistan", "saknades"]),
    ]
    # Words alone, with neither the category nor a pair in common, are not enough.
    assert "Läkemedelslistan och ordinationsblanketten" not in {
        s.deviation.title for s in search.similar_cases(world["chair"], case, limit=20)
    }


def test_each_index_gives_only_its_newest_candidates(world, monkeypatch):
    monkeypatch.setattr(search, "SIMILAR_CANDIDATES", 2)
    _case(world, "Ordinationsblanketten och läkemedelslistan saknades", concerned="other")
    _case(world, "Läkemedelslistan saknades", concerned="other")
    _case(world, "Kom fram", concerned="other")
    case = _case(world, "Läkemedelslistan och ordinationsblanketten saknades", concerned="other")
    # The oldest shares the most words, but the category's two newest earlier cases are the
    # candidates (the world's own case shares no pair with these and is older still).
    assert [title for title, *_ in _offered(world, case)] == [
        "Läkemedelslistan saknades",
        "Kom fram",
    ]


def _statements(world, case) -> int:
    seen = []

    def note(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        search.similar_cases(world["chair"], case)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(seen)


def test_the_statements_do_not_grow_with_the_candidates(world):
    """Both indexes' candidates, the rule and the shared pair are one statement, the offered
    cases one more: no id list goes back and forth (issue 15)."""
    few = _case(world, "Läkemedelslistan saknades")
    db.session.expire_all()
    before = _statements(world, few)
    for number in range(12):
        _case(world, f"Ordinationsblanketten saknades {number}")
    many = _case(world, "Läkemedelslistan och ordinationsblanketten saknades")
    db.session.expire_all()
    assert len(search.similar_cases(world["chair"], many, limit=20)) > 10
    db.session.expire_all()
    assert _statements(world, many) == before
