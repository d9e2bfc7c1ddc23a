"""The load-region and create-user commands (flaskr's test_init_db_command style)."""

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from avvikelse.cli import set_served_base_url
from avvikelse.config import Defaults
from avvikelse.extensions import db
from avvikelse.models import Region, User

PASSWORD = "ett-langt-losenord"


def load_blekinge(runner):
    result = runner.invoke(args=["load-region", "blekinge"])
    assert result.exit_code == 0, result.output
    return result


def test_load_region_commits_and_says_what_it_did(app, runner):
    result = load_blekinge(runner)
    assert result.output.startswith("Blekinge (blekinge) laddad. Nya: region 1, organisationer 8")

    with app.app_context():
        assert db.session.scalar(select(Region.name).where(Region.key == "blekinge")) == "Blekinge"

    again = load_blekinge(runner)
    assert again.output == "Blekinge (blekinge): redan aktuell, inget ändrat.\n"


def test_load_region_with_a_missing_file_fails(runner, tmp_path):
    missing = tmp_path / "saknas.toml"
    result = runner.invoke(args=["load-region", str(missing)])
    assert result.exit_code != 0
    assert f"Regionfilen {missing} finns inte. Inbyggda regioner: blekinge" in result.output


def test_load_region_with_a_broken_file_names_file_and_entry(app, runner, tmp_path):
    broken = tmp_path / "trasig.toml"
    broken.write_text('[region]\nkey = "x"\nname = "X"\n\n[[organizations]]\nkey = "k"\n')

    result = runner.invoke(args=["load-region", str(broken)])

    assert result.exit_code != 0
    assert f'{broken}: organizations[1] "k": nyckeln "name" saknas' in result.output
    assert f'{broken}: organizations[1] "k": nyckeln "kind" saknas' in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Region.id))) == 0


def create_user(runner, *, email="nina.nyberg@karlskrona.example", password=PASSWORD):
    return runner.invoke(
        args=[
            "create-user",
            "--name",
            "Nina Nyberg",
            "--email",
            email,
            "--organization",
            "Karlskrona kommun",
            "--region",
            "blekinge",
            "--password",
            password,
        ]
    )


def test_create_user_asks_for_the_password_twice(app, runner):
    load_blekinge(runner)
    result = runner.invoke(
        args=[
            "create-user",
            "--name",
            "Nina Nyberg",
            "--email",
            "Nina.Nyberg@Karlskrona.example",
            "--organization",
            "Karlskrona kommun",
            "--admin",
        ],
        input="ett-langt-losenord\nett-langt-losenord\n",
    )

    assert result.exit_code == 0, result.output
    assert "Skapade nina.nyberg@karlskrona.example (administratör)." in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nina.nyberg@karlskrona.example"))
        assert user.is_admin
        assert user.organization.name == "Karlskrona kommun"
        assert check_password_hash(user.password_hash, "ett-langt-losenord")


def test_create_user_refuses_a_short_password(app, runner):
    load_blekinge(runner)
    result = create_user(runner, password="kort")

    assert result.exit_code != 0
    assert "Lösenordet måste ha minst 12 tecken." in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email.like("nina%"))) is None


def test_create_user_refuses_an_email_already_in_use(runner):
    load_blekinge(runner)
    assert create_user(runner).exit_code == 0

    result = create_user(runner, email="NINA.Nyberg@karlskrona.example")

    assert result.exit_code != 0
    assert (
        "Det finns redan ett konto med e-postadressen nina.nyberg@karlskrona.example."
        in result.output
    )


def test_create_user_needs_a_known_organization(runner):
    result = create_user(runner)
    assert result.exit_code != 0
    assert "Organisationen 'Karlskrona kommun' finns inte i regionen 'blekinge'." in result.output


def test_jobs_run_sends_the_outbox_to_the_log(app, runner, world):
    from datetime import UTC, datetime

    from avvikelse.extensions import db
    from avvikelse.models import EmailStatus, Notification, User
    from avvikelse.services.notifications import notify

    with app.app_context():
        notify(
            db.session.get(User, world["staff"]),
            kind="test",
            subject="Hej",
            body="Ärende AV-2026-0001",
            now=datetime(2026, 11, 23, tzinfo=UTC),
        )
        db.session.commit()
    result = runner.invoke(args=["jobs", "run", "send_outbox"])
    assert "'logged': 1" in result.output, result.output
    with app.app_context():
        assert db.session.scalar(db.select(Notification.email_status)) is EmailStatus.LOGGED


@pytest.mark.parametrize(
    ("configured", "host", "expected"),
    [
        (Defaults.AVVIKELSE_BASE_URL, "127.0.0.1", "http://127.0.0.1:8123"),
        (Defaults.AVVIKELSE_BASE_URL, "demo.local", "http://demo.local:8123"),
        (Defaults.AVVIKELSE_BASE_URL, "0.0.0.0", "http://127.0.0.1:8123"),  # noqa: S104
        ("https://avvikelse.example", "127.0.0.1", "https://avvikelse.example"),
    ],
)
def test_serve_points_email_links_at_itself_unless_configured(configured, host, expected):
    config = {"AVVIKELSE_BASE_URL": configured}
    set_served_base_url(config, host, 8123)
    assert config["AVVIKELSE_BASE_URL"] == expected


def test_figures_rebuild_counts_a_region_that_had_cases_before(app, runner):
    from avvikelse.models import FigureState, MonthlyFigure

    from . import factories

    with app.app_context():
        world = factories.case_world()
        db.session.commit()
        region_id = world["region"].id
        key = world["region"].key
        assert db.session.get(FigureState, region_id) is None  # made without the loader
    result = runner.invoke(args=["figures", "rebuild", "--region", key])
    assert result.exit_code == 0, result.output
    assert result.output.endswith(": 1 ärenden räknade.\n")
    with app.app_context():
        assert db.session.get(FigureState, region_id).rebuilt_at is not None
        total = select(func.sum(MonthlyFigure.count)).where(
            MonthlyFigure.region_id == region_id, MonthlyFigure.kind == "category"
        )
        assert db.session.scalar(total) == 1
    unknown = runner.invoke(args=["figures", "rebuild", "--region", "atlantis"])
    assert unknown.exit_code != 0
    assert "Ingen region med nyckeln 'atlantis'" in unknown.output
