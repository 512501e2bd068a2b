"""Sessions, attendance and individual services for the demo projects, as the articles tell them.

Everything goes through the activities and casework services, so the demo obeys their rules:
sessions within the project's dates, rosters of enrolled people only, marks from the day of the
session (each sheet is recorded the day it was held, so none is a late correction), walk-ins only
at open events, services given to the target group by the project's staff and never in the future.
Random choices come from a fixed seed; the dates follow today's: the recurring activities show about
three months up to today and two weeks already planned, today's and later sheets still empty.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.domain import clock
from portal.domain.accounts.models import User
from portal.domain.activities import services as activities
from portal.domain.activities.models import ActivitySession, AttendanceStatus, RosterEntry
from portal.domain.actor import system_actor
from portal.domain.casework import services as casework
from portal.domain.casework.models import ServiceDelivery
from portal.domain.errors import DomainError
from portal.domain.people.models import Enrollment, Person
from portal.domain.people.services import SENSITIVE, age_on
from portal.domain.projects.models import Activity, Project
from portal.domain.projects.services import ACTIVITIES_MANAGE

ACTOR = system_actor(frozenset({ACTIVITIES_MANAGE, activities.ATTENDANCE_RECORD, activities.ATTENDANCE_CORRECT,
                                casework.SERVICES_RECORD, casework.SERVICE_NOTES, SENSITIVE}), address="demo")
COORDINATOR, STAFF = "coordonator@comunitar.demo", "personal@comunitar.demo"
WINDOW_DAYS = 91  # the recurring activities show about three months up to today
AHEAD_DAYS = 14   # and two weeks already planned

# Romanian school holidays (orders of the Ministry of Education), with the February week chosen by
# the Botoșani and Bacău inspectorates where known. Years not listed only skip public holidays.
SCHOOL_HOLIDAYS = [
    (date(2022, 10, 22), date(2022, 10, 30)), (date(2022, 12, 23), date(2023, 1, 8)),
    (date(2023, 4, 8), date(2023, 4, 18)), (date(2023, 6, 17), date(2023, 9, 10)),
    (date(2023, 10, 28), date(2023, 11, 5)), (date(2023, 12, 23), date(2024, 1, 7)),
    (date(2024, 4, 27), date(2024, 5, 7)), (date(2024, 6, 22), date(2024, 9, 8)),
    (date(2024, 10, 26), date(2024, 11, 3)), (date(2024, 12, 21), date(2025, 1, 7)),
    (date(2025, 4, 18), date(2025, 4, 27)), (date(2025, 6, 21), date(2025, 9, 7)),
    (date(2025, 10, 25), date(2025, 11, 2)), (date(2025, 12, 20), date(2026, 1, 7)),
    (date(2026, 2, 23), date(2026, 3, 1)), (date(2026, 4, 4), date(2026, 4, 14)),
    (date(2026, 6, 20), date(2026, 9, 6)), (date(2026, 10, 5), date(2026, 10, 5)),  # Ziua educației
    (date(2026, 10, 24), date(2026, 11, 1)), (date(2026, 12, 23), date(2027, 1, 10)),
    (date(2027, 4, 24), date(2027, 5, 4)), (date(2027, 6, 19), date(2027, 9, 5)),
]

HOME_CARE_NOTES = [
    "Tensiune măsurată, medicație verificată.",
    "Tensiune măsurată, în limite normale; medicația pe săptămâna viitoare pregătită în cutia de pastile.",
    "Glicemie măsurată înainte de masă; dieta discutată cu fiica beneficiarei.",
    "Pansament schimbat la piciorul stâng; plaga se vindecă bine.",
    "Ajutor la igiena personală și la prepararea mesei.",
    "Medicamente ridicate de la farmacie pe baza rețetei compensate.",
    "Tensiune crescută (160/95): recomandat control la medicul de familie, programare făcută telefonic.",
    "Mobilizare și exerciții ușoare; beneficiarul merge cu cadrul până în curte.",
    "Cumpărături aduse, lemne pentru foc verificate; locuința încălzită.",
    "Însoțit la medicul de familie pentru rețetă; analizele de control programate.",
]
COUNSELLING = {  # activity code: (service type, minutes, notes)
    "A3.1": ("Consiliere juridică", (30, 60), [
        "Sprijin pentru obținerea actului de identitate; lista documentelor necesare predată.",
        "Informații despre dreptul la pensie de urmaș; cererea completată împreună.",
        "Consiliere privind contractul de închiriere cu primăria.",
        "Sprijin pentru înregistrarea tardivă a nașterii unui copil.",
        "Informații despre procedura de divorț și pensia de întreținere.",
    ]),
    "A3.2": ("Asistență socială", (30, 60), [
        "Dosar de venit minim de incluziune completat și depus la DAS.",
        "Cerere de alocație pentru susținerea familiei; acte verificate.",
        "Ancheta socială la domiciliu; familia are nevoie de ajutor pentru încălzire.",
        "Îndrumare către DGASPC pentru evaluarea gradului de handicap.",
    ]),
    "A3.3": ("Consiliere psihologică", (45, 60), [
        "Ședință de consiliere individuală; stabilite obiective pentru următoarea întâlnire.",
        "Consiliere pentru gestionarea anxietății după pierderea locului de muncă.",
        "Ședință de consiliere pentru părinte: comunicarea cu adolescentul.",
        "Evaluare inițială; recomandate încă trei ședințe.",
    ]),
    "A3.4": ("Orientare profesională", (45, 90), [
        "CV redactat împreună; înscris în evidența AJOFM Bacău.",
        "Locuri de muncă disponibile discutate; programat la un interviu pentru post de ajutor bucătar.",
        "Informații despre cursul gratuit de calificare în construcții.",
        "Pregătire pentru interviu; simulare de interviu și sfaturi de prezentare.",
    ]),
}
MEDICAL_TEST_NOTES = [
    "Hemoleucogramă, glicemie și colesterol; rezultatele predate persoanei.",
    "Analize de sânge și sumar de urină; rezultate în limite normale.",
    "Glicemie ușor crescută: recomandat control la medicul de familie.",
    "Analize complete; trimis la medicul de familie pentru interpretarea rezultatelor.",
]
SOCIAL_ASSISTANCE_NOTES = [
    "Evaluarea nevoilor familiei; plan de intervenție întocmit.",
    "Sprijin pentru dosarul de alocație pentru susținerea familiei.",
    "Îndrumat către DAS pentru ajutorul de încălzire.",
    "Vizită la domiciliu; situația locativă verificată.",
    "Sprijin pentru înscrierea la medicul de familie.",
    "Informații despre magazinul social și orele de muncă în folosul comunității.",
]


@dataclass
class Member:
    """An enrolled person with what the demo needs to choose them."""
    person: Person
    enrollment: Enrollment
    entry: date
    exit: date | None

    def age(self, day: date) -> int:
        return age_on(self.person.birth_date, day) if self.person.birth_date else self.enrollment.age_at_entry

    def active_on(self, day: date) -> bool:
        return self.entry <= day and (self.exit is None or day < self.exit)


@dataclass
class Counts:
    sessions: int = 0
    cancelled: int = 0
    roster_entries: int = 0
    attendance: int = 0
    present: int = 0
    absent: int = 0
    excused: int = 0
    walk_ins: int = 0
    services: int = 0


# Calendar ---------------------------------------------------------------------------------------

def orthodox_easter(year: int) -> date:
    """Meeus' Julian algorithm, moved to the Gregorian calendar (1900–2099)."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day = divmod(d + e + 114, 31)
    return date(year, month, day + 1) + timedelta(days=13)


def public_holidays(year: int) -> set[date]:
    """Romania's legal days off (Codul muncii, art. 139)."""
    easter = orthodox_easter(year)
    days = {date(year, 1, 1), date(year, 1, 2), date(year, 1, 24), date(year, 5, 1), date(year, 6, 1),
            date(year, 8, 15), date(year, 11, 30), date(year, 12, 1), date(year, 12, 25), date(year, 12, 26),
            easter - timedelta(days=2), easter, easter + timedelta(days=1),
            easter + timedelta(days=49), easter + timedelta(days=50)}
    if year >= 2024:  # Epiphany and St John, since 2024
        days |= {date(year, 1, 6), date(year, 1, 7)}
    return days


def is_working_day(day: date) -> bool:
    return day.isoweekday() <= 5 and day not in public_holidays(day.year)


def days_off(first: date, last: date, *, school: bool) -> set[date]:
    """Public holidays between two days, and the school holidays when the activity follows the school."""
    days = set().union(*(public_holidays(year) for year in range(first.year, last.year + 1)))
    if school:
        for start, end in SCHOOL_HOLIDAYS:
            days.update(start + timedelta(days=offset) for offset in range((end - start).days + 1))
    return {day for day in days if first <= day <= last}


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th ISO weekday of a month (n = 1 for the first, -1 for the last)."""
    if n < 0:
        following = date(year + month // 12, month % 12 + 1, 1)
        day = following - timedelta(days=1)
        return day - timedelta(days=(day.isoweekday() - weekday) % 7)
    day = date(year, month, 1)
    day += timedelta(days=(weekday - day.isoweekday()) % 7)
    return day + timedelta(weeks=n - 1)


def months(first: date, last: date) -> list[tuple[int, int]]:
    result, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        result.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def row_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 5, 7, 8] → "1-3, 5, 7-8", as staff type the rows that signed."""
    parts = []
    for number in sorted(numbers):
        if parts and parts[-1][1] == number - 1:
            parts[-1][1] = number
        else:
            parts.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in parts)


# Loading ----------------------------------------------------------------------------------------

class _Loader:
    def __init__(self, db: Session, project: Project, rng: random.Random, today: date, counts: Counts,
                 staff: list[User]):
        self.db, self.project, self.rng, self.today, self.counts = db, project, rng, today, counts
        self.coordinator, self.staff = staff
        self.activities = {activity.code: activity for activity in project.activities}
        self.anchor = min(today, project.end_date)  # the last day anything can have happened
        self.first = max(project.start_date, self.anchor - timedelta(days=WINDOW_DAYS))
        self.last = min(project.end_date, today + timedelta(days=AHEAD_DAYS))
        enrollments = db.scalars(
            select(Enrollment).where(Enrollment.project_id == project.id)
            .options(selectinload(Enrollment.person), selectinload(Enrollment.periods))
            .order_by(Enrollment.id)).all()
        self.members = [Member(e.person, e, e.first_entry_date, e.periods[-1].exit_date if e.periods else None)
                        for e in enrollments if not e.person.merged_into_id and not e.person.erased_at]
        # Objects, not ids: the session holds them only weakly, and each would be read again per service.
        self.types = {kind.name_ro: kind for kind in casework.service_types(db, project.id)}
        self.entries: dict[tuple[int, int], RosterEntry] = {}  # (activity, person): who is on which list

    # Who ---------------------------------------------------------------------------------------

    def pick(self, count: int, on: date, *, ages: tuple[int, int] = (0, 200), until: date | None = None,
             where=lambda member: True, prefer=lambda member: 0) -> list[Member]:
        """Up to `count` people active on `on` (and still on `until`), within the ages, the preferred first."""
        fitting = [m for m in self.members if m.active_on(on) and ages[0] <= m.age(on) <= ages[1] and where(m)
                   and (until is None or m.exit is None or m.exit > until)]
        self.rng.shuffle(fitting)
        fitting.sort(key=prefer)
        return fitting[:count]

    def roster(self, activity: Activity, members: list[Member], joined_on: date,
               left_on: date | None = None) -> list[Member]:
        for member in members:
            activities.add_to_roster(self.db, activity, member.person, max(joined_on, member.entry), ACTOR)
            self.counts.roster_entries += 1
        entries = {entry.person_id: entry for entry in activities.roster(self.db, activity)}
        for member in members:
            leaves = [day for day in (left_on, member.exit) if day is not None]
            if leaves:  # the group ends, or the person leaves the target group
                activities.remove_from_roster(self.db, entries[member.person.id], min(leaves), ACTOR, activity)
        self.entries.update({(activity.id, entry.person_id): entry
                             for entry in activities.roster(self.db, activity, include_left=True)})
        return members

    # When --------------------------------------------------------------------------------------

    def plan(self, activity: Activity, start: time, end: time, place: str, *, on: date | None = None,
             repeat: activities.Repeat | None = None, topic: str = "", capacity: int | None = None,
             facilitators: list[User] = ()) -> list[ActivitySession]:
        """Sessions inside the project's dates only; a repeat with no day left plans nothing."""
        if on is not None and not self.project.start_date <= on <= self.project.end_date:
            return []
        if repeat is not None:
            repeat.first_date = max(repeat.first_date, self.project.start_date)
            repeat.last_date = min(repeat.last_date, self.project.end_date)
            if repeat.last_date < repeat.first_date:
                return []
            repeat.skipped = {day for day in repeat.skipped if repeat.first_date <= day <= repeat.last_date}
            try:
                activities.repeat_dates(repeat)
            except DomainError:  # holidays only
                return []
        plan = activities.SessionPlan(start_time=start, end_time=end, place=place, topic=topic, capacity=capacity,
                                      facilitator_ids=[user.id for user in facilitators])
        sessions = activities.create_sessions(self.db, activity, plan, ACTOR, on=on, repeat=repeat)
        self.counts.sessions += len(sessions)
        return sessions

    def repeat(self, weekdays: set[int], *, school: bool, first: date | None = None,
               last: date | None = None) -> activities.Repeat:
        first, last = first or self.first, last or self.last
        return activities.Repeat(first_date=first, last_date=last, weekdays=weekdays,
                                 skipped=days_off(first, last, school=school))

    # Who came ----------------------------------------------------------------------------------

    def held(self, session: ActivitySession) -> bool:
        """Only sessions before today have their sheet filled: today's is still going on."""
        return session.date < self.today

    def take_attendance(self, sessions: list[ActivitySession], members: list[Member],
                        regularity: tuple[float, float], excused_share: float = 0.3) -> None:
        """Each person comes with their own regularity. As staff do: excuses are marked one by
        one; a day when everyone came is "all present"; otherwise the signed paper sheet is typed
        back (who signed is present, everyone else absent)."""
        regular = {m.person.id: self.rng.uniform(*regularity) for m in members}
        for session in sessions:
            if not self.held(session) or session.is_cancelled:
                continue
            absent = set()
            for member in members:
                entry = self.entries.get((session.activity_id, member.person.id))
                if entry is None or not entry.expected_on(session.date):
                    continue
                if self.rng.random() < regular[member.person.id]:
                    continue  # came
                if self.rng.random() < excused_share:
                    activities.mark(self.db, session, member.person, AttendanceStatus.excused, ACTOR,
                                    today=session.date)
                    self._count(AttendanceStatus.excused)
                else:
                    absent.add(member.person.id)
            if not absent:
                self._count(AttendanceStatus.present,
                            activities.mark_all_present(self.db, session, ACTOR, today=session.date))
                continue
            signed = [row.number for row in activities.sheet_rows(self.db, session)
                      if row.person.id not in absent and row.status is None]
            result = activities.record_from_paper(self.db, session, row_ranges(signed), ACTOR, today=session.date)
            self._count(AttendanceStatus.present, len(result.present))
            self._count(AttendanceStatus.absent, sum(row.status != AttendanceStatus.excused for row in result.absent))

    def _count(self, status: AttendanceStatus, number: int = 1) -> None:
        self.counts.attendance += number
        setattr(self.counts, status.value, getattr(self.counts, status.value) + number)

    def walk_ins(self, session: ActivitySession, members: list[Member]) -> None:
        if not self.held(session):
            return
        for member in members:
            if member.active_on(session.date):
                activities.mark(self.db, session, member.person, AttendanceStatus.present, ACTOR,
                                today=session.date, walk_in=True)
                self._count(AttendanceStatus.present)
                self.counts.walk_ins += 1

    def group(self, code: str, members: list[Member], sessions: list[ActivitySession],
              regularity: tuple[float, float], joined_on: date, left_on: date | None = None) -> None:
        self.roster(self.activities[code], members, joined_on, left_on)
        self.take_attendance(sessions, members, regularity)

    # Services ----------------------------------------------------------------------------------

    def service(self, member: Member, code: str, type_name: str, day: date, minutes: int, notes: str,
                staff: User) -> None:
        if not (member.active_on(day) and self.project.start_date <= day <= self.anchor):
            return
        data = casework.ServiceData(activity_id=self.activities[code].id, service_type_id=self.types[type_name].id,
                                    delivered_on=day, duration_minutes=minutes, staff_id=staff.id, notes=notes)
        casework.record_service(self.db, member.person, data, ACTOR, today=self.today)
        self.counts.services += 1

    def random_day(self, first: date, last: date) -> date | None:
        """A working day between two days, today at the latest (None when there is none)."""
        last = min(last, self.anchor)
        if last < first:
            return None
        for _ in range(20):
            day = first + timedelta(days=self.rng.randint(0, (last - first).days))
            if is_working_day(day):
                return day
        return None

    def latest(self, month: int, weekday: int = 0, n: int = 1, *, day_of_month: int | None = None) -> date | None:
        """The last time a yearly event (a day of the month, or its n-th weekday) fell before the
        end of the planning window and within the project; None if it never did."""
        for year in range(self.last.year, self.project.start_date.year - 1, -1):
            day = date(year, month, day_of_month) if day_of_month else nth_weekday(year, month, weekday, n)
            if self.project.start_date <= day <= self.last:
                return day
        return None


def _botosani(loader: _Loader) -> None:
    rng, first, last = loader.rng, loader.first, loader.last
    staff, coordinator = loader.staff, loader.coordinator

    # A2.1 After-school, every school day (the article: in Școlile Gimnaziale nr. 2 and nr. 8):
    # the children who entered the project under 15 and are still minors.
    children = loader.pick(98, first, ages=(6, 17), where=lambda m: m.enrollment.age_at_entry < 15)
    sessions = loader.plan(loader.activities["A2.1"], time(12, 30), time(16, 30), "Școala Gimnazială nr. 2, sala 2",
                           repeat=loader.repeat({1, 2, 3, 4, 5}, school=True), capacity=100,
                           topic="Teme, lectură și jocuri educative", facilitators=[staff])
    past = [session for session in sessions if loader.held(session)]
    if len(past) > 10:  # a day the school closed (a burst pipe): planned, cancelled, no sheet
        activities.cancel_session(loader.db, rng.choice(past[2:-2]), ACTOR)
        loader.counts.cancelled += 1
    loader.group("A2.1", children, sessions, (0.8, 0.97), first)

    # A2.3 Second Chance, twice a week in the evening: 20 adults who finished primary school.
    adults = loader.pick(20, first, ages=(16, 55), until=first, where=lambda m: (m.enrollment.isced_level or 0) <= 2,
                         prefer=lambda m: (m.enrollment.isced_level or 0) > 1)
    sessions = loader.plan(loader.activities["A2.3"], time(16, 0), time(19, 0), "Școala Gimnazială nr. 8, sala 5",
                           repeat=loader.repeat({2, 4}, school=True), capacity=20,
                           topic="Limba română, matematică și educație civică", facilitators=[coordinator])
    loader.group("A2.3", adults, sessions, (0.75, 0.95), first)

    # A3.2 Seniors' Police: ten pensioners meet the local police on the first working Tuesday of the month.
    seniors = loader.pick(10, first, ages=(60, 200), until=first)
    sessions = []
    for year, month in months(first, last):
        day = nth_weekday(year, month, 2, 1)
        day += timedelta(days=0 if is_working_day(day) else 7)
        if first <= day <= last:
            sessions += loader.plan(loader.activities["A3.2"], time(10, 0), time(12, 0),
                                    "Poliția Locală Botoșani, sala de ședințe", on=day, facilitators=[coordinator],
                                    topic="Sesizări din cartier și siguranța vârstnicilor")
    loader.group("A3.2", seniors, sessions, (0.8, 0.97), first)

    # A3.6 Intergenerational: children and seniors, the second and fourth Wednesday of the month.
    topics = ["Povești de altădată", "Jocuri de societate cu bunicii", "Atelier de gătit: rețete tradiționale",
              "Grădinărit în parc", "Decorațiuni de sărbători", "Fotografii vechi ale cartierului"]
    police = {m.person.id for m in seniors}
    together = (loader.pick(12, first, ages=(8, 17), until=first)
                + loader.pick(8, first, ages=(60, 200), until=first, where=lambda m: m.person.id not in police))
    sessions = []
    for year, month in months(first, last):
        for n in (2, 4):
            day = nth_weekday(year, month, 3, n)
            if first <= day <= last and is_working_day(day):
                sessions += loader.plan(loader.activities["A3.6"], time(15, 0), time(17, 0),
                                        "Centrul Comunitar Integrat, sala 2", on=day, topic=rng.choice(topics),
                                        facilitators=[staff])
    loader.group("A3.6", together, sessions, (0.7, 0.95), first)

    # A3.1 Pavement drawing contest with road safety, on Children's Day: open, whoever comes.
    day = loader.latest(6, day_of_month=1)
    if day:
        for session in loader.plan(loader.activities["A3.1"], time(10, 0), time(13, 0),
                                   "Parcul Tineretului, aleea centrală", on=day, facilitators=[coordinator, staff],
                                   topic="Desene pe asfalt și educație rutieră, cu Poliția Locală"):
            loader.walk_ins(session, loader.pick(50, day, ages=(5, 17)))

    # A3.7 Multiculturalism campaign: two workshops in October and a show in mid-November, around the
    # International Day for Tolerance (the article: 400 people over the campaign).
    for rule, start, end, place, topic, size in (
            ((10, 4, 2), time(16, 0), time(18, 0), "Centrul Comunitar Integrat, sala 2",
             "Atelier: tradițiile romilor și ale românilor din cartier", 20),
            ((10, 4, 4), time(16, 0), time(18, 0), "Centrul Comunitar Integrat, sala 2",
             "Atelier: împreună împotriva discriminării", 20),
            ((11, 1, 3), time(17, 0), time(19, 30), "Casa de Cultură a Sindicatelor Botoșani",
             "Spectacol de Ziua Internațională a Toleranței", 80)):
        day = loader.latest(*rule)
        for session in (loader.plan(loader.activities["A3.7"], start, end, place, on=day, topic=topic,
                                    facilitators=[coordinator]) if day else []):
            loader.walk_ins(session, loader.pick(size, day))

    # A1.2 Free medical tests: about half of the target group, once, within weeks of entering.
    for member in loader.members:
        if rng.random() < 0.5:
            day = loader.random_day(member.entry + timedelta(days=7), member.entry + timedelta(days=75))
            if day:
                loader.service(member, "A1.2", "Test medical", day, rng.choice([15, 20, 30]),
                               rng.choice(MEDICAL_TEST_NOTES), staff)
    # A1.1 Social and medico-social services of the community centre: a few visits for some adults.
    for member in loader.members:
        if member.age(member.entry) >= 18 and rng.random() < 0.4:
            for _ in range(rng.randint(1, 3)):
                day = loader.random_day(member.entry, member.exit or loader.project.end_date)
                if day:
                    loader.service(member, "A1.1", "Asistență socială", day, rng.choice([30, 45, 60]),
                                   rng.choice(SOCIAL_ASSISTANCE_NOTES), rng.choice([staff, staff, coordinator]))


def _bacau(loader: _Loader) -> None:
    rng, first, last = loader.rng, loader.first, loader.last
    staff, coordinator = loader.staff, loader.coordinator

    # A1.1 Legal education and personal development workshops at school, every Thursday of term.
    topics = ["Drepturile copilului", "Bullying-ul: cum îl recunoaștem și cum îl oprim", "Siguranța pe internet",
              "Violența în familie: unde cerem ajutor", "Cum rezolvăm conflictele fără violență",
              "Consumul de droguri și legea", "Încrederea în sine", "Absenteismul și viitorul meu"]
    pupils = loader.pick(25, first, ages=(10, 17))
    skipped = days_off(first, last, school=True)
    sessions, day = [], first + timedelta(days=(4 - first.isoweekday()) % 7)
    while day <= last:
        if day not in skipped:
            sessions += loader.plan(loader.activities["A1.1"], time(12, 0), time(14, 0),
                                    "Școala din cartierul Izvoare, sala de festivități", on=day,
                                    topic=topics[len(sessions) % len(topics)], facilitators=[staff])
        day += timedelta(weeks=1)
    loader.group("A1.1", pupils, sessions, (0.82, 0.98), first)

    # A4.4 Two summer schools, a week each in July, for two groups of pupils.
    monday = loader.latest(7, 1, 1)
    if monday:
        weeks = (monday, monday + timedelta(weeks=2))
        cohorts = loader.pick(40, weeks[0], ages=(7, 17), until=weeks[1] + timedelta(days=4))
        for week, group in zip(weeks, (cohorts[::2], cohorts[1::2])):
            sessions = loader.plan(loader.activities["A4.4"], time(9, 0), time(13, 0),
                                   "Centrul de zi „O școală pentru toți”", capacity=20, topic="Școala de vară",
                                   repeat=loader.repeat({1, 2, 3, 4, 5}, school=False, first=week,
                                                        last=week + timedelta(days=4)),
                                   facilitators=[staff, coordinator])
            if sessions:
                loader.group("A4.4", group, sessions, (0.85, 1.0), week, left_on=week + timedelta(days=5))

    # A4.1 Two two-day thematic excursions, 20 pupils each.
    for rule, place in (((5, 6, 3), "Târgu Neamț: Cetatea Neamț și Casa memorială Ion Creangă"),
                        ((10, 6, 1), "Suceava: Cetatea de Scaun și Muzeul Satului Bucovinean")):
        day = loader.latest(*rule)
        if day is None:
            continue
        pupils = loader.pick(20, day, ages=(10, 17), until=day + timedelta(days=1))
        for offset in (0, 1):
            for session in loader.plan(loader.activities["A4.1"], time(8, 0), time(19, 0), place,
                                       on=day + timedelta(days=offset), capacity=24,
                                       topic=f"Excursie tematică, ziua {offset + 1}", facilitators=[staff]):
                loader.walk_ins(session, pupils)

    # A4.3 Three cultural evenings: traditions, food and dress of the communities of the area
    # (the winter one is usually still ahead: planned, no sheet yet).
    for rule, topic in (((4, 4, -1), "Tradiții și obiceiuri de primăvară"),
                        ((9, 4, -1), "Bucătăria tradițională din Izvoare și Letea"),
                        ((12, 4, 1), "Port tradițional și obiceiuri de iarnă")):
        day = loader.latest(*rule)
        for session in (loader.plan(loader.activities["A4.3"], time(18, 0), time(20, 30),
                                    "Centrul de zi „O școală pentru toți”", on=day, topic=topic,
                                    facilitators=[coordinator]) if day else []):
            loader.walk_ins(session, loader.pick(rng.randint(25, 40), day))

    # A2.1 Mobile home care: the elderly of the target group, visited about weekly.
    for member in (m for m in loader.members if m.age(loader.anchor) >= 60):
        day = first + timedelta(days=rng.randint(0, 6))
        while day <= loader.anchor:
            if is_working_day(day):
                loader.service(member, "A2.1", "Vizită de îngrijire la domiciliu", day, rng.choice(range(45, 91, 5)),
                               rng.choice(HOME_CARE_NOTES), rng.choice([staff, staff, staff, coordinator]))
            day += timedelta(days=rng.choice([6, 7, 7, 7, 8]))

    # A3.1–A3.4 Counselling: about half of the adults, a few services each, since they entered.
    for member in loader.members:
        if member.age(member.entry) < 18 or rng.random() >= 0.5:
            continue
        codes = ["A3.1", "A3.2", "A3.3"] + (["A3.4"] if member.age(loader.anchor) < 64 else [])
        for _ in range(rng.randint(1, 4)):
            code = rng.choice(codes)
            type_name, (low, high), notes = COUNSELLING[code]
            day = loader.random_day(member.entry, member.exit or loader.project.end_date)
            if day:
                loader.service(member, code, type_name, day, rng.choice(range(low, high + 1, 15)), rng.choice(notes),
                               rng.choice([staff, coordinator]))


BUILDERS = {"155550": _botosani, "BC-SDL-2022": _bacau}


def load_demo_activities(db: Session, seed: int = 2026, *, today: date | None = None) -> dict[str, int]:
    """Sessions with attendance and individual services for the demo projects; returns the counts
    (all zero when the demo activities already have sessions or services)."""
    today = today or clock.today()
    counts = Counts()
    activity_ids = select(Activity.id).join(Project).where(Project.code.in_(BUILDERS))
    if (db.scalar(select(ActivitySession.id).where(ActivitySession.activity_id.in_(activity_ids)).limit(1))
            or db.scalar(select(ServiceDelivery.id).where(ServiceDelivery.activity_id.in_(activity_ids)).limit(1))):
        return vars(counts)
    users = {user.email: user for user in db.scalars(select(User).where(User.email.in_([COORDINATOR, STAFF])))}
    if len(users) < 2:
        return vars(counts)
    for project in db.scalars(select(Project).where(Project.code.in_(BUILDERS)).order_by(Project.code)).all():
        if today >= project.start_date:
            loader = _Loader(db, project, random.Random(f"{seed}-{project.code}-activities"), today, counts,
                             [users[COORDINATOR], users[STAFF]])
            BUILDERS[project.code](loader)
    db.flush()
    return vars(counts)
