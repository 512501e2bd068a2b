"""The CNP validator: pure functions, no database."""
from datetime import date

import pytest

from portal.domain.errors import DomainError
from portal.domain.people.cnp import CnpInfo, check_digit, mismatches, parse_cnp
from portal.domain.people.models import Sex

TODAY = date(2025, 6, 15)


def make(first12: str) -> str:
    """A real CNP: the 12 given digits followed by their check digit."""
    return first12 + str(check_digit(first12))


def error_of(value: str, today: date = TODAY) -> DomainError:
    with pytest.raises(DomainError) as caught:
        parse_cnp(value, today=today)
    assert caught.value.field == "cnp"
    return caught.value


def test_check_digit_worked_by_hand():
    # 1 9 6 0 1 0 1 0 1 1 2 3  (man, 1 January 1996, Alba, serial 123)
    # 2 7 9 1 4 6 3 5 8 2 7 9  (the key)
    # 2+63+54+0+4+0+3+0+8+2+14+27 = 177 = 16*11 + 1, so C = 1.
    assert check_digit("196010101123") == 1
    info = parse_cnp("1960101011231", today=TODAY)
    assert info == CnpInfo(cnp="1960101011231", birth_date=date(1996, 1, 1), sex="M", county_code="01")


def test_remainder_ten_gives_one():
    # 196010101007: 2+63+54+0+4+0+3+0+8+0+0+63 = 197 = 17*11 + 10, so C = 1, not 10.
    assert check_digit("196010101007") == 1
    assert parse_cnp("1960101010071", today=TODAY).sex == "M"


def test_check_digit_rejects_bad_input():
    with pytest.raises(ValueError):
        check_digit("12345")


@pytest.mark.parametrize("first12, birth_date, sex, county", [
    ("605031552007", date(2005, 3, 15), "F", "52"),   # girl born 2005, Giurgiu
    ("350071241001", date(1850, 7, 12), "M", "41"),   # man born 1850, Bucharest sector 1
    ("299123146999", date(1999, 12, 31), "F", "46"),  # Bucharest sector 6
    ("180020251050", date(1980, 2, 2), "M", "51"),    # Călărași
    ("240010147001", date(1940, 1, 1), "F", "47"),    # historic sector 7
    ("701020370123", date(2001, 2, 3), "M", "70"),    # foreign resident, "any county" code
    ("888050612345", date(1988, 5, 6), "F", "12"),    # foreign resident woman, 88 cannot be 2088
    ("925061540001", date(2025, 6, 15), None, "40"),  # foreign citizen born today: 2025, not 1925
    ("930061540001", date(1930, 6, 15), None, "40"),  # 30 is still in the future as 2030
])
def test_valid_cnps(first12, birth_date, sex, county):
    cnp = make(first12)
    info = parse_cnp(cnp, today=TODAY)
    assert info == CnpInfo(cnp=cnp, birth_date=birth_date, sex=sex, county_code=county)


def test_spaces_are_stripped():
    cnp = make("196010101123")
    assert parse_cnp(f"  1 960101 01 123 {cnp[-1]}\t", today=TODAY).cnp == cnp


def test_29_february():
    assert parse_cnp(make("600022901001"), today=TODAY).birth_date == date(2000, 2, 29)
    assert parse_cnp(make("296022901001"), today=TODAY).birth_date == date(1996, 2, 29)
    assert error_of(make("201022901001")).code == "cnp_date"  # 1901
    assert error_of(make("200022901001")).code == "cnp_date"  # 1900: divisible by 100, not by 400


@pytest.mark.parametrize("value", [
    "", "123", "19601010112310", "196010101123a", "1960-01-01-123", "１９６０１０１０１１２３１",
])
def test_length_and_non_digits(value):
    assert error_of(value).code == "cnp_length"


@pytest.mark.parametrize("first12, code", [
    ("096010101123", "cnp_sex_digit"),
    ("196130101123", "cnp_date"),   # month 13
    ("196000101123", "cnp_date"),   # month 00
    ("196043101123", "cnp_date"),   # 31 April
    ("196010001123", "cnp_date"),   # day 00
    ("525061601001", "cnp_future"),  # tomorrow
    ("196010100123", "cnp_county"),
    ("196010149123", "cnp_county"),
    ("196010150123", "cnp_county"),
    ("196010153123", "cnp_county"),
    ("196010199123", "cnp_county"),
    ("196010101000", "cnp_serial"),
])
def test_structural_errors(first12, code):
    assert error_of(make(first12)).code == code


def test_wrong_check_digit():
    cnp = make("196010101123")
    wrong = cnp[:12] + str((int(cnp[12]) + 1) % 10)
    assert error_of(wrong).code == "cnp_check_digit"


def test_future_depends_on_today():
    cnp = make("525061601001")
    assert parse_cnp(cnp, today=date(2025, 6, 16)).birth_date == date(2025, 6, 16)
    assert error_of(cnp, today=date(2025, 6, 15)).code == "cnp_future"


def test_today_defaults_to_the_real_date():
    assert parse_cnp(make("196010101123")).birth_date == date(1996, 1, 1)


def test_mismatches():
    info = parse_cnp(make("196010101123"), today=TODAY)
    assert mismatches(info, date(1996, 1, 1), "M") == []
    assert mismatches(info, None, None) == []
    assert mismatches(info, date(1996, 1, 2), "M") == ["birth_date"]
    assert mismatches(info, None, "F") == ["sex"]
    assert mismatches(info, date(1969, 1, 1), "F") == ["birth_date", "sex"]
    assert mismatches(info, date(1996, 1, 1), Sex.male) == []
    assert mismatches(info, None, Sex.female) == ["sex"]


def test_mismatches_with_unknown_sex():
    info = parse_cnp(make("930061540001"), today=TODAY)
    assert info.sex is None
    assert mismatches(info, None, "F") == []
    assert mismatches(info, date(2030, 6, 15), "M") == ["birth_date"]
