"""The day it is where the projects run. The server may keep UTC: between midnight and 02:00 or
03:00 in Romania its date is still yesterday, and "today's" sheet, the attendance lock and "not in
the future" must follow the staff's calendar, not the server's."""
from datetime import date, datetime

from babel.dates import get_timezone

TIMEZONE = get_timezone("Europe/Bucharest")  # the same as BABEL_DEFAULT_TIMEZONE


def today() -> date:
    return datetime.now(TIMEZONE).date()
