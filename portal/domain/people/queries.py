"""Reading the register: search with filters and pages, and a person's page in a fixed number of queries."""
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from portal.domain.people.models import Enrollment, EnrollmentPeriod, Household, Person, PersonNameWord
from portal.domain.people.services import name_word_range, parse_search, person_query_text

PAGE_SIZE = 25
COUNT_LIMIT = 1000  # counting further costs a scan of everything that matches; "over 1,000" says enough
STATUSES = ("active", "exited")


@dataclass
class SearchResult:
    people: list[Person]
    total: int  # capped at COUNT_LIMIT + 1
    page: int
    has_next: bool

    @property
    def total_is_capped(self) -> bool:
        return self.total > COUNT_LIMIT


def _enrollment_filter(person_id_column, project_id, zone_id, status):
    if not (project_id or zone_id or status in STATUSES):
        return None
    enrollment = select(Enrollment.id).where(Enrollment.person_id == person_id_column)
    if project_id:
        enrollment = enrollment.where(Enrollment.project_id == project_id)
    if zone_id:
        enrollment = enrollment.where(Enrollment.zone_id == zone_id)
    if status in STATUSES:
        open_period = exists().where(EnrollmentPeriod.enrollment_id == Enrollment.id,
                                     EnrollmentPeriod.exit_date.is_(None))
        enrollment = enrollment.where(open_period if status == "active" else ~open_period)
    return enrollment.exists()


def _with_people(db: Session, ids: list[int]) -> list[Person]:
    people = {person.id: person for person in db.scalars(
        select(Person).where(Person.id.in_(ids))
        .options(selectinload(Person.enrollments).selectinload(Enrollment.project)))}
    return [people[person_id] for person_id in ids if person_id in people]


def search_people(db: Session, *, text: str = "", project_id: int | None = None, zone_id: int | None = None,
                  status: str = "", page: int = 1) -> SearchResult:
    page = max(page, 1)
    words = parse_search(text).words
    if words:
        # Driven by the name-word index: the matches are found, counted and sorted there, and only
        # the page's persons are read. (Starting from the person table made PostgreSQL scan it whole.)
        word = aliased(PersonNameWord)
        matches = select(word.person_id, word.search_name).where(name_word_range(word.word, words[0]))
        for token in words[1:]:
            other = aliased(PersonNameWord)
            matches = matches.where(exists().where(other.person_id == word.person_id,
                                                   name_word_range(other.word, token)))
        enrolled = _enrollment_filter(word.person_id, project_id, zone_id, status)
        if enrolled is not None:
            matches = matches.where(enrolled)
        matches = matches.distinct()
        total = db.scalar(select(func.count()).select_from(matches.limit(COUNT_LIMIT + 1).subquery()))
        rows = db.execute(matches.order_by(word.search_name, word.person_id)
                          .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
        people = _with_people(db, [row.person_id for row in rows[:PAGE_SIZE]])
        return SearchResult(people, total, page, has_next=len(rows) > PAGE_SIZE)

    conditions = [Person.merged_into_id.is_(None), Person.erased_at.is_(None), *person_query_text(text)]
    enrolled = _enrollment_filter(Person.id, project_id, zone_id, status)
    if enrolled is not None:
        conditions.append(enrolled)
    total = db.scalar(select(func.count()).select_from(
        select(Person.id).where(*conditions).limit(COUNT_LIMIT + 1).subquery()))
    people = list(db.scalars(
        select(Person).where(*conditions)
        .options(selectinload(Person.enrollments).selectinload(Enrollment.project))
        .order_by(Person.search_name, Person.id).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ))
    return SearchResult(people[:PAGE_SIZE], total, page, has_next=len(people) > PAGE_SIZE)


def person_page(db: Session, person_id: int) -> Person | None:
    """The person with everything their page shows, loaded up front."""
    return db.scalar(
        select(Person).where(Person.id == person_id).options(
            selectinload(Person.household).selectinload(Household.members),
            selectinload(Person.consents),
            selectinload(Person.enrollments).options(
                selectinload(Enrollment.project), selectinload(Enrollment.zone),
                selectinload(Enrollment.periods), selectinload(Enrollment.documents),
            ),
        )
    )
