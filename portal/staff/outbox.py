"""The outbox as staff see it: the messages of their projects, whether they left, and sending them again.

Without an SMTP server nothing is sent: the messages wait here, so staff can give the news by phone."""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.outbox import services as outbox
from portal.domain.outbox.models import OutboxMessage
from portal.extensions import db
from portal.mail import send_pending
from portal.partials import render_page
from portal.staff import bp
from portal.staff.people import actor
from portal.staff.permissions import SIGNUPS_MANAGE, requires
from portal.staff.signup_forms import ActionForm
from portal.staff.volunteers import managed_project_ids


def _smtp_configured() -> bool:
    return outbox.SmtpSettings.from_config(current_app.config) is not None


@bp.get("/mesaje")
@requires(SIGNUPS_MANAGE)
def outbox_list():
    ids = managed_project_ids(actor())
    unsent_only = request.args.get("netrimise") == "1"
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    messages, has_next = outbox.messages_for_staff(db.session, ids, unsent_only=unsent_only, page=page)
    record(db.session, actor(), AuditAction.view, None, f"outbox, page {page}{' (unsent)' if unsent_only else ''}")
    return render_page("portal/signups/outbox.html", messages=messages, has_next=has_next, page=page,
                       unsent_only=unsent_only, unsent=outbox.unsent_count(db.session, ids),
                       smtp=_smtp_configured(), max_attempts=outbox.MAX_ATTEMPTS, action_form=ActionForm(formdata=None))


@bp.post("/mesaje/trimitere")
@requires(SIGNUPS_MANAGE)
def outbox_send():
    if not _smtp_configured():
        flash(_("No mail server is configured: the messages stay here."), "warning")
    else:
        # Every unsent message is tried, whichever project it belongs to: sending reveals nothing.
        sent, failed = send_pending(limit=100)
        if failed:
            flash(ngettext("%(num)d message could not be sent; see the error beside it.",
                           "%(num)d messages could not be sent; see the error beside each.", failed), "error")
        flash(ngettext("%(num)d message sent.", "%(num)d messages sent.", sent), "success")
    return redirect(url_for("portal.outbox_list"), code=303)


@bp.post("/mesaje/<int:message_id>/reincercare")
@requires(SIGNUPS_MANAGE)
def outbox_retry(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    ids = managed_project_ids(actor())
    if message is None or (ids is not None and message.project_id not in ids):
        abort(404)
    if message.sent_at is None:
        outbox.retry(db.session, message)
        if _smtp_configured():
            sent, _failed = send_pending(ids=[message.id])
            if sent:
                flash(_("The message has been sent."), "success")
            else:
                flash(_("The message could not be sent; see the error beside it."), "error")
        else:
            flash(_("The message will be tried again once a mail server is configured."), "success")
    return redirect(url_for("portal.outbox_list", _anchor=f"message-{message.id}"), code=303)
