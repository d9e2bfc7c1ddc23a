"""Case numbers stay unique and gap-free when many people submit at the same moment.

Real commits from real threads, each with its own connection, against a fresh database (not the
rollback fixture): on PostgreSQL the counter row lock orders the submissions; on SQLite the
database write lock does.
"""

import threading
import uuid
from datetime import UTC, datetime

from flask_migrate import upgrade

from avvikelse import create_app
from avvikelse.extensions import db
from avvikelse.models import Category, Deviation, User
from avvikelse.services.dates import install_clock
from avvikelse.services.deviations import next_case_number, submit_deviation

from .. import factories
from ..test_migrations import new_database  # noqa: F401 - the fixture

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
THREADS = 8
PER_THREAD = 5


def prepared_app(url):
    app = create_app(
        {
            "TESTING": True,
            "AVVIKELSE_ENV": "test",
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    install_clock(app, lambda: NOW)
    with app.app_context():
        upgrade()
        world = factories.small_world()
        db.session.commit()
        ids = {"staff": world["staff"].id, "kommun": world["kommun"].id}
    return app, ids


def test_concurrent_submissions_get_unique_gap_free_numbers(new_database):  # noqa: F811
    app, ids = prepared_app(new_database("numbering"))
    barrier = threading.Barrier(THREADS)
    errors = []

    def submit_many():
        try:
            with app.app_context():
                actor = db.session.get(User, ids["staff"])
                category = db.session.scalar(db.select(Category))
                organization = actor.organization
                barrier.wait()
                for _ in range(PER_THREAD):
                    report = factories.report([organization], category, token=uuid.uuid4().hex)
                    report.concerned_organization_ids = [ids["kommun"]]
                    submit_deviation(report, actor=actor, now=NOW)
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=submit_many) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        numbers = sorted(db.session.scalars(db.select(Deviation.sequence)))
        db.session.remove()
        db.engine.dispose()
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))


def test_a_rolled_back_submission_frees_its_number(new_database):  # noqa: F811
    app, ids = prepared_app(new_database("rollback"))
    with app.app_context():
        region_id = db.session.get(User, ids["staff"]).organization.region_id
        assert next_case_number(region_id, 2026) == 1
        db.session.rollback()
        assert next_case_number(region_id, 2026) == 1
        db.session.commit()
        assert next_case_number(region_id, 2026) == 2
        db.session.rollback()
        db.engine.dispose()
