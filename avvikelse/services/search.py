"""Full-text search, on SQLite FTS5 or PostgreSQL's swedish tsvector, and similar deviations.

Both engines get the same input: the user's words, reduced to letters and digits, each matched
as a prefix (Swedish compounds are not split by either engine: "läkemedel*" finds
"läkemedelslista", PERFORMANCE.md 1.7). The index's ranked matches are joined with
visible_deviations(user) before the limit, so a user whose cases are few still finds them among
many matches elsewhere, and nobody sees a case they could not open. Nothing is capped before
that join: the order and the pages are those of every visible match (issue 15).

The work grows with the matches, not the hits shown: the index matches only in the user's
region (SQLite's region column, PostgreSQL's region lexeme); on SQLite the planner walks the
MATCH and drops the matches outside permissions.visible_id_bound (a few-case user's own ids,
from indexes); then the rest's case rows are read for the rule and the visible ones ranked.
A page of hits is then loaded and marked in a fixed number of statements.

Matches are marked with two private characters (by ts_headline on PostgreSQL, by _snippet from
the index's stored text on SQLite), the text is escaped, and only then are the marks turned into
<mark>, so a case's text can never inject markup.
"""

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import Float, Integer, column, false, select, text, union
from sqlalchemy.orm import load_only, raiseload, selectinload

from ..db import db
from ..models import Deviation, RecurrenceKey, Region
from ..models.search import TEXT_COLUMNS, region_lexeme, sqlite_partition
from ..permissions import visible_deviations, visible_id_bound
from .dates import local_midnight, months_before
from .recurrence import deviation_keys

WORD = re.compile(r"\w+", re.UNICODE)
START, STOP = "\u27e6", "\u27e7"
# How deep the pages of a search go (limited pagination: ranking reads no further).
HIT_CAP = 200
PER_PAGE = 20
MAX_TERMS = 8
SNIPPET_TOKENS = 18

STOPWORDS = frozenset(
    """och att det som en ett är på av för med till den har inte om var vi de kan så men
    från vid eller när sig där också efter ska skulle hade blev inga ingen utan under mot
    hos dem detta denna dessa alla andra över även samt sin sina sitt han hon honom henne
    patienten patient""".split()
)


def terms(query: str) -> list[str]:
    """The words of a query, lower-cased, at most MAX_TERMS, nothing the engines parse."""
    words = []
    for word in WORD.findall(query.casefold().replace("_", " ")):
        if len(word) >= 2 and word not in words:
            words.append(word)
    return words[:MAX_TERMS]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _match_expression(words: list[str], *, any_word: bool) -> str:
    if _dialect() == "postgresql":
        return (" | " if any_word else " & ").join(f"{w}:*" for w in words)
    return (" OR " if any_word else " AND ").join(f'"{w}"*' for w in words)


def _hits(words: list[str], *, region_id: int, few: bool = False):
    """A subquery (id, score) of every match in the region, lower score better; the caller joins
    it with the cases the user may see and limits that (a cap here would drop visible cases).

    `few`: the user sees few cases (permissions.visible_id_bound). PostgreSQL then tests the
    words on those cases' documents, found by their ids, instead of asking the GIN index, whose
    prefix terms walk the region's matches (2,272 for "läkemedelslista hemtjänst", 25-40 ms of
    index scan at 10^6, to keep a reporter's none): ts_match_vq is @@ as a function, which no
    index answers, so the planner starts from the user's cases.
    """
    expression = _match_expression(words, any_word=False)
    if _dialect() == "postgresql" and few:
        statement = text(
            "SELECT deviation_id AS id, -ts_rank_cd(document, q) AS score "
            "FROM deviation_search, to_tsquery('pg_catalog.swedish', :q) AS q "
            "WHERE region_id = :region_id AND ts_match_vq(document, q)"
        ).bindparams(region_id=region_id)
    elif _dialect() == "postgresql":
        # The region's partition only; its GIN index intersects the words with the region's
        # lexeme (regions share a partition); the rank uses the words.
        statement = text(
            "SELECT deviation_id AS id, -ts_rank_cd(document, q) AS score "
            "FROM deviation_search, to_tsquery('pg_catalog.swedish', :q) AS q "
            "WHERE region_id = :region_id AND document @@ (q && CAST(:region AS tsquery))"
        ).bindparams(region_id=region_id, region=region_lexeme(region_id))
    else:
        # The region's table; in it the region's token first (regions share a table), and the
        # words in the text columns only (a word such as "r3" is no region). The region column
        # weighs nothing in the rank.
        expression = f"region:r{region_id} AND {TEXT_COLUMNS}:({expression})"
        table = sqlite_partition(region_id)
        statement = text(
            f"SELECT rowid AS id, bm25({table}, 10.0, 3.0, 1.0, 0.0) AS score "  # noqa: S608
            f"FROM {table} WHERE {table} MATCH :q"
        )
    return (
        statement.bindparams(q=expression)
        .columns(column("id", Integer), column("score", Float))
        .subquery("hits")
    )


def mark(fragment: str | None) -> Markup:
    """Escape the engine's text, then turn its match marks into <mark> elements."""
    escaped = str(escape(fragment or ""))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704


def _highlights(ids: list[int], words: list[str], region_id: int) -> dict[int, dict[str, Markup]]:
    if not ids:
        return {}
    if _dialect() == "postgresql":
        return _pg_highlights(ids, words)
    # FTS5's highlight() and snippet() need the MATCH cursor on the row: asked for a page of ids,
    # SQLite runs the MATCH once per id, and a prefix term is merged over the whole index each
    # time (4 ms per row at 10^5, 40 ms at 10^6). The index's own copy of the text is read by
    # rowid instead, and the words are marked here the way the tokenizer matched them.
    placeholders = ", ".join(f":id{i}" for i in range(len(ids)))
    rows = db.session.execute(
        text(
            f"SELECT rowid, title, body, answers FROM {sqlite_partition(region_id)} "  # noqa: S608
            f"WHERE rowid IN ({placeholders})"
        ),
        {f"id{i}": value for i, value in enumerate(ids)},
    ).all()
    result = {}
    for row_id, title, body, answers in rows:
        answers_marked = _snippet(answers, words)
        result[row_id] = {
            "title": mark(_snippet(title, words, size=None)),
            "body": mark(_snippet(body, words)),
            "answers": mark(answers_marked) if START in answers_marked else None,
        }
    return result


# A token as FTS5's unicode61 tokenizer cuts them: letters and digits.
TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _snippet(fragment: str | None, words: list[str], *, size: int | None = SNIPPET_TOKENS) -> str:
    """The fragment with every token that starts with one of the words between the match marks,
    as FTS5's highlight() (size None: the whole text) and snippet() do: the window of `size`
    tokens holding the most distinct words, then the most matches, the matches centred in it,
    "…" where text was cut."""
    fragment = fragment or ""
    tokens = list(TOKEN.finditer(fragment))
    hits = [
        (i, next(w for w in words if t.group().casefold().startswith(w)))
        for i, t in enumerate(tokens)
        if any(t.group().casefold().startswith(w) for w in words)
    ]
    start, end = 0, len(tokens)
    if size is not None and len(tokens) > size:
        best = (-1, -1, 0)
        for first, _word in hits:
            inside = [(i, w) for i, w in hits if first <= i < first + size]
            score = (len({w for _i, w in inside}), len(inside))
            if score > best[:2]:
                spare = size - (inside[-1][0] - first + 1)
                best = (*score, first - spare // 2)
        start = min(max(best[2], 0), len(tokens) - size)
        end = start + size
    if start == end:
        return ""
    marked = {i for i, _word in hits}
    pieces = ["…"] if start > 0 else []
    position = tokens[start].start()
    for i in range(start, end):
        token = tokens[i]
        pieces.append(fragment[position : token.start()])
        pieces.append(f"{START}{token.group()}{STOP}" if i in marked else token.group())
        position = token.end()
    pieces.append(fragment[position:] if end == len(tokens) else "…")
    return "".join(pieces)


def _pg_highlights(ids: list[int], words: list[str]) -> dict[int, dict[str, Markup]]:
    """ts_headline marks what the swedish stemmer matched (a prefix test would miss some)."""
    options = f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=18, MinWords=6"
    rows = db.session.execute(
        text(
            "SELECT d.id, ts_headline('pg_catalog.swedish', d.title, q, :whole), "
            "ts_headline('pg_catalog.swedish', concat_ws(' ', d.description, "
            "d.immediate_action, d.proposal), q, :options), "
            "ts_headline('pg_catalog.swedish', coalesce((SELECT string_agg(concat_ws(' ', "
            "a.what_happened, a.cause, a.measures), ' ') FROM answers a "
            "WHERE a.deviation_id = d.id), ''), q, :options) "
            "FROM deviations d, to_tsquery('pg_catalog.swedish', :q) AS q "
            "WHERE d.id = ANY(:ids)"
        ),
        {
            "q": _match_expression(words, any_word=True),
            "ids": ids,
            "options": options,
            "whole": f"StartSel={START}, StopSel={STOP}, HighlightAll=true",
        },
    ).all()
    result = {}
    for row_id, title, body, answers in rows:
        answers_marked = answers if answers and START in answers else None
        result[row_id] = {
            "title": mark(title),
            "body": mark(body),
            "answers": mark(answers_marked) if answers_marked else None,
        }
    return result


@dataclass
class SearchHit:
    deviation: Deviation
    title: Markup
    body: Markup
    answers: Markup | None


@dataclass
class SearchPage:
    query: str
    words: list[str]
    hits: list[SearchHit] = field(default_factory=list)
    page: int = 0
    has_next: bool = False

    @property
    def last_page(self) -> int:
        return HIT_CAP // PER_PAGE - 1


# What a hit shows, and nothing else: every visible match goes through the sort before the page
# is cut, so its rows stay narrow (no description, no answers, no category: joined in, the
# category was looked up for each of the 2,272 matches a region's search sorts at 10^6 cases,
# 12 ms on PostgreSQL; it is loaded for the page's hits after), and a template that reaches for
# more raises instead of loading it once per hit.
HIT_OPTIONS = (
    load_only(
        Deviation.number,
        Deviation.state,
        Deviation.title,
        Deviation.occurred_on,
        Deviation.category_id,
        raiseload=True,
    ),
    selectinload(Deviation.category).lazyload("*"),
    raiseload("*"),
)


def search(user, query: str, *, page: int = 0, per_page: int = PER_PAGE) -> SearchPage:
    """Ranked matches among the cases the user may see; at most HIT_CAP deep."""
    words = terms(query)
    result = SearchPage(query=query, words=words, page=page)
    max_page = HIT_CAP // per_page - 1
    if not words or page < 0 or page > max_page:
        return result
    bound = visible_id_bound(user)
    region_id = user.organization.region_id
    hits = _hits(words, region_id=region_id, few=bound is not None)
    query = visible_deviations(user).join(hits, hits.c.id == Deviation.id)
    if _dialect() == "sqlite" and bound is not None:
        # SQLite walks the region's matches (the planner starts from the MATCH) and would read
        # the case row of each before testing it. For a user who sees few, their ids, from
        # indexes alone, are tested first; "+ 0" keeps the test a filter on the walk, not a
        # rowid lookup that would run the MATCH once per id. PostgreSQL starts from the user's
        # cases instead (_hits).
        query = query.where((hits.c.id + 0).in_(bound))
    rows = db.session.execute(
        query.add_columns(hits.c.score)
        .options(*HIT_OPTIONS)
        .order_by(hits.c.score, Deviation.id)
        .limit(per_page + 1)
        .offset(page * per_page)
    ).all()
    result.has_next = len(rows) > per_page and page < max_page
    deviations = [row[0] for row in rows[:per_page]]
    marks = _highlights([d.id for d in deviations], words, region_id)
    for deviation in deviations:
        marked = marks.get(deviation.id, {})
        result.hits.append(
            SearchHit(
                deviation=deviation,
                title=marked.get("title") or mark(deviation.title),
                body=marked.get("body") or mark(""),
                answers=marked.get("answers"),
            )
        )
    return result


# --- Similar deviations ----------------------------------------------------------------------


def significant_words(*texts: str | None, limit: int = 12) -> list[str]:
    """The longest distinct non-stopwords: what a case is about, for an OR query."""
    words = []
    for fragment in texts:
        for word in WORD.findall((fragment or "").casefold()):
            if (
                len(word) >= 4
                and word not in STOPWORDS
                and not word.isdigit()
                and word not in words
            ):
                words.append(word)
    return sorted(words, key=len, reverse=True)[:limit]


@dataclass
class Similar:
    deviation: Deviation
    score: float
    same_category: bool
    same_pair: bool
    words: list[str]


# How many earlier cases each of the two indexes gives similar_cases to choose from.
SIMILAR_CANDIDATES = 200


def similar_cases(user, deviation: Deviation, *, limit: int = 5) -> list[Similar]:
    """Earlier deviations most like this one, each with why: same category, same pair of
    organizations, shared words. Only cases the user may see.

    The candidates are the region's earlier cases that occurred within its recurrence window
    (the one detection uses), from two indexes, newest first, at most SIMILAR_CANDIDATES each:
    those of the same category and those sharing a pair of organizations. Only then is visibility
    checked, on those ids, and the text compared, here, on those few: a full-text ranking over
    every visible case costs as much as the region is large (issue 15), and its best matches
    only ever came first when they shared the category or the pair anyway. So a case like this
    one in its words alone, with neither in common, is not offered. Order: same category and
    same pair first, then the share of this case's significant words found, then the newest.
    """
    # A purged case has no text left to compare (services/retention.py).
    words = [] if deviation.purged_at else significant_words(deviation.title, deviation.description)
    own_pairs = {k for k in deviation_keys(deviation) if k.startswith("o:")}
    region = db.session.get(Region, deviation.region_id)
    start = months_before(deviation.occurred_on, region.recurrence_months)
    earlier = (
        Deviation.region_id == deviation.region_id,
        Deviation.submitted_at <= deviation.submitted_at,
        Deviation.occurred_on >= start,
        Deviation.id != deviation.id,
    )
    # What occurred in the window was reported in it: the index's range is the window.
    same_category = (
        select(Deviation.id)
        .where(
            Deviation.category_id == deviation.category_id,
            Deviation.submitted_at >= local_midnight(start),
        )
        .where(*earlier)
        .order_by(Deviation.submitted_at.desc())
        .limit(SIMILAR_CANDIDATES)
        .subquery()
    )
    candidate_ids = select(same_category.c.id)
    shares_pair = false()
    if own_pairs:
        pairs = sorted(own_pairs)
        same_pair = (
            select(RecurrenceKey.deviation_id)
            .where(
                RecurrenceKey.region_id == deviation.region_id,
                RecurrenceKey.key.in_(pairs),
                RecurrenceKey.occurred_on >= start,
                RecurrenceKey.deviation_id < deviation.id,
            )
            .order_by(RecurrenceKey.occurred_on.desc(), RecurrenceKey.deviation_id.desc())
            .limit(SIMILAR_CANDIDATES)
            .subquery()
        )
        candidate_ids = union(candidate_ids, select(same_pair.c.deviation_id))
        shares_pair = (
            select(RecurrenceKey.id)
            .where(RecurrenceKey.deviation_id == Deviation.id, RecurrenceKey.key.in_(pairs))
            .exists()
        )
    # One statement: the candidates of both indexes, the rule on them, whether each shares a
    # pair. Found first and sent back as id lists, they cost three round trips and two lists of
    # up to 400 bound ids (17 ms of the chair's case page on PostgreSQL, issue 15).
    candidates = db.session.execute(
        visible_deviations(user)
        .where(Deviation.id.in_(candidate_ids), *earlier)
        .with_only_columns(
            Deviation.id,
            Deviation.category_id,
            Deviation.title,
            Deviation.description,
            shares_pair.label("same_pair"),
        )
    ).all()
    if not candidates:
        return []
    patterns = [(w, re.compile(rf"\b{re.escape(w)}")) for w in words]
    ranked = []
    for candidate in candidates:
        same_category = candidate.category_id == deviation.category_id
        same_pair = bool(candidate.same_pair)
        text_of = f"{candidate.title} {candidate.description}".casefold()
        shared = [w for w, pattern in patterns if pattern.search(text_of)]
        # The text's share stays below 1, so it orders within the category and pair ranks.
        score = same_category + same_pair + len(shared) / (len(words) + 1)
        ranked.append((score, candidate.id, same_category, same_pair, shared))
    ranked.sort(key=lambda r: (-r[0], -r[1]))
    best = ranked[:limit]
    loaded = {
        d.id: d
        for d in db.session.scalars(select(Deviation).where(Deviation.id.in_([r[1] for r in best])))
    }
    return [
        Similar(loaded[case_id], score, same_category, same_pair, shared[:5])
        for score, case_id, same_category, same_pair, shared in best
    ]
