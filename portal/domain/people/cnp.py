"""The Romanian personal numeric code (CNP, Cod Numeric Personal): parsing and validation.

A CNP has 13 digits, S AA LL ZZ JJ NNN C:

- S     sex and century: 1/2 male/female born 1900-1999, 3/4 born 1800-1899, 5/6 born 2000-2099,
        7/8 male/female foreign residents, 9 foreign citizens (sex unknown). For 7, 8 and 9 the
        century is the one that puts the two-digit year in the most recent year not after today.
- AA LL ZZ  birth year, month and day: a real calendar date, not in the future.
- JJ    county: 01-46, 51 (Călărași), 52 (Giurgiu); 41-46 are Bucharest sectors 1-6, 47 and 48
        the historic sectors 7 and 8, and 70 "any county" (foreigners, new CNPs since 2024).
- NNN   serial number within the day and county, 001-999.
- C     check digit: the first 12 digits times the key 279146358279, digit by digit, summed,
        modulo 11; a remainder of 10 gives 1.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from portal.domain.errors import DomainError

CHECK_KEY = "279146358279"
_THIRTEEN_DIGITS = re.compile(r"[0-9]{13}")
_CENTURY_BY_SEX_DIGIT = {"1": 1900, "2": 1900, "3": 1800, "4": 1800, "5": 2000, "6": 2000}
_SEX_BY_DIGIT = {"1": "M", "3": "M", "5": "M", "7": "M", "2": "F", "4": "F", "6": "F", "8": "F", "9": None}
_COUNTY_CODES = frozenset(f"{n:02d}" for n in [*range(1, 49), 51, 52, 70])


@dataclass(frozen=True)
class CnpInfo:
    cnp: str
    birth_date: date
    sex: str | None  # "M", "F", or None for foreign citizens (S = 9)
    county_code: str  # two digits


def _fail(message, code: str) -> DomainError:
    return DomainError(message, code=code, field="cnp")


def check_digit(first12: str) -> int:
    """The control digit for the first 12 digits of a CNP."""
    if not _THIRTEEN_DIGITS.fullmatch(first12 + "0"):
        raise ValueError("check_digit needs exactly 12 ASCII digits")
    remainder = sum(int(d) * int(k) for d, k in zip(first12, CHECK_KEY)) % 11
    return 1 if remainder == 10 else remainder


def _century(sex_digit: str, yy: int, today: date) -> int:
    if sex_digit in _CENTURY_BY_SEX_DIGIT:
        return _CENTURY_BY_SEX_DIGIT[sex_digit]
    # 7, 8, 9: the two-digit year read as the most recent year that is not after this one.
    return 2000 if 2000 + yy <= today.year else 1900


def parse_cnp(value: str, today: date | None = None) -> CnpInfo:
    """Validate a CNP (white space ignored) and return what it encodes; raises DomainError."""
    today = today or date.today()
    cnp = "".join((value or "").split())
    if not _THIRTEEN_DIGITS.fullmatch(cnp):
        raise _fail(_l("The CNP must have exactly 13 digits."), "cnp_length")

    sex_digit = cnp[0]
    if sex_digit not in _SEX_BY_DIGIT:
        raise _fail(_l("The first digit of the CNP is not valid."), "cnp_sex_digit")

    yy, month, day = int(cnp[1:3]), int(cnp[3:5]), int(cnp[5:7])
    try:
        birth_date = date(_century(sex_digit, yy, today) + yy, month, day)
    except ValueError:
        raise _fail(_l("The birth date in the CNP is not a valid date."), "cnp_date") from None
    if birth_date > today:
        raise _fail(_l("The birth date in the CNP is in the future."), "cnp_future")

    county_code = cnp[7:9]
    if county_code not in _COUNTY_CODES:
        raise _fail(_l("The county code in the CNP is not valid."), "cnp_county")
    if cnp[9:12] == "000":
        raise _fail(_l("The CNP's serial number cannot be 000."), "cnp_serial")
    if check_digit(cnp[:12]) != int(cnp[12]):
        raise _fail(_l("The CNP has a wrong check digit."), "cnp_check_digit")

    return CnpInfo(cnp=cnp, birth_date=birth_date, sex=_SEX_BY_DIGIT[sex_digit], county_code=county_code)


def mismatches(info: CnpInfo, birth_date: date | None, sex: str | None) -> list[str]:
    """Typed fields that disagree with the CNP, in the order ["birth_date", "sex"].

    A field left empty (None) never disagrees, nor does a typed sex when the CNP carries none (S = 9).
    """
    wrong: list[str] = []
    if birth_date is not None and birth_date != info.birth_date:
        wrong.append("birth_date")
    if sex is not None and info.sex is not None and sex != info.sex:
        wrong.append("sex")
    return wrong
