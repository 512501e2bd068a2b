"""Publishing a session on the public site: what the public reads about it, its places, its deadline, its photo."""
from datetime import date, datetime, time

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from portal.domain import clock
from portal.domain.activities.models import ActivitySession
from portal.domain.errors import DomainError
from portal.domain.news import services as news
from portal.domain.news.models import MediaImage
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import ListingCategory, PublicListing
from portal.extensions import db
from portal.mail import send_after_commit
from portal.partials import render_page
from portal.staff import bp
from portal.staff.people import actor, show_error
from portal.staff.permissions import PUBLIC_PUBLISH, requires
from portal.staff.sessions import session_or_404
from portal.staff.signup_forms import ListingForm
from portal.staff.signups import message_services

END_OF_DAY = time(23, 59)
# The service names the field "signup_deadline"; the form asks for its day and its time apart.
_FIELD_OF = {"signup_deadline": "deadline_date"}


def _fill_from(form: ListingForm, session: ActivitySession, listing: PublicListing | None) -> None:
    if listing is None:
        volunteering_kind = session.activity.kind.value == "volunteering"
        form.category.data = (ListingCategory.volunteering if volunteering_kind else ListingCategory.cultural_event).value
        form.title_ro.data = session.topic or session.activity.name_ro
        form.title_en.data = "" if session.topic else session.activity.name_en
        form.capacity.data = session.capacity
        form.takes_signups.data = "signup"
        form.is_published.data = True
        return
    form.category.data = listing.category.value
    form.title_ro.data, form.title_en.data = listing.title_ro, listing.title_en
    form.description_ro.data, form.description_en.data = listing.description_ro, listing.description_en
    form.capacity.data = listing.capacity
    if listing.signup_deadline is not None:
        local = listing.signup_deadline.astimezone(clock.TIMEZONE)
        form.deadline_date.data, form.deadline_time.data = local.date(), local.time().replace(second=0, microsecond=0)
    form.takes_signups.data = "signup" if listing.takes_signups else "info"
    form.is_published.data = listing.is_published


def _deadline(form: ListingForm) -> tuple[bool, datetime | None]:
    """The deadline as an aware moment (Romanian wall-clock time); False when the form's pair does not fit."""
    day, moment = form.deadline_date.data, form.deadline_time.data
    if day is None:
        if moment is not None and not form.deadline_date.errors:
            form.deadline_date.errors = [*form.deadline_date.errors, _("Give the day as well as the time.")]
            return False, None
        return True, None
    return True, romanian_time(day, moment or END_OF_DAY)


def romanian_time(day: date, moment: time) -> datetime:
    """A Romanian wall-clock time as an aware moment."""
    return datetime.combine(day, moment, tzinfo=clock.TIMEZONE)


def _show_listing_error(form: ListingForm, error: DomainError) -> None:
    if error.field in _FIELD_OF:
        error.field = _FIELD_OF[error.field]
    show_error(form, error)


def _discard(image: MediaImage | None, listing: PublicListing) -> None:
    """A listing's former photo goes, unless a news post, the gallery or another listing shows it."""
    if image is None or image.in_gallery or image.news_post_id is not None:
        return
    used = db.session.scalar(select(PublicListing.id).where(PublicListing.image_id == image.id,
                                                            PublicListing.id != listing.id).limit(1))
    if used is None:
        news.delete_image(db.session, image, media_dir=news.media_dir_of(current_app), actor=actor())


def _save_photo(form: ListingForm, listing: PublicListing, project_id: int) -> None:
    act = actor()
    upload = request.files.get(form.photo.name)
    data = upload.read() if upload is not None and upload.filename else b""
    old = listing.image
    if data:
        image = news.store_image(db.session, data, media_dir=news.media_dir_of(current_app), project_id=project_id,
                                 actor=act, alt_ro=form.alt_ro.data or "", alt_en=form.alt_en.data or "")
        volunteering.set_image(db.session, listing, image.id, act)
        _discard(old, listing)
    elif form.remove_image.data and old is not None:
        volunteering.set_image(db.session, listing, None, act)
        _discard(old, listing)


@bp.route("/sesiuni/<int:session_id>/publicare", methods=["GET", "POST"])
@requires(PUBLIC_PUBLISH)
def listing_publish(session_id: int):
    session = session_or_404(session_id, PUBLIC_PUBLISH, facilitators=False)
    listing = existing = volunteering.staff_listing(db.session, session.id)
    form = ListingForm()
    if request.method == "GET":
        _fill_from(form, session, listing)
    if form.validate_on_submit():
        fits, deadline = _deadline(form)
        if fits:
            old_capacity = listing.capacity if listing is not None else None
            data = volunteering.ListingData(
                category=ListingCategory(form.category.data), title_ro=form.title_ro.data or "",
                title_en=form.title_en.data or "", description_ro=form.description_ro.data or "",
                description_en=form.description_en.data or "", capacity=form.capacity.data,
                signup_deadline=deadline, takes_signups=form.takes_signups.data == "signup",
                is_published=bool(form.is_published.data))
            first_time = listing is None
            try:
                listing = volunteering.publish(db.session, session, data, actor())
                _save_photo(form, listing, session.activity.project_id)
            except DomainError as error:
                _show_listing_error(form, error)
            else:
                grew = not first_time and old_capacity is not None and (data.capacity is None
                                                                         or data.capacity > old_capacity)
                promoted = volunteering.fill_places(db.session, listing, **message_services()) if grew else []
                if promoted:
                    send_after_commit()
                    flash(ngettext("%(num)d person on the waiting list got a place and will be told.",
                                   "%(num)d people on the waiting list got a place and will be told.",
                                   len(promoted)), "success")
                confirmed, _waiting = volunteering.listing_counts(db.session, listing.id)
                if listing.capacity is not None and confirmed > listing.capacity:
                    flash(_("%(confirmed)s people hold a confirmed place, more than the %(places)s places now "
                            "offered. Nobody loses their place; cancel or move sign-ups if needed.",
                            confirmed=confirmed, places=listing.capacity), "warning")
                if not listing.is_published:
                    flash(_("Saved. The session is not shown on the public site."), "success")
                elif first_time:
                    flash(_("The session is now on the public site."), "success")
                else:
                    flash(_("The public page of the session has been saved."), "success")
                return redirect(url_for("portal.session_detail", session_id=session.id), code=303)
    elif request.method == "POST":
        _deadline(form)  # a time without its day is named too, beside the other mistakes
    return render_page("portal/signups/publish.html", form=form, session=session, activity=session.activity,
                       project=session.activity.project, listing=existing,
                       status_code=422 if request.method == "POST" else 200)
