"""Jobs by hand (`avvikelse jobs run/list`), the run records and the administrators' page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from avvikelse import create_app
from avvikelse.config import ConfigError
from avvikelse.extensions import db
from avvikelse.jobs import JOBS, Job
from avvikelse.models import JobRun


def test_jobs_list_names_every_job_and_when_it_runs(runner):
    output = runner.invoke(args=["jobs", "list"]).output
    for name in JOBS:
        assert name in output
    assert "var 30 s" in output
    assert "dagligen 06:10" in output
    assert "måndagar 07:00" in output


def test_a_job_run_by_hand_prints_what_it_did_and_is_recorded(app, runner, world):
    result = runner.invoke(args=["jobs", "run", "send_answer_reminders"])
    assert result.exit_code == 0, result.output
    assert result.output == "send_answer_reminders: {'reminders': 0, 'overdue': 0}\n"
    with app.app_context():
        run = db.session.scalar(select(JobRun))
        assert (run.job, run.ok, run.summary) == (
            "send_answer_reminders",
            True,
            {"reminders": 0, "overdue": 0},
        )
        assert run.runner.startswith("hand@")
        assert run.finished_at is not None


def test_an_unknown_job_is_refused_in_swedish(runner):
    result = runner.invoke(args=["jobs", "run", "finns_inte"])
    assert result.exit_code != 0
    assert "Okänt jobb 'finns_inte'" in result.output


def test_a_failing_job_is_rolled_back_recorded_and_shown(
    app, runner, client, auth, world, monkeypatch
):
    def broken(*, now):
        raise RuntimeError("databasen svarar inte")

    monkeypatch.setitem(
        JOBS, "send_action_reminders", Job("send_action_reminders", broken, 60, "Trasigt", {})
    )
    result = runner.invoke(args=["jobs", "run", "send_action_reminders"])
    assert result.exit_code != 0
    assert (
        "send_action_reminders misslyckades: RuntimeError: databasen svarar inte" in result.output
    )
    runner.invoke(args=["jobs", "run", "send_outbox"])

    auth.login("admin@test.example")
    index = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/jobb"' in index
    page = client.get("/admin/jobb").get_data(as_text=True)
    for name in JOBS:
        assert name in page
    assert "RuntimeError: databasen svarar inte" in page
    assert "Misslyckades" in page
    assert "skickade: 0" in page
    assert "Ingen schemaläggare har startat" in page


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("ANSWER_REMINDER_DAYS", -1),
        ("ANSWER_REMINDER_DAYS", "tre"),
        ("SCHEDULER_RENEW_SECONDS", 60),
        ("SCHEDULER_LEASE_SECONDS", 0),
    ],
)
def test_bad_job_settings_are_refused_at_start(setting, value):
    with pytest.raises(ConfigError, match=setting):
        create_app(
            {"AVVIKELSE_ENV": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://", setting: value}
        )


def test_idle_runs_do_not_flood_the_recent_runs(app, client, auth, world, clock):
    with app.app_context():
        for minute in range(120):
            db.session.add(
                JobRun(
                    job="send_outbox",
                    runner="test",
                    started_at=clock() - timedelta(minutes=minute),
                    ok=True,
                    summary={"sent": 0, "logged": 0, "retry_later": 0, "failed": 0},
                )
            )
        db.session.add(
            JobRun(
                job="send_outbox",
                runner="test",
                started_at=clock() - timedelta(hours=3),
                ok=True,
                summary={"sent": 2, "logged": 0, "retry_later": 0, "failed": 0},
            )
        )
        db.session.commit()

    auth.login("admin@test.example")
    page = client.get("/admin/jobb").get_data(as_text=True)
    recent = page.split("Senaste körningar")[1]
    assert recent.count("<code>send_outbox</code>") == 1
    assert "skickade: 2" in recent
