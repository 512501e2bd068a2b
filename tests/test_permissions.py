"""Walk the URL map: no portal URL is open to anonymous users, no change is open to a viewer."""
import re

import pytest

from portal.staff.permissions import ROLE_PERMISSIONS, required_permission

# Endpoints a signed-in viewer may still POST to: their own session and password.
VIEWER_MAY_POST = {"portal.login", "portal.logout", "portal.account_password"}


def portal_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("portal.")]


def concrete_path(rule) -> str:
    # Any value will do for the converters: the guard answers before the view looks anything up.
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)


def test_every_portal_view_declares_a_permission(app):
    undeclared = [rule.endpoint for rule in portal_rules(app)
                  if required_permission(app.view_functions[rule.endpoint]) is None]
    assert undeclared == []


def test_anonymous_users_are_sent_to_sign_in_from_every_portal_url(client, app):
    checked = 0
    for rule in portal_rules(app):
        if rule.endpoint == "portal.login":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(concrete_path(rule), method=method,
                                   data={"csrf_token": client.csrf_token()})
            assert response.status_code == 302, (method, rule.rule, response.status_code)
            assert "/portal/autentificare" in response.headers["Location"]
            checked += 1
    assert checked >= 8


def test_the_sign_in_page_is_the_only_portal_page_open_to_everyone(client, app):
    assert client.get("/portal/autentificare").status_code == 200


@pytest.mark.parametrize("role", ["viewer"])
def test_a_viewer_is_refused_every_state_changing_endpoint(client, app, login_as, role):
    login_as(role)
    checked = []
    for rule in portal_rules(app):
        if rule.endpoint in VIEWER_MAY_POST:
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(concrete_path(rule), method=method, data={"csrf_token": client.csrf_token()})
            assert response.status_code == 403, (method, rule.rule, response.status_code)
            assert "Nu aveți acces la această pagină" in response.get_data(as_text=True)
            checked.append(rule.endpoint)
    assert "portal.user_create" in checked


def test_staff_cannot_manage_users_but_sees_projects(client, login_as):
    login_as("staff")
    assert client.get("/portal/").status_code == 200
    assert client.get("/portal/utilizatori").status_code == 403
    assert "Utilizatori" not in client.get("/portal/").get_data(as_text=True)


def test_every_role_has_an_entry_in_the_permission_table():
    from portal.domain.accounts.models import Role

    assert set(ROLE_PERMISSIONS) == set(Role)
