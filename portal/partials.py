"""One template per page; an htmx request gets only the named block of it (jinja2-fragments)."""
from flask import render_template
from jinja2_fragments.flask import render_block

from portal.extensions import htmx


def render_page(template: str, block: str | None = None, *, status_code: int = 200, **context):
    """The whole page, or just `block` when htmx asked for a part of it (not for hx-boost)."""
    if block and htmx and not htmx.boosted:
        return render_block(template, block, **context), status_code
    return render_template(template, **context), status_code
