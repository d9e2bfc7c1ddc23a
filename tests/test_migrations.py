"""The migration history builds exactly the models' schema, on SQLite and on PostgreSQL.

STYLE.md 2.10, after SecureDrop's tests/test_alembic.py: `upgrade head` on an empty database
leaves no autogenerate diff, and every revision upgrades and downgrades cleanly. Alembic's
comparison does not look at CHECK constraints, so their names are compared separately against
a database built by `create_all`.

Each test gets its own empty databases: temp files on SQLite, and on PostgreSQL fresh databases
named after the TEST_DATABASE_URL database (`<name>_migr`, ...), dropped afterwards. The shared,
migrated-once test database of conftest.py is never touched here.
"""

import os
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from avvikelse import create_app
from avvikelse.config import normalize_database_url
from avvikelse.extensions import db, migrate

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")

MIGRATION_TEST_CONFIG = {
    "TESTING": True,
    "AVVIKELSE_ENV": "test",
    "SECRET_KEY": "test-secret-key",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_database(request, tmp_path):
    """A factory of empty databases on the backend under test: `new_database("migr") -> url`."""
    if request.param == "sqlite":
        yield lambda suffix: f"sqlite:///{tmp_path / f'{suffix}.sqlite'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL not set: PostgreSQL migration check skipped")

    base = make_url(normalize_database_url(POSTGRES_URL))
    # CREATE/DROP DATABASE cannot run inside a transaction, nor while connected to that database.
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    created = []

    def drop(name: str) -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def make(suffix: str) -> str:
        name = f"{base.database}_{suffix}"
        drop(name)  # left over from an interrupted run
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        drop(name)
    admin.dispose()


@contextmanager
def app_on(url: str):
    """An app context bound to `url`; the engine is disposed so the database can be dropped."""
    app = create_app({**MIGRATION_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def _not_search_index(obj, name, type_, reflected, compare_to) -> bool:
    """The full-text index (FTS5/tsvector) is built by triggers, not mapped: models/search.py."""
    return not (type_ == "table" and name and name.startswith("deviation_search"))


def schema_diff() -> list:
    """What autogenerate would write for the current database; [] means it equals the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_object": _not_search_index,
            },
        )
        return compare_metadata(context, db.metadata)


def _names(items) -> list[str]:
    return sorted(item["name"] or "<unnamed>" for item in items)


def check_constraints() -> dict[str, list[str]]:
    """CHECK constraint names per table (alembic_version left out)."""
    inspector = inspect(db.engine)
    return {
        table: _names(inspector.get_check_constraints(table))
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }


def schema_snapshot() -> dict:
    """Tables with their columns and named constraints and indexes, for before/after checks."""
    inspector = inspect(db.engine)
    snapshot = {}
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        snapshot[table] = {
            "columns": sorted(
                (column["name"], column["nullable"]) for column in inspector.get_columns(table)
            ),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": _names(inspector.get_foreign_keys(table)),
            "unique": _names(inspector.get_unique_constraints(table)),
            "indexes": _names(inspector.get_indexes(table)),
            "checks": _names(inspector.get_check_constraints(table)),
        }
    if hasattr(inspector, "get_enums"):  # PostgreSQL: native enum types outlive their tables
        snapshot["<enums>"] = sorted(enum["name"] for enum in inspector.get_enums())
    snapshot["<search index>"] = search_index_definition()
    return snapshot


def search_index_definition() -> list:
    """How models/search.py built the index: the SQL of SQLite's FTS5 table and triggers, or the
    definitions of PostgreSQL's functions (its trigger functions hold the indexing rules) and
    its tables' partitioning."""
    if db.engine.dialect.name == "postgresql":
        statement = (
            "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
            "UNION ALL SELECT c.relname, concat_ws(' ', c.relkind, pg_get_partkeydef(c.oid), "
            "pg_get_expr(c.relpartbound, c.oid)) FROM pg_class c "
            "WHERE c.relname LIKE 'deviation_search%' AND c.relkind IN ('r', 'p')"
        )
    else:
        statement = (
            "SELECT name, sql FROM sqlite_master WHERE name LIKE 'deviation_search%' "
            "AND sql IS NOT NULL"
        )
    with db.engine.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(text(statement)))


def revisions_oldest_first() -> list:
    script = ScriptDirectory.from_config(migrate.get_config())
    return list(reversed(list(script.walk_revisions("base", "heads"))))


def test_history_has_a_single_head():
    """Two heads mean two people added migrations in parallel; merge them before release."""
    app = create_app({**MIGRATION_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        heads = ScriptDirectory.from_config(migrate.get_config()).get_heads()
    assert len(heads) == 1, heads


def test_upgrade_head_matches_models(new_database):
    with app_on(new_database("migr")):
        upgrade()
        assert schema_diff() == []
        migrated = search_index_definition()
    with app_on(new_database("built")):
        db.create_all()
        built = search_index_definition()
    assert migrated
    assert migrated == built


def test_check_constraints_match_models(new_database):
    with app_on(new_database("migr")):
        upgrade()
        migrated = check_constraints()
    with app_on(new_database("migr_models")):
        db.create_all()
        built = check_constraints()
    assert any(built.values()), "the models declare CHECK constraints; none were found"
    assert migrated == built


# Revisions that change one engine's schema only: the search index's region, as SQLite's FTS5
# column (e2f3a4b5c6d7) and as PostgreSQL's lexeme (f3a4b5c6d7e8), models/search.py.
ONE_ENGINE_REVISIONS = {
    "e2f3a4b5c6d7": "sqlite",
    "f3a4b5c6d7e8": "postgresql",
    "a7b8c9d0e1f2": "postgresql",
    "b8c9d0e1f2a3": "sqlite",
}


def test_each_revision_upgrades_and_downgrades(new_database):
    with app_on(new_database("migr")):
        revisions = revisions_oldest_first()
        assert revisions
        empty = schema_snapshot()
        for revision in revisions:
            before = schema_snapshot()
            upgrade(revision=revision.revision)
            after = schema_snapshot()
            engine_only = ONE_ENGINE_REVISIONS.get(revision.revision)
            if engine_only and engine_only != db.engine.dialect.name:
                assert after == before, f"{revision.revision} is for {engine_only} only"
            else:
                assert after != before, f"{revision.revision} changes nothing"
            # A merge revision has several parents; step back one from it instead.
            target = revision.down_revision or "base"
            downgrade(revision=target if isinstance(target, str) else "-1")
            assert schema_snapshot() == before, f"downgrade of {revision.revision} left changes"
            upgrade(revision=revision.revision)
            assert schema_snapshot() == after, f"re-upgrade of {revision.revision} differs"

        downgrade(revision="base")
        assert schema_snapshot() == empty
        upgrade()
        assert schema_diff() == []
