"""The CLI: migrate, create-user, demo (idempotent), and the configuration it runs with."""
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from portal.db import make_engine
from portal.migrations import alembic_config
from portal.extensions import db
from portal.domain.accounts.models import Role, User
from portal.domain.people.models import Consent, Enrollment, Household, Person
from portal.domain.projects.models import Activity, Indicator, Project, Zone, ZoneStreet
from tests.conftest import database_url_for, make_test_app

COUNTED = (User, Project, Zone, ZoneStreet, Activity, Indicator, Person, Household, Enrollment, Consent)


def counts(session):
    return {model.__name__: session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def test_demo_loads_both_seed_projects_and_a_second_run_changes_nothing(app, db_session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@comunitar.demo" in first.output and "vizualizare@comunitar.demo" in first.output
    after_first = counts(db_session)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert counts(db_session) == after_first
    zum = db_session.scalar(select(Project).where(Project.code == "155550"))
    assert zum.short_name == "ZUM BT PLUS"
    targets = {indicator.name_ro: int(indicator.target) for indicator in zum.indicators}
    assert targets["Copii în programul Școală după școală"] == 98
    assert targets["Persoane care beneficiază de analize medicale gratuite"] == 500
    bacau = db_session.scalar(select(Project).where(Project.town == "Bacău"))
    assert {zone.name for zone in bacau.zones} == {"Cartierul Izvoare", "Cartierul Letea"}
    assert any(int(indicator.target) == 1110 for indicator in bacau.indicators)
    roles = set(db_session.scalars(select(User.role)))
    assert roles == set(Role)
    # A few hundred synthetic people with Romanian names, in households, enrolled with consent.
    assert after_first["Person"] >= 300 and after_first["Enrollment"] >= 250
    assert after_first["Household"] >= 80
    names = " ".join(db_session.scalars(select(Person.last_name)))
    assert "ș" in names or "ț" in names or "ă" in names
    without_consent = db_session.scalar(
        select(func.count()).select_from(Enrollment).where(~Enrollment.person.has(Person.consents.any())))
    assert without_consent == 0


def test_create_user_reads_the_password_from_stdin(app, db_session):
    result = app.test_cli_runner().invoke(
        args=["create-user", "Nou@Primarie.ro", "--role", "coordinator", "--password-stdin"],
        input="o-parola-buna-de-tot\n")
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "nou@primarie.ro"))
    assert user.role is Role.coordinator
    from werkzeug.security import check_password_hash

    assert check_password_hash(user.password_hash, "o-parola-buna-de-tot")


def test_create_user_prompts_for_the_password_twice(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-user", "prompt@test.ro", "--role", "viewer"],
                                          input="parola-din-prompt\nparola-din-prompt\n")
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(User.role).where(User.email == "prompt@test.ro")) is Role.viewer


def test_create_user_refuses_a_short_password_and_a_taken_email(app, db_session):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-user", "a@test.ro", "--role", "staff", "--password-stdin"], input="scurt\n")
    assert short.exit_code != 0
    assert "cel puțin 10 caractere" in short.output or "at least 10 characters" in short.output
    runner.invoke(args=["create-user", "b@test.ro", "--role", "staff", "--password-stdin"], input="parola-lunga-1\n")
    taken = runner.invoke(args=["create-user", "b@test.ro", "--role", "staff", "--password-stdin"],
                          input="parola-lunga-2\n")
    assert taken.exit_code != 0
    bad_role = runner.invoke(args=["create-user", "c@test.ro", "--role", "boss", "--password-stdin"], input="x\n")
    assert bad_role.exit_code != 0


def test_migrate_command_builds_an_empty_database(backend, request, tmp_path):
    url = database_url_for(backend, request, "comunitar_cli")
    app = make_test_app(tmp_path, DATABASE_URL=url)
    result = app.test_cli_runner().invoke(args=["migrate"])
    db.engine(app).dispose()
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert version == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    engine.dispose()


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    from portal import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": "sqlite://"})
    second = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": "sqlite://"})
    assert len(first.secret_key) >= 40
    assert first.secret_key == second.secret_key
    assert (instance / "secret_key").read_text().strip() == first.secret_key
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": "sqlite://"}).secret_key == "from-the-environment"


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    from portal import create_app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x"})
    assert str(db.engine(app).url).endswith("env.sqlite3")
    monkeypatch.delenv("DATABASE_URL")
    default = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "x"})
    assert str(db.engine(default).url).endswith("instance/comunitar.sqlite3")
