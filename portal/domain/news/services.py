"""News posts and the photos of the public site.

A photo is checked by what it contains, never by its name or the browser's word: Pillow must read
it as JPEG, PNG or WebP, within a size and a pixel count a small server can decode. It is then
turned upright (EXIF orientation), converted to sRGB and encoded again from its pixels alone, so
nothing of the camera's metadata survives: no EXIF, no GPS position, no XMP, no comment, no ICC.
Two files are kept under the media folder: `<stored_name>.jpg` (at most 1600 px) and
`<stored_name>-thumb.webp` (at most 480 px, a few tens of KB), with a random stored name.

News posts are plain text: paragraphs separated by an empty line, never HTML from users.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from portal.domain import clock
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.errors import DomainError
from portal.domain.news.models import MediaImage, NewsPost
from portal.domain.projects.models import Project
from portal.domain.text import fold, normalize_ro, normalize_ro_paragraphs

# The same right as portal.staff.permissions.PUBLIC_PUBLISH: coordinators and administrators.
PUBLIC_PUBLISH = "public.publish"

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# A 40-megapixel photo decodes to 120 MB; a PNG of a few KB can claim billions of pixels.
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
FULL_BOX = (1600, 1600)
THUMB_BOX = (480, 480)
JPEG_QUALITY = 82
THUMB_QUALITIES = (72, 60, 48)  # the first that keeps the thumbnail under THUMB_TARGET_BYTES
THUMB_TARGET_BYTES = 24_000
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# Phones write multi-picture JPEGs, which Pillow names MPO; the first picture is an ordinary JPEG.
_READ_AS = {"JPEG", "MPO", "PNG", "WEBP"}

STORED_NAME = re.compile(r"[0-9a-f]{32}")
MEDIA_FILE = re.compile(r"[0-9a-f]{32}(?:\.jpg|-thumb\.webp)")

MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_BODY = 20_000
MAX_ALT = 300
PAGE_SIZE = 10
STAFF_PAGE_SIZE = 50
GALLERY_PAGE_SIZE = 30
STRIP_SIZE = 4  # on the results page, per project: every photo there counts in the page's first load


def media_dir_of(app) -> Path:
    """The folder of the photos: MEDIA_DIR when configured, else instance/media."""
    return Path(app.config.get("MEDIA_DIR") or Path(app.instance_path) / "media")


def can_publish(actor: Actor, project_id: int | None) -> bool:
    """News and photos of a project: its coordinators; those of no project: administrators."""
    if project_id is None:
        return PUBLIC_PUBLISH in actor.everywhere
    return actor.can_in(project_id, PUBLIC_PUBLISH)


def _require_publish(actor: Actor, project_id: int | None) -> None:
    if not can_publish(actor, project_id):
        raise DomainError(_l("You do not have the right to publish on the public site for this project."),
                          code="forbidden")


# Photos ------------------------------------------------------------------------------------------

def image_paths(media_dir: str | Path, image: MediaImage | str) -> tuple[Path, Path]:
    """The full-size JPEG and the WebP thumbnail of a stored photo (or of a stored name)."""
    name = image if isinstance(image, str) else image.stored_name
    folder = Path(media_dir)
    return folder / f"{name}.jpg", folder / f"{name}-thumb.webp"


def _refuse(message, code: str) -> DomainError:
    return DomainError(message, code=code, field="photo")


def _too_many_pixels() -> DomainError:
    return _refuse(_l("This picture is too large in pixels (at most 40 megapixels and 12,000 pixels on a side). "
                      "Choose a smaller copy of the photo."), "image_pixels")


def _open_photo(data: bytes) -> Image.Image:
    """The decoded photo, or a DomainError saying in words why it cannot be used."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it: treat that as a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            if image.format not in _READ_AS:
                raise _refuse(_l("This file is not a photo in JPEG, PNG or WebP format."), "image_format")
            width, height = image.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise _too_many_pixels()
            # JPEG only: decode at a reduced scale (1/2, 1/4, 1/8) when the photo is far larger
            # than what is kept; the scale keeps at least the size the photo is reduced to.
            scale = min(FULL_BOX[0] / width, FULL_BOX[1] / height, 1)
            image.draft("RGB", (max(round(width * scale), 1), max(round(height * scale), 1)))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise _refuse(_l("This file is not a photo in JPEG, PNG or WebP format."), "image_format") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
        raise _refuse(_l("This photo is damaged or incomplete and cannot be read. Save it again and retry."),
                      "image_damaged") from None
    return image


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 — a broken EXIF block must not refuse an otherwise good photo
        return image


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _as_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Plain RGB pixels in sRGB: the colour profile is applied, transparency laid on white."""
    if icc_profile and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            return ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unreadable profile: keep the pixels as they are
    if image.mode == "I" or image.mode.startswith("I;16"):
        # 16-bit grey (scans, some PNG exports): scaled to 8 bits, not clipped to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(image: Image.Image, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def _write(path: Path, content: bytes) -> None:
    """Write beside, then rename: a half-written file is never served."""
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    os.replace(partial, path)


@dataclass(frozen=True)
class EncodedPhoto:
    full: bytes
    full_size: tuple[int, int]
    thumb: bytes
    thumb_size: tuple[int, int]


def encode_photo(data: bytes) -> EncodedPhoto:
    """Check an uploaded file and encode it again without any metadata: JPEG plus a WebP thumbnail."""
    if not data:
        raise _refuse(_l("Choose a photo to upload."), "image_missing")
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(_l("The photo is larger than 8 MB. Choose a smaller copy of it (phones can share a "
                         "smaller size)."), "image_too_big")
    original = _open_photo(data)
    icc_profile = original.info.get("icc_profile")
    image = _as_srgb(_upright(original), icc_profile)
    image.thumbnail(FULL_BOX, Image.Resampling.LANCZOS, reducing_gap=2.0)
    thumb = image.copy()
    thumb.thumbnail(THUMB_BOX, Image.Resampling.LANCZOS, reducing_gap=2.0)
    # Nothing the original carried (EXIF, XMP, comments, profile) goes with the new files.
    image.info, thumb.info = {}, {}
    full = _encode(image, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    for quality in THUMB_QUALITIES:
        small = _encode(thumb, "WEBP", quality=quality)
        if len(small) <= THUMB_TARGET_BYTES:
            break
    return EncodedPhoto(full=full, full_size=image.size, thumb=small, thumb_size=thumb.size)


def _clean_alt(alt_ro: str, alt_en: str) -> tuple[str, str]:
    alt_ro = normalize_ro(alt_ro or "") or ""
    alt_en = " ".join((alt_en or "").split())
    for name, value in (("alt_ro", alt_ro), ("alt_en", alt_en)):
        if len(value) > MAX_ALT:
            raise DomainError(_l("At most %(max)d characters.", max=MAX_ALT), code="too_long", field=name)
    return alt_ro, alt_en


def store_image(db: Session, data: bytes, *, media_dir: str | Path, project_id: int | None, actor: Actor,
                alt_ro: str = "", alt_en: str = "", in_gallery: bool = False,
                news_post_id: int | None = None) -> MediaImage:
    """Check, clean and keep an uploaded photo. Refusals are DomainErrors on the field "photo"
    (codes image_missing, image_too_big, image_format, image_pixels, image_damaged) or "alt_ro"
    (alt_required: a photo of a news post or of a gallery needs its description)."""
    if news_post_id is not None:
        post = db.get(NewsPost, news_post_id)
        if post is None:
            raise DomainError(_l("This news post no longer exists."), code="post_missing")
        if project_id is not None and project_id != post.project_id:
            raise DomainError(_l("The photo and the news post belong to different projects."),
                              code="image_project_mismatch")
        project_id = post.project_id
    _require_publish(actor, project_id)
    alt_ro, alt_en = _clean_alt(alt_ro, alt_en)
    if (in_gallery or news_post_id is not None) and not alt_ro:
        raise DomainError(_l("Describe what the photo shows, in a few words: people who cannot see it hear this "
                             "text."), code="alt_required", field="alt_ro")
    photo = encode_photo(data)

    folder = Path(media_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    full_path, thumb_path = image_paths(folder, stored_name)
    _write(full_path, photo.full)
    _write(thumb_path, photo.thumb)
    image = MediaImage(project_id=project_id, news_post_id=news_post_id, stored_name=stored_name,
                       width=photo.full_size[0], height=photo.full_size[1], thumb_width=photo.thumb_size[0],
                       thumb_height=photo.thumb_size[1], size_bytes=len(photo.full), alt_ro=alt_ro, alt_en=alt_en,
                       in_gallery=in_gallery, uploaded_by_id=actor.user_id)
    db.add(image)
    try:
        db.flush()
    except Exception:
        _unlink(full_path, thumb_path)
        raise
    where = f"news post {news_post_id}" if news_post_id is not None else "gallery"
    record(db, actor, AuditAction.create, None, f"photo {image.id} of project {project_id}: {where}")
    return image


def _unlink(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def delete_image(db: Session, image: MediaImage, *, media_dir: str | Path, actor: Actor) -> None:
    """Remove a photo and its files (someone asked to be taken out of a picture: it is gone at once)."""
    _require_publish(actor, image.project_id)
    paths = image_paths(media_dir, image)
    image_id, project_id = image.id, image.project_id
    db.delete(image)
    db.flush()
    _unlink(*paths)
    record(db, actor, AuditAction.erase, None, f"photo {image_id} of project {project_id} removed")


# Text --------------------------------------------------------------------------------------------

def slugify(title: str) -> str:
    """The Romanian title in the URL: ASCII, diacritics folded, words joined by hyphens."""
    words = re.findall(r"[a-z0-9]+", fold(title or ""))
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 80:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "stire"


# News posts --------------------------------------------------------------------------------------

@dataclass
class NewsData:
    project_id: int | None
    title_ro: str
    published_on: date | None
    title_en: str = ""
    summary_ro: str = ""
    summary_en: str = ""
    body_ro: str = ""
    body_en: str = ""
    is_published: bool = False


def _length_error(field: str, maximum: int) -> DomainError:
    return DomainError(_l("At most %(max)d characters.", max=maximum), code="too_long", field=field)


def _cleaned(db: Session, data: NewsData, actor: Actor) -> dict:
    if data.project_id is not None and db.get(Project, data.project_id) is None:
        raise DomainError(_l("Choose one of your projects."), code="news_project", field="project_id")
    if not can_publish(actor, data.project_id):
        raise DomainError(_l("Choose one of your projects."), code="forbidden", field="project_id")
    values = {
        "project_id": data.project_id,
        "title_ro": normalize_ro(data.title_ro or "") or "",
        "title_en": " ".join((data.title_en or "").split()),
        "summary_ro": normalize_ro(data.summary_ro or "") or "",
        "summary_en": " ".join((data.summary_en or "").split()),
        "body_ro": normalize_ro_paragraphs(data.body_ro),
        "body_en": normalize_ro_paragraphs(data.body_en),
        "published_on": data.published_on,
        "is_published": bool(data.is_published),
    }
    if not values["title_ro"]:
        raise DomainError(_l("This field is required."), code="required", field="title_ro")
    if values["published_on"] is None:
        raise DomainError(_l("This field is required."), code="required", field="published_on")
    for field, maximum in (("title_ro", MAX_TITLE), ("title_en", MAX_TITLE), ("summary_ro", MAX_SUMMARY),
                           ("summary_en", MAX_SUMMARY), ("body_ro", MAX_BODY), ("body_en", MAX_BODY)):
        if len(values[field]) > maximum:
            raise _length_error(field, maximum)
    return values


def create_post(db: Session, data: NewsData, actor: Actor) -> NewsPost:
    values = _cleaned(db, data, actor)
    post = NewsPost(slug=slugify(values["title_ro"]), created_by_id=actor.user_id, **values)
    db.add(post)
    db.flush()
    record(db, actor, AuditAction.create, None,
           f"news post {post.id} of project {post.project_id}{' published' if post.is_published else ''}")
    return post


def update_post(db: Session, post: NewsPost, data: NewsData, actor: Actor) -> list[str]:
    """The names of the fields that changed (empty when nothing did)."""
    _require_publish(actor, post.project_id)
    values = _cleaned(db, data, actor)
    changed = [name for name, value in values.items() if getattr(post, name) != value]
    for name in changed:
        setattr(post, name, values[name])
    if "title_ro" in changed:
        post.slug = slugify(post.title_ro)
    if "project_id" in changed:
        # The post's photos follow it to its new project.
        for image in post.images:
            image.project_id = post.project_id
    if changed:
        db.flush()
        record(db, actor, AuditAction.update, None, f"news post {post.id}: {', '.join(changed)}")
    return changed


def _set_published(db: Session, post: NewsPost, actor: Actor, published: bool) -> bool:
    _require_publish(actor, post.project_id)
    if post.is_published == published:
        return False
    post.is_published = published
    db.flush()
    record(db, actor, AuditAction.update, None, f"news post {post.id}: {'published' if published else 'unpublished'}")
    return True


def publish(db: Session, post: NewsPost, actor: Actor) -> bool:
    return _set_published(db, post, actor, True)


def unpublish(db: Session, post: NewsPost, actor: Actor) -> bool:
    return _set_published(db, post, actor, False)


def delete_post(db: Session, post: NewsPost, *, media_dir: str | Path, actor: Actor) -> None:
    """Remove a post with its photos, except those also shown in the project's gallery."""
    _require_publish(actor, post.project_id)
    for image in list(post.images):
        if image.in_gallery:
            image.news_post_id = None
        else:
            delete_image(db, image, media_dir=media_dir, actor=actor)
    post_id = post.id
    db.delete(post)
    db.flush()
    record(db, actor, AuditAction.erase, None, f"news post {post_id} removed")


# Reading -----------------------------------------------------------------------------------------

def _visible_posts(today: date):
    """Published, dated today or earlier, of a project shown on the public site (or of none)."""
    return (select(NewsPost).outerjoin(Project, Project.id == NewsPost.project_id)
            .where(NewsPost.is_published.is_(True), NewsPost.published_on <= today,
                   or_(NewsPost.project_id.is_(None), Project.is_public.is_(True))))


def is_public(post: NewsPost, today: date | None = None) -> bool:
    today = today or clock.today()
    return (post.is_published and post.published_on <= today
            and (post.project is None or post.project.is_public))


def public_posts(db: Session, page: int = 1, *, today: date | None = None,
                 per_page: int = PAGE_SIZE) -> tuple[list[NewsPost], bool]:
    """One page of the public news, newest first, with their photos; and whether there is a next page."""
    page = max(page, 1)
    posts = list(db.scalars(
        _visible_posts(today or clock.today())
        .options(selectinload(NewsPost.images), selectinload(NewsPost.project))
        .order_by(NewsPost.published_on.desc(), NewsPost.id.desc()).limit(per_page + 1).offset((page - 1) * per_page)))
    return posts[:per_page], len(posts) > per_page


def project_posts(db: Session, project_id: int, limit: int, *, today: date | None = None) -> list[NewsPost]:
    """A project's latest public posts, newest first (its results page)."""
    return list(db.scalars(
        _visible_posts(today or clock.today()).where(NewsPost.project_id == project_id)
        .options(selectinload(NewsPost.project))
        .order_by(NewsPost.published_on.desc(), NewsPost.id.desc()).limit(limit)))


def post_for_public(db: Session, post_id: int, *, today: date | None = None) -> NewsPost | None:
    return db.scalar(_visible_posts(today or clock.today()).where(NewsPost.id == post_id)
                     .options(selectinload(NewsPost.images)))


def staff_posts(db: Session, actor: Actor, page: int = 1) -> tuple[list[tuple[NewsPost, int]], bool]:
    """The posts of the projects where the actor publishes, newest first, each with its number of photos."""
    photos = (select(func.count(MediaImage.id)).where(MediaImage.news_post_id == NewsPost.id)
              .correlate(NewsPost).scalar_subquery())
    query = select(NewsPost, photos).options(selectinload(NewsPost.project))
    if PUBLIC_PUBLISH not in actor.everywhere:
        allowed = [project_id for project_id, rights in actor.project_permissions.items() if PUBLIC_PUBLISH in rights]
        query = query.where(NewsPost.project_id.in_(allowed or [-1]))
    page = max(page, 1)
    rows = [(post, count) for post, count in db.execute(
        query.order_by(NewsPost.published_on.desc(), NewsPost.id.desc())
        .limit(STAFF_PAGE_SIZE + 1).offset((page - 1) * STAFF_PAGE_SIZE))]
    return rows[:STAFF_PAGE_SIZE], len(rows) > STAFF_PAGE_SIZE


def _gallery_query(project_ids, *, public_only: bool, today: date):
    query = select(MediaImage).where(MediaImage.project_id.in_(project_ids), MediaImage.in_gallery.is_(True))
    if public_only:
        # A photo of a post that is not public yet waits for its post.
        query = (query.outerjoin(NewsPost, NewsPost.id == MediaImage.news_post_id)
                 .where(or_(MediaImage.news_post_id.is_(None),
                            and_(NewsPost.is_published.is_(True), NewsPost.published_on <= today))))
    return query


def project_gallery(db: Session, project_id: int, limit: int | None = None, *, offset: int = 0,
                    public_only: bool = True, today: date | None = None) -> list[MediaImage]:
    """The project's gallery, newest first. For the public site, photos of unpublished posts wait."""
    query = (_gallery_query([project_id], public_only=public_only, today=today or clock.today())
             .order_by(MediaImage.uploaded_at.desc(), MediaImage.id.desc()).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return list(db.scalars(query))


def gallery_strips(db: Session, project_ids: list[int], per_project: int = STRIP_SIZE, *,
                   today: date | None = None) -> dict[int, list[MediaImage]]:
    """The newest few gallery photos of each project, in one query whatever the number of projects."""
    if not project_ids:
        return {}
    ranked = _gallery_query(project_ids, public_only=True, today=today or clock.today()).add_columns(
        func.row_number().over(partition_by=MediaImage.project_id,
                               order_by=(MediaImage.uploaded_at.desc(), MediaImage.id.desc())).label("rank")
    ).subquery()
    photo = aliased(MediaImage, ranked)
    strips: dict[int, list[MediaImage]] = {}
    for image in db.scalars(select(photo).where(ranked.c.rank <= per_project)
                            .order_by(ranked.c.project_id, ranked.c.rank)):
        strips.setdefault(image.project_id, []).append(image)
    return strips


def public_project(db: Session, code: str) -> Project | None:
    return db.scalar(select(Project).where(Project.code == code, Project.is_public.is_(True)))


def publishing_projects(db: Session, actor: Actor) -> list[Project]:
    """The projects where the actor may publish news and photos."""
    query = select(Project).order_by(Project.short_name)
    if PUBLIC_PUBLISH not in actor.everywhere:
        allowed = [project_id for project_id, rights in actor.project_permissions.items() if PUBLIC_PUBLISH in rights]
        query = query.where(Project.id.in_(allowed or [-1]))
    return list(db.scalars(query))
