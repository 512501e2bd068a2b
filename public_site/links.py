"""The public addresses the sign-up messages point to (see portal.domain.volunteering.services.Links)."""
from flask import url_for

from portal.domain.volunteering.models import PublicListing
from portal.domain.volunteering.services import is_volunteering


def listing_endpoint(listing: PublicListing) -> str:
    return "public.opportunity" if is_volunteering(listing) else "public.event"


class PublicLinks:
    def cancel(self, token: str) -> str:
        return url_for("public.signup_cancel", token=token, _external=True)

    def listing(self, listing: PublicListing) -> str:
        return url_for(listing_endpoint(listing), listing_id=listing.id, _external=True)
