"""Server time (p50/p95) and SQL query count per page, on SQLite and (when given) PostgreSQL.

    make bench                                   # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgresql+psycopg://... make bench

Requests go through the WSGI app in-process (no network), so the figures are the application's own
time. Later features add their pages and their large data sets here.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.db import make_engine  # noqa: E402
from portal.demo import load_demo  # noqa: E402
from portal.domain.accounts.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.migrations import upgrade  # noqa: E402

PUBLIC = ["/", "/voluntariat", "/voluntariat/arhiva", "/evenimente", "/evenimente/arhiva", "/evenimente.ics",
          "/noutati", "/rezultate", "/accesibilitate", "/confidentialitate"]
PORTAL = ["/portal/", "/portal/utilizatori", "/portal/utilizatori?q=ana", "/portal/utilizatori/1", "/portal/mesaje",
          "/portal/noutati"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))


def measure(client, path: str, queries: list[int]) -> tuple[float, float, float]:
    timings = []
    for _ in range(ROUNDS):
        queries[0] = 0
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries[0]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        engine = make_engine(url)
        upgrade(engine)
        app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "DATABASE_URL": url})
        with app.app_context():
            load_demo(db.session, with_people=True)
            db.session.commit()
            admin = db.session.scalar(select(User).where(User.email == "admin@comunitar.demo"))
            admin_session_id = admin.get_id()
            # The demo's busiest sign-up list, and one page of each kind of listing and news post.
            from sqlalchemy import func

            from portal.domain.news.models import NewsPost
            from portal.domain.volunteering.models import ListingCategory, PublicListing, SignUp
            busiest = db.session.execute(select(PublicListing.session_id, PublicListing.id).join(SignUp)
                                         .group_by(PublicListing.session_id, PublicListing.id)
                                         .order_by(func.count(SignUp.id).desc()).limit(1)).first()
            event_id = db.session.scalar(select(PublicListing.id).where(
                PublicListing.category != ListingCategory.volunteering).order_by(PublicListing.id).limit(1))
            post = db.session.scalar(select(NewsPost).where(NewsPost.is_published.is_(True)).limit(1))
            PUBLIC.extend([f"/evenimente/{event_id}", f"/noutati/{post.id}-{post.slug}"])
            PORTAL.append(f"/portal/sesiuni/{busiest.session_id}/inscrieri")
        queries = [0]
        event.listen(db.engine(app), "before_cursor_execute", lambda *args: queries.__setitem__(0, queries[0] + 1))
        client = app.test_client()
        print(f"database: {engine.dialect.name}   rounds per page: {ROUNDS}")
        print(f"{'page':<32}{'p50 ms':>8}{'p95 ms':>8}{'queries':>9}")
        for path in PUBLIC:
            p50, p95, count = measure(client, path, queries)
            print(f"{path:<32}{p50:>8.2f}{p95:>8.2f}{count:>9}")
        with client.session_transaction() as session:
            session["_user_id"] = admin_session_id
            session["last_seen"] = int(time.time()) + 3600 * 24
        for path in PORTAL:
            p50, p95, count = measure(client, path, queries)
            print(f"{path:<32}{p50:>8.2f}{p95:>8.2f}{count:>9}")
        engine.dispose()


if __name__ == "__main__":

    main()
