"""Reading projects for the portal and the public site."""
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.domain.projects.models import Indicator, Project, Zone


def projects_overview(db: Session, *, public_only: bool = False) -> list[Project]:
    """Projects with their zones, activities and indicators loaded in a fixed number of queries."""
    query = (
        select(Project)
        .options(
            selectinload(Project.zones).selectinload(Zone.streets),
            selectinload(Project.activities),
            selectinload(Project.indicators),
        )
        .order_by(Project.start_date.desc(), Project.code)
    )
    if public_only:
        query = query.where(Project.is_public.is_(True))
    return list(db.scalars(query))


def public_indicators(project: Project) -> list[Indicator]:
    return [indicator for indicator in project.indicators if indicator.is_public]
