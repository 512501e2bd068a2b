from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.domain.accounts.models import Role, User

PAGE_SIZE = 50


def search_users(db: Session, *, text: str = "", role: str = "", page: int = 1) -> tuple[list[User], int]:
    """Users matching the text (e-mail or name) and role, one page of them and the total count."""
    query = select(User)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(or_(func.lower(User.email).like(pattern), func.lower(User.full_name).like(pattern)))
    if role in Role.__members__:
        query = query.where(User.role == Role(role))
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    users = db.scalars(
        query.order_by(User.is_active.desc(), User.full_name, User.id)
        .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return list(users), total
