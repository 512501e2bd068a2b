"""Sign-in, rate limits, session expiry, cookies and password handling."""
import time

from sqlalchemy import func, select

from portal.domain.accounts.models import LoginAttempt, User
from tests.conftest import TEST_PASSWORD


def sign_in(client, email, password=TEST_PASSWORD, next_url="", **extra):
    return client.post_form("/portal/autentificare",
                            {"email": email, "password": password, "next": next_url, **extra})


def test_passwords_are_stored_as_scrypt_hashes(app, db_session):
    from portal.domain.accounts.services import create_user

    user = create_user(db_session, email="Maria@Test.ro", full_name="Maria Popescu", role="staff",
                       password="o parola lunga")
    assert user.email == "maria@test.ro"
    assert user.password_hash.startswith("scrypt:")
    assert "o parola lunga" not in user.password_hash


def test_sign_in_lands_on_the_dashboard_and_sign_out_needs_a_post(client, make_user, db_session):
    user = make_user("coordinator")
    db_session.commit()
    response = sign_in(client, user.email.upper())
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/portal/")
    assert "Proiecte" in client.get("/portal/").get_data(as_text=True)
    assert client.get("/portal/iesire").status_code == 405
    response = client.post_form("/portal/iesire")
    assert response.status_code == 303
    assert client.get("/portal/").status_code == 302


def test_wrong_password_is_refused_with_a_translated_message_and_keeps_the_email(client, make_user, db_session):
    user = make_user("staff")
    db_session.commit()
    response = sign_in(client, user.email, "gresit-gresit")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Adresa de e-mail sau parola nu este corectă." in page
    assert f'value="{user.email}"' in page
    english = client.post_form("/portal/autentificare", {"email": user.email, "password": "x"},
                               headers={"Accept-Language": "en"})
    assert "Wrong e-mail address or password." in english.get_data(as_text=True)


def test_a_deactivated_account_cannot_sign_in(client, make_user, db_session):
    user = make_user("staff", is_active=False)
    db_session.commit()
    assert sign_in(client, user.email).status_code == 422


def test_failed_sign_ins_are_limited_per_account(app, client, make_user, db_session):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    user = make_user("staff")
    db_session.commit()
    for _ in range(3):
        assert sign_in(client, user.email, "gresit-gresit").status_code == 422
    # Even the right password is refused while the account is locked.
    response = sign_in(client, user.email)
    assert response.status_code == 429
    assert "Așteptați 15 minute" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.email == user.email, LoginAttempt.succeeded.is_(False))) == 3


def test_failed_sign_ins_are_limited_per_address(app, client, make_user, db_session):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 4
    victim = make_user("staff")
    db_session.commit()
    for n in range(4):
        sign_in(client, f"ghicit{n}@test.ro", "gresit-gresit")
    assert sign_in(client, victim.email).status_code == 429
    # Another address is not affected.
    other = client.post_form("/portal/autentificare", {"email": victim.email, "password": TEST_PASSWORD},
                             environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303


def test_a_successful_sign_in_clears_the_accounts_failures(app, client, make_user, db_session):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    user = make_user("staff")
    db_session.commit()
    sign_in(client, user.email, "gresit-gresit")
    sign_in(client, user.email, "gresit-gresit")
    assert sign_in(client, user.email).status_code == 303
    client.post_form("/portal/iesire")
    sign_in(client, user.email, "gresit-gresit")
    sign_in(client, user.email, "gresit-gresit")
    assert sign_in(client, user.email).status_code == 303


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user, db_session):
    user = make_user("staff")
    db_session.commit()
    response = sign_in(client, user.email)
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("comunitar_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_behind_https(connection, tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app(tmp_path, DATABASE_BIND=connection, HTTPS=True, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/portal/autentificare", base_url="https://localhost")
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("comunitar_session="))
    assert "Secure" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    # Plain HTTP is redirected to HTTPS.
    assert app.test_client().get("/").status_code in (301, 302)


def test_an_idle_session_expires_and_sign_in_brings_the_user_back(app, client, make_user, db_session):
    user = make_user("admin")
    db_session.commit()
    sign_in(client, user.email)
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 31 * 60
    response = client.get("/portal/utilizatori?q=ana")
    assert response.status_code == 302
    assert "/portal/autentificare?next=/portal/utilizatori?q%3Dana" in response.headers["Location"] \
        or "next=%2Fportal%2Futilizatori%3Fq%3Dana" in response.headers["Location"]
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sesiunea s-a încheiat după 30 de minute fără activitate" in login_page
    back = sign_in(client, user.email, next_url="/portal/utilizatori?q=ana")
    assert back.headers["Location"] == "/portal/utilizatori?q=ana"


def test_the_idle_limit_is_configurable(app, client, make_user, db_session):
    app.config["SESSION_IDLE_MINUTES"] = 5
    user = make_user("staff")
    db_session.commit()
    sign_in(client, user.email)
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 4 * 60
    assert client.get("/portal/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 6 * 60
    assert client.get("/portal/").status_code == 302


def test_a_form_sent_after_expiry_is_kept_and_can_be_sent_again(app, client, make_user, db_session):
    admin = make_user("admin")
    db_session.commit()
    sign_in(client, admin.email)
    token = client.csrf_token()
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 3600
    typed = {"csrf_token": token, "email": "ioana.nou@test.ro", "full_name": "Ioana Ștefănescu",
             "role": "staff", "password": "parola-noua-1", "password_confirm": "parola-noua-1"}
    response = client.post("/portal/utilizatori/nou", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert 'value="Ioana Ștefănescu"' in page
    assert "parola-noua-1" not in page  # passwords are never echoed back
    replay = {f"replay__{name}": value for name, value in typed.items()
              if name not in ("csrf_token", "password", "password_confirm")}
    again = client.post_form("/portal/autentificare",
                             {"email": admin.email, "password": TEST_PASSWORD, "next": "/portal/utilizatori/nou",
                              **replay})
    resubmit = again.get_data(as_text=True)
    assert again.status_code == 200
    assert 'action="/portal/utilizatori/nou"' in resubmit
    assert 'name="full_name" value="Ioana Ștefănescu"' in resubmit


def test_kept_form_is_not_offered_to_a_different_user(app, client, make_user, db_session):
    first, second = make_user("admin"), make_user("admin")
    db_session.commit()
    sign_in(client, first.email)
    with client.session_transaction() as session:
        session["last_seen"] = 0
    client.post_form("/portal/utilizatori/nou", {"full_name": "Date private"})
    response = client.post_form("/portal/autentificare", {"email": second.email, "password": TEST_PASSWORD,
                                                          "next": "/portal/utilizatori/nou",
                                                          "replay__full_name": "Date private"})
    assert response.status_code == 303


def test_next_never_leads_off_the_site(client, make_user, db_session):
    user = make_user("staff")
    db_session.commit()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = sign_in(client, user.email, next_url=target)
        assert response.headers["Location"].endswith("/portal/")
        client.post_form("/portal/iesire")


def test_changing_ones_password_ends_other_sessions(app, client, make_user, db_session):
    user = make_user("viewer")
    db_session.commit()
    other_computer = app.test_client()
    sign_in(client, user.email)
    with other_computer.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["last_seen"] = int(time.time())
    assert other_computer.get("/portal/").status_code == 200
    response = client.post_form("/portal/cont/parola", {"current_password": TEST_PASSWORD,
                                                        "password": "alta-parola-99", "password_confirm": "alta-parola-99"})
    assert response.status_code == 303
    assert client.get("/portal/").status_code == 200  # this session continues
    assert other_computer.get("/portal/").status_code == 302  # the other one is closed


def test_changing_ones_password_checks_the_current_one(client, login_as):
    login_as("staff")
    response = client.post_form("/portal/cont/parola", {"current_password": "nu-e-asta",
                                                        "password": "alta-parola-99", "password_confirm": "alta-parola-99"})
    assert response.status_code == 422
    assert "Parola actuală nu este corectă." in response.get_data(as_text=True)


def test_user_count_is_unchanged_by_failed_creation(client, login_as, db_session):
    login_as("admin")
    before = db_session.scalar(select(func.count()).select_from(User))
    response = client.post_form("/portal/utilizatori/nou", {"email": "nu-e-email", "full_name": "",
                                                            "role": "staff", "password": "scurt", "password_confirm": "altceva"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Introduceți o adresă de e-mail validă." in page
    assert "Acest câmp este obligatoriu." in page
    assert "Parola trebuie să aibă cel puțin 10 caractere." in page
    assert "Cele două parole nu sunt identice." in page
    assert 'value="nu-e-email"' in page
    assert db_session.scalar(select(func.count()).select_from(User)) == before


def test_htmx_requests_carry_the_csrf_token_in_a_header(client, login_as):
    import re

    login_as("staff")
    html = client.get("/portal/").get_data(as_text=True)
    wrapper = re.search(r'<div id="page" hx-boost="true" hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'>', html)
    assert wrapper, "the portal wrapper lacks hx-boost and the CSRF header"
    assert client.post("/portal/iesire", headers={"HX-Request": "true"}).status_code == 400
    response = client.post("/portal/iesire", headers={"X-CSRFToken": wrapper.group(1), "HX-Request": "true"})
    assert response.status_code == 303
