"""Who is acting: passed to services so they can check rights and write the audit trail."""
from dataclasses import dataclass, field

from portal.domain.accounts.models import User


@dataclass(frozen=True)
class Actor:
    user: User | None  # None for the command line and scripts
    address: str = ""
    permissions: frozenset[str] = frozenset()  # organisation-wide rights (the register, accounts)
    # Rights per project, from the user's membership there; `everywhere` holds in every project
    # (administrators and the command line).
    project_permissions: dict[int, frozenset[str]] = field(default_factory=dict)
    everywhere: frozenset[str] = frozenset()

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def can_in(self, project_id: int, permission: str) -> bool:
        return permission in self.everywhere or permission in self.project_permissions.get(project_id, frozenset())

    def sees_project(self, project_id: int) -> bool:
        return bool(self.everywhere) or project_id in self.project_permissions

    @property
    def project_ids(self) -> set[int] | None:
        """The projects this actor works on; None when it is every project."""
        return None if self.everywhere else set(self.project_permissions)


def system_actor(permissions: frozenset[str], address: str = "cli") -> Actor:
    """The command line: no user, the rights the command needs, in every project."""
    return Actor(user=None, address=address, permissions=permissions, everywhere=permissions)
