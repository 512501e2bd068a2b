"""Synthetic target-group members for the demo: Romanian names, households on the zones' streets.

Generated with a fixed seed through the register's own services, so the demo obeys every rule
(consent before enrolment, eligible streets, guardians for minors). Nobody here is real.
"""
import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.actor import system_actor
from portal.domain.people import services as people
from portal.domain.people.cnp import check_digit
from portal.domain.people.models import (
    Answer, ConsentGiver, ConsentKind, DocumentKind, ExitResult, Household, LabourStatus, RiskReason, Sex,
)
from portal.domain.projects.models import Project

LAST_NAMES = [
    "Popescu", "Ionescu", "Bălășcău", "Munteanu", "Țurcanu", "Lungu", "Ciobanu", "Rusu", "Sârbu", "Stănescu",
    "Dumitrașcu", "Moldovan", "Ursu", "Căldăraru", "Lăcătuș", "Mirea", "Costache", "Păun", "Ștefănescu", "Grigoraș",
    "Vasilache", "Chirilă", "Neagu", "Tănase", "Rădulescu", "Onu", "Buzdugan", "Mocanu", "Florea", "Hârțescu",
]
FIRST_NAMES = {
    Sex.female: ["Maria", "Elena", "Ioana", "Ana", "Mihaela", "Raluca", "Ștefania", "Denisa", "Alexandra", "Irina",
                 "Florentina", "Loredana", "Bianca", "Roxana", "Georgiana", "Tereza", "Cătălina", "Larisa"],
    Sex.male: ["Ion", "Gheorghe", "Vasile", "Mihai", "Ștefan", "Andrei", "Constantin", "Florin", "Nicolae", "Marius",
               "Cosmin", "Alexandru", "Dănuț", "Costel", "Iulian", "Răzvan", "Sorin", "Tudor"],
}
COUNTY = {"155550": "07", "BC-SDL-2022": "04"}  # Botoșani, Bacău
ACTOR = system_actor(frozenset({people.SENSITIVE}), address="demo")


def _cnp(rng: random.Random, birth: date, sex: Sex, county: str) -> str:
    first = {(Sex.male, 19): "1", (Sex.female, 19): "2", (Sex.male, 20): "5", (Sex.female, 20): "6"}[
        (sex, birth.year // 100)]
    body = f"{first}{birth:%y%m%d}{county}{rng.randint(1, 999):03d}"
    return body + str(check_digit(body))


def _birth(rng: random.Random, start: date, age_from: int, age_to: int) -> date:
    return start - timedelta(days=rng.randint(age_from * 365 + 1, age_to * 365 - 1))


def load_demo_people(db: Session, per_project: int = 160, seed: int = 2026) -> int:
    """Households and persons for each demo project; returns how many persons were created (0 the second time)."""
    created = 0
    for project in db.scalars(select(Project).where(Project.code.in_(COUNTY)).order_by(Project.code)).all():
        if db.scalar(select(Household.id).where(Household.import_project_id == project.id,
                                                Household.import_key.like("demo-%")).limit(1)):
            continue
        rng = random.Random(f"{seed}-{project.code}")
        count, household_number = 0, 0
        # Objects flushed once per person rather than before every lookup: ten times faster.
        while count < per_project:
            household_number += 1
            household = people.household_for_import_key(db, project.id, f"demo-{household_number}")
            zone = rng.choice(project.zones)
            street = rng.choice(zone.streets).name
            last_name, number = rng.choice(LAST_NAMES), str(rng.randint(1, 80))
            block = rng.choice(["", "", f"B{rng.randint(1, 12)}"])
            for member in range(rng.randint(1, 5)):
                with db.no_autoflush:
                    created += _member(db, rng, project, zone, household, last_name, street, number, block,
                                       child=member >= 2)
                db.flush()
                count += 1
    db.flush()
    return created


def _member(db, rng, project, zone, household, last_name, street, number, block, child: bool) -> int:
    sex = rng.choice([Sex.female, Sex.male])
    birth = _birth(rng, project.start_date, 6, 17) if child else _birth(rng, project.start_date, 18, 84)
    data = people.PersonData(
        last_name=last_name, first_name=rng.choice(FIRST_NAMES[sex]), birth_date=birth, sex=sex,
        cnp=_cnp(rng, birth, sex, COUNTY[project.code]) if not child and rng.random() < 0.7 else "",
        locality=project.town, street=street, number=number, block=block,
        phone=f"07{rng.randint(20, 89)} {rng.randint(100, 999)} {rng.randint(100, 999)}" if not child else "",
    )
    result = people.create_person(db, data, ACTOR, confirm_new=True, household=household)
    person = result.person
    if result.existing:
        return 0
    entry_day = project.start_date + timedelta(days=rng.randint(0, 240))
    minor = people.age_on(birth, entry_day) < 18
    people.record_consent(db, person, ACTOR, kind=ConsentKind.data_processing,
                          given_by=ConsentGiver.guardian if minor else ConsentGiver.person,
                          guardian_name=f"{last_name} {rng.choice(FIRST_NAMES[Sex.female])}" if minor else "",
                          given_on=entry_day, document_ref=f"FI-{person.id:05d}")
    if rng.random() < 0.1:
        return 1  # registered, not (yet) enrolled
    answers = {name: rng.choices(list(Answer), weights=[2, 6, 1, 1])[0] for name in
               ("disability", "minority", "homeless", "jobless_household", "single_parent_household")}
    answers["rural"] = Answer.no
    enrollment = people.enroll(db, person, project, people.EntryData(
        zone_id=zone.id, entry_date=entry_day,
        risk_reason=rng.choice([RiskReason.minimum_income, RiskReason.unemployment, RiskReason.social_inquiry,
                                RiskReason.single_parent, RiskReason.disability]),
        labour_status=LabourStatus.inactive if minor else rng.choice(list(LabourStatus)),
        isced_level=rng.choice([1, 2]) if minor else rng.choice([0, 1, 2, 2, 3, 3, 4]),
        answers=answers), ACTOR)
    for kind in DocumentKind:
        if rng.random() < 0.85:
            people.set_document(db, enrollment, ACTOR, kind, True, entry_day)
    if rng.random() < 0.15:
        exit_day = min(entry_day + timedelta(days=rng.randint(60, 300)), project.end_date)
        people.exit_enrollment(db, enrollment, ACTOR, exit_date=exit_day,
                               result=rng.choice([ExitResult.completed, ExitResult.employed, ExitResult.moved_away]))
    return 1
