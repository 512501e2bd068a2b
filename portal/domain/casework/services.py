"""Individual services: recording them, and who may read what was written about a person.

Notes can hold health or family details, so they are shown only to those with SERVICE_NOTES in
the project and to the staff member who gave or wrote the service.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.domain import clock
from portal.db import utcnow
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.casework.models import DEFAULT_SERVICE_TYPES, ServiceDelivery, ServiceType
from portal.domain.errors import DomainError
from portal.domain.people.models import Enrollment, Person
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.projects.services import ACTIVITIES_MANAGE, project_staff, require
from portal.domain.text import normalize_ro

SERVICES_RECORD = "services.record"
SERVICE_NOTES = "services.notes"  # read every service note of the project

MAX_MINUTES = 24 * 60
PAGE_SIZE = 50


def add_default_service_types(db: Session, project: Project) -> None:
    db.add_all(ServiceType(project_id=project.id, name_ro=name_ro, name_en=name_en)
               for name_ro, name_en in DEFAULT_SERVICE_TYPES)


def service_types(db: Session, project_id: int, *, active_only: bool = True) -> list[ServiceType]:
    query = select(ServiceType).where(ServiceType.project_id == project_id).order_by(ServiceType.name_ro)
    if active_only:
        query = query.where(ServiceType.is_active.is_(True))
    return list(db.scalars(query))


def save_service_type(db: Session, project: Project, actor: Actor, *, name_ro: str, name_en: str,
                      is_active: bool = True, service_type: ServiceType | None = None) -> ServiceType:
    require(actor, project.id, ACTIVITIES_MANAGE)
    name_ro = normalize_ro(" ".join(name_ro.split()))
    if not name_ro:
        raise DomainError(_l("This field is required."), code="required", field="name_ro")
    clash = db.scalar(select(ServiceType.id).where(
        ServiceType.project_id == project.id, func.lower(ServiceType.name_ro) == name_ro.lower(),
        ServiceType.id != (service_type.id if service_type else -1)))
    if clash:
        raise DomainError(_l("This project already has a service type with this name."), code="service_type_taken",
                          field="name_ro")
    if service_type is None:
        service_type = ServiceType(project_id=project.id)
        db.add(service_type)
    service_type.name_ro, service_type.name_en = name_ro, " ".join(name_en.split())
    service_type.is_active = is_active
    db.flush()
    return service_type


@dataclass
class ServiceData:
    activity_id: int
    service_type_id: int
    delivered_on: date
    duration_minutes: int
    staff_id: int
    notes: str = ""


def _check(db: Session, person: Person, data: ServiceData, actor: Actor, today: date,
           kept_activity_id: int | None = None) -> Activity:
    """`kept_activity_id`: a correction may stay on an activity closed since the service was given."""
    if person.merged_into_id or person.erased_at:
        raise DomainError(_l("This record is no longer active."), code="person_inactive")
    activity = db.get(Activity, data.activity_id)
    if activity is None or not actor.sees_project(activity.project_id):
        raise DomainError(_l("Choose an activity of your projects."), code="service_activity", field="activity_id")
    require(actor, activity.project_id, SERVICES_RECORD)
    if not activity.is_active and activity.id != kept_activity_id:
        raise DomainError(_l("This activity is closed: open it again to record services."), code="activity_closed",
                          field="activity_id")
    if activity.kind != ActivityKind.individual_service:
        raise DomainError(_l("Choose an activity of individual services."), code="service_activity",
                          field="activity_id")
    service_type = db.get(ServiceType, data.service_type_id)
    if service_type is None or service_type.project_id != activity.project_id or not service_type.is_active:
        raise DomainError(_l("Choose a service type of this activity's project."), code="service_type",
                          field="service_type_id")
    enrolled = db.scalar(select(Enrollment.id).where(Enrollment.person_id == person.id,
                                                     Enrollment.project_id == activity.project_id))
    if not enrolled:
        raise DomainError(_l("%(name)s is not in this project's target group: enrol them first.",
                             name=person.full_name), code="service_not_enrolled")
    if data.delivered_on > today:
        raise DomainError(_l("A service is recorded once it has been given: the date cannot be in the future."),
                          code="service_in_future", field="delivered_on")
    project = activity.project
    if not project.start_date <= data.delivered_on <= project.end_date:
        raise DomainError(_l("The date must fall within the project's dates (%(start)s – %(end)s).",
                             start=project.start_date.strftime("%d.%m.%Y"), end=project.end_date.strftime("%d.%m.%Y")),
                          code="service_outside_project", field="delivered_on")
    if not 1 <= data.duration_minutes <= MAX_MINUTES:
        raise DomainError(_l("Give the duration in minutes, between 1 and 1440."), code="service_duration",
                          field="duration_minutes")
    if data.staff_id not in {user.id for user in project_staff(db, activity.project_id)}:
        raise DomainError(_l("Choose a staff member of this project."), code="service_staff", field="staff_id")
    return activity


def record_service(db: Session, person: Person, data: ServiceData, actor: Actor, *,
                   today: date | None = None) -> ServiceDelivery:
    activity = _check(db, person, data, actor, today or clock.today())
    service = ServiceDelivery(activity_id=activity.id, service_type_id=data.service_type_id, person_id=person.id,
                              staff_id=data.staff_id, delivered_on=data.delivered_on,
                              duration_minutes=data.duration_minutes, notes=normalize_ro(data.notes.strip()),
                              created_by_id=actor.user_id)
    db.add(service)
    db.flush()
    record(db, actor, AuditAction.create, person.id, f"service {service.id} {activity.code}")
    return service


def can_edit(actor: Actor, service: ServiceDelivery) -> bool:
    """The staff member who gave or wrote it, or a coordinator of the project."""
    project_id = service.activity.project_id
    if actor.can_in(project_id, SERVICE_NOTES):
        return True
    return actor.can_in(project_id, SERVICES_RECORD) and actor.user_id in (service.staff_id, service.created_by_id)


def update_service(db: Session, service: ServiceDelivery, data: ServiceData, actor: Actor, *,
                   today: date | None = None) -> list[str]:
    if not can_edit(actor, service):
        raise DomainError(_l("Only who gave the service or a coordinator can change it."), code="forbidden")
    _check(db, service.person, data, actor, today or clock.today(), kept_activity_id=service.activity_id)
    changed = []
    for name in ("activity_id", "service_type_id", "delivered_on", "duration_minutes", "staff_id"):
        if getattr(service, name) != getattr(data, name):
            setattr(service, name, getattr(data, name))
            changed.append(name)
    notes = normalize_ro(data.notes.strip())
    if notes != service.notes:
        service.notes = notes
        changed.append("notes")
    if changed:
        service.updated_at = utcnow()
        record(db, actor, AuditAction.update, service.person_id, f"service {service.id}: {', '.join(changed)}")
    return changed


def can_read_notes(actor: Actor, service: ServiceDelivery) -> bool:
    return (actor.can_in(service.activity.project_id, SERVICE_NOTES)
            or (actor.user_id is not None and actor.user_id in (service.staff_id, service.created_by_id)))


@dataclass
class ServiceFilter:
    person_id: int | None = None
    staff_id: int | None = None
    activity_id: int | None = None
    service_type_id: int | None = None
    first: date | None = None
    last: date | None = None


def list_services(db: Session, actor: Actor, criteria: ServiceFilter, page: int = 1
                  ) -> tuple[list[ServiceDelivery], bool, int]:
    """Services of the actor's projects, newest first; one page, whether there is a next, the total."""
    query = select(ServiceDelivery).join(Activity, Activity.id == ServiceDelivery.activity_id)
    if actor.project_ids is not None:
        query = query.where(Activity.project_id.in_(actor.project_ids or {-1}))
    for column, value in ((ServiceDelivery.person_id, criteria.person_id), (ServiceDelivery.staff_id, criteria.staff_id),
                          (ServiceDelivery.activity_id, criteria.activity_id),
                          (ServiceDelivery.service_type_id, criteria.service_type_id)):
        if value:
            query = query.where(column == value)
    if criteria.first:
        query = query.where(ServiceDelivery.delivered_on >= criteria.first)
    if criteria.last:
        query = query.where(ServiceDelivery.delivered_on <= criteria.last)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = list(db.scalars(
        query.options(selectinload(ServiceDelivery.person), selectinload(ServiceDelivery.staff),
                      selectinload(ServiceDelivery.service_type),
                      selectinload(ServiceDelivery.activity).selectinload(Activity.project))
        .order_by(ServiceDelivery.delivered_on.desc(), ServiceDelivery.id.desc())
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    return items[:PAGE_SIZE], len(items) > PAGE_SIZE, total


@dataclass
class ServiceSummary:
    month: date
    service_type: ServiceType
    activity: Activity
    count: int


def person_services_by_month(db: Session, person_id: int, project_ids: set[int] | None) -> list[ServiceSummary]:
    """A person's services per month, type and activity, for the timeline: a weekly home visit for
    two years is 24 lines, not 100. Three queries whatever the number of services."""
    query = (select(ServiceDelivery.delivered_on, ServiceDelivery.service_type_id, ServiceDelivery.activity_id)
             .join(Activity, Activity.id == ServiceDelivery.activity_id).where(ServiceDelivery.person_id == person_id))
    if project_ids is not None:
        query = query.where(Activity.project_id.in_(project_ids or {-1}))
    buckets: dict[tuple[date, int, int], int] = {}
    for day, type_id, activity_id in db.execute(query):
        key = (day.replace(day=1), type_id, activity_id)
        buckets[key] = buckets.get(key, 0) + 1
    if not buckets:
        return []
    types = {item.id: item for item in db.scalars(select(ServiceType).where(
        ServiceType.id.in_({key[1] for key in buckets})))}
    activities = {item.id: item for item in db.scalars(select(Activity).where(
        Activity.id.in_({key[2] for key in buckets})))}
    return [ServiceSummary(month, types[type_id], activities[activity_id], count)
            for (month, type_id, activity_id), count in sorted(buckets.items(), reverse=True)]


def merge_person(db: Session, keep: Person, absorb: Person) -> None:
    for service in db.scalars(select(ServiceDelivery).where(ServiceDelivery.person_id == absorb.id)).all():
        service.person_id = keep.id


def erase_person(db: Session, person: Person) -> None:
    """Notes can name the person or their family: they go; the dated service stays for the counts."""
    for service in db.scalars(select(ServiceDelivery).where(ServiceDelivery.person_id == person.id)).all():
        service.notes = ""


def export_person(db: Session, person: Person, actor: Actor) -> dict:
    """Services for a data export, in the projects the actor works on; a note the actor may not read
    is marked as withheld, so whoever answers the request knows to ask a coordinator."""
    query = (select(ServiceDelivery).join(Activity, Activity.id == ServiceDelivery.activity_id)
             .where(ServiceDelivery.person_id == person.id)
             .options(selectinload(ServiceDelivery.service_type), selectinload(ServiceDelivery.activity))
             .order_by(ServiceDelivery.delivered_on))
    if actor.project_ids is not None:
        query = query.where(Activity.project_id.in_(actor.project_ids or {-1}))
    return {"services": [
        {"activity": service.activity.code, "type": service.service_type.name_ro,
         "date": service.delivered_on.isoformat(), "minutes": service.duration_minutes,
         **({"notes": service.notes} if can_read_notes(actor, service) else {"notes_withheld": True})}
        for service in db.scalars(query).all()]}
