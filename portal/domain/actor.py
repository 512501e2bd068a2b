"""Who is acting: passed to services so they can check rights and write the audit trail."""
from dataclasses import dataclass

from portal.domain.accounts.models import User


@dataclass(frozen=True)
class Actor:
    user: User | None  # None for the command line and scripts
    address: str = ""
    permissions: frozenset[str] = frozenset()

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def system_actor(permissions: frozenset[str], address: str = "cli") -> Actor:
    """The command line: no user, the rights the command needs."""
    return Actor(user=None, address=address, permissions=permissions)
