"""Benefits: kinds, entitlement lists, payment lists, totals."""
from portal.staff import bp  # noqa: F401
