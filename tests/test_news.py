"""News posts with photos, and project galleries: uploads checked by content and stripped of their
metadata, who may publish, what the public site shows and what it never shows.

Staff here read the portal in English, so the checks hold whatever the Romanian catalog says.
"""
import gzip
import io
import re
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from portal.demo import PROJECTS, project_fields
from portal.demo_news import load_demo_news
from portal.domain import clock
from portal.domain.actor import system_actor
from portal.domain.audit.models import AuditEntry
from portal.domain.news import services as news
from portal.domain.news.models import MediaImage, NewsPost
from portal.domain.projects.models import Project

PUBLISHER = system_actor(frozenset({news.PUBLIC_PUBLISH}), address="test")


# Files -------------------------------------------------------------------------------------------

def jpeg(size=(120, 60), *, orientation: int | None = None, gps: bool = False, comment: bytes = b"") -> bytes:
    """Left half red, right half blue: where red ends up shows how the photo was turned."""
    image = Image.new("RGB", size, (0, 0, 230))
    image.paste((230, 0, 0), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.Base.Make] = "PhoneMaker"
        exif.get_ifd(ExifTags.IFD.GPSInfo).update({
            ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (47.0, 44.0, 31.5),
            ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (26.0, 39.0, 58.25)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, exif=exif.tobytes(), comment=comment)
    return buffer.getvalue()


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: what a decompression bomb looks like to the server."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
            + chunk(b"IEND", b""))


def media_dir(app) -> Path:
    return Path(app.instance_path) / "media"


def stored_files(app) -> list[str]:
    folder = media_dir(app)
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'<p class="error-text" id="{field_id}-error">([^<]*)</p>', page)
    return found.group(1) if found else ""


# Data --------------------------------------------------------------------------------------------

@pytest.fixture
def projects(db_session):
    """The two demo projects (codes and names only: the demo's users would cost a password hash each), public."""
    found = []
    for spec in PROJECTS:
        found.append(Project(is_public=True, **project_fields(spec)))
    db_session.add_all(found)
    db_session.commit()
    return tuple(found)


def make_post(db_session, project, *, title="Concurs de desene pe asfalt", published=True, days_ago=1, **fields):
    post = news.create_post(db_session, news.NewsData(
        project_id=project.id, title_ro=title, published_on=clock.today() - timedelta(days=days_ago),
        is_published=published, **fields), PUBLISHER)
    db_session.commit()
    return post


def add_photo(db_session, app, post=None, project=None, alt="Copii care desenează cu cretă", **options):
    image = news.store_image(db_session, jpeg(), media_dir=media_dir(app),
                             project_id=project.id if project else None, actor=PUBLISHER, alt_ro=alt,
                             news_post_id=post.id if post else None, **options)
    db_session.commit()
    return image


def coordinator_of(login_as, project, **fields):
    return login_as("coordinator", member_of={project: "coordinator"}, locale="en", **fields)


def upload(client, url, data: bytes, name="foto.jpg", content_type="image/jpeg", **fields):
    return client.post_form(url, {"photo": (io.BytesIO(data), name, content_type), "alt_ro": "Copii la școală",
                                  "alt_en": "Children at school", **fields})


# Writing, illustrating and publishing a post -----------------------------------------------------

def test_a_coordinator_writes_a_post_adds_a_photo_and_publishes_it(client, login_as, db_session, app, projects):
    botosani, _bacau = projects
    coordinator_of(login_as, botosani)
    form = client.get("/portal/noutati/nou").get_data(as_text=True)
    assert 'name="title_ro"' in form and "ZUM BT PLUS (155550)" in form and "Comunitate mai bună" not in form

    response = client.post_form("/portal/noutati/nou", {
        "project_id": str(botosani.id), "title_ro": "Şcoala după şcoală a început",
        "title_en": "After-school has begun",
        "summary_ro": "98 de copii primesc mese calde.", "body_ro": "Primul paragraf.\n\nAl doilea paragraf.",
        "published_on": clock.today().strftime("%d.%m.%Y")})
    assert response.status_code == 303
    post = db_session.scalar(select(NewsPost))
    assert post.title_ro == "Școala după școală a început"  # cedilla normalised
    assert post.slug == "scoala-dupa-scoala-a-inceput" and not post.is_published
    assert response.headers["Location"] == f"/portal/noutati/{post.id}/editare#fotografii"

    photo = jpeg((1200, 600), orientation=6, gps=True, comment=b"Ion Popescu, Strada Parcului 3")
    response = upload(client, f"/portal/noutati/{post.id}/fotografii", photo, in_gallery="y")
    assert response.status_code == 303
    image = db_session.scalar(select(MediaImage))
    assert (image.news_post_id, image.project_id, image.in_gallery) == (post.id, botosani.id, True)
    assert image.alt_ro == "Copii la școală" and image.alt_en == "Children at school"
    edit_page = client.get(f"/portal/noutati/{post.id}/editare").get_data(as_text=True)
    assert "The photo has been added." in edit_page and f"/media/{image.stored_name}-thumb.webp" in edit_page

    # Drafts stay off the public site until published.
    assert "After-school has begun" not in client.get("/noutati").get_data(as_text=True)
    assert client.get(f"/noutati/{post.id}-{post.slug}").status_code == 404
    response = client.post_form(f"/portal/noutati/{post.id}/publicare", {"publish": "1"})
    assert response.status_code == 303
    listing = client.get("/noutati").get_data(as_text=True)
    # The signed-in user reads English: the English title, the Romanian summary marked as Romanian.
    assert "After-school has begun" in listing and '<p lang="ro">98 de copii primesc mese calde.</p>' in listing
    assert f'src="/media/{image.stored_name}-thumb.webp"' in listing
    page = client.get(f"/noutati/{post.id}-{post.slug}").get_data(as_text=True)
    assert "<p>Primul paragraf.</p>" in page and "<p>Al doilea paragraf.</p>" in page
    assert f'href="/media/{image.stored_name}.jpg"' in page and 'alt="Children at school"' in page
    assert db_session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.details.like(f"news post {post.id}%"))) >= 2


def test_the_stored_photo_has_no_metadata_is_upright_and_has_a_small_thumbnail(db_session, app, projects):
    botosani, _bacau = projects
    photo = jpeg((3000, 1500), orientation=6, gps=True, comment=b"Ion Popescu")
    assert b"PhoneMaker" in photo and b"Ion Popescu" in photo
    image = news.store_image(db_session, photo, media_dir=media_dir(app), project_id=botosani.id, actor=PUBLISHER,
                             alt_ro="Poză de test", in_gallery=True)
    full_path, thumb_path = news.image_paths(media_dir(app), image)
    full_bytes = full_path.read_bytes()
    for secret in (b"Exif", b"PhoneMaker", b"Ion Popescu", b"GPS"):
        assert secret not in full_bytes and secret not in thumb_path.read_bytes()
    with Image.open(full_path) as stored:
        assert stored.format == "JPEG" and dict(stored.getexif()) == {}
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(stored.info)
        # Orientation 6: turned a quarter clockwise, so the red left half is now on top.
        assert stored.size == (800, 1600) == (image.width, image.height)
        red, _green, blue = stored.convert("RGB").getpixel((400, 100))
        assert red > 180 and blue < 60
    with Image.open(thumb_path) as thumb:
        assert thumb.format == "WEBP" and thumb.size == (240, 480) == (image.thumb_width, image.thumb_height)
    assert thumb_path.stat().st_size < 25_000
    assert image.size_bytes == len(full_bytes)
    assert re.fullmatch(r"[0-9a-f]{32}", image.stored_name)


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted_and_transparency_lands_on_white(db_session, app, projects, kind):
    botosani, _bacau = projects
    picture = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    picture.paste((0, 120, 0, 255), (0, 0, 100, 200))
    image = news.store_image(db_session, encoded(picture, kind), media_dir=media_dir(app), project_id=botosani.id,
                             actor=PUBLISHER, alt_ro="Un desen", in_gallery=True)
    with Image.open(news.image_paths(media_dir(app), image)[0]) as stored:
        assert stored.format == "JPEG" and stored.size == (300, 200)
        assert min(stored.getpixel((250, 100))) > 240  # transparent became white, not black
        assert stored.getpixel((50, 100))[1] > 90


REFUSED = {
    "a text file named .jpg": (b"Nu sunt o fotografie, doar un text.", "This file is not a photo in JPEG, PNG or WebP"),
    "a GIF": (encoded(Image.new("RGB", (40, 40), (200, 0, 0)), "GIF"), "This file is not a photo in JPEG, PNG or WebP"),
    "a BMP": (encoded(Image.new("RGB", (40, 40), (200, 0, 0)), "BMP"), "This file is not a photo in JPEG, PNG or WebP"),
    # The limit is lowered for the request (see the test): the test client leaves a large body's temporary file open.
    "too big": (b"\xff\xd8\xff\xe0" + b"\0" * 100_000, "The photo is larger than 8 MB"),
    "a decompression bomb": (png_claiming(30_000, 30_000), "too large in pixels"),
    "past Pillow's warning": (png_claiming(11_000, 9_000), "too large in pixels"),
    "too many pixels": (png_claiming(7_000, 7_000), "too large in pixels"),
    "too long a side": (png_claiming(20_000, 100), "too large in pixels"),
    "a truncated photo": (encoded(Image.effect_noise((400, 300), 50), "JPEG")[:4000], "damaged or incomplete"),
    "an empty file": (b"", "Choose a photo to upload."),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_upload_says_why_and_keeps_the_typed_fields(client, login_as, db_session, app, projects, case,
                                                              monkeypatch):
    monkeypatch.setattr(news, "MAX_UPLOAD_BYTES", 100_000)
    botosani, _bacau = projects
    post = make_post(db_session, botosani)
    coordinator_of(login_as, botosani)
    data, message = REFUSED[case]
    response = upload(client, f"/portal/noutati/{post.id}/fotografii", data, alt_ro="Copii la concursul de desene",
                      alt_en="Children at the drawing contest", in_gallery="y")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_error(page, "photo")
    assert 'value="Copii la concursul de desene"' in page and 'value="Children at the drawing contest"' in page
    assert re.search(r'<input[^>]*checked[^>]*id="in_gallery"|<input[^>]*id="in_gallery"[^>]*checked', page)
    assert 'value="Concurs de desene pe asfalt"' in page  # the post's own form is still there
    assert db_session.scalar(select(func.count()).select_from(MediaImage)) == 0
    assert stored_files(app) == []


def test_the_upload_limit_is_8_mb(db_session, app, projects):
    botosani, _bacau = projects
    assert news.MAX_UPLOAD_BYTES == 8 * 1024 * 1024
    with pytest.raises(news.DomainError) as refused:
        news.store_image(db_session, b"\xff\xd8\xff\xe0" + b"\0" * news.MAX_UPLOAD_BYTES, media_dir=media_dir(app),
                         project_id=botosani.id, actor=PUBLISHER, alt_ro="Prea mare", in_gallery=True)
    assert refused.value.code == "image_too_big" and refused.value.field == "photo"
    # A photo just under the limit goes through.
    noise = encoded(Image.effect_noise((1400, 1000), 80).convert("RGB"), "PNG")
    assert len(noise) < news.MAX_UPLOAD_BYTES
    image = news.store_image(db_session, noise, media_dir=media_dir(app), project_id=botosani.id, actor=PUBLISHER,
                             alt_ro="Zgomot", in_gallery=True)
    assert image.width == 1400 and news.image_paths(media_dir(app), image)[1].exists()


def test_without_a_description_the_photo_is_refused_and_a_bad_file_is_reported_too(client, login_as, db_session,
                                                                                     app, projects):
    botosani, _bacau = projects
    post = make_post(db_session, botosani)
    coordinator_of(login_as, botosani)
    page = upload(client, f"/portal/noutati/{post.id}/fotografii", b"GIF89a...", alt_ro="  ").get_data(as_text=True)
    assert field_error(page, "alt_ro") == "This field is required."
    assert "This file is not a photo" in field_error(page, "photo")
    with pytest.raises(news.DomainError) as refused:
        news.store_image(db_session, jpeg(), media_dir=media_dir(app), project_id=botosani.id, actor=PUBLISHER,
                         alt_ro="", in_gallery=True)
    assert refused.value.code == "alt_required" and refused.value.field == "alt_ro"
    assert stored_files(app) == []


def test_the_gallery_page_of_the_portal_adds_and_removes_photos(client, login_as, db_session, app, projects):
    botosani, _bacau = projects
    coordinator_of(login_as, botosani)
    assert client.get(f"/portal/proiecte/{botosani.id}/galerie").status_code == 200
    response = upload(client, f"/portal/proiecte/{botosani.id}/galerie", jpeg(), name="IMG_0001.JPG",
                      alt_ro="Voluntari la colectarea deșeurilor", alt_en="")
    assert response.status_code == 303
    image = db_session.scalar(select(MediaImage))
    assert image.in_gallery and image.news_post_id is None and len(stored_files(app)) == 2
    assert 'alt="Voluntari la colectarea deșeurilor"' in client.get("/rezultate/155550/galerie").get_data(as_text=True)

    response = client.post_form(f"/portal/fotografii/{image.id}/stergere", {"back": "gallery"})
    assert response.status_code == 303 and response.headers["Location"] == f"/portal/proiecte/{botosani.id}/galerie"
    assert db_session.scalar(select(func.count()).select_from(MediaImage)) == 0
    assert stored_files(app) == []
    assert "Voluntari la colectarea" not in client.get("/rezultate/155550/galerie").get_data(as_text=True)
    assert client.get(f"/media/{image.stored_name}.jpg").status_code == 404


def test_a_post_form_with_errors_keeps_what_was_typed(client, login_as, db_session, projects):
    botosani, _bacau = projects
    coordinator_of(login_as, botosani)
    response = client.post_form("/portal/noutati/nou", {"project_id": str(botosani.id), "title_ro": "",
                                                        "summary_ro": "Un rezumat", "published_on": "31.02.2026"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "title_ro") == "This field is required."
    assert field_error(page, "published_on").startswith("Write the date as dd.mm.yyyy")
    assert re.search(r">\s*Un rezumat</textarea>", page) and 'value="31.02.2026"' in page
    assert db_session.scalar(select(func.count()).select_from(NewsPost)) == 0


def test_changing_the_title_changes_the_address_and_the_old_one_redirects(client, login_as, db_session, projects):
    botosani, _bacau = projects
    post = make_post(db_session, botosani, title="Ziua colectării selective")
    old_slug = post.slug
    assert old_slug == "ziua-colectarii-selective"
    coordinator_of(login_as, botosani)
    response = client.post_form(f"/portal/noutati/{post.id}/editare", {
        "project_id": str(botosani.id), "title_ro": "Ziua colectării: 100 de voluntari",
        "published_on": post.published_on.isoformat(), "is_published": "y"})
    assert response.status_code == 303
    db_session.expire_all()
    assert post.slug == "ziua-colectarii-100-de-voluntari"
    for wrong in (f"/noutati/{post.id}-{old_slug}", f"/noutati/{post.id}", f"/noutati/{post.id}-x"):
        response = client.get(wrong)
        assert response.status_code == 301, wrong
        assert response.headers["Location"] == f"/noutati/{post.id}-ziua-colectarii-100-de-voluntari"
    assert client.get(f"/noutati/{post.id}-ziua-colectarii-100-de-voluntari").status_code == 200


def test_deleting_a_post_removes_its_photos_but_keeps_those_of_the_gallery(client, login_as, db_session, app,
                                                                           projects):
    botosani, _bacau = projects
    post = make_post(db_session, botosani)
    only_here = add_photo(db_session, app, post=post, alt="Doar în știre")
    in_gallery = add_photo(db_session, app, post=post, alt="Și în galerie", in_gallery=True)
    post_id, only_here_id, in_gallery_id = post.id, only_here.id, in_gallery.id
    coordinator_of(login_as, botosani)
    response = client.post_form(f"/portal/noutati/{post_id}/stergere")
    assert response.status_code == 303 and response.headers["Location"] == "/portal/noutati"
    db_session.expunge_all()
    assert db_session.get(NewsPost, post_id) is None and db_session.get(MediaImage, only_here_id) is None
    kept = db_session.get(MediaImage, in_gallery_id)
    assert kept.news_post_id is None and kept.in_gallery
    assert stored_files(app) == sorted(path.name for path in news.image_paths(media_dir(app), kept))
    assert 'alt="Și în galerie"' in client.get("/rezultate/155550/galerie", headers={"Accept-Language": "ro"}
                                                ).get_data(as_text=True)


# Permissions -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_viewers_and_staff_cannot_publish(client, login_as, db_session, app, projects, role):
    botosani, _bacau = projects
    post = make_post(db_session, botosani)
    image = add_photo(db_session, app, post=post)
    login_as(role, locale="en")
    for path in ("/portal/noutati", "/portal/noutati/nou", f"/portal/noutati/{post.id}/editare",
                 f"/portal/proiecte/{botosani.id}/galerie"):
        assert client.get(path).status_code == 403, path
    assert client.post_form(f"/portal/fotografii/{image.id}/stergere").status_code == 403
    assert client.post_form(f"/portal/noutati/{post.id}/publicare", {"publish": "0"}).status_code == 403
    assert upload(client, f"/portal/noutati/{post.id}/fotografii", jpeg()).status_code == 403
    db_session.expire_all()
    assert post.is_published and db_session.get(MediaImage, image.id) is not None


def test_a_coordinator_of_another_project_does_not_see_this_ones_news(client, login_as, db_session, app, projects):
    botosani, bacau = projects
    post = make_post(db_session, bacau, title="Seară culturală în Izvoare")
    image = add_photo(db_session, app, post=post)
    coordinator_of(login_as, botosani)
    assert "Seară culturală" not in client.get("/portal/noutati").get_data(as_text=True)
    for path in (f"/portal/noutati/{post.id}/editare", f"/portal/proiecte/{bacau.id}/galerie"):
        assert client.get(path).status_code == 404, path
    assert client.post_form(f"/portal/fotografii/{image.id}/stergere").status_code == 404
    assert client.post_form(f"/portal/noutati/{post.id}/stergere").status_code == 404
    assert upload(client, f"/portal/proiecte/{bacau.id}/galerie", jpeg()).status_code == 404
    # Choosing the other project in the form is refused too.
    response = client.post_form("/portal/noutati/nou", {"project_id": str(bacau.id), "title_ro": "Altceva",
                                                        "published_on": "01.03.2026"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "project_id") == "Choose one of your projects."
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(NewsPost)) == 1


def test_staff_of_a_project_gets_403_on_its_news(client, login_as, db_session, projects):
    botosani, bacau = projects
    post = make_post(db_session, bacau)
    login_as("coordinator", member_of={botosani: "coordinator", bacau: "staff"}, locale="en")
    assert client.get(f"/portal/noutati/{post.id}/editare").status_code == 403
    assert client.get(f"/portal/proiecte/{bacau.id}/galerie").status_code == 403
    assert client.get(f"/portal/proiecte/{botosani.id}/galerie").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, db_session, projects):
    botosani, _bacau = projects
    post = make_post(db_session, botosani)
    for path in ("/portal/noutati", f"/portal/noutati/{post.id}/editare", f"/portal/proiecte/{botosani.id}/galerie"):
        response = client.get(path)
        assert response.status_code == 302 and "/portal/autentificare" in response.headers["Location"]
    response = upload(client, f"/portal/noutati/{post.id}/fotografii", jpeg())
    assert response.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(MediaImage)) == 0


# The public site ---------------------------------------------------------------------------------

def test_only_published_posts_of_public_projects_dated_today_or_before_are_shown(client, db_session, projects):
    botosani, bacau = projects
    shown = make_post(db_session, botosani, title="Publicată ieri")
    draft = make_post(db_session, botosani, title="Ciornă nepublicată", published=False)
    scheduled = make_post(db_session, botosani, title="Programată mâine", days_ago=-1)
    hidden = make_post(db_session, bacau, title="Proiect ascuns")
    bacau.is_public = False
    db_session.commit()
    listing = client.get("/noutati").get_data(as_text=True)
    assert "Publicată ieri" in listing
    for post in (draft, scheduled, hidden):
        assert post.title_ro not in listing
        assert client.get(f"/noutati/{post.id}-{post.slug}").status_code == 404
    assert client.get(f"/noutati/{shown.id}-{shown.slug}").status_code == 200

    news.unpublish(db_session, shown, PUBLISHER)
    db_session.commit()
    listing = client.get("/noutati").get_data(as_text=True)
    assert "Publicată ieri" not in listing and 'class="empty"' in listing
    assert client.get(f"/noutati/{shown.id}-{shown.slug}").status_code == 404


def test_the_news_list_is_paged_newest_first(client, db_session, projects):
    botosani, _bacau = projects
    for day in range(news.PAGE_SIZE + 2):
        make_post(db_session, botosani, title=f"Știrea numărul {day}", days_ago=day + 1)
    first = client.get("/noutati").get_data(as_text=True)
    assert first.index("Știrea numărul 0<") < first.index("Știrea numărul 1<")
    assert "Știrea numărul 11" not in first and 'href="/noutati?pagina=2"' in first
    second = client.get("/noutati?pagina=2").get_data(as_text=True)
    assert "Știrea numărul 11" in second and "Știrea numărul 0<" not in second
    assert client.get("/noutati?pagina=9").status_code == 404


def test_the_post_text_is_plain_text_never_html(client, db_session, projects):
    botosani, _bacau = projects
    post = make_post(db_session, botosani, body_ro='Rând unu\nrând doi\n\n<script>alert(1)</script><b>gros</b>')
    page = client.get(f"/noutati/{post.id}-{post.slug}").get_data(as_text=True)
    assert "<p>Rând unu<br>rând doi</p>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;gros&lt;/b&gt;" in page and "<b>gros" not in page


def test_english_pages_use_english_text_and_mark_the_romanian_fallback(client, db_session, app, projects):
    botosani, _bacau = projects
    post = make_post(db_session, botosani, title="Concurs de desene", title_en="Drawing contest",
                     body_ro="Text doar în română.")
    add_photo(db_session, app, post=post, alt="Desene pe asfalt")
    page = client.get(f"/noutati/{post.id}-{post.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Drawing contest</h1>" in page
    assert '<div class="post-body" lang="ro">' in page and "Text doar în română." in page
    assert 'alt="Desene pe asfalt" lang="ro"' in page


def test_media_files_are_cached_for_a_year_and_nothing_else_is_served(client, db_session, app, projects):
    botosani, _bacau = projects
    image = add_photo(db_session, app, project=botosani, in_gallery=True)
    for name, mimetype in ((f"{image.stored_name}.jpg", "image/jpeg"),
                           (f"{image.stored_name}-thumb.webp", "image/webp")):
        with client.get(f"/media/{name}") as response:
            assert response.status_code == 200 and response.mimetype == mimetype
            cache = response.headers["Cache-Control"]
            assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
            assert "Content-Encoding" not in response.headers
    (Path(app.instance_path) / "secret_key").write_text("cheia-secreta-a-instalarii")
    (media_dir(app) / "notes.txt").write_text("not a photo")
    for bad in ("../secret_key", "..%2fsecret_key", "%2e%2e%2fsecret_key", "secret_key", "notes.txt",
                f"{image.stored_name}.jpg.part", f"{image.stored_name.upper()}.jpg", f"{image.stored_name}.png",
                f"{'0' * 32}.jpg", f"{image.stored_name}-thumb.jpg"):
        with client.get(f"/media/{bad}") as response:
            assert response.status_code == 404, bad
            assert b"cheia-secreta" not in response.get_data() and b"not a photo" not in response.get_data()


def test_the_gallery_is_public_for_public_projects_only_and_waits_for_unpublished_posts(client, db_session, app,
                                                                                         projects):
    botosani, bacau = projects
    add_photo(db_session, app, project=botosani, alt="Spectacolul multicultural", in_gallery=True)
    draft = make_post(db_session, botosani, title="Ciornă", published=False)
    add_photo(db_session, app, post=draft, alt="Poza unei ciorne", in_gallery=True)
    add_photo(db_session, app, project=botosani, alt="Doar în știre", in_gallery=False)
    page = client.get("/rezultate/155550/galerie").get_data(as_text=True)
    assert "Spectacolul multicultural" in page
    assert "Poza unei ciorne" not in page and "Doar în știre" not in page
    results = client.get("/rezultate/155550").get_data(as_text=True)
    assert 'alt="Spectacolul multicultural"' in results and 'href="/rezultate/155550/galerie"' in results
    assert 'href="/rezultate/BC-SDL-2022/galerie"' not in client.get("/rezultate/BC-SDL-2022").get_data(as_text=True)
    for number in range(news.STRIP_SIZE):
        add_photo(db_session, app, project=botosani, alt=f"Atelier {number}", in_gallery=True)
    results = client.get("/rezultate/155550").get_data(as_text=True)
    assert results.count('alt="Atelier') == news.STRIP_SIZE and "Spectacolul multicultural" not in results
    assert "Spectacolul multicultural" in client.get("/rezultate/155550/galerie").get_data(as_text=True)

    bacau.is_public = False
    db_session.commit()
    assert client.get("/rezultate/BC-SDL-2022/galerie").status_code == 404
    assert client.get("/rezultate/NU-EXISTA/galerie").status_code == 404


def test_public_pages_show_no_personal_data(client, login_as, db_session, app, projects):
    botosani, _bacau = projects
    author = coordinator_of(login_as, botosani, full_name="Mariana Exemplu-Autoare", email="mariana.autoare@test.ro")
    client.post_form("/portal/noutati/nou", {
        "project_id": str(botosani.id), "title_ro": "Întâlniri intergeneraționale", "summary_ro": "Seniori și copii.",
        "published_on": clock.today().strftime("%d.%m.%Y"), "is_published": "y"})
    post = db_session.scalar(select(NewsPost))
    assert post.created_by_id == author.id
    upload(client, f"/portal/noutati/{post.id}/fotografii", jpeg(gps=True), in_gallery="y")
    pages = [client.get(path).get_data(as_text=True) for path in
             ("/noutati", f"/noutati/{post.id}-{post.slug}", "/rezultate/155550/galerie", "/rezultate",
              "/rezultate/155550")]
    assert "Întâlniri intergeneraționale" in pages[0]
    for page in pages:
        assert "Mariana" not in page and "Autoare" not in page and "mariana.autoare" not in page


# The demo ----------------------------------------------------------------------------------------

def _first_load_bytes(client, path) -> tuple[int, int]:
    """HTML + CSS + JS compressed, and every photo of the page: a browser fetches "lazy" ones too when they
    are near the screen, and Lighthouse counts them."""
    page = client.get(path, headers={"Accept-Encoding": "gzip"})
    body = page.get_data()
    text = gzip.decompress(body).decode() if page.headers.get("Content-Encoding") == "gzip" else body.decode()
    total = len(body)
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', text):
        with client.get(asset, headers={"Accept-Encoding": "gzip"}) as response:
            total += len(response.get_data())
    photos = 0
    for tag in re.findall(r"<img [^>]*>", text):
        with client.get(re.search(r'src="([^"]+)"', tag).group(1)) as response:
            photos += len(response.get_data())
    return total, photos


def test_the_demo_news_are_illustrated_light_and_load_once(client, db_session, app, projects):
    stored = load_demo_news(db_session, media_dir(app), clock.today())
    db_session.commit()
    posts = db_session.scalars(select(NewsPost)).all()
    assert 5 <= len(posts) <= 6 and all(post.is_published and 1 <= len(post.images) <= 2 for post in posts)
    assert {post.project.code for post in posts} == {"155550", "BC-SDL-2022"}
    for project in projects:
        gallery_only = db_session.scalar(select(func.count()).select_from(MediaImage).where(
            MediaImage.project_id == project.id, MediaImage.news_post_id.is_(None), MediaImage.in_gallery.is_(True)))
        assert 4 <= gallery_only <= 6
    images = db_session.scalars(select(MediaImage)).all()
    assert stored == len(images) and all(image.alt_ro and image.alt_en for image in images)
    assert max(news.image_paths(media_dir(app), image)[1].stat().st_size for image in images) < 25_000
    assert load_demo_news(db_session, media_dir(app), clock.today()) == 0  # nothing added the second time

    listing = client.get("/noutati").get_data(as_text=True)
    assert listing.count('class="panel news-item"') == len(posts)
    first_post = re.search(r'href="(/noutati/\d+-[^"]+)"', listing).group(1)
    for path in ("/noutati", first_post, "/rezultate/155550/galerie", "/rezultate", "/rezultate/155550"):
        page_bytes, photo_bytes = _first_load_bytes(client, path)
        assert page_bytes + photo_bytes <= 60 * 1024, (path, page_bytes, photo_bytes)


def test_the_public_pages_query_count_does_not_grow_with_the_posts_and_photos(client, connection, db_session, app,
                                                                             projects):
    from sqlalchemy import event

    botosani, bacau = projects

    def add(count: int) -> None:
        for number in range(count):
            for project in (botosani, bacau):
                post = make_post(db_session, project, title=f"Știre {project.code} {number}")
                add_photo(db_session, app, post=post, in_gallery=True)

    def queries(path: str) -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(connection, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(connection, "before_cursor_execute", listener)
        return len(statements)

    paths = ("/noutati", "/rezultate", "/rezultate/155550", "/rezultate/155550/galerie")
    for path in paths:
        client.get(path)  # once known, a results page costs one more query (its version) when it changed
    add(1)
    few = {path: queries(path) for path in paths}
    add(4)
    many = {path: queries(path) for path in paths}
    assert many == few
