"""Reading the register: search with filters and pages, and a person's page in a fixed number of queries."""
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from portal.domain.people.models import Enrollment, EnrollmentPeriod, Household, Person
from portal.domain.people.services import person_query_text

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


def search_people(db: Session, *, text: str = "", project_id: int | None = None, zone_id: int | None = None,
                  status: str = "", page: int = 1) -> SearchResult:
    conditions = [Person.merged_into_id.is_(None), Person.erased_at.is_(None), *person_query_text(text)]
    if project_id or zone_id or status in STATUSES:
        enrollment = select(Enrollment.id).where(Enrollment.person_id == Person.id)
        if project_id:
            enrollment = enrollment.where(Enrollment.project_id == project_id)
        if zone_id:
            enrollment = enrollment.where(Enrollment.zone_id == zone_id)
        if status in STATUSES:
            open_period = exists().where(EnrollmentPeriod.enrollment_id == Enrollment.id,
                                         EnrollmentPeriod.exit_date.is_(None))
            enrollment = enrollment.where(open_period if status == "active" else ~open_period)
        conditions.append(enrollment.exists())
    total = db.scalar(select(func.count()).select_from(
        select(Person.id).where(*conditions).limit(COUNT_LIMIT + 1).subquery()))
    page = max(page, 1)
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
