"""The public news, their photos and each project's gallery.

Nothing personal is shown: no author, no uploader, only what staff chose to publish. Photos are
served from the media folder under their random stored names; the names never change for a file,
so browsers keep them for a year.
"""
from flask import abort, current_app, redirect, render_template, request, send_from_directory, url_for
from markupsafe import Markup

from portal.domain.news import services as news
from portal.extensions import db
from portal.i18n import current_locale
from portal.domain.text import paragraphs
from public_site import bp

YEAR = 365 * 24 * 3600


bp.add_app_template_filter(paragraphs, "paragraphs")


@bp.app_template_global()
def lang_attr(obj, field: str) -> Markup:
    """` lang="ro"` when an English page shows the Romanian text because no English one was written."""
    if current_locale() == "en" and not getattr(obj, f"{field}_en", "") and getattr(obj, f"{field}_ro", ""):
        return Markup(' lang="ro"')
    return Markup("")


@bp.app_template_global()
def media_url(image, thumbnail: bool = True) -> str:
    suffix = "-thumb.webp" if thumbnail else ".jpg"
    return url_for("public.media", name=image.stored_name + suffix)


def _page() -> int:
    return max(request.args.get("pagina", 1, type=int) or 1, 1)


@bp.get("/noutati")
def news_list():
    page = _page()
    posts, has_next = news.public_posts(db.session, page)
    if page > 1 and not posts:
        abort(404)
    return render_template("public_site/news.html", posts=posts, page=page, has_next=has_next)


@bp.get("/noutati/<int:post_id>", defaults={"slug": ""})
@bp.get("/noutati/<int:post_id>-<slug>")
def news_post(post_id: int, slug: str):
    post = news.post_for_public(db.session, post_id)
    if post is None:
        abort(404)
    if slug != post.slug:
        # An old title, a typo or a shortened link: one address per post for readers and search engines.
        return redirect(url_for("public.news_post", post_id=post.id, slug=post.slug), code=301)
    return render_template("public_site/news_post.html", post=post)


@bp.get("/rezultate/<code>/galerie")
def gallery(code: str):
    project = news.public_project(db.session, code)
    if project is None:
        abort(404)
    page = _page()
    photos = news.project_gallery(db.session, project.id, limit=news.GALLERY_PAGE_SIZE + 1,
                                  offset=(page - 1) * news.GALLERY_PAGE_SIZE)
    if page > 1 and not photos:
        abort(404)
    return render_template("public_site/gallery.html", project=project, photos=photos[:news.GALLERY_PAGE_SIZE],
                           page=page, has_next=len(photos) > news.GALLERY_PAGE_SIZE)


@bp.get("/media/<name>")
def media(name: str):
    if not news.MEDIA_FILE.fullmatch(name):
        abort(404)
    response = send_from_directory(news.media_dir_of(current_app), name, max_age=YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
