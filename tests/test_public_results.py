"""The public results pages and their open data: figures from the records, "<5", the breakdown, the cache."""
import csv
import io
import itertools
import json
import re
from datetime import date, datetime, time

import pytest
from sqlalchemy import event, select

from portal.demo import load_demo
from portal.domain.activities import services as activities
from portal.domain.activities.models import AttendanceStatus
from portal.domain.actor import Actor
from portal.domain.people import services as people
from portal.domain.people.models import ConsentGiver, ConsentKind, LabourStatus, RiskReason, Sex
from portal.domain.projects.models import Activity, Indicator, IndicatorUnit, Project
from portal.domain.results.services import app_cache
from public_site.results import can_be_worked_out, participants_breakdown

EVERYTHING = frozenset({"activities.manage", "attendance.record", "attendance.correct", "people.sensitive"})
MANAGER = Actor(user=None, address="test", everywhere=EVERYTHING, permissions=EVERYTHING)
DAY = date(2026, 11, 24)
CODE = "155550"  # Botoșani: I3 counts the children present in the after-school programme (A2.1), target 98
PAGES = [f"/rezultate/{CODE}", f"/rezultate/{CODE}.json", f"/rezultate/{CODE}.csv"]


@pytest.fixture
def english(client):
    """Assertions read the English message ids; the Romanian catalog is filled in separately."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def demo(db_session):
    load_demo(db_session)
    db_session.commit()
    return db_session


def project(db, code=CODE) -> Project:
    return db.scalar(select(Project).where(Project.code == code))


def after_school(db) -> Activity:
    return db.scalar(select(Activity).join(Project).where(Project.code == CODE, Activity.code == "A2.1"))


_minutes = itertools.count()  # each session at its own time: a second one at the same time is a double click


def children_present(db, names, *, born=date(2015, 5, 5), sex=Sex.female):
    """Children enrolled in the project, on the after-school list, present at one new session; committed."""
    proj, activity = project(db), after_school(db)
    zone = proj.zones[0]
    persons = []
    for last, first in names:
        person = people.create_person(db, people.PersonData(
            last_name=last, first_name=first, locality=proj.town, street=zone.streets[0].name, birth_date=born,
            sex=sex), MANAGER, confirm_new=True).person
        people.record_consent(db, person, MANAGER, kind=ConsentKind.data_processing, given_by=ConsentGiver.guardian,
                              given_on=date(2023, 1, 10), guardian_name="Părintele Tutore", document_ref="F-1")
        people.enroll(db, person, proj, people.EntryData(
            zone_id=zone.id, entry_date=date(2023, 1, 10), risk_reason=RiskReason.minimum_income,
            labour_status=LabourStatus.inactive, isced_level=1), MANAGER)
        activities.add_to_roster(db, activity, person, date(2024, 1, 1), MANAGER)
        persons.append(person)
    session = activities.create_sessions(db, activity, activities.SessionPlan(
        start_time=time(8, next(_minutes) % 60), end_time=time(20, 0), place="Sala 2"), MANAGER, on=DAY)[0]
    for person in persons:
        activities.mark(db, session, person, AttendanceStatus.present, MANAGER, today=DAY)
    db.commit()
    return persons


THREE = [("Zamfirache", "Ilinca"), ("Gheorghidiu", "Stela"), ("Vlăduțescu", "Ofelia")]
TWO_MORE = [("Brâncoveanu", "Irina"), ("Hagiescu", "Smaranda")]


def text(response) -> str:
    return response.get_data(as_text=True)


def section(html: str, heading_id: str) -> str:
    return re.search(rf'<section aria-labelledby="{heading_id}">(.*?)</section>', html, re.S).group(1)


def indicator(data: dict, code: str) -> dict:
    return next(item for item in data["indicators"] if item["code"] == code)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


# The pages -------------------------------------------------------------------------------------------

def without_rule(db, code="I30", target=100) -> Indicator:
    """A public indicator of the project whose rule is not set yet: its target only."""
    added = Indicator(project_id=project(db).id, code=code, name_ro="Indicator fără regulă", name_en="Without a rule",
                      target=target, unit=IndicatorUnit.persons, is_public=True)
    db.add(added)
    db.commit()
    return added


def test_the_project_page_shows_targets_and_what_the_records_achieved(english, demo):
    without_rule(demo)
    children_present(demo, THREE + TWO_MORE + [("Popa", "Maria")])
    html = text(english.get(f"/rezultate/{CODE}"))
    assert "<h1>ZUM BT PLUS – Un plus de incluziune" in html
    assert "Municipiul Botoșani" in html and "2022" in html and "Programul Operațional Capital Uman" in html
    figures = section(html, "figures")
    assert "6 of 98 persons (6.1%)" in figures  # I3: six children present
    assert '<rect class="meter-fill" width="6.1"' in figures  # the bar, drawn on the server
    assert re.search(r'<th scope="row">I3 · Children in the after-school programme</th>\s*'
                     r'<td class="num">98 persons</td>\s*<td class="num">6</td>\s*<td class="num">6.1%</td>', figures)
    assert "<caption>" in figures and '<th scope="col"' in figures
    # I30 has no rule yet: its target only; I13 (volunteering hours) is not public; nobody in the shop yet (I8).
    assert "target 100 persons, not counted yet" in figures and "Volunteering hours" not in html
    assert re.search(r'<th scope="row">I8 · Persons buying from the social shop[^<]*</th>\s*'
                     r'<td class="num">100 persons</td>\s*<td class="num">0</td>\s*<td class="num">0%</td>', figures)
    assert "Counted from the project’s records on" in figures
    assert 'href="/rezultate/155550.json"' in html and 'href="/rezultate/155550.csv"' in html

    listing = text(english.get("/rezultate"))
    assert 'href="/rezultate/155550"' in listing and 'href="/rezultate/BC-SDL-2022"' in listing
    assert "6 of 98 persons (6.1%)" in listing and 'href="/rezultate.json"' in listing
    assert 'href="/rezultate/155550"' in text(english.get("/"))  # the home page leads to each project's results
    english.set_cookie("lang", "ro")
    romanian = text(english.get("/rezultate"))
    assert '<html lang="ro">' in romanian and "98 de persoane" in romanian


def test_one_to_four_persons_show_as_less_than_five_on_the_page_json_and_csv(english, demo):
    children_present(demo, THREE)
    figures = section(text(english.get(f"/rezultate/{CODE}")), "figures")
    assert "&lt;5 of 98 persons" in figures
    assert "3 of 98" not in figures and "3.1%" not in figures  # nor a percentage or bar that would give it back
    row = re.search(r'I3 · Children in the after-school programme</th>(.*?)</tr>', figures, re.S).group(1)
    assert "&lt;5" in row and "3" not in row.replace("98", "")
    assert "&lt;5 of 98 persons" in text(english.get("/rezultate"))

    data = json.loads(english.get(f"/rezultate/{CODE}.json").get_data())
    assert indicator(data, "I3")["achieved"] is None and indicator(data, "I3")["suppressed"] is True
    assert indicator(data, "I7")["achieved"] == 0 and indicator(data, "I7")["suppressed"] is False
    rows = {row["code"]: row for row in csv_rows(english.get(f"/rezultate/{CODE}.csv"))}
    assert rows["I3"]["achieved"] == "<5" and rows["I7"]["achieved"] == "0"


def test_the_participants_breakdown_hides_small_counts_and_what_would_give_them_away(english, demo):
    children_present(demo, THREE)
    participants = section(text(english.get(f"/rezultate/{CODE}")), "participants")
    # Three girls under 18: every count is small, so only "<5" in all, and never the 3.
    assert "In all: &lt;5 participants." in participants and not re.search(r"\b3\b", participants)


def test_a_safe_table_by_sex_and_age_is_shown_with_its_small_cells_hidden():
    # Two hidden cells in each row and column, and no way to tell them apart from the totals.
    breakdown = participants_breakdown({("F", "under_18"): 2, ("F", "18_29"): 3, ("F", "30_54"): 10,
                                        ("M", "under_18"): 3, ("M", "18_29"): 2, ("M", "30_54"): 10})
    (table,) = breakdown.tables
    assert not breakdown.withheld and breakdown.total == 30
    assert [counts for _header, counts in table.rows] == [("<5", "<5", 10, 0, 15), ("<5", "<5", 10, 0, 15),
                                                         (5, 5, 20, 0, 30)]
    assert [header for header, _counts in table.rows] == ["Female", "Male", "Total"]  # nobody without a sex


def test_a_table_that_would_give_a_small_count_away_is_not_shown():
    # One hidden cell: its row total minus the others gives it back. The two lists remain, each safe.
    breakdown = participants_breakdown({("F", "under_18"): 29, ("F", "18_29"): 7, ("M", "under_18"): 32,
                                        ("M", "18_29"): 3, ("M", "30_54"): 17})
    assert breakdown.withheld and len(breakdown.tables) == 2
    by_sex, by_age = breakdown.tables
    assert by_sex.rows == (("Female", (36,)), ("Male", (52,)), ("Total", (88,)))
    assert by_age.rows[1] == ("18 to 29", (10,))
    # Two persons without a recorded sex: alone in the list by sex, they would be its total minus the rest.
    breakdown = participants_breakdown({("F", "under_18"): 29, ("M", "under_18"): 30, ("", "under_18"): 2})
    assert breakdown.withheld and [table.caption for table in breakdown.tables] == [
        "Participants by age group at entry"]
    assert participants_breakdown({}).tables == () and participants_breakdown({}).total == 0


def test_small_counts_pinned_by_their_sums_and_bounds_count_as_given_away():
    assert can_be_worked_out([[10, 3]], column_totals=False)  # one hidden: total minus the rest
    assert not can_be_worked_out([[10, 3, 2]], column_totals=False)  # 3+2: 1+4, 2+3, 3+2 or 4+1
    assert can_be_worked_out([[10, 1, 1]], column_totals=False)  # a sum of 2 can only be 1 + 1
    assert can_be_worked_out([[10, 4, 4]], column_totals=False)  # and 8 only 4 + 4
    # Four hidden cells in a square: the column totals force the corner at 4 and the other at 1.
    assert can_be_worked_out([[4, 1, 20], [1, 1, 20]], column_totals=True)
    assert not can_be_worked_out([[2, 3, 20], [3, 2, 20]], column_totals=True)
    assert not can_be_worked_out([[5, 0], [7, 9]], column_totals=True)  # nothing hidden


# Open data -------------------------------------------------------------------------------------------

def test_the_json_and_csv_carry_the_project_and_its_public_indicators(client, demo):
    without_rule(demo)
    children_present(demo, THREE + TWO_MORE)
    response = client.get(f"/rezultate/{CODE}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.get_data())
    assert set(data) == {"project", "computed_at", "indicators"}
    assert data["project"] == {"code": CODE, "title": project(demo).title, "town": "Botoșani",
                               "start_date": "2022-02-01", "end_date": "2027-06-30"}
    assert datetime.fromisoformat(data["computed_at"].replace("Z", "+00:00")).utcoffset().total_seconds() == 0
    # Not I13, I16, I17, I18: internal figures.
    assert [item["code"] for item in data["indicators"]] == [f"I{number}" for number in (*range(1, 13), 14, 15, 30)]
    assert indicator(data, "I3") == {"code": "I3", "name": "Copii în programul Școală după școală",
                                     "name_en": "Children in the after-school programme", "target": 98,
                                     "achieved": 5, "unit": "persons", "suppressed": False}
    assert indicator(data, "I30")["achieved"] is None and indicator(data, "I30")["suppressed"] is False
    assert indicator(data, "I8")["achieved"] == 0 and indicator(data, "I8")["suppressed"] is False
    assert all(type(item["target"]) is int for item in data["indicators"])

    response = client.get(f"/rezultate/{CODE}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_data().decode("utf-8-sig").splitlines()[0] == \
        "code,name,target,achieved,unit,project_code,project_title,computed_at"
    rows = csv_rows(response)
    assert [row["code"] for row in rows] == [item["code"] for item in data["indicators"]]
    assert rows[2] == {"code": "I3", "name": "Copii în programul Școală după școală", "target": "98", "achieved": "5",
                       "unit": "persons", "project_code": CODE, "project_title": project(demo).title,
                       "computed_at": data["computed_at"]}
    assert rows[7]["code"] == "I8" and rows[7]["achieved"] == "0"
    assert rows[-1]["code"] == "I30" and rows[-1]["achieved"] == ""


def test_the_list_of_projects_names_only_public_projects_with_working_addresses(client, demo):
    project(demo, "BC-SDL-2022").is_public = False
    demo.commit()
    response = client.get("/rezultate.json")
    assert response.mimetype == "application/json" and response.headers["Access-Control-Allow-Origin"] == "*"
    (item,) = json.loads(response.get_data())
    assert item == {"code": CODE, "title": project(demo).title, "town": "Botoșani", "url": f"/rezultate/{CODE}",
                    "json": f"/rezultate/{CODE}.json", "csv": f"/rezultate/{CODE}.csv"}
    assert all(client.get(item[key]).status_code == 200 for key in ("url", "json", "csv"))
    assert "BC-SDL-2022" not in text(client.get("/rezultate"))


def test_a_project_not_public_or_unknown_has_no_results_anywhere(client, demo):
    for path in ("/rezultate/BC-SDL-2022", "/rezultate/BC-SDL-2022.json", "/rezultate/BC-SDL-2022.csv"):
        assert client.get(path).status_code == 200
    project(demo, "BC-SDL-2022").is_public = False
    demo.commit()
    for code in ("BC-SDL-2022", "NU-EXISTA"):
        for path in (f"/rezultate/{code}", f"/rezultate/{code}.json", f"/rezultate/{code}.csv",
                     f"/rezultate/{code}/galerie"):
            assert client.get(path).status_code == 404, path


def test_the_open_data_addresses_are_matched_before_the_page_and_the_gallery_still_works(app, client, demo):
    urls = app.url_map.bind("localhost")
    assert urls.match(f"/rezultate/{CODE}.json") == ("public.results_project_json", {"code": CODE})
    assert urls.match(f"/rezultate/{CODE}.csv") == ("public.results_project_csv", {"code": CODE})
    assert urls.match(f"/rezultate/{CODE}") == ("public.results_project", {"code": CODE})
    assert urls.match(f"/rezultate/{CODE}/galerie") == ("public.gallery", {"code": CODE})
    assert urls.match("/rezultate.json") == ("public.results_json", {})
    assert client.get(f"/rezultate/{CODE}/galerie").status_code == 200


# The cache -------------------------------------------------------------------------------------------

def test_the_cache_never_serves_a_stale_figure(english, app, connection, demo):
    children_present(demo, THREE)
    assert "&lt;5 of 98 persons" in text(english.get(f"/rezultate/{CODE}"))
    assert indicator(english.get(f"/rezultate/{CODE}.json").get_json(), "I3")["suppressed"] is True
    assert csv_rows(english.get(f"/rezultate/{CODE}.csv"))[2]["achieved"] == "<5"

    statements = []

    def listener(_conn, _cursor, statement, *args):
        statements.append(statement)

    cache = app_cache(app)
    hits = cache.hits
    event.listen(connection, "before_cursor_execute", listener)
    try:
        again = [text(english.get(path)) for path in PAGES]
    finally:
        event.remove(connection, "before_cursor_execute", listener)
    assert cache.hits >= hits + len(PAGES)
    selects = [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]
    assert len(selects) == len(PAGES) and all("results_version" in statement for statement in selects)
    assert "&lt;5 of 98 persons" in again[0]

    children_present(demo, TWO_MORE)  # committed: the records' version moves
    assert "5 of 98 persons (5.1%)" in text(english.get(f"/rezultate/{CODE}"))
    assert indicator(english.get(f"/rezultate/{CODE}.json").get_json(), "I3")["achieved"] == 5
    assert {row["code"]: row for row in csv_rows(english.get(f"/rezultate/{CODE}.csv"))}["I3"]["achieved"] == "5"
    assert "5 of 98 persons (5.1%)" in text(english.get("/rezultate"))


def test_a_news_post_or_a_project_change_shows_at_once(english, demo):
    from portal.domain.news.models import NewsPost

    assert "Ziua porților deschise" not in text(english.get(f"/rezultate/{CODE}"))
    demo.add(NewsPost(project_id=project(demo).id, slug="ziua-portilor-deschise", title_ro="Ziua porților deschise",
                      published_on=date(2024, 5, 1), is_published=True))
    project(demo).summary_en = "A summary written today."
    demo.commit()
    html = text(english.get(f"/rezultate/{CODE}"))
    assert "Ziua porților deschise" in section(html, "news") and "A summary written today." in html


def test_browsers_revalidate_with_the_etag(english, demo):
    first = english.get(f"/rezultate/{CODE}")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache" and "Accept-Language" in first.headers["Vary"]
    unchanged = english.get(f"/rezultate/{CODE}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b"" and unchanged.headers["ETag"] == etag
    english.set_cookie("lang", "ro")
    assert english.get(f"/rezultate/{CODE}", headers={"If-None-Match": etag}).status_code == 200
    english.set_cookie("lang", "en")
    data = english.get(f"/rezultate/{CODE}.json")
    assert english.get(f"/rezultate/{CODE}.json",
                       headers={"If-None-Match": data.headers["ETag"]}).status_code == 304
    children_present(demo, THREE)
    changed = english.get(f"/rezultate/{CODE}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and "&lt;5 of 98" in text(changed)


def test_the_cached_page_holds_nothing_of_the_visitor(app, demo):
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "Mesajul doar al acestui vizitator")]
    assert "Mesajul doar al acestui vizitator" in text(visitor.get("/rezultate"))
    assert "ref%3Dx" in text(visitor.get("/rezultate?ref=x"))  # the language links come back to this address
    other = text(app.test_client().get("/rezultate"))
    assert "Mesajul doar" not in other and "ref%3Dx" not in other and "ref=x" not in other


def test_a_page_made_under_another_prefix_is_never_served_to_others(app, demo):
    # Behind a proxy that passes X-Forwarded-Prefix on (ProxyFix sets SCRIPT_NAME from it).
    path = f"/rezultate/{CODE}"
    for prefixed in (path, "/rezultate.json"):
        assert "/evil/" in text(app.test_client().get(prefixed, environ_overrides={"SCRIPT_NAME": "/evil"}))
        assert "/evil/" not in text(app.test_client().get(prefixed))


def test_a_plain_visit_gets_what_flask_sent_without_going_through_flask_again(app, demo):
    from flask import request

    through_flask = []
    app.before_request_funcs.setdefault(None, []).append(lambda: through_flask.append(request.path))
    visitor = app.test_client()
    path = f"/rezultate/{CODE}"
    first = visitor.get(path, headers={"Accept-Encoding": "gzip", "Accept-Language": "en"})
    again = visitor.get(path, headers={"Accept-Encoding": "gzip", "Accept-Language": "en"})
    assert through_flask == [path] and first.headers["Content-Encoding"] == "gzip"
    assert again.get_data() == first.get_data() and sorted(again.headers.items()) == sorted(first.headers.items())
    assert "Content-Security-Policy" in again.headers and again.headers["Cache-Control"] == "no-cache"

    # Another language or encoding is made by Flask once, then kept apart.
    romanian = [visitor.get(path, headers={"Accept-Language": "ro"}) for _ in range(2)]
    assert '<html lang="ro">' in text(romanian[1]) and through_flask == [path, path]
    assert '<html lang="en">' in text(visitor.get(path, headers={"Accept-Language": "en"}))
    assert len(through_flask) == 3
    visitor.set_cookie("lang", "en")
    assert '<html lang="en">' in text(visitor.get(path, headers={"Accept-Language": "ro"}))

    # A session, a query string, a conditional request or HEAD always go through Flask.
    count = len(through_flask)
    etag = first.headers["ETag"]
    assert visitor.get(path, headers={"If-None-Match": etag, "Accept-Language": "en"}).status_code == 304
    visitor.get(path + "?a=1")
    visitor.head(path)
    with visitor.session_transaction() as session:
        session["seen"] = True
    visitor.get(path)
    assert len(through_flask) == count + 4

    # And a change to the records is seen at once.
    children_present(demo, THREE)
    assert "&lt;5 of 98 persons" in text(app.test_client().get(path, headers={"Accept-Language": "en"}))


# Privacy and weight ----------------------------------------------------------------------------------

def test_no_results_page_names_anyone(english, demo):
    children_present(demo, THREE + TWO_MORE)
    for path in ["/rezultate", "/rezultate.json", *PAGES]:
        for language in ("ro", "en"):
            english.set_cookie("lang", language)
            body = english.get(path).get_data().decode("utf-8-sig")
            for last, first in THREE + TWO_MORE:
                assert last not in body and first not in body, (path, last)
            assert "Părintele Tutore" not in body


def test_the_project_page_stays_light(client, demo):
    children_present(demo, THREE)
    html = text(client.get(f"/rezultate/{CODE}"))
    total = len(client.get(f"/rezultate/{CODE}", headers={"Accept-Encoding": "gzip"}).get_data())
    with client.get(re.search(r'href="(/static/css/site\.css[^"]*)"', html).group(1),
                    headers={"Accept-Encoding": "gzip"}) as css:
        total += len(css.get_data())
    assert total < 20 * 1024 and "<script" not in html  # the budget is 60 KB with photos; no script needed
