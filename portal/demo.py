"""Demo data from the two seed articles (Botoșani "ZUM BT PLUS" and Bacău), for trying Comunitar.

Everything is created only when missing, so loading it again changes nothing. The streets and the
Bacău project code are invented for the demo; the targets are the ones the articles report. The
projects really ended in 2023; here they run until mid-2027, so that the demo has sessions today.
"""
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain import clock
from portal.domain.accounts.models import Role, User
from portal.domain.accounts.services import create_user
from portal.domain.projects.models import (
    Activity, ActivityKind as K, Indicator, IndicatorUnit as U, Project, ProjectMember, RuleKind as R, Zone,
    ZoneStreet,
)
from portal.domain.benefits.models import (
    BenefitCategory as BC, BenefitFrequency as BF, BenefitKind, BenefitUnit as BU, EntitlementRule as ER,
)
from portal.domain.casework.models import ServiceType
from portal.domain.casework.services import add_default_service_types
from portal.domain.people.streets import street_key

DEMO_PASSWORD = "comunitar-demo"

DEMO_USERS = [
    ("admin@comunitar.demo", "Ana Administrator", Role.admin),
    ("coordonator@comunitar.demo", "Raluca Coordonatoare", Role.coordinator),
    ("personal@comunitar.demo", "Ștefan Asistent Social", Role.staff),
    ("vizualizare@comunitar.demo", "Ioana Auditoare", Role.viewer),
]

PROJECTS = [
    {
        "code": "155550",
        "short_name": "ZUM BT PLUS",
        "title": "ZUM BT PLUS – Un plus de incluziune pentru comunitățile marginalizate din Municipiul Botoșani",
        "programme": "Programul Operațional Capital Uman 2014-2020, Axa prioritară 5 – Dezvoltare locală plasată "
                     "sub responsabilitatea comunității (DLRC)",
        "beneficiary": "Primăria Municipiului Botoșani, cu DAS, DGASPC și ISJ Botoșani",
        "funder_line": "Proiect cofinanțat din Fondul Social European prin Programul Operațional Capital Uman 2014-2020",
        "town": "Botoșani",
        "start_date": date(2022, 2, 1),
        "end_date": date(2027, 6, 30),
        "summary_ro": "Servicii integrate socio-medico-educaționale pentru persoanele din Zona Urbană Marginalizată "
                      "Parcul Tineretului aflate în risc de sărăcie sau excluziune socială: centrul comunitar integrat, "
                      "analize medicale gratuite, Școală după școală, A doua șansă, magazinul social și voluntariat.",
        "summary_en": "Integrated social, medical and educational services for people of the Parcul Tineretului "
                      "marginalised urban zone at risk of poverty or social exclusion: an integrated community centre, "
                      "free medical tests, after-school, Second Chance, a social shop and volunteering.",
        "zones": {
            "Zona Urbană Marginalizată Parcul Tineretului": [
                "Strada Parcului", "Aleea Tineretului", "Strada Pacea", "Strada Sportului", "Strada Luceafărului",
            ],
        },
        "activities": [
            ("A1.1", "Servicii sociale și medico-sociale în Centrul Comunitar Integrat",
             "Social and medico-social services at the Integrated Community Centre", K.individual_service),
            ("A1.2", "Analize medicale gratuite", "Free medical tests", K.individual_service),
            ("A2.1", "Școală după școală", "After-school programme", K.group_sessions),
            ("A2.2", "Mese calde, rechizite și subvenții pentru copii", "Hot meals, school kits and child subsidies",
             K.benefit),
            ("A2.3", "A doua șansă – nivel secundar inferior", "Second Chance – lower secondary level",
             K.group_sessions),
            ("A3.1", "Concurs de desene pe asfalt și educație rutieră", "Pavement drawing contest and road safety",
             K.public_event),
            ("A3.2", "Poliția Seniorilor", "Seniors' Police", K.group_sessions),
            ("A3.3", "Colectare selectivă – acțiuni de voluntariat", "Waste collection volunteering days",
             K.volunteering),
            ("A3.4", "Magazinul social", "Social shop", K.benefit),
            ("A3.5", "Voluntariat pentru liceeni", "Volunteering for high-school pupils", K.volunteering),
            ("A3.6", "Activități intergeneraționale", "Intergenerational activities", K.group_sessions),
            ("A3.7", "Campanie de promovare a multiculturalității", "Multiculturalism campaign", K.public_event),
        ],
        "indicators": [
            ("I1", "Persoane care beneficiază de servicii prin Centrul Comunitar Integrat",
             "Persons receiving services through the Integrated Community Centre", 400, U.persons,
             {"rule": R.service_recipients, "activity": "A1.1"}),
            ("I2", "Persoane care beneficiază de analize medicale gratuite", "Persons receiving free medical tests",
             500, U.persons, {"rule": R.service_recipients, "activity": "A1.2"}),
            ("I3", "Copii în programul Școală după școală", "Children in the after-school programme", 98, U.persons,
             {"rule": R.attending_persons, "activity": "A2.1"}),
            ("I4", "Participanți la programul A doua șansă", "Participants in Second Chance", 20, U.persons,
             {"rule": R.attending_persons, "activity": "A2.3", "min_sessions": 10}),
            ("I5", "Copii participanți la concursuri", "Children taking part in contests", 50, U.persons,
             {"rule": R.event_attendees, "activity": "A3.1", "characteristic": "age:under_18"}),
            ("I6", "Pensionari în Poliția Seniorilor", "Pensioners in the Seniors' Police", 10, U.persons,
             {"rule": R.attending_persons, "activity": "A3.2"}),
            ("I7", "Voluntari la colectarea selectivă", "Volunteers collecting waste", 100, U.persons,
             {"rule": R.volunteers, "activity": "A3.3"}),
            ("I8", "Persoane care cumpără din magazinul social cu ore de muncă în folosul comunității",
             "Persons buying from the social shop with community-work hours", 100, U.persons,
             {"rule": R.shop_participants}),
            ("I9", "Elevi din internate implicați în voluntariat", "Boarding pupils volunteering", 100, U.persons,
             {"rule": R.volunteers, "activity": "A3.5"}),
            ("I10", "Copii și tineri în activități intergeneraționale",
             "Children and young people in intergenerational activities", 60, U.persons,
             {"rule": R.attending_persons, "activity": "A3.6", "characteristic": "age:under_18"}),
            ("I11", "Seniori în activități intergeneraționale", "Seniors in intergenerational activities", 30,
             U.persons, {"rule": R.attending_persons, "activity": "A3.6", "characteristic": "age:55_plus"}),
            ("I12", "Participanți la campania de promovare a multiculturalității",
             "Participants in the multiculturalism campaign", 400, U.persons,
             {"rule": R.event_attendees, "activity": "A3.7"}),
            # Not in the financing contract: an internal figure the team follows (not public).
            ("I13", "Ore de voluntariat", "Volunteering hours", 2000, U.hours,
             {"rule": R.volunteer_hours, "public": False}),
            # The article: each after-school child received a 500 lei subsidy; the 20 Second Chance
            # learners received cash subsidies from the project budget.
            ("I14", "Copii din programul Școală după școală care au primit subvenția de 500 lei",
             "After-school children who received the 500 lei subsidy", 98, U.persons,
             {"rule": R.benefit_recipients, "benefit_kind": "Subvenție Școală după școală"}),
            ("I15", "Cursanți A doua șansă care au primit subvenții în bani",
             "Second Chance learners who received cash subsidies", 20, U.persons,
             {"rule": R.benefit_recipients, "benefit_kind": "Subvenție A doua șansă"}),
            # Internal figures the team follows (not in the financing contract, not public): the money
            # paid (subsidies and prizes, the budget line auditors check) and the community-work hours.
            ("I16", "Subvenții și premii plătite", "Subsidies and prizes paid", 600000, U.lei,
             {"rule": R.benefits_given, "public": False}),
            ("I17", "Mese calde servite copiilor", "Hot meals served to children", 15000, U.pieces,
             {"rule": R.benefits_given, "benefit_kind": "Masă caldă", "public": False}),
            ("I18", "Ore de muncă în folosul comunității (magazinul social)",
             "Community-work hours (social shop)", 3000, U.hours,
             {"rule": R.community_work_hours, "public": False}),
        ],
        # Benefit kinds (portal.domain.benefits): name, English name, category, unit, amount per person
        # and period (per session present for a meal), how often, activity, entitlement rule, minimum sessions.
        # The 500 lei and the prizes are the article's; the Second Chance amount is invented for the demo.
        "benefit_kinds": [
            ("Subvenție Școală după școală", "After-school subsidy", BC.cash_subsidy, BU.lei, 500, BF.monthly,
             "A2.1", ER.attendance, 10),
            ("Masă caldă", "Hot meal", BC.hot_meal, BU.pieces, 1, BF.monthly, "A2.1", ER.per_presence, 1),
            ("Pachet de rechizite școlare", "School supplies kit", BC.school_kit, BU.pieces, 1, BF.once, "A2.1",
             ER.enrolled, 0),
            ("Subvenție A doua șansă", "Second Chance subsidy", BC.cash_subsidy, BU.lei, 300, BF.monthly, "A2.3",
             ER.attendance, 4),
            ("Premii concurs de desene pe asfalt", "Pavement drawing contest prizes", BC.prize, BU.lei, 100,
             BF.yearly, "A3.1", ER.manual, 0),
        ],
    },
    {
        "code": "BC-SDL-2022",
        "short_name": "Comunitate mai bună Bacău",
        "title": "Servicii integrate pentru o comunitate mai bună",
        "programme": "Programul Operațional Capital Uman 2014-2020, Axa prioritară 5 – Dezvoltare locală plasată "
                     "sub responsabilitatea comunității (DLRC)",
        "beneficiary": "Fundația de Sprijin Comunitar, cu Direcția de Asistență Socială Bacău și ISJ Bacău",
        "funder_line": "Proiect cofinanțat din Fondul Social European prin Programul Operațional Capital Uman 2014-2020",
        "town": "Bacău",
        "start_date": date(2022, 9, 1),
        "end_date": date(2027, 6, 30),
        "summary_ro": "Servicii educaționale, socio-medicale, sociale și de consiliere juridică pentru 1.110 persoane "
                      "din familii defavorizate din cartierele Izvoare și Letea: îngrijire la domiciliu pentru 360 de "
                      "vârstnici, consiliere pentru 500 de persoane, excursii, seri culturale și școli de vară.",
        "summary_en": "Educational, socio-medical, social and legal counselling services for 1,110 people from "
                      "disadvantaged families in the Izvoare and Letea neighbourhoods: home care for 360 elderly "
                      "people, counselling for 500, excursions, cultural evenings and summer schools.",
        "zones": {
            "Cartierul Izvoare": ["Strada Izvoare", "Strada Pictor Aman", "Strada Ștefan cel Mare", "Aleea Izvoarelor"],
            "Cartierul Letea": ["Strada Letea", "Strada Bradului", "Strada Morilor", "Strada Fabricii"],
        },
        "activities": [
            ("A1.1", "Ateliere de educație juridică și dezvoltare personală în școli",
             "Legal education and personal development workshops in schools", K.group_sessions),
            ("A2.1", "Servicii socio-medicale mobile la domiciliu", "Mobile socio-medical home care",
             K.individual_service),
            ("A3.1", "Consiliere juridică", "Legal counselling", K.individual_service),
            ("A3.2", "Asistență socială", "Social assistance", K.individual_service),
            ("A3.3", "Consiliere psihologică", "Psychological counselling", K.individual_service),
            ("A3.4", "Orientare și sprijin în găsirea unui loc de muncă", "Job orientation and search support",
             K.individual_service),
            ("A4.1", "Excursii tematice de două zile", "Two-day thematic excursions", K.public_event),
            ("A4.2", "Vizite la muzee și spectacole", "Museum and theatre visits", K.public_event),
            ("A4.3", "Seri culturale", "Cultural evenings", K.public_event),
            ("A4.4", "Școli de vară", "Summer schools", K.group_sessions),
            ("A4.5", "Voluntariat și activități interculturale", "Volunteering and intercultural activities",
             K.volunteering),
        ],
        "indicators": [
            ("I1", "Persoane din grupul țintă care beneficiază de servicii integrate",
             "Target-group persons receiving integrated services", 1110, U.persons,
             {"rule": R.enrolled_persons}),
            ("I2", "Persoane vârstnice, cu dizabilități sau boli cronice îngrijite la domiciliu",
             "Elderly, disabled or chronically ill persons cared for at home", 360, U.persons,
             {"rule": R.service_recipients, "activity": "A2.1"}),
            ("I3", "Persoane care primesc consiliere juridică, socială, psihologică sau orientare profesională",
             "Persons receiving legal, social or psychological counselling or job orientation", 500, U.persons,
             {"rule": R.service_recipients, "service_types": ["Consiliere juridică", "Asistență socială",
                                                              "Consiliere psihologică", "Orientare profesională"]}),
            ("I4", "Elevi participanți la excursii tematice", "Pupils on thematic excursions", 40, U.persons,
             {"rule": R.event_attendees, "activity": "A4.1"}),
            ("I5", "Seri culturale organizate", "Cultural evenings held", 3, U.events,
             {"rule": R.sessions_held, "activity": "A4.3"}),
            ("I6", "Zile de școală de vară", "Summer-school days", 10, U.sessions,
             {"rule": R.sessions_held, "activity": "A4.4"}),
        ],
    },
]


def _first(db: Session, model, **keys):
    return db.scalar(select(model).filter_by(**keys))


def load_demo(db: Session, *, with_people: bool = False) -> list[tuple[str, str]]:
    """Demo users and projects; with_people adds a few hundred synthetic target-group members, their
    sessions and services, the public site's listings with sign-ups, benefits paid and the social shop, and
    (inside the app) news with photos."""
    for email, name, role in DEMO_USERS:
        if _first(db, User, email=email) is None:
            create_user(db, email=email, full_name=name, role=role, password=DEMO_PASSWORD)
    for spec in PROJECTS:
        _load_project(db, spec)
    db.flush()
    # Everyone but the administrator works on both projects, with the role of their account.
    for email, _name, role in DEMO_USERS:
        user = _first(db, User, email=email)
        for project in db.scalars(select(Project)):
            if role != Role.admin and _first(db, ProjectMember, project_id=project.id, user_id=user.id) is None:
                db.add(ProjectMember(project_id=project.id, user_id=user.id, role=role))
    db.flush()
    if with_people:
        from portal.demo_activities import load_demo_activities
        from portal.demo_benefits import load_demo_benefits
        from portal.demo_people import load_demo_people
        from portal.demo_public import load_demo_public

        load_demo_people(db)
        load_demo_activities(db)
        load_demo_public(db)
        load_demo_benefits(db)
        if has_app_context():  # the news photos go to the app's media folder (the CLI always has one)
            from portal.demo_news import load_demo_news
            from portal.domain.news.services import media_dir_of

            load_demo_news(db, media_dir_of(current_app), clock.today())
    return [(email, role.value) for email, _name, role in DEMO_USERS]


# The parts of a demo project's spec that are rows of their own, not columns of the project.
PROJECT_PARTS = frozenset({"zones", "activities", "indicators", "benefit_kinds"})


def project_fields(spec: dict) -> dict:
    return {key: value for key, value in spec.items() if key not in PROJECT_PARTS}


def _load_project(db: Session, spec: dict) -> None:
    project = _first(db, Project, code=spec["code"])
    if project is None:
        project = Project(is_public=True, **project_fields(spec))
        db.add(project)
        db.flush()
        add_default_service_types(db, project)
    for zone_name, streets in spec["zones"].items():
        zone = _first(db, Zone, project_id=project.id, name=zone_name)
        if zone is None:
            zone = Zone(project_id=project.id, name=zone_name)
            db.add(zone)
            db.flush()
        for street in streets:
            if _first(db, ZoneStreet, zone_id=zone.id, folded_name=street_key(street)) is None:
                db.add(ZoneStreet(zone_id=zone.id, name=street, folded_name=street_key(street)))
    for code, name_ro, name_en, kind in spec["activities"]:
        if _first(db, Activity, project_id=project.id, code=code) is None:
            db.add(Activity(project_id=project.id, code=code, name_ro=name_ro, name_en=name_en, kind=kind))
    db.flush()
    for name_ro, name_en, category, unit, amount, frequency, activity, rule, min_sessions in spec.get(
            "benefit_kinds", []):
        if _first(db, BenefitKind, project_id=project.id, name_ro=name_ro) is None:
            db.add(BenefitKind(project_id=project.id, category=category, name_ro=name_ro, name_en=name_en, unit=unit,
                               amount=amount, frequency=frequency, rule=rule, min_sessions=min_sessions,
                               activity_id=_first(db, Activity, project_id=project.id, code=activity).id))
    db.flush()
    for code, name_ro, name_en, target, unit, *rule in spec["indicators"]:
        indicator = _first(db, Indicator, project_id=project.id, code=code)
        if indicator is None:
            indicator = Indicator(project_id=project.id, code=code, name_ro=name_ro, name_en=name_en, target=target,
                                  unit=unit, is_public=(rule[0] if rule else {}).get("public", True))
            db.add(indicator)
        if rule and indicator.rule is None:
            _set_rule(db, project, indicator, rule[0])


def _set_rule(db: Session, project: Project, indicator: Indicator, rule: dict) -> None:
    """The demo indicator's rule, as staff would set it on the indicator's page."""
    indicator.rule = rule["rule"]
    if "activity" in rule:
        indicator.activity_id = _first(db, Activity, project_id=project.id, code=rule["activity"]).id
    if "benefit_kind" in rule:
        indicator.benefit_kind_id = _first(db, BenefitKind, project_id=project.id, name_ro=rule["benefit_kind"]).id
    indicator.min_sessions = rule.get("min_sessions", 1)
    indicator.characteristic = rule.get("characteristic", "")
    if "service_types" in rule:
        indicator.service_types = list(db.scalars(select(ServiceType).where(
            ServiceType.project_id == project.id, ServiceType.name_ro.in_(rule["service_types"]))))
