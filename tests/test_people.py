"""The target-group register: eligibility, CNP, duplicates and merge, consent, search, access, audit, GDPR."""
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.demo import load_demo
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.errors import DomainError
from portal.domain.people import services as people
from portal.domain.people.cnp import check_digit
from portal.domain.people.models import (
    Answer, Consent, ConsentGiver, ConsentKind, Enrollment, ExitResult, LabourStatus, Person, RiskReason, Sex,
)
from portal.domain.projects.models import Project

COORDINATOR = Actor(user=None, address="test", permissions=frozenset({"people.sensitive"}))
STAFF = Actor(user=None, address="test", permissions=frozenset())


def cnp(first12: str) -> str:
    return first12 + str(check_digit(first12))


@pytest.fixture
def zum(db_session):
    load_demo(db_session)
    db_session.flush()
    return db_session.scalar(select(Project).where(Project.code == "155550"))


def register(db_session, last="Bălășcău", first="Raluca", street="Strada Parcului", **extra):
    data = people.PersonData(last_name=last, first_name=first, locality="Botoșani", street=street,
                             **{"birth_date": date(1985, 3, 12), "sex": Sex.female, **extra})
    return people.create_person(db_session, data, COORDINATOR, confirm_new=True).person


def consent(db_session, person, on=date(2023, 1, 10)):
    return people.record_consent(db_session, person, COORDINATOR, kind=ConsentKind.data_processing,
                                 given_by=ConsentGiver.person, given_on=on, document_ref="F-1")


def entry(project, on=date(2023, 3, 1), **answers):
    return people.EntryData(zone_id=project.zones[0].id, entry_date=on, risk_reason=RiskReason.minimum_income,
                            labour_status=LabourStatus.unemployed, isced_level=2,
                            answers={name: Answer(value) for name, value in answers.items()})


# CNP and identity ------------------------------------------------------------------------------

def test_birth_date_and_sex_come_from_the_cnp(db_session):
    person = register(db_session, birth_date=None, sex=None, cnp=cnp("285031207123"))
    assert person.birth_date == date(1985, 3, 12) and person.sex is Sex.female
    assert person.code == f"P{person.id:06d}"


def test_cnp_mismatches_with_typed_values_are_reported_on_their_fields(db_session):
    data = people.PersonData(last_name="Pop", first_name="Ion", locality="Bacău", street="Letea",
                             cnp=cnp("185031207123"), birth_date=date(1985, 3, 13), sex=Sex.female)
    _, problems = people.check_person_data(db_session, data)
    assert {problem.field for problem in problems} == {"birth_date", "sex"}


def test_a_bad_cnp_and_missing_identity_are_refused(db_session):
    with pytest.raises(people.InvalidData) as caught:
        people.create_person(db_session, people.PersonData(last_name="Pop", first_name="Ion", cnp="1850312071230"),
                             COORDINATOR)
    assert "cnp" in {problem.field for problem in caught.value.problems}
    with pytest.raises(people.InvalidData) as caught:
        people.create_person(db_session, people.PersonData(last_name="Pop", first_name="Ion"), COORDINATOR)
    assert [problem.field for problem in caught.value.problems] == ["cnp"]


def test_the_same_cnp_is_the_same_person(db_session):
    first = register(db_session, cnp=cnp("285031207123"))
    again = people.create_person(db_session, people.PersonData(last_name="Altceva", first_name="X",
                                                               cnp=cnp("285031207123")), COORDINATOR)
    assert again.existing and again.person.id == first.id
    assert db_session.scalar(select(func.count()).select_from(Person)) == 1


def test_a_cnp_cannot_be_given_to_a_second_person(db_session):
    register(db_session, cnp=cnp("285031207123"))
    other = register(db_session, last="Ionescu", first="Maria", birth_date=date(1990, 1, 1))
    with pytest.raises(people.InvalidData) as caught:
        people.update_person(db_session, other, people.PersonData(
            last_name="Ionescu", first_name="Maria", cnp=cnp("285031207123")), COORDINATOR)
    assert caught.value.problems[0].field == "cnp"


def test_similar_names_with_the_same_birth_date_are_offered_as_duplicates(db_session):
    existing = register(db_session, last="Bălăşcău", first="Raluca")  # old cedilla ş
    assert existing.last_name == "Bălășcău"
    data = people.PersonData(last_name="BALASCAU", first_name="raluca", birth_date=date(1985, 3, 12),
                             sex=Sex.female, locality="Botoșani", street="Pacea")
    with pytest.raises(people.PossibleDuplicates) as caught:
        people.create_person(db_session, data, COORDINATOR)
    assert [candidate.id for candidate in caught.value.candidates] == [existing.id]
    swapped = people.PersonData(last_name="Raluca", first_name="Bălășcău", birth_date=date(1985, 3, 12), sex=Sex.female)
    assert people.find_duplicates(db_session, swapped)[0].id == existing.id
    confirmed = people.create_person(db_session, data, COORDINATOR, confirm_new=True)
    assert not confirmed.existing and confirmed.person.id != existing.id


# Eligibility, consent, enrollment ------------------------------------------------------------------

def test_enrolling_needs_a_data_processing_consent(db_session, zum):
    person = register(db_session)
    with pytest.raises(DomainError) as caught:
        people.enroll(db_session, person, zum, entry(zum), COORDINATOR)
    assert caught.value.code == "consent_missing"
    consent(db_session, person)
    enrollment = people.enroll(db_session, person, zum, entry(zum), COORDINATOR)
    assert enrollment.is_active


def test_a_withdrawn_consent_no_longer_allows_enrolment(db_session, zum):
    person = register(db_session)
    given = consent(db_session, person)
    people.withdraw_consent(db_session, given, COORDINATOR, date(2023, 2, 1))
    with pytest.raises(DomainError) as caught:
        people.enroll(db_session, person, zum, entry(zum), COORDINATOR)
    assert caught.value.code == "consent_missing"


def test_a_minors_consent_is_given_by_a_named_guardian(db_session):
    child = register(db_session, last="Popa", first="Ana", birth_date=date(2015, 5, 1))
    with pytest.raises(DomainError) as caught:
        people.record_consent(db_session, child, COORDINATOR, kind=ConsentKind.data_processing,
                              given_by=ConsentGiver.person, given_on=date(2023, 1, 1))
    assert caught.value.code == "consent_minor"
    with pytest.raises(DomainError) as caught:
        people.record_consent(db_session, child, COORDINATOR, kind=ConsentKind.data_processing,
                              given_by=ConsentGiver.guardian, given_on=date(2023, 1, 1))
    assert caught.value.code == "guardian_name_missing"
    people.record_consent(db_session, child, COORDINATOR, kind=ConsentKind.data_processing,
                          given_by=ConsentGiver.guardian, guardian_name="Maria Popa", given_on=date(2023, 1, 1))


@pytest.mark.parametrize(("street", "eligible"), [
    ("Strada Parcului", True), ("str. Parcului", True), ("PARCULUI", True), ("Aleea Tineretului", True),
    ("Al. Tineretului", True), ("Strada Primăverii", False), ("", False),
])
def test_criterion_one_checks_the_street_against_the_zone(db_session, zum, street, eligible):
    person = register(db_session, street=street)
    consent(db_session, person)
    if eligible:
        assert people.enroll(db_session, person, zum, entry(zum), COORDINATOR).zone_id == zum.zones[0].id
    else:
        with pytest.raises(DomainError) as caught:
            people.enroll(db_session, person, zum, entry(zum), COORDINATOR)
        assert caught.value.code == "outside_zone"


def test_entry_characteristics_are_frozen_and_a_reentry_stays_one_participant(db_session, zum):
    person = register(db_session)
    consent(db_session, person)
    enrollment = people.enroll(db_session, person, zum, entry(zum, disability="refused", rural="no"), COORDINATOR)
    assert enrollment.age_at_entry == 37
    assert enrollment.disability is Answer.refused and enrollment.disability_on == date(2023, 3, 1)
    assert enrollment.minority is Answer.not_asked and enrollment.minority_on is None
    with pytest.raises(DomainError):
        people.set_answer(db_session, enrollment, COORDINATOR, "disability", Answer.yes, date(2023, 4, 1))
    people.set_answer(db_session, enrollment, COORDINATOR, "minority", Answer.no, date(2023, 4, 1))
    people.exit_enrollment(db_session, enrollment, COORDINATOR, exit_date=date(2023, 6, 1), result=ExitResult.completed)
    again = people.enroll(db_session, person, zum, entry(zum, on=date(2023, 9, 1), disability="yes"), COORDINATOR)
    assert again.id == enrollment.id
    assert [period.entry_date for period in again.periods] == [date(2023, 3, 1), date(2023, 9, 1)]
    assert again.disability is Answer.refused  # the first entry's answer stays
    assert db_session.scalar(select(func.count()).select_from(Enrollment)) == 1
    with pytest.raises(DomainError) as caught:
        people.reenter(db_session, again, date(2023, 10, 1), COORDINATOR)
    assert caught.value.code == "already_enrolled"


def test_only_the_special_categories_right_records_sensitive_answers(db_session, zum):
    person = register(db_session)
    consent(db_session, person)
    enrollment = people.enroll(db_session, person, zum, entry(zum, disability="yes", minority="yes", rural="yes"),
                               STAFF)
    assert enrollment.disability is Answer.not_asked and enrollment.minority is Answer.not_asked
    assert enrollment.rural is Answer.yes
    with pytest.raises(DomainError) as caught:
        people.set_answer(db_session, enrollment, STAFF, "minority", Answer.yes, date(2023, 3, 2))
    assert caught.value.code == "sensitive_forbidden"


# Merge and erasure ---------------------------------------------------------------------------------

def test_merge_joins_two_records_and_keeps_their_history(db_session, zum):
    keep = register(db_session, phone="")
    absorb = register(db_session, last="Balascau", phone="0740 123 456", cnp=cnp("285031207123"))
    consent(db_session, keep)
    consent(db_session, absorb, on=date(2023, 2, 1))
    first = people.enroll(db_session, keep, zum, entry(zum, on=date(2023, 5, 1)), COORDINATOR)
    people.exit_enrollment(db_session, first, COORDINATOR, exit_date=date(2023, 6, 1), result=ExitResult.moved_away)
    people.enroll(db_session, absorb, zum, entry(zum, on=date(2023, 3, 1), rural="yes"), COORDINATOR)
    db_session.flush()
    people.merge_persons(db_session, keep, absorb, COORDINATOR)
    db_session.flush()
    db_session.expire_all()
    keep = db_session.get(Person, keep.id)
    assert keep.cnp == cnp("285031207123") and keep.phone == "0740 123 456"
    assert len(keep.consents) == 2
    assert len(keep.enrollments) == 1
    merged = keep.enrollments[0]
    assert merged.first_entry_date == date(2023, 3, 1) and merged.rural is Answer.yes
    assert sorted(period.entry_date for period in merged.periods) == [date(2023, 3, 1), date(2023, 5, 1)]
    assert db_session.get(Person, absorb.id).merged_into_id == keep.id
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.action == AuditAction.merge)).all()
    assert len(actions) == 2


def test_records_with_different_cnps_cannot_be_merged(db_session):
    one = register(db_session, cnp=cnp("285031207123"))
    two = register(db_session, last="Ionescu", first="Maria", cnp=cnp("290010107001"), birth_date=None, sex=None)
    with pytest.raises(DomainError) as caught:
        people.merge_persons(db_session, one, two, COORDINATOR)
    assert caught.value.code == "merge_cnp_conflict"


def test_erasure_removes_identity_and_keeps_counts(db_session, zum):
    person = register(db_session, cnp=cnp("285031207123"), phone="0740123456", email="r@ex.ro")
    consent(db_session, person)
    people.enroll(db_session, person, zum, entry(zum), COORDINATOR)
    people.erase_person(db_session, person, COORDINATOR)
    db_session.flush()
    assert person.last_name == "Șters" and person.first_name == person.code
    assert person.cnp is None and person.birth_date is None and person.phone == "" and person.street == ""
    assert person.sex is Sex.female
    assert db_session.scalar(select(Enrollment.age_at_entry).where(Enrollment.person_id == person.id)) == 37
    assert people.find_duplicates(db_session, people.PersonData(
        last_name="Bălășcău", first_name="Raluca", birth_date=date(1985, 3, 12))) == []
    with pytest.raises(DomainError):
        people.update_person(db_session, person, people.PersonData(last_name="X", first_name="Y"), COORDINATOR)


# Through the portal ----------------------------------------------------------------------------

PERSON_FORM = {"last_name": "Bălășcău", "first_name": "Raluca", "birth_date": "12.03.1985", "sex": "F",
               "locality": "Botoșani", "street": "Str. Parcului", "number": "3", "phone": "0740 123 456"}


def test_registering_searching_and_opening_a_person_in_the_portal(client, login_as, db_session, zum):
    login_as("staff")
    db_session.commit()
    created = client.post_form("/portal/persoane/nou", PERSON_FORM)
    assert created.status_code == 303
    person_url = created.headers["Location"]
    found = client.get("/portal/persoane?q=balascau").get_data(as_text=True)
    assert "Bălășcău Raluca" in found and "1 persoană" in found
    assert "Bălășcău" in client.get("/portal/persoane?q=0740123456").get_data(as_text=True)
    partial = client.get("/portal/persoane?q=BALASC", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and "Bălășcău Raluca" in partial
    assert "Nicio persoană" in client.get("/portal/persoane?q=popescu").get_data(as_text=True)
    page = client.get(person_url).get_data(as_text=True)
    assert "Bălășcău Raluca" in page and "Str. Parcului, nr. 3, Botoșani" in page


def test_a_failed_registration_keeps_everything_typed(client, login_as):
    login_as("staff")
    response = client.post_form("/portal/persoane/nou", {**PERSON_FORM, "birth_date": "31.02.1985",
                                                         "cnp": "123", "email": "nu-e-email"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Scrieți data ca zz.ll.aaaa" in html
    assert "Introduceți o adresă de e-mail validă." in html
    assert 'value="31.02.1985"' in html and 'value="Str. Parcului"' in html and 'value="0740 123 456"' in html


def test_the_duplicate_step_in_the_portal(client, login_as, db_session):
    login_as("staff")
    register(db_session)
    db_session.commit()
    response = client.post_form("/portal/persoane/nou", {**PERSON_FORM, "last_name": "Balascau"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Această persoană poate fi deja înregistrată" in html and 'name="confirm_new" type="hidden" value="1"' in html
    confirmed = client.post_form("/portal/persoane/nou", {**PERSON_FORM, "last_name": "Balascau", "confirm_new": "1"})
    assert confirmed.status_code == 303


def test_enrolment_in_the_portal_refuses_without_consent_and_keeps_the_form(client, login_as, db_session, zum):
    login_as("coordinator")
    person = register(db_session)
    db_session.commit()
    form = {"project_id": str(zum.id), "zone_id": str(zum.zones[0].id), "entry_date": "01.03.2023",
            "risk_reason": "social_inquiry", "labour_status": "inactive", "isced_level": "1",
            "situation_disability": "refused", "situation_minority": "yes", "situation_homeless": "no",
            "situation_jobless_household": "not_asked", "situation_single_parent_household": "no",
            "situation_rural": "no"}
    refused = client.post_form(f"/portal/persoane/{person.id}/inscriere", form)
    assert refused.status_code == 422
    assert "nu există consimțământ" in refused.get_data(as_text=True).lower()
    client.post_form(f"/portal/persoane/{person.id}/consimtaminte", {
        "kind": "data_processing", "given_by": "person", "given_on": "15.02.2023", "document_ref": "F-7"})
    assert client.post_form(f"/portal/persoane/{person.id}/inscriere", form).status_code == 303
    page = client.get(f"/portal/persoane/{person.id}").get_data(as_text=True)
    assert "a refuzat să răspundă" in page and "de etnie romă sau altă minoritate" in page


def test_special_categories_are_hidden_from_roles_without_the_right(client, login_as, db_session, zum):
    person = register(db_session)
    consent(db_session, person)
    people.enroll(db_session, person, zum, entry(zum, disability="yes", minority="refused"), COORDINATOR)
    db_session.commit()
    login_as("staff")
    html = client.get(f"/portal/persoane/{person.id}").get_data(as_text=True)
    assert "persoană cu dizabilități" not in html and "de etnie romă" not in html
    assert "ascunse: rolul dumneavoastră nu poate vedea" in html
    assert client.get(f"/portal/persoane/{person.id}/date-personale?format=json").status_code == 403
    edit = client.get(f"/portal/persoane/{person.id}/inscriere").get_data(as_text=True)
    assert "situation_minority" not in edit and "situation_rural" in edit


@pytest.mark.parametrize(("role", "allowed"), [
    ("viewer", {"people_list", "person_detail"}),
    ("staff", {"people_list", "person_detail", "person_create", "person_edit"}),
    ("coordinator", {"people_list", "person_detail", "person_create", "person_edit", "person_merge", "person_data"}),
    ("admin", {"people_list", "person_detail", "person_create", "person_edit", "person_merge", "person_data",
               "person_erase", "person_audit"}),
])
def test_register_pages_per_role(client, login_as, db_session, role, allowed):
    person = register(db_session)
    db_session.commit()
    login_as(role)
    pages = {"people_list": "/portal/persoane", "person_detail": f"/portal/persoane/{person.id}",
             "person_create": "/portal/persoane/nou", "person_edit": f"/portal/persoane/{person.id}/editare",
             "person_merge": f"/portal/persoane/{person.id}/unire",
             "person_data": f"/portal/persoane/{person.id}/date-personale",
             "person_erase": f"/portal/persoane/{person.id}/stergere",
             "person_audit": f"/portal/persoane/{person.id}/jurnal"}
    statuses = {name: client.get(url).status_code for name, url in pages.items()}
    assert {name for name, status in statuses.items() if status == 200} == allowed
    assert {status for name, status in statuses.items() if name not in allowed} <= {403}


def test_every_view_and_change_of_a_person_is_audited(client, login_as, db_session):
    user = login_as("admin")
    person = register(db_session, street="Str. Parcului", number="3", phone="0740 123 456")
    db_session.commit()
    client.get(f"/portal/persoane/{person.id}")
    client.post_form(f"/portal/persoane/{person.id}/editare", {**PERSON_FORM, "phone": "0755 000 111"},
                     environ_base={"REMOTE_ADDR": "10.1.2.3"})
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.person_id == person.id,
                                                          AuditEntry.user_id == user.id)
                                 .order_by(AuditEntry.id)).all()
    assert [entry.action for entry in entries] == [AuditAction.view, AuditAction.update]
    assert entries[1].details == "phone" and entries[1].address == "10.1.2.3"
    log = client.get(f"/portal/persoane/{person.id}/jurnal").get_data(as_text=True)
    assert "modificare" in log and "10.1.2.3" in log
    assert person.code in client.get(f"/portal/utilizatori/{user.id}/jurnal").get_data(as_text=True)


def test_personal_data_export_and_erasure_through_the_portal(client, login_as, db_session, zum):
    login_as("admin")
    person = register(db_session, cnp=cnp("285031207123"))
    consent(db_session, person)
    people.enroll(db_session, person, zum, entry(zum, minority="yes"), COORDINATOR)
    db_session.commit()
    exported = client.get(f"/portal/persoane/{person.id}/date-personale?format=json")
    data = json.loads(exported.get_data(as_text=True))
    assert data["identity"]["cnp"] == cnp("285031207123")
    assert data["enrollments"][0]["situations"]["minority"]["answer"] == "yes"
    assert "attachment" in exported.headers["Content-Disposition"]
    wrong = client.post_form(f"/portal/persoane/{person.id}/stergere", {"confirm_code": "P999999"})
    assert wrong.status_code == 422
    erased = client.post_form(f"/portal/persoane/{person.id}/stergere", {"confirm_code": person.code.lower()})
    assert erased.status_code == 303
    assert client.get(f"/portal/persoane/{person.id}").status_code == 404
    assert "Bălășcău" not in client.get("/portal/persoane?q=balascau").get_data(as_text=True)
    actions = set(db_session.scalars(select(AuditEntry.action).where(AuditEntry.person_id == person.id)))
    assert {AuditAction.export, AuditAction.erase} <= actions


def test_name_search_pages_and_filters_through_the_word_index(db_session, zum):
    from portal.domain.people.queries import PAGE_SIZE, search_people

    for number in range(PAGE_SIZE + 2):
        person = register(db_session, last="Ionescu", first=f"Ion{number:02d}", birth_date=date(1980, 1, 1 + number % 28))
        if number < 3:
            consent(db_session, person)
            people.enroll(db_session, person, zum, entry(zum), COORDINATOR)
    register(db_session, last="Ionașcu", first="Maria")
    db_session.flush()
    first = search_people(db_session, text="ionescu")
    assert first.total == PAGE_SIZE + 2 and first.has_next and len(first.people) == PAGE_SIZE
    assert [person.first_name for person in first.people][:2] == ["Ion00", "Ion01"]
    second = search_people(db_session, text="ionescu", page=2)
    assert [person.first_name for person in second.people] == ["Ion25", "Ion26"] and not second.has_next
    assert search_people(db_session, text="ion ionesc").total == PAGE_SIZE + 2  # "ion" also matches "Ion00"…
    assert search_people(db_session, text="iona").total == 1
    assert search_people(db_session, text="ionescu", project_id=zum.id).total == 3
    assert search_people(db_session, text="ionescu", status="active").total == 3
    assert search_people(db_session, text="ionescu", status="exited").total == 0


def test_an_erased_record_takes_no_more_changes(client, login_as, db_session, zum):
    login_as("admin")
    person = register(db_session)
    given = consent(db_session, person)
    enrollment = people.enroll(db_session, person, zum, entry(zum), COORDINATOR)
    people.erase_person(db_session, person, COORDINATOR)
    db_session.commit()
    base = f"/portal/persoane/{person.id}"
    for url, data in [(f"{base}/consimtaminte/{given.id}/retragere", {"withdrawn_on": "01.01.2024"}),
                      (f"{base}/inscrieri/{enrollment.id}/iesire", {f"exit{enrollment.id}-exit_date": "01.06.2023",
                                                                      f"exit{enrollment.id}-result": "completed",
                                                                      f"exit{enrollment.id}-notes": "Str. X nr. 3"}),
                      (f"{base}/inscrieri/{enrollment.id}/dosar", {"documents": "id_copy"}),
                      (f"{base}/gospodarie/iesire", {})]:
        assert client.post_form(url, data).status_code == 404, url
    assert client.get(f"{base}/date-personale").status_code == 404
    assert client.get(f"{base}/jurnal?pagina=-3").status_code == 200
    db_session.expire_all()
    assert db_session.get(Consent, given.id).withdrawn_on is None
    with pytest.raises(DomainError):
        people.withdraw_consent(db_session, db_session.get(Consent, given.id), COORDINATOR, date(2024, 1, 1))


def test_the_register_offers_only_the_projects_the_user_works_on(client, login_as, db_session, zum):
    bacau = db_session.scalar(select(Project).where(Project.code == "BC-SDL-2022"))
    person = register(db_session)
    db_session.commit()
    login_as("staff", member_of={zum: "staff"})
    listing = client.get("/portal/persoane").get_data(as_text=True)
    assert zum.short_name in listing and bacau.short_name not in listing
    assert client.get(f"/portal/persoane?proiect={bacau.id}").status_code == 404
    form = client.get(f"/portal/persoane/{person.id}/inscriere").get_data(as_text=True)
    assert f"({zum.code})" in form and f"({bacau.code})" not in form
    assert client.get(f"/portal/proiecte/{bacau.id}/registru.csv").status_code in (403, 404)
