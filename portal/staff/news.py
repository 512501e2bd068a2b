"""News posts and photos of the public site: written, illustrated and published by a project's coordinators.

Photos go through `news.store_image`, which reads them by content and keeps only their pixels.
The description of a photo (its alternative text) is required twice over: the form says so next to
the field before anything is sent, and the service refuses a news or gallery photo without one,
whoever calls it. When both the description and the file are wrong, the page says both at once.
"""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from portal.domain import clock
from portal.domain.errors import DomainError
from portal.domain.news import services as news
from portal.domain.news.models import MediaImage, NewsPost
from portal.domain.projects.models import Project
from portal.extensions import db
from portal.partials import render_page
from portal.staff import bp
from portal.staff.casework_forms import _id_or_none
from portal.staff.people import actor, show_error
from portal.staff.people_forms import RoDateField, _length, _required
from portal.staff.permissions import PUBLIC_PUBLISH, require_in_project, requires

ACCEPTED_TYPES = "image/jpeg,image/png,image/webp"


class NewsForm(FlaskForm):
    project_id = SelectField(_l("Project"), coerce=_id_or_none, validate_choice=False)
    title_ro = StringField(_l("Title in Romanian"), validators=[_required(), _length(news.MAX_TITLE)])
    title_en = StringField(_l("Title in English"), validators=[_length(news.MAX_TITLE)])
    summary_ro = TextAreaField(_l("Summary in Romanian"), validators=[_length(news.MAX_SUMMARY)],
                               render_kw={"rows": 3})
    summary_en = TextAreaField(_l("Summary in English"), validators=[_length(news.MAX_SUMMARY)],
                               render_kw={"rows": 3})
    body_ro = TextAreaField(_l("Text in Romanian"), validators=[_length(news.MAX_BODY)], render_kw={"rows": 12})
    body_en = TextAreaField(_l("Text in English"), validators=[_length(news.MAX_BODY)], render_kw={"rows": 12})
    published_on = RoDateField(_l("Date of the news"),
                               validators=[InputRequired(message=_l("This field is required."))])
    is_published = BooleanField(_l("Published on the public site"))


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo (JPEG, PNG or WebP, at most 8 MB)"), render_kw={"accept": ACCEPTED_TYPES})
    alt_ro = StringField(_l("What the photo shows, in Romanian"), validators=[_required(), _length(news.MAX_ALT)])
    alt_en = StringField(_l("What the photo shows, in English"), validators=[_length(news.MAX_ALT)])
    in_gallery = BooleanField(_l("Also show it in the project’s gallery"))


def _media_dir():
    return news.media_dir_of(current_app)


def _project_choices(form: NewsForm, act) -> list[Project]:
    projects = news.publishing_projects(db.session, act)
    choices = [SelectChoice(value=str(project.id), label=f"{project.short_name} ({project.code})")
               for project in projects]
    if news.can_publish(act, None):
        choices.insert(0, SelectChoice(value="", label=_("No project: news of the organisation")))
    elif len(projects) != 1:
        choices.insert(0, SelectChoice(value="", label=_("— choose —")))
    form.project_id.choices = choices
    return projects


def _post_or_404(post_id: int) -> NewsPost:
    post = db.session.get(NewsPost, post_id)
    if post is None:
        abort(404)
    if post.project_id is None:
        if not news.can_publish(actor(), None):
            abort(404)
    else:
        require_in_project(post.project_id, PUBLIC_PUBLISH)
    return post


def _project_or_404(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    require_in_project(project.id, PUBLIC_PUBLISH)
    return project


def _news_data(form: NewsForm) -> news.NewsData:
    return news.NewsData(project_id=form.project_id.data, title_ro=form.title_ro.data or "",
                         title_en=form.title_en.data or "", summary_ro=form.summary_ro.data or "",
                         summary_en=form.summary_en.data or "", body_ro=form.body_ro.data or "",
                         body_en=form.body_en.data or "", published_on=form.published_on.data,
                         is_published=bool(form.is_published.data))


def _status(post: NewsPost, today) -> tuple[str, str]:
    """What the public sees of the post, in words, and a class for the tag."""
    if not post.is_published:
        return _("Draft: not on the public site"), "draft"
    if post.published_on > today:
        return _("Scheduled: appears on %(date)s", date=post.published_on.strftime("%d.%m.%Y")), "scheduled"
    if post.project is not None and not post.project.is_public:
        return _("Published, but its project is not shown on the public site"), "hidden"
    return _("On the public site"), "public"


def _uploaded_file(form: PhotoForm) -> bytes:
    storage = form.photo.data
    if storage is None or not getattr(storage, "filename", ""):
        return b""
    # One byte past the limit is enough to know it is too large.
    return storage.stream.read(news.MAX_UPLOAD_BYTES + 1)


def _save_photo(form: PhotoForm, *, project_id: int | None, post_id: int | None, in_gallery: bool) -> bool:
    """Store the sent photo; on a refusal the reasons go on the form's fields and False comes back."""
    data = _uploaded_file(form)
    if form.validate_on_submit():
        try:
            news.store_image(db.session, data, media_dir=_media_dir(), project_id=project_id, actor=actor(),
                             alt_ro=form.alt_ro.data or "", alt_en=form.alt_en.data or "", in_gallery=in_gallery,
                             news_post_id=post_id)
        except DomainError as error:
            show_error(form, error)
            return False
        return True
    # The description is missing: say now, too, whether the file itself would be refused.
    try:
        news.encode_photo(data)
    except DomainError as error:
        show_error(form, error)
    return False


# The list ----------------------------------------------------------------------------------------

@bp.get("/noutati")
@requires(PUBLIC_PUBLISH)
def news_list():
    act = actor()
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    rows, has_next = news.staff_posts(db.session, act, page)
    today = clock.today()
    return render_page("portal/news/list.html", rows=rows, has_next=has_next, page=page,
                       statuses={post.id: _status(post, today) for post, _count in rows},
                       public={post.id for post, _count in rows if news.is_public(post, today)},
                       projects=news.publishing_projects(db.session, act))


# A post ------------------------------------------------------------------------------------------

def _render_post_form(form: NewsForm, post: NewsPost | None, photo_form: PhotoForm | None = None,
                      status_code: int = 200):
    return render_page("portal/news/form.html", form=form, post=post,
                       photo_form=photo_form or (PhotoForm(formdata=None) if post else None),
                       status=_status(post, clock.today()) if post else None,
                       is_public=news.is_public(post) if post else False, status_code=status_code)


@bp.route("/noutati/nou", methods=["GET", "POST"])
@requires(PUBLIC_PUBLISH)
def news_create():
    act = actor()
    form = NewsForm()
    projects = _project_choices(form, act)
    if request.method == "GET":
        form.published_on.data = clock.today()
        if len(projects) == 1 and not news.can_publish(act, None):
            form.project_id.data = projects[0].id
        project_id = request.args.get("proiect", type=int)
        if project_id in {project.id for project in projects}:
            form.project_id.data = project_id
    if form.validate_on_submit():
        try:
            post = news.create_post(db.session, _news_data(form), act)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The news post has been saved. Add its photos below."), "success")
            return redirect(url_for("portal.news_edit", post_id=post.id, _anchor="fotografii"), code=303)
    return _render_post_form(form, None, status_code=422 if request.method == "POST" else 200)


@bp.route("/noutati/<int:post_id>/editare", methods=["GET", "POST"])
@requires(PUBLIC_PUBLISH)
def news_edit(post_id: int):
    post = _post_or_404(post_id)
    act = actor()
    form = NewsForm(obj=post if request.method == "GET" else None)
    _project_choices(form, act)
    if form.validate_on_submit():
        try:
            changed = news.update_post(db.session, post, _news_data(form), act)
        except DomainError as error:
            show_error(form, error)
        else:
            if changed:
                flash(_("The changes have been saved."), "success")
            return redirect(url_for("portal.news_edit", post_id=post.id), code=303)
    return _render_post_form(form, post, status_code=422 if request.method == "POST" else 200)


@bp.post("/noutati/<int:post_id>/publicare")
@requires(PUBLIC_PUBLISH)
def news_publish(post_id: int):
    """Publish or withdraw a post with one button, from the list or the post's page."""
    post = _post_or_404(post_id)
    if request.form.get("publish") == "1":
        news.publish(db.session, post, actor())
        flash(_("The news post is published.") if news.is_public(post)
              else _("The news post is marked as published; see its state for when it appears."), "success")
    else:
        news.unpublish(db.session, post, actor())
        flash(_("The news post has been withdrawn from the public site."), "success")
    target = request.form.get("back") == "list"
    return redirect(url_for("portal.news_list") if target else url_for("portal.news_edit", post_id=post.id), code=303)


@bp.post("/noutati/<int:post_id>/stergere")
@requires(PUBLIC_PUBLISH)
def news_delete(post_id: int):
    post = _post_or_404(post_id)
    news.delete_post(db.session, post, media_dir=_media_dir(), actor=actor())
    flash(_("The news post has been deleted."), "success")
    return redirect(url_for("portal.news_list"), code=303)


@bp.post("/noutati/<int:post_id>/fotografii")
@requires(PUBLIC_PUBLISH)
def news_photo_upload(post_id: int):
    post = _post_or_404(post_id)
    photo_form = PhotoForm()
    in_gallery = bool(photo_form.in_gallery.data)
    if _save_photo(photo_form, project_id=post.project_id, post_id=post.id, in_gallery=in_gallery):
        flash(_("The photo has been added."), "success")
        return redirect(url_for("portal.news_edit", post_id=post.id, _anchor="fotografii"), code=303)
    form = NewsForm(formdata=None, obj=post)
    _project_choices(form, actor())
    return _render_post_form(form, post, photo_form, status_code=422)


# A project's gallery -----------------------------------------------------------------------------

@bp.route("/proiecte/<int:project_id>/galerie", methods=["GET", "POST"])
@requires(PUBLIC_PUBLISH)
def gallery_edit(project_id: int):
    project = _project_or_404(project_id)
    form = PhotoForm(formdata=None) if request.method == "GET" else PhotoForm()
    if request.method == "POST" and _save_photo(form, project_id=project.id, post_id=None, in_gallery=True):
        flash(_("The photo has been added to the gallery."), "success")
        return redirect(url_for("portal.gallery_edit", project_id=project.id), code=303)
    photos = news.project_gallery(db.session, project.id, public_only=False)
    return render_page("portal/news/gallery.html", project=project, form=form, photos=photos,
                       status_code=422 if request.method == "POST" else 200)


# Removing a photo --------------------------------------------------------------------------------

@bp.post("/fotografii/<int:image_id>/stergere")
@requires(PUBLIC_PUBLISH)
def photo_delete(image_id: int):
    image = db.session.get(MediaImage, image_id)
    if image is None:
        abort(404)
    if image.project_id is None:
        if not news.can_publish(actor(), None):
            abort(404)
    else:
        require_in_project(image.project_id, PUBLIC_PUBLISH)
    post_id, project_id = image.news_post_id, image.project_id
    news.delete_image(db.session, image, media_dir=_media_dir(), actor=actor())
    flash(_("The photo has been removed."), "success")
    if request.form.get("back") == "gallery" and project_id is not None:
        return redirect(url_for("portal.gallery_edit", project_id=project_id), code=303)
    if post_id is not None:
        return redirect(url_for("portal.news_edit", post_id=post_id, _anchor="fotografii"), code=303)
    if project_id is not None:
        return redirect(url_for("portal.gallery_edit", project_id=project_id), code=303)
    return redirect(url_for("portal.news_list"), code=303)
