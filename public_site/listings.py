"""The public lists of volunteering opportunities (/voluntariat) and events (/evenimente), with their
archives. They show places left as numbers only: never who signed up."""
from datetime import date

from flask import abort, current_app, render_template, request, url_for
from flask_babel import format_date, ngettext, pgettext
from flask_babel import gettext as _

from portal.domain import clock
from portal.domain.activities.models import ActivitySession
from portal.domain.news.models import MediaImage
from portal.domain.volunteering.models import ListingCategory, PublicListing
from portal.domain.volunteering.services import (
    ListingFilter,
    ListingView,
    listing_months,
    public_listings,
)
from portal.extensions import db
from portal.i18n import format_number
from public_site import bp
from public_site.links import listing_endpoint


def category_labels() -> dict[ListingCategory, str]:
    return {
        ListingCategory.volunteering: _("Volunteering"),
        ListingCategory.cultural_event: _("Cultural event"),
        ListingCategory.excursion: _("Excursion"),
        ListingCategory.workshop: _("Workshop"),
        ListingCategory.summer_school: _("Summer school"),
        ListingCategory.show: pgettext("listing category", "Show"),  # a performance, not the button's verb
    }


EVENT_CATEGORIES = [category for category in ListingCategory if category != ListingCategory.volunteering]
MAX_PAGE = 1000


# Helpers the templates use ------------------------------------------------------------------------

@bp.app_template_global()
def category_label(category: ListingCategory) -> str:
    return category_labels().get(category, category.value)


@bp.app_template_global()
def listing_url(listing: PublicListing, **values) -> str:
    return url_for(listing_endpoint(listing), listing_id=listing.id, **values)


@bp.app_template_global()
def listing_hours(session: ActivitySession) -> str:
    return f"{session.start_time.strftime('%H:%M')}–{session.end_time.strftime('%H:%M')}"


@bp.app_template_global()
def listing_places(view: ListingView) -> str:
    """What a card says about places: how many are left, full with a waiting list, or no limit."""
    if view.listing.capacity is None:
        return _("No limit on places")
    if view.is_full:
        return _("Full — waiting list")
    return ngettext("%(count)s place left", "%(count)s places left", view.seats_left,
                    count=format_number(view.seats_left))


@bp.app_template_global()
def listing_thumbnail(image: MediaImage | None) -> str | None:
    """The small picture of a listing, where the site serves uploaded pictures."""
    if image is None or "public.media" not in current_app.view_functions:
        return None
    return url_for("public.media", name=f"{image.stored_name}-thumb.webp")


def month_label(month: date) -> str:
    return format_date(month, format="LLLL yyyy")


# The lists ----------------------------------------------------------------------------------------

def _chosen_month(months: list[date]) -> date | None:
    text = (request.args.get("luna") or "").strip()
    return next((month for month in months if month.strftime("%Y-%m") == text), None)


def _chosen_category() -> ListingCategory | None:
    text = (request.args.get("categorie") or "").strip()
    return next((category for category in EVENT_CATEGORIES if category.value == text), None)


def _page() -> int:
    page = request.args.get("pagina", type=int) or 1
    if page > MAX_PAGE:
        abort(404)
    return max(page, 1)


def _list_page(template: str, *, volunteering: bool, archive: bool):
    today = clock.today()
    months = listing_months(db.session, volunteering, archive, today)
    month = _chosen_month(months)
    category = None if volunteering else _chosen_category()
    page = _page()
    views, has_next = public_listings(db.session, ListingFilter(
        volunteering=volunteering, category=category, month=month, archive=archive, page=page), today)
    return render_template(
        template, views=views, has_next=has_next, page=page, archive=archive,
        months=[(value.strftime("%Y-%m"), month_label(value)) for value in months],
        month=month.strftime("%Y-%m") if month else "",
        categories=[] if volunteering else [(value.value, category_labels()[value]) for value in EVENT_CATEGORIES],
        category=category.value if category else "",
        filtered=bool(month or category))


@bp.get("/voluntariat")
def volunteering():
    return _list_page("public_site/volunteering.html", volunteering=True, archive=False)


@bp.get("/voluntariat/arhiva")
def volunteering_archive():
    return _list_page("public_site/volunteering.html", volunteering=True, archive=True)


@bp.get("/evenimente")
def events():
    return _list_page("public_site/events.html", volunteering=False, archive=False)


@bp.get("/evenimente/arhiva")
def events_archive():
    return _list_page("public_site/events.html", volunteering=False, archive=True)
