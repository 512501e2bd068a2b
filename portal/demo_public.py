"""The public site of the demo: volunteering opportunities and events of both seed projects, with sign-ups.

What the articles report, published as staff would: the waste-collection days in Parcul Tineretului
(100 volunteers from the zone), high-school boarders volunteering, intergenerational meetings, the
multiculturalism campaign (two workshops and a show), a drawing contest; in Bacău the two-day
excursions (40 pupils and 4 companions), museum and theatre visits, cultural evenings, summer
schools and intercultural volunteering. Upcoming listings fall in the next weeks, past ones in the
archive; the sessions the activities demo already planned are published rather than doubled.

Everything goes through the services: `publish`, `sign_up` (so places, the waiting list and the
outbox are real), `cancel` (which promotes the first waiting), and for past volunteering days
`log_sign_up_hours` and `issue_certificate`. The volunteers of those days are people of the
project's target group (the article: "100 de persoane din Zona Urbană Marginalizată"), so their
attendance joins the register's; the boarders' last action still waits for staff to record it.
Everyone else who signs up is made up, with a fixed seed. Loaded once: nothing happens when the
demo projects already have listings.
"""
from __future__ import annotations

import random
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from flask import Flask, current_app, has_app_context, url_for
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload
from werkzeug.routing import BuildError

from portal.demo_activities import public_holidays
from portal.demo_people import FIRST_NAMES, LAST_NAMES
from portal.domain import clock
from portal.domain.accounts.models import User
from portal.domain.activities import services as activities
from portal.domain.activities.models import ActivitySession, AttendanceStatus
from portal.domain.actor import Actor
from portal.domain.outbox.models import OutboxMessage
from portal.domain.people.models import Enrollment, Person, Sex
from portal.domain.people.services import SENSITIVE, age_on
from portal.domain.projects.models import Activity, Project
from portal.domain.projects.services import ACTIVITIES_MANAGE
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import ListingCategory as C, PublicListing, SignUp, SignUpStatus

BASE_URL = "http://127.0.0.1:8000"  # where `make run` serves the demo
COORDINATOR, STAFF = "coordonator@comunitar.demo", "personal@comunitar.demo"
PERMISSIONS = frozenset({volunteering.PUBLIC_PUBLISH, volunteering.SIGNUPS_MANAGE, ACTIVITIES_MANAGE,
                         activities.ATTENDANCE_RECORD, SENSITIVE})
ARCHIVE_DAYS = 200  # sessions the activities demo held in the last months are published in the archive
ROOT = Path(__file__).resolve().parent.parent

BOARDING_SCHOOLS = [  # the article: the boarding high schools of the Local Action Group's area
    "Liceul Tehnologic „Petru Rareș” Botoșani", "Liceul Pedagogic „Nicolae Iorga” Botoșani",
    "Liceul Tehnologic „Elie Radu” Botoșani",
]
BOTOSANI_SCHOOLS = BOARDING_SCHOOLS + [
    "Colegiul Național „A.T. Laurian” Botoșani", "Colegiul Național „Mihai Eminescu” Botoșani",
    "Liceul Tehnologic Special Botoșani",
]
BOTOSANI_PRIMARY = ["Școala Gimnazială nr. 2 Botoșani", "Școala Gimnazială nr. 8 Botoșani",
                    "Școala Gimnazială nr. 11 Botoșani"]
BACAU_SCHOOLS = ["Școala Gimnazială nr. 10 Bacău", "Școala Gimnazială „Alecu Russo” Bacău",
                 "Colegiul Național „Vasile Alecsandri” Bacău", "Liceul Tehnologic „Dumitru Mangeron” Bacău",
                 "Școala Gimnazială nr. 7 Bacău"]
MAIL_DOMAINS = ["example.com", "example.org", "example.net"]  # reserved: nothing is ever delivered


@dataclass
class Counts:
    listings: int = 0
    sessions: int = 0
    sign_ups: int = 0
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    promoted: int = 0
    attendance: int = 0
    hours: float = 0.0
    certificates: int = 0


class DemoLinks:
    """The addresses in the demo's messages: the public site of `make run`, with the app's own routes
    when the public site has them."""

    MARK = "31415926"  # stands for the value in an address built once per endpoint

    def __init__(self, app: Flask | None):
        self.app = app
        self.patterns: dict[str, str] = {}

    def _url(self, endpoint: str, fallback: str, name: str, value) -> str:
        if endpoint not in self.patterns:
            self.patterns[endpoint] = f"{BASE_URL}{fallback}"
            if self.app is not None:
                try:
                    with self.app.test_request_context("/", base_url=BASE_URL):
                        self.patterns[endpoint] = url_for(endpoint, _external=True, **{name: int(self.MARK)})
                except BuildError:
                    pass
        return self.patterns[endpoint].replace(self.MARK, str(value))

    def cancel(self, token: str) -> str:
        return self._url("public.signup_cancel", f"/inscriere/anulare/{self.MARK}", "token", token)

    def listing(self, listing: PublicListing) -> str:
        if volunteering.is_volunteering(listing):
            return self._url("public.opportunity", f"/voluntariat/{self.MARK}", "listing_id", listing.id)
        return self._url("public.event", f"/evenimente/{self.MARK}", "listing_id", listing.id)


@contextmanager
def _messages_context():
    """The sign-up messages are written with Flask-Babel (Romanian, the demo's time zone): inside the
    app when there is one (the CLI), else in a bare app that only knows the translations."""
    if has_app_context():
        yield current_app._get_current_object()
        return
    from flask_babel import Babel

    app = Flask("portal.demo_public")
    app.config.update(BABEL_DEFAULT_LOCALE="ro", BABEL_DEFAULT_TIMEZONE=str(clock.TIMEZONE))
    Babel(app, default_translation_directories=str(ROOT / "portal" / "translations"))
    with app.app_context():
        yield None


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _on_or_after(day: date, weekday: int) -> date:
    """The first given ISO weekday from `day` on, a week later when it is a public holiday."""
    day += timedelta(days=(weekday - day.isoweekday()) % 7)
    while day in public_holidays(day.year):
        day += timedelta(weeks=1)
    return day


def _on_or_before(day: date, weekday: int) -> date:
    day -= timedelta(days=(day.isoweekday() - weekday) % 7)
    while day in public_holidays(day.year):
        day -= timedelta(weeks=1)
    return day


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=clock.TIMEZONE)


class _Loader:
    def __init__(self, db: Session, project: Project, rng: random.Random, today: date, actor: Actor,
                 staff: list[User], secret_key: str, links: DemoLinks, counts: Counts, used: set[str]):
        self.db, self.project, self.rng, self.today, self.actor = db, project, rng, today, actor
        self.staff, self.secret_key, self.links, self.counts, self.used = staff, secret_key, links, counts, used
        self.activities = {activity.code: activity for activity in project.activities}
        # Sign-ups of upcoming listings were made until yesterday evening.
        self.evening = _at(today - timedelta(days=1), time(22, 0))
        self.members = [
            (enrollment, enrollment.person) for enrollment in db.scalars(
                select(Enrollment).where(Enrollment.project_id == project.id)
                .options(selectinload(Enrollment.person), selectinload(Enrollment.periods))
                .order_by(Enrollment.id))
            if enrollment.person.merged_into_id is None and enrollment.person.erased_at is None]
        used.update(person.phone for _enrollment, person in self.members)  # no made-up contact repeats one
        self.volunteer_sign_ups: list[SignUp] = []
        self.promotions: list[tuple[int, datetime]] = []  # who got a freed place, and when

    # Sessions and listings ---------------------------------------------------------------------

    def within(self, day: date) -> bool:
        return self.project.start_date <= day <= self.project.end_date

    def session(self, code: str, day: date, start: time, end: time, place: str, topic: str = "") -> ActivitySession | None:
        """The activity's session that day (the activities demo may have planned it), else a new one."""
        if not self.within(day):
            return None
        activity = self.activities[code]
        found = self.db.scalar(select(ActivitySession).where(
            ActivitySession.activity_id == activity.id, ActivitySession.date == day,
            ActivitySession.is_cancelled.is_(False)).order_by(ActivitySession.start_time).limit(1))
        if found is not None:
            return found
        plan = activities.SessionPlan(start_time=start, end_time=end, place=place, topic=topic,
                                      facilitator_ids=[user.id for user in self.staff])
        self.counts.sessions += 1
        return activities.create_sessions(self.db, activity, plan, self.actor, on=day)[0]

    def held(self, code: str) -> list[ActivitySession]:
        """Sessions of an activity held within the archive's year, oldest first."""
        return list(self.db.scalars(select(ActivitySession).where(
            ActivitySession.activity_id == self.activities[code].id, ActivitySession.is_cancelled.is_(False),
            ActivitySession.date < self.today, ActivitySession.date >= self.today - timedelta(days=ARCHIVE_DAYS))
            .order_by(ActivitySession.date, ActivitySession.start_time)))

    def planned(self, code: str, until_days: int) -> list[ActivitySession]:
        return list(self.db.scalars(select(ActivitySession).where(
            ActivitySession.activity_id == self.activities[code].id, ActivitySession.is_cancelled.is_(False),
            ActivitySession.date >= self.today, ActivitySession.date <= self.today + timedelta(days=until_days))
            .order_by(ActivitySession.date, ActivitySession.start_time)))

    def publish(self, session: ActivitySession | None, category: C, title_ro: str, description_ro: str, *,
                title_en: str = "", description_en: str = "", capacity: int | None = None,
                deadline: timedelta | None = None, takes_signups: bool = True,
                open_days: int = 21) -> PublicListing | None:
        """Publish a session `open_days` before it (or earlier for the ones already ahead); `deadline`
        is how long before the start sign-up closes."""
        if session is None or volunteering.staff_listing(self.db, session.id) is not None:
            return None
        start = volunteering.starts_at(session)
        data = volunteering.ListingData(
            category=category, title_ro=title_ro, title_en=title_en, description_ro=description_ro,
            description_en=description_en, capacity=capacity, takes_signups=takes_signups,
            signup_deadline=(start - deadline) if deadline else None)
        listing = volunteering.publish(self.db, session, data, self.actor)
        listing.published_at = min(start - timedelta(days=open_days), self.evening - timedelta(days=2))
        self.counts.listings += 1
        return listing

    # People ------------------------------------------------------------------------------------

    def _contact(self, first: str, last: str, *, email: float, phone: float = 1.0) -> tuple[str, str]:
        while True:
            number = f"07{self.rng.randint(20, 89)} {self.rng.randint(100, 999)} {self.rng.randint(100, 999)}"
            if number not in self.used:
                self.used.add(number)
                break
        address = ""
        if self.rng.random() < email:
            while not address or address in self.used:
                style = self.rng.choice(["{f}.{l}", "{f}{l}", "{l}.{f}{n}", "{f}_{l}{n}"])
                address = style.format(f=_ascii(first), l=_ascii(last), n=self.rng.randint(1, 99))
                address += "@" + self.rng.choice(MAIL_DOMAINS)
            self.used.add(address)
        return address, number if (self.rng.random() < phone or not address) else ""

    def outsider(self, day: date, ages: tuple[int, int], schools: list[str] | None = None,
                 classes: tuple[int, int] = (9, 12), *, email: float = 0.7) -> volunteering.SignUpData:
        """Someone who is not in the register: a pupil (with a guardian when under 18) or an adult."""
        sex = self.rng.choice([Sex.female, Sex.male])
        first, last = self.rng.choice(FIRST_NAMES[sex]), self.rng.choice(LAST_NAMES)
        birth = day - timedelta(days=self.rng.randint(ages[0] * 365 + 10, ages[1] * 365 + 350))
        address, phone = self._contact(first, last, email=email)
        data = volunteering.SignUpData(last_name=last, first_name=first, email=address, phone=phone,
                                       birth_date=birth, sex=sex, privacy_accepted=True)
        if schools and age_on(birth, day) <= 19:  # pupils; the grown-ups leave the school empty
            grade = min(max(age_on(birth, day) - 6, classes[0]), classes[1])
            data.school = self.rng.choice(schools)
            data.school_class = f"{'I' if grade == 1 else f'a {ROMAN[grade]}-a'} {self.rng.choice('ABCDE')}"
        if age_on(birth, day - timedelta(days=60)) < 18:
            parent = self.rng.choice(FIRST_NAMES[Sex.female] + FIRST_NAMES[Sex.male][:6])
            guardian_mail, guardian_phone = self._contact(parent, last, email=0.5, phone=0.6)
            data.guardian_name = f"{parent} {last}"
            data.guardian_contact = guardian_phone or guardian_mail
            data.guardian_consent = True
            if not data.email and guardian_mail and self.rng.random() < 0.5:
                data.guardian_contact = guardian_mail  # the messages then go to the parent
        return data

    def members_for(self, day: date, count: int, ages: tuple[int, int], taken: set[int] = frozenset()) -> list[Person]:
        """People of the target group, in it on that day, with a phone (adults of the register have one)."""
        fitting = [person for enrollment, person in self.members
                   if person.id not in taken and person.phone and person.birth_date
                   and ages[0] <= age_on(person.birth_date, day) <= ages[1]
                   and enrollment.first_entry_date <= day
                   and not (enrollment.periods and enrollment.periods[-1].exit_date
                            and enrollment.periods[-1].exit_date <= day)]
        self.rng.shuffle(fitting)
        return fitting[:count]

    @staticmethod
    def member_data(person: Person) -> volunteering.SignUpData:
        return volunteering.SignUpData(last_name=person.last_name, first_name=person.first_name, phone=person.phone,
                                       email=person.email or "", birth_date=person.birth_date,
                                       sex=person.sex or Sex.female, privacy_accepted=True)

    # Sign-ups ----------------------------------------------------------------------------------

    def sign_up(self, listing: PublicListing | None, people: list[volunteering.SignUpData], *,
                by_phone: float = 0.0) -> list[SignUp]:
        """Everyone in order, at moments spread between the publication and the close (or yesterday evening);
        a few were taken by staff on the phone."""
        if listing is None or not people:
            return []
        first = listing.published_at + timedelta(hours=2)
        last = min(volunteering.closes_at(listing) - timedelta(hours=3), self.evening)
        if last <= first:
            return []
        span = (last - first).total_seconds()
        moments = sorted(self._awake(first + timedelta(seconds=self.rng.uniform(0, span)), last) for _ in people)
        entries = []
        for data, moment in zip(people, moments):
            staff = self.rng.random() < by_phone
            try:
                result = volunteering.sign_up(self.db, listing, data, secret_key=self.secret_key, links=self.links,
                                              now=moment, actor=self.actor if staff else None)
            except volunteering.AlreadySignedUp:
                continue
            entries.append(result.sign_up)
            self.counts.sign_ups += 1
        return entries

    @staticmethod
    def _awake(moment: datetime, last: datetime) -> datetime:
        """People sign up in the day and the evening, not at four in the morning."""
        hour = moment.astimezone(clock.TIMEZONE).hour
        later = moment + timedelta(hours=8)
        return later if hour < 7 and later <= last else moment

    def cancel(self, entries: list[SignUp], count: int) -> None:
        """Some cancel by their link a day or two after signing up; the first waiting gets the place."""
        active = [entry for entry in entries if entry.status != SignUpStatus.cancelled]
        for entry in self.rng.sample(active, min(count, len(active))):
            moment = min(entry.created_at + timedelta(hours=self.rng.randint(6, 60)),
                         volunteering.starts_at(entry.listing.session) - timedelta(hours=2), self.evening)
            if moment <= entry.created_at:
                continue
            promoted = volunteering.cancel(self.db, entry, links=self.links, secret_key=self.secret_key, now=moment)
            if promoted is not None:
                self.counts.promoted += 1
                self.promotions.append((promoted.id, moment))

    def attendance(self, listing: PublicListing | None, hours: Decimal, came: float = 0.88) -> None:
        """On the day of a volunteering session staff record who came, with their hours."""
        if listing is None:
            return
        day = listing.session.date
        for entry in volunteering.staff_sign_ups(self.db, listing, self.actor):
            if entry.status != SignUpStatus.confirmed:
                continue
            if self.rng.random() < came:
                worked = hours - (Decimal(1) if self.rng.random() < 0.1 else 0)
                volunteering.log_sign_up_hours(self.db, entry, worked, self.actor, today=day)
                self.counts.hours += float(worked)
            else:
                volunteering.record_attendance(self.db, entry, AttendanceStatus.absent, self.actor, today=day)
            self.counts.attendance += 1
            self.volunteer_sign_ups.append(entry)

    def certificates(self, count: int) -> None:
        """Certificates for the volunteers who came most often (their hours in the project so far)."""
        hours: dict[int, Decimal] = {}
        days: dict[int, list[date]] = {}
        for entry in self.volunteer_sign_ups:
            logged = volunteering.hours_by_session(self.db, entry.listing).get(entry.person_id)
            if logged:
                hours[entry.person_id] = hours.get(entry.person_id, Decimal(0)) + logged
                days.setdefault(entry.person_id, []).append(entry.listing.session.date)
        best = sorted(hours, key=lambda person_id: (-hours[person_id], person_id))[:count]
        for person_id in best:
            volunteering.issue_certificate(self.db, self.db.get(Person, person_id), self.project,
                                           min(days[person_id]), max(days[person_id]), self.actor, today=self.today)
            self.counts.certificates += 1

    # Dates -------------------------------------------------------------------------------------

    def ahead(self, days: int, weekday: int) -> date:
        return _on_or_after(self.today + timedelta(days=days), weekday)

    def ago(self, days: int, weekday: int) -> date:
        return _on_or_before(self.today - timedelta(days=days), weekday)


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII", 8: "VIII", 9: "IX", 10: "X", 11: "XI",
         12: "XII"}
SAT, SUN, WED, THU, FRI = 6, 7, 3, 4, 5


def _botosani(loader: _Loader) -> None:
    rng = loader.rng
    park = "Parcul Tineretului, intrarea dinspre Strada Parcului"
    centre = "Centrul Comunitar Integrat, sala 2"

    # A3.3 Waste collection with volunteers of the zone: two days held (attendance and hours), two ahead.
    volunteers: list[Person] = []
    for ago, start, end, title_ro, title_en, count in (
            (56, time(9), time(13), "Ziua curățeniei în Parcul Tineretului", "Clean-up day in Parcul Tineretului", 14),
            (21, time(10), time(13), "Colectare selectivă pe străzile Pacea și Sportului",
             "Separate waste collection in Pacea and Sportului streets", 12)):
        day = loader.ago(ago, SAT)
        listing = loader.publish(
            loader.session("A3.3", day, start, end, park, "Colectare selectivă a deșeurilor"), C.volunteering,
            title_ro, "Strângem împreună deșeurile din parc și de pe străzile din jur și le sortăm pe loc: hârtie, "
            "plastic, sticlă. Primiți mănuși, saci și apă de la Direcția de Asistență Socială. Orele de voluntariat "
            "se trec în adeverința de voluntariat.", title_en=title_en,
            description_en="We collect the litter of the park and the streets around it and sort it on the spot: "
            "paper, plastic, glass. Gloves, bags and water are provided. Your hours go on a volunteer certificate.",
            capacity=100, deadline=timedelta(days=1), open_days=24)
        # Most of the first day's volunteers come back the second time, with a few new ones.
        fitting = {person.id for person in loader.members_for(day, len(loader.members), (18, 70))}
        again = [person for person in volunteers if person.id in fitting]
        rng.shuffle(again)
        again = again[:count * 2 // 3]
        people = again + loader.members_for(day, count - len(again), (18, 70), taken={p.id for p in volunteers})
        volunteers = volunteers or people
        entries = loader.sign_up(listing, [loader.member_data(p) for p in people], by_phone=0.15)
        loader.cancel(entries, 2)
        loader.attendance(listing, hours=Decimal(end.hour - start.hour))
    for ahead, title_ro, count in ((10, "Ziua curățeniei: colectăm selectiv în Zona Parcul Tineretului", 9),
                                   (45, "Colectare selectivă: hârtie, plastic și sticlă din cartier", 3)):
        day = loader.ahead(ahead, SAT)
        listing = loader.publish(
            loader.session("A3.3", day, time(9), time(13), park, "Colectare selectivă a deșeurilor"), C.volunteering,
            title_ro, "Acțiune de voluntariat pentru locuitorii zonei și pentru oricine vrea să ajute. Ne întâlnim "
            "la intrarea în parc; mănușile, sacii și apa sunt asigurate. Copiii sub 14 ani vin doar însoțiți.",
            title_en="Clean-up day: separate waste collection in the Parcul Tineretului area",
            description_en="Volunteering for the people of the area and anyone who wants to help. We meet at the "
            "park entrance; gloves, bags and water are provided.", capacity=100, deadline=timedelta(days=2))
        people = [loader.member_data(p) for p in loader.members_for(day, count * 3 // 4, (18, 70))]
        people += [loader.outsider(day, (16, 45), BOTOSANI_SCHOOLS) for _ in range(count - len(people))]
        loader.cancel(loader.sign_up(listing, people, by_phone=0.1), 1)

    # A3.5 Volunteering of the boarding high schools' pupils.
    day = loader.ago(35, FRI)
    listing = loader.publish(
        loader.session("A3.5", day, time(15), time(18), "Centrul Comunitar Integrat, sala de lectură",
                       "Amenajarea sălii de lectură"), C.volunteering,
        "Voluntariat pentru liceeni: amenajăm sala de lectură a Centrului Comunitar",
        "Elevii cazați în internatele liceelor din zonă sortează cărțile donate, le etichetează și montează "
        "rafturile noi. Pentru elevii sub 18 ani este nevoie de acordul unui părinte.", capacity=20,
        deadline=timedelta(days=1))
    pupils = [loader.outsider(day, (15, 18), BOARDING_SCHOOLS) for _ in range(10)]
    loader.cancel(loader.sign_up(listing, pupils), 2)  # attendance not recorded yet: staff's turn

    day = loader.ahead(8, WED)
    listing = loader.publish(
        loader.session("A3.5", day, time(14), time(16, 30), "Școala Gimnazială nr. 2, biblioteca",
                       "Lectură cu copiii de la Școală după școală"), C.volunteering,
        "Citim împreună: liceenii le citesc copiilor de la Școală după școală",
        "Câte un liceean voluntar citește cu doi-trei copii din programul Școală după școală și îi ajută la "
        "teme. Locurile sunt puține: dacă sunt ocupate, vă trecem pe lista de așteptare și vă anunțăm când se "
        "eliberează un loc.", title_en="Reading together: high-school pupils read with after-school children",
        description_en="Each volunteer reads with two or three children of the after-school programme and helps "
        "with homework. If all places are taken you go on the waiting list.", capacity=10,
        deadline=timedelta(hours=20))
    entries = loader.sign_up(listing, [loader.outsider(day, (15, 18), BOARDING_SCHOOLS) for _ in range(14)])
    loader.cancel([entry for entry in entries if entry.status == SignUpStatus.confirmed], 2)  # two promoted

    day = loader.ahead(16, FRI)
    loader.sign_up(loader.publish(
        loader.session("A3.5", day, time(15), time(18), centre, "Pachete pentru vârstnici"), C.volunteering,
        "Pachete cu alimente pentru vârstnicii din cartier",
        "Liceenii din internate pregătesc pachete cu alimente de bază și le duc, împreună cu asistenții "
        "sociali, vârstnicilor singuri din Zona Parcul Tineretului.", capacity=15, deadline=timedelta(days=1)),
        [loader.outsider(day, (15, 18), BOARDING_SCHOOLS) for _ in range(14)])  # nearly full

    # A3.6 Intergenerational meetings: young volunteers with the seniors (the article: 60 and 30).
    held = loader.held("A3.6")
    past = [session for session in held if session.date <= loader.today - timedelta(days=28)][-1:]
    ahead = loader.planned("A3.6", 35)[-1:] or [loader.session("A3.6", loader.ahead(20, WED), time(15), time(17),
                                                               centre, "Jocuri de societate cu bunicii")]
    for session in [session for session in past + ahead if session is not None]:
        topic = session.topic or "Întâlnire intergenerațională"
        loader.sign_up(loader.publish(
            session, C.volunteering, f"Întâlnire intergenerațională: {topic[0].lower()}{topic[1:]}",
            "Tineri voluntari și seniori din cartier petrec o după-amiază împreună: povești, jocuri, o gustare. "
            "Căutăm liceeni și studenți care să ajute la organizare și să stea de vorbă cu bunicii.",
            title_en="Intergenerational meeting", description_en="Young volunteers and seniors of the "
            "neighbourhood spend an afternoon together.", capacity=15, deadline=timedelta(days=1)),
            [loader.outsider(session.date, (15, 24), BOTOSANI_SCHOOLS) for _ in range(rng.randint(3, 5))])

    # A3.7 Multiculturalism campaign: the workshops and the show held (planned by the activities demo),
    # one workshop and the closing show ahead (the show needs no sign-up).
    for session in loader.held("A3.7"):
        show = "Spectacol" in session.topic
        loader.sign_up(loader.publish(
            session, C.show if show else C.workshop, session.topic or "Atelier",
            "Parte din campania de promovare a multiculturalității și de combatere a discriminării și "
            "segregării. Intrarea este liberă; înscrierea ne ajută să pregătim sala.",
            capacity=300 if show else 25, open_days=20),
            [loader.outsider(session.date, (12, 60), BOTOSANI_SCHOOLS, email=0.6)
             for _ in range(10 if show else rng.randint(5, 6))])
    day = loader.ahead(15, THU)
    loader.sign_up(loader.publish(
        loader.session("A3.7", day, time(16), time(18), centre, "Atelier de muzică și dans tradițional"), C.workshop,
        "Atelier: muzică și dans tradițional rromani și românesc",
        "Învățăm împreună câteva dansuri și cântece ale comunităților din cartier, cu muzicieni invitați. "
        "Nu e nevoie de experiență.", title_en="Workshop: Roma and Romanian traditional music and dance",
        description_en="We learn a few dances and songs of the neighbourhood's communities with guest musicians. "
        "No experience needed.", capacity=25),
        [loader.outsider(day, (12, 55), BOTOSANI_SCHOOLS) for _ in range(5)])
    loader.publish(
        loader.session("A3.7", loader.ahead(30, FRI), time(17), time(19, 30), "Casa de Cultură a Sindicatelor Botoșani",
                       "Spectacol de încheiere a campaniei"), C.show, "Spectacol: „Culorile comunității”",
        "Spectacolul de încheiere al campaniei de promovare a multiculturalității: dansuri, muzică și teatru "
        "cu copiii și tinerii din Zona Parcul Tineretului. Intrarea este liberă, fără înscriere: veniți cu "
        "toată familia.", title_en="Show: “The colours of our community”",
        description_en="The closing show of the multiculturalism campaign. Free entry, no sign-up needed.",
        takes_signups=False)

    # A3.1 Drawing contest with road safety, for children (guardians sign them up).
    day = loader.ahead(24, SAT)
    loader.sign_up(loader.publish(
        loader.session("A3.1", day, time(10), time(13), "Centrul Comunitar Integrat, sala mare",
                       "Concurs de desen și educație rutieră"), C.cultural_event,
        "Concurs de desen: „Drumul meu spre școală”",
        "Concurs de desen pentru copiii de 6–14 ani, cu o lecție de educație rutieră ținută de Poliția Locală. "
        "Primăria oferă premii. Materialele de desen sunt asigurate; înscrierea o face un părinte.",
        title_en="Drawing contest: “My way to school”", capacity=50, deadline=timedelta(days=2)),
        [loader.outsider(day, (6, 14), BOTOSANI_PRIMARY, (1, 8), email=0.1) for _ in range(8)])
    for session in loader.held("A3.1"):
        loader.sign_up(loader.publish(
            session, C.cultural_event, "Concurs de desene pe asfalt de Ziua Copilului",
            "Desene pe asfalt și educație rutieră în Parcul Tineretului, cu Poliția Locală. Premii pentru toți "
            "participanții.", capacity=60),
            [loader.outsider(session.date, (6, 14), BOTOSANI_PRIMARY, (1, 8), email=0.1) for _ in range(5)])

    loader.certificates(2)


def _bacau(loader: _Loader) -> None:
    rng = loader.rng
    day_centre = "Centrul de zi „O școală pentru toți”"

    # A4.5 Volunteering and intercultural activities: the neighbourhoods' own people.
    for ago, place, title_ro, title_en, hours, capacity, count in (
            (42, "Parcul din cartierul Izvoare", "Ecologizare în parcul din cartierul Izvoare",
             "Clean-up of the Izvoare neighbourhood park", 3, 40, 10),
            (14, day_centre, "Pregătim împreună seara interculturală: voluntari la bucătărie și la decor",
             "Volunteers for the intercultural evening: kitchen and decorations", 4, 12, 5)):
        day = loader.ago(ago, SAT)
        listing = loader.publish(
            loader.session("A4.5", day, time(10), time(10 + hours), place, "Acțiune de voluntariat"), C.volunteering,
            title_ro, "Acțiune de voluntariat pentru locuitorii cartierelor Izvoare și Letea. Orele de voluntariat "
            "se trec în adeverința de voluntariat (Legea 78/2014).", title_en=title_en, capacity=capacity,
            deadline=timedelta(days=1))
        entries = loader.sign_up(listing, [loader.member_data(p) for p in loader.members_for(day, count, (18, 68))],
                                 by_phone=0.2)
        loader.cancel(entries, 1)
        loader.attendance(listing, hours=Decimal(hours))
    for ahead, title_ro, capacity, count in (
            (17, "Colectă de haine și rechizite pentru familiile din Letea", 25, 5),
            (38, "Voluntari la Centrul de zi: jocuri și teme cu copiii", 15, 2)):
        day = loader.ahead(ahead, SAT)
        people = [loader.member_data(p) for p in loader.members_for(day, count // 2, (18, 68))]
        people += [loader.outsider(day, (16, 40), BACAU_SCHOOLS) for _ in range(count - len(people))]
        loader.sign_up(loader.publish(
            loader.session("A4.5", day, time(10), time(13), day_centre, "Acțiune de voluntariat"), C.volunteering,
            title_ro, "Sortăm, ambalăm și împărțim împreună cu asistenții sociali ce s-a strâns. Oricine poate "
            "ajuta, de la 16 ani în sus; elevii sub 18 ani au nevoie de acordul unui părinte.",
            capacity=capacity, deadline=timedelta(days=1)), people)

    # A4.1 Two-day thematic excursions: 40 pupils and 4 companions (the sign-up is for both days).
    held = loader.held("A4.1")
    for session in held:
        if session.date - timedelta(days=1) in {other.date for other in held}:
            continue  # the second day of the same trip
        entries = loader.sign_up(loader.publish(
            session, C.excursion, f"Excursie tematică de două zile: {session.place.replace(': ', ' – ')}",
            "Excursie de două zile pentru elevii școlilor din zona proiectului, cu transport, cazare și masă "
            "asigurate. Doi profesori însoțitori. Pentru elevii minori este nevoie de acordul scris al "
            "părintelui.", capacity=22, deadline=timedelta(days=5), open_days=30),
            [loader.outsider(session.date, (10, 16), BACAU_SCHOOLS, (4, 10), email=0.3) for _ in range(6)])
        loader.cancel(entries, 1)
    day = loader.ahead(18, SAT)
    trip = "Sighișoara și Biertan: cetăți medievale din Transilvania"
    first_day = loader.session("A4.1", day, time(7), time(21), "Plecare: parcarea Centrului de zi, Bacău",
                               f"Excursie tematică, ziua 1: {trip}")
    loader.session("A4.1", day + timedelta(days=1), time(8), time(20), "Sighișoara – Biertan – Bacău",
                   f"Excursie tematică, ziua 2: {trip}")
    loader.sign_up(loader.publish(
        first_day, C.excursion, f"Excursie tematică de două zile: {trip}",
        "Două zile pentru 40 de elevi și 4 profesori însoțitori: Cetatea Sighișoara, Turnul cu Ceas, biserica "
        "fortificată de la Biertan (patrimoniu UNESCO). Transportul, cazarea și masa sunt plătite din proiect. "
        "Plecarea sâmbătă la 7:00, întoarcerea duminică seara. Înscrierea se încheie cu o săptămână înainte.",
        title_en="Two-day thematic excursion: Sighișoara and Biertan",
        description_en="Two days for 40 pupils and 4 accompanying teachers: the Sighișoara citadel and the "
        "fortified church of Biertan (UNESCO). Transport, accommodation and meals are paid by the project.",
        capacity=44, deadline=timedelta(days=7), open_days=30),
        [loader.outsider(day, (11, 17), BACAU_SCHOOLS, (5, 11), email=0.3) for _ in range(12)]
        + [loader.outsider(day, (30, 58), email=1.0) for _ in range(4)])  # the teachers

    # A4.2 Museum and theatre: a museum visit cancelled (the museum closed for repairs), a full play.
    day = loader.ahead(12, FRI)
    museum = loader.session("A4.2", day, time(10), time(12, 30), "Muzeul de Istorie „Iulian Antonescu” Bacău",
                            "Vizită la muzeu")
    listing = loader.publish(
        museum, C.cultural_event, "Vizită la Muzeul de Istorie „Iulian Antonescu”",
        "Vizită ghidată pentru elevi și părinți: istoria Bacăului de la daci până azi.",
        title_en="Visit to the “Iulian Antonescu” History Museum", capacity=30)
    loader.sign_up(listing, [loader.outsider(day, (10, 45), BACAU_SCHOOLS, (4, 12)) for _ in range(4)])
    if museum is not None:
        activities.cancel_session(loader.db, museum, loader.actor)
    day = loader.ahead(22, SUN)
    entries = loader.sign_up(loader.publish(
        loader.session("A4.2", day, time(11), time(13), "Teatrul Municipal „Bacovia”", "Spectacol de teatru"),
        C.show, "La teatru: „Micul Prinț”, la Teatrul Municipal „Bacovia”",
        "Mergem împreună la teatru, copii și părinți din Izvoare și Letea: avem 15 bilete, plătite din proiect; "
        "plecăm pe jos de la Centrul de zi la 10:30.", title_en="At the theatre: “The Little Prince”",
        description_en="Children and parents of Izvoare and Letea go to the theatre together; the tickets are paid "
        "by the project.", capacity=15, deadline=timedelta(days=3)),
        [loader.outsider(day, (7, 50), BACAU_SCHOOLS, (1, 8), email=0.4) for _ in range(18)])
    loader.cancel([entry for entry in entries if entry.status == SignUpStatus.confirmed], 1)

    # A4.3 Cultural evenings: traditions, food and dress of the area's communities.
    evenings = loader.held("A4.3") + (loader.planned("A4.3", 56)[:1] or [loader.session(
        "A4.3", loader.ahead(25, THU), time(18), time(20, 30), day_centre, "Tradiții și obiceiuri de iarnă")])
    for session in [session for session in evenings if session is not None]:
        upcoming = session.date >= loader.today
        topic = session.topic or "Tradiții și obiceiuri"
        loader.sign_up(loader.publish(
            session, C.cultural_event, f"Seară culturală: {topic[0].lower()}{topic[1:]}",
            "Seară de prezentare a tradițiilor, obiceiurilor culinare și portului grupurilor din cartierele "
            "Izvoare și Letea, cu muzică și degustare. Intrarea este liberă; vă rugăm să vă înscrieți ca să "
            "știm câte mese pregătim.", title_en="Cultural evening" if upcoming else "",
            description_en="Traditions, food and dress of the communities of Izvoare and Letea, with music and "
            "tasting. Free entry; please sign up so that we know how many tables to set." if upcoming else "",
            capacity=60, deadline=timedelta(days=2) if upcoming else None),
            [loader.outsider(session.date, (14, 70), email=0.5) for _ in range(rng.randint(6, 8))])

    # A4.4 Summer schools: a week each, the sign-up on the Monday (planned by the activities demo).
    held = loader.held("A4.4")
    weeks = [session for session in held if session.date - timedelta(days=1) not in {s.date for s in held}]
    for number, session in enumerate(weeks, start=1):
        loader.sign_up(loader.publish(
            session, C.summer_school, f"Școala de vară „O școală pentru toți” – săptămâna {number}",
            "O săptămână de ateliere, jocuri, lectură și excursii în oraș pentru elevii școlilor din zona "
            "proiectului, de luni până vineri, 9:00–13:00, cu gustare. Înscrierea o face un părinte.",
            title_en=f"Summer school “A school for everyone” – week {number}", capacity=20, open_days=35),
            [loader.outsider(session.date, (7, 14), BACAU_SCHOOLS, (1, 8), email=0.2) for _ in range(8)])

    loader.certificates(1)


BUILDERS = {"155550": _botosani, "BC-SDL-2022": _bacau}


def load_demo_public(db: Session, seed: int = 2026, today: date | None = None, *,
                     secret_key: str | None = None) -> dict[str, float]:
    """Listings, sign-ups, hours and certificates of the demo projects; returns the counts (all zero
    when the demo projects already have listings, or their staff accounts are missing)."""
    today = today or clock.today()
    counts = Counts()
    projects = db.scalars(select(Project).where(Project.code.in_(BUILDERS)).order_by(Project.code)).all()
    if not projects or db.scalar(select(PublicListing.id).join(PublicListing.session).join(ActivitySession.activity)
                                 .where(Activity.project_id.in_([p.id for p in projects])).limit(1)):
        return vars(counts)
    users = {user.email: user for user in db.scalars(select(User).where(User.email.in_([COORDINATOR, STAFF])))}
    if len(users) < 2:
        return vars(counts)
    # The coordinator publishes and keeps the lists: her name shows on the staff pages.
    actor = Actor(user=users[COORDINATOR], address="demo", permissions=PERMISSIONS, everywhere=PERMISSIONS)
    used: set[str] = set()
    promotions: list[tuple[int, datetime]] = []
    with _messages_context() as app:
        key = secret_key or (app.secret_key if app is not None and app.secret_key else "demo-secret-key")
        links = DemoLinks(app)
        for project in projects:
            if today < project.start_date:
                continue
            loader = _Loader(db, project, random.Random(f"{seed}-{project.code}-public"), today, actor,
                             [users[COORDINATOR], users[STAFF]], key, links, counts, used)
            BUILDERS[project.code](loader)
            promotions += loader.promotions
    db.flush()
    demo_sign_ups = (select(SignUp.id).join(SignUp.listing).join(PublicListing.session).join(ActivitySession.activity)
                     .where(Activity.project_id.in_([p.id for p in projects])))
    _date_messages(db, demo_sign_ups, promotions)
    statuses = dict(db.execute(select(SignUp.status, func.count()).where(SignUp.id.in_(demo_sign_ups))
                               .group_by(SignUp.status)).all())
    counts.confirmed = statuses.get(SignUpStatus.confirmed, 0)
    counts.waitlisted = statuses.get(SignUpStatus.waitlisted, 0)
    counts.cancelled = statuses.get(SignUpStatus.cancelled, 0)
    return vars(counts)



def _date_messages(db: Session, sign_up_ids, promotions: list[tuple[int, datetime]]) -> None:
    """The outbox shows each message when it was written: at the sign-up, or when a freed place was given."""
    signed_at = select(SignUp.created_at).where(SignUp.id == OutboxMessage.sign_up_id).scalar_subquery()
    db.execute(update(OutboxMessage).where(OutboxMessage.sign_up_id.in_(sign_up_ids)).values(created_at=signed_at)
               .execution_options(synchronize_session=False))
    for sign_up_id, moment in promotions:
        latest = select(func.max(OutboxMessage.id)).where(OutboxMessage.sign_up_id == sign_up_id).scalar_subquery()
        db.execute(update(OutboxMessage).where(OutboxMessage.id == latest).values(created_at=moment)
                   .execution_options(synchronize_session=False))
    for message in [item for item in db.identity_map.values() if isinstance(item, OutboxMessage)]:
        db.expire(message, ["created_at"])
