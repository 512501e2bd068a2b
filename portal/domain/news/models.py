"""News posts and the photos of the public site (a news post's pictures, a project's gallery)."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UtcDateTime, utcnow
from portal.domain.projects.models import Project


class MediaImage(Base):
    """An uploaded photo, stored re-encoded without its metadata (EXIF, location), with a thumbnail.

    Files live under instance/media/: `<stored_name>.jpg` (at most 1600 px wide) and
    `<stored_name>-thumb.webp` (small, for lists and galleries).
    """

    __tablename__ = "media_image"
    __table_args__ = (Index("ix_media_image_project_id_in_gallery", "project_id", "in_gallery"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"))
    news_post_id: Mapped[int | None] = mapped_column(ForeignKey("news_post.id", ondelete="SET NULL"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    thumb_width: Mapped[int] = mapped_column(Integer)
    thumb_height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    alt_ro: Mapped[str] = mapped_column(String(300), default="")
    alt_en: Mapped[str] = mapped_column(String(300), default="")
    in_gallery: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    project: Mapped[Project | None] = relationship()


class NewsPost(Base):
    __tablename__ = "news_post"
    __table_args__ = (Index("ix_news_post_is_published_published_on", "is_published", "published_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    title_ro: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    summary_ro: Mapped[str] = mapped_column(String(500), default="")
    summary_en: Mapped[str] = mapped_column(String(500), default="")
    body_ro: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[date] = mapped_column(Date)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    project: Mapped[Project | None] = relationship()
    images: Mapped[list[MediaImage]] = relationship(foreign_keys=[MediaImage.news_post_id], order_by=MediaImage.id)
