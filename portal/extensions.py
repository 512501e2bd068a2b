"""The Flask extensions, created once and bound to an app in create_app()."""
from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from portal.db import db

babel = Babel()
compress = Compress()
csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()
talisman = Talisman()

__all__ = ["babel", "compress", "csrf", "db", "htmx", "login_manager", "talisman"]
