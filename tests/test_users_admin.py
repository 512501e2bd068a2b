"""The admin page for users: list, search, create, change role, deactivate, reset a password."""
import time

from sqlalchemy import select

from portal.domain.accounts.models import Role, User


def test_admin_creates_a_user_who_can_then_sign_in(client, login_as, db_session):
    login_as("admin")
    response = client.post_form("/portal/utilizatori/nou", {
        "email": "Elena.Rusu@Test.ro", "full_name": "Elena  Ruşu", "role": "coordinator",
        "password": "parola-elenei-1", "password_confirm": "parola-elenei-1"})
    assert response.status_code == 303
    created = db_session.scalar(select(User).where(User.email == "elena.rusu@test.ro"))
    assert created.role is Role.coordinator
    assert created.full_name == "Elena Rușu"  # cedilla normalised to comma below, spaces collapsed
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Contul pentru Elena Rușu a fost creat." in listing


def test_a_duplicate_email_is_refused_on_the_field(client, login_as, make_user, db_session):
    login_as("admin")
    existing = make_user("staff")
    db_session.commit()
    response = client.post_form("/portal/utilizatori/nou", {
        "email": existing.email, "full_name": "Altcineva", "role": "staff",
        "password": "parola-lunga-1", "password_confirm": "parola-lunga-1"})
    assert response.status_code == 422
    assert "Există deja un utilizator cu această adresă de e-mail." in response.get_data(as_text=True)


def test_list_is_searchable_and_htmx_gets_only_the_results(client, login_as, make_user, db_session):
    login_as("admin", full_name="Ana Admin")
    make_user("viewer", full_name="Ioana Auditoare", email="ioana@test.ro")
    make_user("staff", full_name="Mihai Teren", email="mihai@test.ro")
    db_session.commit()
    page = client.get("/portal/utilizatori?q=ioana").get_data(as_text=True)
    assert "Ioana Auditoare" in page and "Mihai Teren" not in page
    assert "<html" in page and "1 utilizator" in page
    partial = client.get("/portal/utilizatori?rol=staff", headers={"HX-Request": "true"})
    text = partial.get_data(as_text=True)
    assert "<html" not in text and "Mihai Teren" in text and "Ioana Auditoare" not in text
    assert "HX-Request" in partial.headers["Vary"]
    boosted = client.get("/portal/utilizatori", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_role_change_and_deactivation_end_the_users_sessions(app, client, login_as, make_user, db_session):
    login_as("admin")
    target = make_user("staff")
    db_session.commit()
    their_client = app.test_client()
    with their_client.session_transaction() as session:
        session["_user_id"] = target.get_id()
        session["last_seen"] = int(time.time())
    assert their_client.get("/portal/").status_code == 200
    response = client.post_form(f"/portal/utilizatori/{target.id}",
                                {"full_name": target.full_name, "role": "viewer"})  # unchecked = inactive
    assert response.status_code == 303
    db_session.expire_all()
    assert target.role is Role.viewer and target.is_active is False
    assert their_client.get("/portal/").status_code == 302


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, login_as, db_session):
    admin = login_as("admin")
    response = client.post_form(f"/portal/utilizatori/{admin.id}",
                                {"full_name": admin.full_name, "role": "staff", "is_active": "y"})
    assert response.status_code == 422
    assert "Trebuie să rămână cel puțin un administrator activ." in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, admin.id).role is Role.admin


def test_an_admin_cannot_deactivate_themselves(client, login_as, make_user, db_session):
    admin = login_as("admin")
    make_user("admin")
    db_session.commit()
    response = client.post_form(f"/portal/utilizatori/{admin.id}",
                                {"full_name": admin.full_name, "role": "admin"})
    assert response.status_code == 422
    assert "Nu vă puteți dezactiva propriul cont." in response.get_data(as_text=True)


def test_admin_sets_a_new_password(client, login_as, make_user, db_session):
    login_as("admin")
    target = make_user("staff")
    db_session.commit()
    short = client.post_form(f"/portal/utilizatori/{target.id}/parola", {"password": "scurt", "password_confirm": "scurt"})
    assert short.status_code == 422
    response = client.post_form(f"/portal/utilizatori/{target.id}/parola",
                                {"password": "parola-noua-22", "password_confirm": "parola-noua-22"})
    assert response.status_code == 303
    from werkzeug.security import check_password_hash

    db_session.expire_all()
    assert check_password_hash(db_session.get(User, target.id).password_hash, "parola-noua-22")


def test_unknown_user_is_a_404(client, login_as):
    login_as("admin")
    response = client.get("/portal/utilizatori/999999")
    assert response.status_code == 404
    assert "Pagina nu a fost găsită" in response.get_data(as_text=True)


def test_pages_keep_the_filters_with_and_without_htmx(client, login_as, db_session, make_user):
    import re

    login_as("admin")
    for number in range(55):
        make_user("viewer", full_name=f"Ana Test {number:02d}")
    db_session.commit()
    html = client.get("/portal/utilizatori?q=ana+test&rol=viewer").get_data(as_text=True)
    assert "Pagina 1 din 2" in html
    following = re.search(r'href="([^"]*pagina=2[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "q=ana+test" in following and "rol=viewer" in following
    partial = client.get(following, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Pagina 2 din 2" in partial and "Pagina anterioară" in partial and "<html" not in partial
