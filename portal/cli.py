"""Commands for administrators and scripts: flask --app portal <command>."""
import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.domain.accounts.models import Role
from portal.domain.errors import DomainError
from portal.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(migrate_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(import_people_command)
    app.cli.add_command(send_outbox_command)
    app.cli.add_command(purge_sign_ups_command)


@click.command("migrate")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
@with_appcontext
def migrate_command(revision: str) -> None:
    """Create or upgrade the database schema."""
    from portal.migrations import upgrade

    upgrade(db.engine(current_app), revision)
    click.echo(f"Database at {revision}.")


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--name", "full_name", default=None, help="Full name (default: the e-mail address).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email: str, role: str, full_name: str | None, password_stdin: bool) -> None:
    """Create a staff account; the password is prompted for, or read from standard input."""
    from portal.domain.accounts.services import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(db.session, email=email, full_name=full_name or email, role=Role(role),
                           password=password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}).")


@click.command("send-outbox")
@click.option("--limit", default=200, show_default=True, type=int, help="At most this many messages.")
@with_appcontext
def send_outbox_command(limit: int) -> None:
    """Send the stored messages (sign-up confirmations) by SMTP: run it from cron once MAIL_SERVER is set."""
    from portal.mail import send_pending

    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set: the messages stay in the outbox.")
    sent, failed = send_pending(limit)
    click.echo(f"Sent {sent}, failed {failed}.")


@click.command("purge-sign-ups")
@with_appcontext
def purge_sign_ups_command() -> None:
    """Erase the details of sign-ups for sessions more than a year past (the privacy notice's promise): run daily."""
    from portal.domain.volunteering.services import purge_old_sign_ups

    erased = purge_old_sign_ups(db.session)
    db.session.commit()
    click.echo(f"Erased {erased} old sign-up(s).")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the two seed projects and demo users; running it again changes nothing."""
    from portal.demo import DEMO_PASSWORD, load_demo

    users = load_demo(db.session, with_people=True)
    db.session.commit()
    click.echo("Demo data loaded. Demo logins (password for all: %s):" % DEMO_PASSWORD)
    for email, role in users:
        click.echo(f"  {role:<12} {email}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the application with waitress (the embedded server, Windows included)."""
    from waitress import serve

    click.echo(f"Comunitar on http://{host}:{port}/  (portal: http://{host}:{port}/portal/)")
    serve(current_app._get_current_object(), host=host, port=port, threads=threads)


@click.command("import-people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_code", required=True, help="The project's code (MySMIS), e.g. 155550.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, without changing the register.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@with_appcontext
def import_people_command(file: Path, project_code: str, dry_run: bool, as_json: bool) -> None:
    """Import people (and their entry in the target group) from a CSV or XLSX file.

    Rows with problems are reported and skipped, the others are imported; the exit code is non-zero
    only when the file cannot be read or the project does not exist.
    """
    from sqlalchemy import select

    from portal.domain.actor import system_actor
    from portal.domain.people.importer import UnreadableFile, import_people
    from portal.domain.projects.models import Project

    project = db.session.scalar(select(Project).where(Project.code == project_code.strip()))
    if project is None:
        raise click.ClickException(f"Unknown project code: {project_code}")
    actor = system_actor(frozenset({"people.sensitive"}))
    try:
        report = import_people(db.session, project, file.name, file.read_bytes(), actor, dry_run=dry_run)
    except UnreadableFile as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        return
    heading = "Dry run (nothing was saved)" if dry_run else "Imported"
    click.echo(f"{heading}: {project.code}, {file.name}")
    click.echo(f"  created: {report.created}, updated: {report.updated}, unchanged: {report.unchanged}, "
               f"errors: {len(report.errors)}")
    for error in report.errors:
        click.echo(f"  row {error.row}, {error.column or '-'}: {error.message}")
