"""The full-text index of deviations (DESIGN §5), kept in the database by triggers.

One name, `deviation_search` (on SQLite the prefix of its tables), keyed by the deviation's id
and split by region into `PARTITIONS` partitions:

* SQLite: FTS5 tables `deviation_search_p00` … `_p15`, each case in its region's table
  (`sqlite_partition`), tokenizer unicode61 with diacritics kept (å/ä/ö are letters of their own
  in Swedish, PERFORMANCE.md 1.7), with columns title, body (what happened, what was done, the
  proposal) and answers (every organization's answer). Each keeps its own copy of the text
  rather than pointing at `deviations` as external content, because the answers column is
  gathered from another table and highlight()/snippet() need the text the index was built from.
  A fourth column, region, holds one token, "r" and the region's id, so a search matches within
  the user's region inside the index: the user's words are matched in the three text columns
  only. Without it a common word walked every region's matches (issue 15: 10^6 cases in 20
  regions); it also tells apart the regions that share a table. Migration 5e2f3a4b5c03 built the
  index without that column (`region=False`), e2f3a4b5c6d7 as one table (`partitioned=False`),
  b8c9d0e1f2a3 split it.
* PostgreSQL: a table with a weighted `tsvector` (title A, body B, answers C) built with the
  built-in `swedish` configuration, and a GIN index. The vector also holds one lexeme for the
  region, "@" and the region's id (`region_lexeme`), which the search ANDs into its query so the
  GIN index intersects the words with the region: no text yields that lexeme (the parser drops
  "@" outside an e-mail address, and an address keeps its local part) and the user's words are
  letters and digits only. It has no position, so it weighs nothing in ts_rank_cd. Migration
  f3a4b5c6d7e8 added it; before, the join filtered the region after the GIN index had matched
  the words in every region (issue 15: 45,842 matches to keep 744 at 10^6 cases in 20 regions).
  The table is partitioned by a hash of its region_id (`PARTITIONS`, migration a7b8c9d0e1f2), so
  the search, which names the region, reads one partition's smaller GIN index; the lexeme still
  tells apart the regions that share a partition.

Triggers on `deviations` and `answers` keep it in step on insert, update and delete, so no code
path (the workflow, retention, a bulk load) can forget it. The same statements run from the
migration and, for databases built by `create_all` (the SQLite test suite), from the metadata's
after_create event. The table is not a mapped model; tests/test_migrations.py leaves it out of
the model comparison by its name.
"""

# ruff: noqa: S608 - constant DDL built from this module's own names; no input reaches it.
from sqlalchemy import event, text

from ..db import db

TABLE = "deviation_search"

_SQLITE_BODY = (
    "coalesce({r}.description, '') || ' ' || coalesce({r}.immediate_action, '') || ' ' || "
    "coalesce({r}.proposal, '')"
)
_SQLITE_ANSWERS = (
    "(SELECT coalesce(group_concat(a.what_happened || ' ' || coalesce(a.cause, '') || ' ' || "
    "coalesce(a.measures, ''), ' '), '') FROM answers a WHERE a.deviation_id = {id})"
)

# An FTS5 column filter: the user's words are looked for in these, never in the region column.
TEXT_COLUMNS = "{title body answers}"


# The index is split by region into this many partitions: a region's search then walks the posting
# lists of its own partition, shared with at most a few other regions, not the country's. On
# PostgreSQL a table partitioned by a hash of region_id, each partition with its own GIN index
# (issue 15: the GIN scan for "läkemedelslista hemtjänst" went from 24 to 3.6 ms at 10^6 cases in
# 20 regions); on SQLite one FTS5 table per `region_id % PARTITIONS` (`sqlite_partition`), whose
# prefix terms are merged and bm25 statistics counted over that table only. A database of one
# region uses one partition; the empty ones cost nothing. Hash partitions need no DDL when a
# region is created.
PARTITIONS = 16


SQLITE_PARTITIONS = [f"{TABLE}_p{number:02d}" for number in range(PARTITIONS)]


def sqlite_partition(region_id: int) -> str:
    """The FTS5 table that holds a region's cases."""
    return SQLITE_PARTITIONS[region_id % PARTITIONS]


def sqlite_create(*, region: bool = True, partitioned: bool = True) -> list[str]:
    """The index, its triggers and the indexing of the cases already there. Earlier shapes, for
    their migrations and downgrades: `region=False` as 5e2f3a4b5c03 made it, `partitioned=False`
    as e2f3a4b5c6d7 did (partitions need the region: region=False is never partitioned).

    Partitioned, a case is written to its region's table only; an update or delete names the
    rowid, which only that table holds, so it needs no region."""
    partitioned = partitioned and region
    columns = "title, body, answers" + (", region" if region else "")
    new_region = ", 'r' || new.region_id" if region else ""
    d_region = ", 'r' || d.region_id" if region else ""
    if partitioned:
        tables = SQLITE_PARTITIONS
        new_in = [f" WHERE new.region_id % {PARTITIONS} = {n}" for n in range(PARTITIONS)]
        d_in = [f" WHERE d.region_id % {PARTITIONS} = {n}" for n in range(PARTITIONS)]
    else:
        tables, new_in, d_in = [TABLE], [""], [""]
    body_new = _SQLITE_BODY.format(r="new")

    def trigger(name: str, event: str, statements: list[str]) -> str:
        return f"CREATE TRIGGER {TABLE}_{name} {event} BEGIN\n{''.join(statements)}END"

    def answers_of(case: str) -> list[str]:
        answers = _SQLITE_ANSWERS.format(id=case)
        return [f"UPDATE {t} SET answers = {answers} WHERE rowid = {case};\n" for t in tables]

    return [
        *(
            f"CREATE VIRTUAL TABLE {t} USING fts5({columns}, "
            "tokenize = 'unicode61 remove_diacritics 0')"
            for t in tables
        ),
        trigger(
            "deviation_insert",
            "AFTER INSERT ON deviations",
            [
                f"INSERT INTO {t}(rowid, {columns}) "
                f"SELECT new.id, new.title, {body_new}, ''{new_region}{where};\n"
                for t, where in zip(tables, new_in, strict=True)
            ],
        ),
        trigger(
            "deviation_update",
            "AFTER UPDATE OF title, description, immediate_action, proposal ON deviations",
            [
                f"UPDATE {t} SET title = new.title, body = {body_new} WHERE rowid = new.id;\n"
                for t in tables
            ],
        ),
        trigger(
            "deviation_delete",
            "AFTER DELETE ON deviations",
            [f"DELETE FROM {t} WHERE rowid = old.id;\n" for t in tables],
        ),
        trigger("answer_insert", "AFTER INSERT ON answers", answers_of("new.deviation_id")),
        trigger(
            "answer_update",
            "AFTER UPDATE ON answers",
            answers_of("old.deviation_id") + answers_of("new.deviation_id"),
        ),
        trigger("answer_delete", "AFTER DELETE ON answers", answers_of("old.deviation_id")),
        *(
            f"INSERT INTO {t}(rowid, {columns}) "
            f"SELECT d.id, d.title, {_SQLITE_BODY.format(r='d')}, "
            f"{_SQLITE_ANSWERS.format(id='d.id')}{d_region} FROM deviations d{where}"
            for t, where in zip(tables, d_in, strict=True)
        ),
    ]


SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS {TABLE}_{name}"
        for name in (
            "deviation_insert",
            "deviation_update",
            "deviation_delete",
            "answer_insert",
            "answer_update",
            "answer_delete",
        )
    ),
    f"DROP TABLE IF EXISTS {TABLE}",
    *(f"DROP TABLE IF EXISTS {table}" for table in SQLITE_PARTITIONS),
]


# The PostgreSQL index's region lexeme starts with this: no text or query word yields it.
REGION_MARK = "@"


def region_lexeme(region_id: int) -> str:
    """The PostgreSQL index's lexeme for a region, as tsquery input."""
    return f"{REGION_MARK}{region_id}"


def postgres_create(*, region: bool = True, partitioned: bool = True) -> list[str]:
    """The index, its triggers and the indexing of the cases already there. Earlier shapes, for
    their migrations and downgrades: `region=False` as 5e2f3a4b5c03 made it, `partitioned=False`
    as f3a4b5c6d7e8 did (partitions need the region: region=False is never partitioned)."""
    partitioned = partitioned and region
    region_vector = (
        f" || array_to_tsvector(ARRAY['{REGION_MARK}' || d.region_id])" if region else ""
    )
    if partitioned:
        table = [
            f"""CREATE TABLE {TABLE} (
                deviation_id integer NOT NULL REFERENCES deviations(id) ON DELETE CASCADE,
                region_id integer NOT NULL,
                document tsvector NOT NULL,
                PRIMARY KEY (region_id, deviation_id)
            ) PARTITION BY HASH (region_id)""",
            *(
                f"CREATE TABLE {TABLE}_p{number:02d} PARTITION OF {TABLE} "
                f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {number})"
                for number in range(PARTITIONS)
            ),
        ]
        columns, selected, key = (
            "deviation_id, region_id, document",
            "d.id, d.region_id,",
            "region_id, deviation_id",
        )
    else:
        table = [
            f"""CREATE TABLE {TABLE} (
            deviation_id integer PRIMARY KEY REFERENCES deviations(id) ON DELETE CASCADE,
            document tsvector NOT NULL
        )"""
        ]
        columns, selected, key = "deviation_id, document", "d.id,", "deviation_id"
    return [
        *table,
        f"CREATE INDEX ix_{TABLE}_document ON {TABLE} USING gin (document)",
        f"""CREATE FUNCTION {TABLE}_refresh(case_id integer) RETURNS void LANGUAGE sql AS $$
            INSERT INTO {TABLE} ({columns})
            SELECT {selected}
                   setweight(to_tsvector('pg_catalog.swedish', coalesce(d.title, '')), 'A')
                || setweight(to_tsvector('pg_catalog.swedish', concat_ws(' ', d.description,
                       d.immediate_action, d.proposal)), 'B')
                || setweight(to_tsvector('pg_catalog.swedish', coalesce((
                       SELECT string_agg(concat_ws(' ', a.what_happened, a.cause, a.measures), ' ')
                       FROM answers a WHERE a.deviation_id = d.id), '')), 'C'){region_vector}
            FROM deviations d WHERE d.id = case_id
            ON CONFLICT ({key}) DO UPDATE SET document = EXCLUDED.document
        $$""",
        f"""CREATE FUNCTION {TABLE}_deviation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM {TABLE}_refresh(NEW.id);
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {TABLE}_deviation_sync
            AFTER INSERT OR UPDATE OF title, description, immediate_action, proposal ON deviations
            FOR EACH ROW EXECUTE FUNCTION {TABLE}_deviation_changed()""",
        f"""CREATE FUNCTION {TABLE}_answer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM {TABLE}_refresh(OLD.deviation_id); END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM {TABLE}_refresh(NEW.deviation_id); END IF;
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {TABLE}_answer_sync AFTER INSERT OR UPDATE OR DELETE ON answers
            FOR EACH ROW EXECUTE FUNCTION {TABLE}_answer_changed()""",
        f"SELECT {TABLE}_refresh(id) FROM deviations",
    ]


POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_answer_sync ON answers",
    f"DROP TRIGGER IF EXISTS {TABLE}_deviation_sync ON deviations",
    f"DROP FUNCTION IF EXISTS {TABLE}_answer_changed()",
    f"DROP FUNCTION IF EXISTS {TABLE}_deviation_changed()",
    f"DROP FUNCTION IF EXISTS {TABLE}_refresh(integer)",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def create_search_index(connection, *, region: bool = True, partitioned: bool = True) -> None:
    """Create the index, its triggers, and index the deviations already there; `region`: with
    the region in the index (False: as migration 5e2f3a4b5c03 built it); `partitioned`: split by
    region (False: as f3a4b5c6d7e8 built it on PostgreSQL, e2f3a4b5c6d7 on SQLite)."""
    if connection.dialect.name == "postgresql":
        statements = postgres_create(region=region, partitioned=partitioned)
    else:
        statements = sqlite_create(region=region, partitioned=partitioned)
    for statement in statements:
        connection.execute(text(statement))


def drop_search_index(connection) -> None:
    statements = POSTGRES_DROP if connection.dialect.name == "postgresql" else SQLITE_DROP
    for statement in statements:
        connection.execute(text(statement))


def rebuild_search_index(
    connection, *, region: bool, dialect: str, partitioned: bool = True
) -> None:
    """Drop the index and build it again from the cases, on `dialect` only: for the migrations
    that change its shape on one engine (and the SQLite downgrade whose table copy drops its
    triggers)."""
    if connection.dialect.name == dialect:
        drop_search_index(connection)
        create_search_index(connection, region=region, partitioned=partitioned)


@event.listens_for(db.metadata, "after_create")
def _after_create(metadata, connection, **kwargs):
    create_search_index(connection)


@event.listens_for(db.metadata, "before_drop")
def _before_drop(metadata, connection, **kwargs):
    drop_search_index(connection)
