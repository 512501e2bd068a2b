"""The day it is where the projects run. The server may keep UTC: between midnight and 02:00 or
03:00 in Romania its date is still yesterday, and "today's" sheet, the attendance lock and "not in
the future" must follow the staff's calendar, not the server's."""
from datetime import date, datetime

from zoneinfo import ZoneInfo

# The same as BABEL_DEFAULT_TIMEZONE. A zoneinfo zone, not pytz: `datetime.combine(..., tzinfo=TIMEZONE)`
# must give Romanian wall-clock time (a pytz zone there would give the 1891 offset, +01:44).
TIMEZONE = ZoneInfo("Europe/Bucharest")


def today() -> date:
    return datetime.now(TIMEZONE).date()
