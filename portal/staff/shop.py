"""The social shop."""
from portal.staff import bp  # noqa: F401
