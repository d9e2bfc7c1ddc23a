"""Declarative base with a naming convention, and SQLite connection pragmas.

The naming convention must exist before the first migration so that later migrations can
name the constraints they drop (STYLE.md 2.10).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Primary keys are Integer: 32 bits on PostgreSQL. A number above this names no row on any
# backend, and asking the database for it fails (an error on PostgreSQL, and SQLite too from
# 2^63), so URLs and query parameters refuse it first (views/params.py).
MAX_ID = 2**31 - 1


SQLITE_CACHE_KIB = 32 * 1024


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys are off by default in SQLite; WAL lets readers and one writer overlap.

    The page cache is 32 MiB (SQLITE_CACHE_KIB), not SQLite's 2 MiB: a page that walks a few
    thousand cases (a region's search, Ärenden's sort) touches more pages than 2 MiB holds and read
    them again from the OS on every request (issue 15: the region coordinator's search statement
    38 → 20 ms at 10^6 cases; 64 MiB gained nothing more). It fills only as pages are read, per
    pooled connection: a sync worker uses one."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


class UTCDateTime(TypeDecorator):
    """An aware UTC instant on both engines (Indico's UTCDateTime).

    PostgreSQL keeps the zone, SQLite stores the text without it and hands it back naive. Binding
    converts to UTC and refuses naive values (their zone is unknown); reading marks values UTC.
    So no caller repairs a datetime it loaded, and a Stockholm instant is never stored as if it
    were UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"UTCDateTime needs an aware datetime, got {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls, name: str) -> Enum:
    """Enums are stored as their values, with a CHECK so both engines refuse unknown values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


@contextmanager
def savepoint() -> Iterator[None]:
    """`db.session.begin_nested()` that also holds on SQLite.

    pysqlite opens its transaction only before the first INSERT/UPDATE/DELETE. A SAVEPOINT sent
    before that opens the transaction itself, and its RELEASE then commits everything (SQLAlchemy
    docs, pysqlite "Serializable isolation / Savepoints"). Opening the transaction first keeps the
    caller's commit or rollback in charge.
    """
    connection = db.session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    with db.session.begin_nested():
        yield
