"""The `avvikelse` command: serve, db (Flask-Migrate), load-region, create-user, figures, jobs,
retention, scheduler.

Commands are thin: parse arguments, call a service, commit, print what happened.
"""

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def _create_app(*args, **kwargs):
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main():
    """Avvikelse i samverkan – administration and server commands."""


def register_commands(app) -> None:
    """Commands also reachable through `flask --app avvikelse ...`."""
    for command in (
        load_region_command,
        create_user_command,
        figures_group,
        jobs_group,
        retention_command,
        scheduler_command,
    ):
        app.cli.add_command(command)


def _upgrade_database(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@main.command("serve", with_appcontext=False)
@click.option("--demo", is_flag=True, help="Load the region's demo people and print log-ins.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(demo: bool, host: str, port: int):
    """Upgrade the database, load the region configuration and serve the app."""
    from . import create_app
    from .config import ConfigError
    from .extensions import db
    from .services.dates import now
    from .services.demo import DEMO_PASSWORD, load_demo
    from .services.demo_history import build_demo_history
    from .services.errors import WorkflowError
    from .services.regions import RegionFileError

    overrides = {"AVVIKELSE_ENV": "demo"} if demo and "AVVIKELSE_ENV" not in os.environ else {}
    try:
        app = create_app(overrides)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    _upgrade_database(app)
    set_served_base_url(app.config, host, port)
    with app.app_context():
        region_name = app.config["AVVIKELSE_REGION"]
        _load_region_or_fail(region_name)
        if demo:
            try:
                logins = load_demo(region_name, now=now())
                history = build_demo_history(region_name, now=now())
            except (RegionFileError, WorkflowError) as error:
                raise click.ClickException(str(error)) from error
        db.session.commit()
        if demo:
            if history is not None:
                click.echo(f"Demohistorik: {history.describe()}")
            click.echo(
                f"\nDemo för {region_name}: alla demokonton har lösenordet {DEMO_PASSWORD!r}"
            )
            for label, user in logins:
                click.echo(f"  {label:<42} {user.email:<45} {user.name}")
    click.echo(f"\nÖppna {served_url(host, port)}/ i webbläsaren. Avsluta med Ctrl+C.\n")
    # Not app.run(): under a FlaskGroup command it returns at once (FLASK_RUN_FROM_CLI is set).
    # run_simple is what `flask run` itself calls.
    from werkzeug.serving import run_simple

    if demo:
        _start_demo_scheduler(app)
    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


def served_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches `serve`: a wildcard address is not one to open."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - recognising the wildcard, not binding it
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def set_served_base_url(config, host: str, port: int) -> None:
    """E-mail links must reach this server, so `serve --port 8080` may not keep the built-in
    http://localhost:5000. A base URL set by the operator (environment or instance config) wins."""
    from .config import Defaults

    if config["AVVIKELSE_BASE_URL"] == Defaults.AVVIKELSE_BASE_URL:
        config["AVVIKELSE_BASE_URL"] = served_url(host, port)


def _start_demo_scheduler(app):
    """The single-process demo runs its jobs in a background thread, behind the same leader
    lock as `avvikelse scheduler` (STYLE.md 2.7: never one scheduler per web worker)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from .scheduler import JOB_DEFAULTS, TIMEZONE, Leader

    scheduler = BackgroundScheduler(timezone=TIMEZONE, job_defaults=JOB_DEFAULTS)
    Leader(app, scheduler, role="demo").install()
    scheduler.start()
    return scheduler


def _load_region_or_fail(name_or_path: str):
    from .services.regions import RegionFileError, load_region

    try:
        return load_region(name_or_path)
    except RegionFileError as error:
        raise click.ClickException(str(error)) from error


@click.command("load-region")
@click.argument("name_or_path")
@with_appcontext
def load_region_command(name_or_path: str):
    """Load (or update) a region configuration: a shipped name such as 'blekinge' or a file path."""
    from .extensions import db

    summary = _load_region_or_fail(name_or_path)
    db.session.commit()
    click.echo(summary.describe())


@click.command("create-user")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--organization", "organization_name", required=True, help="Organization name.")
@click.option("--region", "region_key", default=None, help="Region key (default AVVIKELSE_REGION).")
@click.option("--admin", "is_admin", is_flag=True)
@click.password_option(help="At least 12 characters.")
@with_appcontext
def create_user_command(name, email, organization_name, region_key, is_admin, password):
    """Create an account, e.g. the first administrator."""
    from sqlalchemy import select

    from .extensions import db
    from .models import Organization, Region
    from .services.accounts import create_user
    from .services.errors import WorkflowError

    region_key = region_key or current_app.config["AVVIKELSE_REGION"]
    organization = db.session.scalar(
        select(Organization)
        .join(Region)
        .where(Region.key == region_key, Organization.name == organization_name)
    )
    if organization is None:
        raise click.ClickException(
            f"Organisationen {organization_name!r} finns inte i regionen {region_key!r}. "
            "Ladda regionen först med 'avvikelse load-region'."
        )
    try:
        user = create_user(
            name=name, email=email, organization=organization, password=password, is_admin=is_admin
        )
    except WorkflowError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Skapade {user.email} ({'administratör' if is_admin else 'användare'}).")


@main.group("figures")
def figures_group():
    """The monthly follow-up figures behind Uppföljning."""


@figures_group.command("rebuild")
@click.option("--region", "region_key", default=None, help="Region key (default: every region).")
@with_appcontext
def rebuild_figures_command(region_key: str | None):
    """Count the figures again from the cases: once after upgrading a database that has cases,
    and after loading cases in bulk. Normal use keeps them by itself."""
    from sqlalchemy import select

    from .extensions import db
    from .models import Region
    from .services.dates import now
    from .services.figures import rebuild

    query = select(Region).order_by(Region.key)
    if region_key:
        query = query.where(Region.key == region_key)
    regions = db.session.scalars(query).all()
    if not regions:
        raise click.ClickException(f"Ingen region med nyckeln {region_key!r}.")
    for region in regions:
        counted = rebuild(region.id, now=now())
        db.session.commit()
        click.echo(f"{region.name}: {counted} ärenden räknade.")


@main.group("jobs")
def jobs_group():
    """Scheduled jobs, run by hand."""


@jobs_group.command("run")
@click.argument("name")
@with_appcontext
def run_job_command(name: str):
    """Run one job now and print what it did."""
    from .jobs import JOBS, run_job

    if name not in JOBS:
        raise click.ClickException(f"Okänt jobb {name!r}. Jobb: {', '.join(sorted(JOBS))}")
    run = run_job(name)
    if not run.ok and run.summary is None:
        raise click.ClickException(f"{name} misslyckades: {run.error}")
    click.echo(f"{name}: {run.summary}")
    if run.error:
        raise click.ClickException(f"{name}: några objekt misslyckades:\n{run.error}")


@jobs_group.command("list")
def list_jobs_command():
    """List the jobs and when the scheduler runs them (Stockholm time)."""
    from .jobs import JOBS, describe_schedule

    for job in JOBS.values():
        click.echo(f"{job.name:<24} {describe_schedule(job):<16} {job.description}")


@main.command("retention")
@click.option("--dry-run", is_flag=True, help="Only show what would be removed; change nothing.")
@click.option("--region", "region_key", default=None, help="With --dry-run: one region's key.")
@with_appcontext
def retention_command(dry_run: bool, region_key: str | None):
    """Gallring: remove the free text of cases closed longer ago than their region's
    retention_years and prune the audit log (the retention_sweep job, recorded like it)."""
    from sqlalchemy import select

    from .extensions import db
    from .jobs import run_job
    from .models import Region
    from .services import dates
    from .services.retention import case_text, plan_retention, unattributed_audit_entries

    if not dry_run:
        if region_key:
            raise click.ClickException(
                "--region går bara med --dry-run: gallringen körs för alla regioner, var och en "
                "efter sitt eget antal år."
            )
        run = run_job("retention_sweep")
        if not run.ok:
            raise click.ClickException(f"retention_sweep misslyckades: {run.error}")
        click.echo(f"retention_sweep: {run.summary}")
        return
    region = None
    if region_key:
        region = db.session.scalar(select(Region).where(Region.key == region_key))
        if region is None:
            raise click.ClickException(f"Regionen {region_key!r} finns inte.")
    now = dates.now()

    def day(moment) -> str:
        return dates.local_today(moment).isoformat()

    click.echo(f"Gallring, torrkörning {day(now)}: ingenting ändras.")
    for plan in plan_retention(now=now, region=region):
        name = f"{plan.region.name} ({plan.region.key})"
        click.echo(
            f"{name}: {len(plan.cases)} ärenden avslutade före {day(plan.cases_closed_before)} "
            f"({plan.region.retention_years} år) får sin fritext borttagen."
        )
        counts = case_text([d.id for d in plan.cases])
        for deviation in plan.cases:
            text = counts[deviation.id]
            click.echo(
                f"  {deviation.number} avslutat {day(deviation.closed_at)}: {text.answers} svar, "
                f"{text.notes} anteckningar, {text.presentations} föredragningar"
            )
        click.echo(
            f"  {plan.audit_entries} rader i granskningsloggen från före {day(plan.audit_before)} "
            f"({plan.region.audit_retention_years} år) rensas."
        )
    if region is None:
        unattributed = unattributed_audit_entries(now=now)
        click.echo(f"Loggrader utan ärende och användare som rensas: {unattributed}.")
    db.session.rollback()


@main.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduled jobs. Start one per host if you like: a lock in the database lets
    exactly one act, and another takes over within a minute if it dies."""
    import signal

    from apscheduler.schedulers.blocking import BlockingScheduler

    from .scheduler import JOB_DEFAULTS, TIMEZONE, Leader

    app = current_app._get_current_object()
    scheduler = BlockingScheduler(timezone=TIMEZONE, job_defaults=JOB_DEFAULTS)
    leader = Leader(app, scheduler)
    leader.install()

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Schemaläggaren startar som {leader.holder}. Avsluta med Ctrl+C.", err=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        leader.release()


@main.command("generate")
@click.option("--rows", default=10_000, show_default=True, type=int)
@click.option("--patterns", default=None, type=int, help="Planted patterns (default rows/20).")
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--sweep/--no-sweep", default=True, show_default=True)
@with_appcontext
def generate_command(rows: int, patterns: int | None, seed: int, sweep: bool):
    """Synthetic deviations with planted recurring patterns (bench and demo databases only)."""
    from .extensions import db
    from .services import dates
    from .services.detection import sweep_recurrence
    from .services.synthetic import Plan, generate

    truth = generate(Plan(rows=rows, patterns=patterns or max(rows // 20, 10), seed=seed))
    db.session.commit()
    click.echo(f"{truth.rows} avvikelser, {len(truth.patterns)} planterade mönster.")
    if sweep:
        summary = sweep_recurrence(now=dates.now(), full=True)
        db.session.commit()
        click.echo(f"Svepning: {summary}")


@main.command("demo-data")
@with_appcontext
def demo_data_command():
    """Load the region, its demo log-ins and about 18 months of history through the workflow
    (the same as `serve --demo` does before serving); a second run adds nothing."""
    from .extensions import db
    from .services.dates import now
    from .services.demo import load_demo
    from .services.demo_history import build_demo_history
    from .services.errors import WorkflowError
    from .services.regions import RegionFileError

    region_name = current_app.config["AVVIKELSE_REGION"]
    _load_region_or_fail(region_name)
    try:
        load_demo(region_name, now=now())
        history = build_demo_history(region_name, now=now())
    except (RegionFileError, WorkflowError) as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    if history is None:
        click.echo(f"{region_name} har redan demohistorik; inget lades till.")
    else:
        click.echo(f"Demohistorik för {region_name}: {history.describe()}")


main.add_command(load_region_command)
main.add_command(create_user_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
