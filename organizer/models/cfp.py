"""The call for talks: the call itself, what people propose, who speaks, what they answered."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from organizer.enums import MaterialKind, OthersReviews, ProposalState, SpeakerRole
from organizer.models.base import (
    Base,
    PublicId,
    new_public_id,
    public_code_column,
    slug_from_name,
    str_enum,
)
from organizer.models.reviewing import AnswerColumns, QuestionColumns

if TYPE_CHECKING:
    from organizer.models.accounts import User
    from organizer.models.events import Event


class Cfp(Base):
    """One call per event. Review settings live here too: a small collective has one call."""

    __tablename__ = "cfp"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_open"),
        CheckConstraint("reviews_per_proposal between 1 and 20", name="reviews_per_proposal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    opens_at: Mapped[dt.datetime]
    closes_at: Mapped[dt.datetime]
    text: Mapped[str] = mapped_column(Text, default="")  # Markdown
    anonymous_review: Mapped[bool] = mapped_column(default=True)
    reviews_per_proposal: Mapped[int] = mapped_column(default=3)
    others_reviews: Mapped[OthersReviews] = mapped_column(
        str_enum(OthersReviews, "others_reviews"), default=OthersReviews.AFTER_OWN
    )
    abstract_max_length: Mapped[int] = mapped_column(default=1000)
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    # Whether the event's team (organizers, reviewers, grant reviewers) may submit; the call's
    # pages say so. Their own proposals are never theirs to review (services/reviewing/
    # interests.py).
    team_may_apply: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    event: Mapped[Event] = relationship()

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class SessionType(Base):
    __tablename__ = "session_type"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("duration_minutes between 1 and 1440", name="duration"),
        CheckConstraint("max_speakers between 1 and 20", name="max_speakers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int]
    max_speakers: Mapped[int] = mapped_column(default=2)  # the submitter included
    position: Mapped[int] = mapped_column(default=0)


class Track(Base):
    __tablename__ = "track"
    __table_args__ = (UniqueConstraint("event_id", "name"), UniqueConstraint("event_id", "slug"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # In the track's feed address; set once from the name and kept when it is renamed.
    slug: Mapped[str] = mapped_column(String(100), default=slug_from_name)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    # "#rrggbb" or "": a light background for the track's sessions in the editor and on the
    # public grid, checked against the cards' text (services/colours.py). Never alone: the
    # track's name is always shown. (Nullable in the schema only so that adding it rebuilt no
    # table on SQLite; it is always "" or a colour.)
    colour: Mapped[str] = mapped_column(String(7), nullable=True, default="")


class Question(QuestionColumns, Base):
    """A custom question of the call, answered once per proposal."""

    __tablename__ = "question"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)


class Upload(Base):
    """A file someone sent. Stored outside `static/` under a random name; served only through
    a view that checks permission and forces a download."""

    __tablename__ = "upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))  # as sent, for Content-Disposition
    content_type: Mapped[str] = mapped_column(String(100))  # detected from the bytes
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]


proposal_tag = Table(
    "proposal_tag",
    Base.metadata,
    Column("proposal_id", ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(Base):
    """Organizers' labels on proposals, for filtering ("needs mentor", "industry", ...)."""

    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))


class Proposal(Base):
    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint(
            "pending_decision is null or pending_decision in ('accepted','rejected','waitlisted')",
            name="pending_decision",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    session_type_id: Mapped[int] = mapped_column(ForeignKey("session_type.id"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("track.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    notes: Mapped[str] = mapped_column(Text, default="")  # to organizers only
    language: Mapped[str] = mapped_column(String(10), default="en")
    level: Mapped[str] = mapped_column(String(20), default="")
    duration_minutes: Mapped[int]  # from the session type; organizers may change it
    state: Mapped[ProposalState] = mapped_column(
        str_enum(ProposalState, "proposal_state"), default=ProposalState.DRAFT, index=True
    )
    pending_decision: Mapped[str | None] = mapped_column(String(20))
    # What reviewers see when review is anonymous; None means "the speaker's own text".
    redacted_title: Mapped[str | None] = mapped_column(String(200))
    redacted_abstract: Mapped[str | None] = mapped_column(Text)
    redacted_description: Mapped[str | None] = mapped_column(Text)
    # Redaction flags an organizer judged harmless ("<source>|<term>", see
    # services/reviewing/redaction.py); None when none were dismissed.
    redaction_dismissed: Mapped[list[str] | None] = mapped_column(JSON)
    # Bumped on every edit, so that a form opened in two tabs cannot overwrite itself and
    # reviews can tell that the text changed after they were written.
    version: Mapped[int] = mapped_column(default=1)
    creation_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    submitted_at: Mapped[dt.datetime | None]
    content_changed_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    respond_by: Mapped[dt.datetime | None]  # accepted speakers confirm before this

    event: Mapped[Event] = relationship()
    session_type: Mapped[SessionType] = relationship()
    track: Mapped[Track | None] = relationship()
    speakers: Mapped[list[ProposalSpeaker]] = relationship(
        back_populates="proposal",
        cascade="all, delete-orphan",
        order_by="ProposalSpeaker.id",
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=proposal_tag, order_by="Tag.name")

    @property
    def reviewer_title(self) -> str:
        return self.redacted_title if self.redacted_title is not None else self.title

    @property
    def reviewer_abstract(self) -> str:
        return self.redacted_abstract if self.redacted_abstract is not None else self.abstract

    @property
    def reviewer_description(self) -> str:
        if self.redacted_description is not None:
            return self.redacted_description
        return self.description

    @property
    def accepted_speakers(self) -> list[ProposalSpeaker]:
        return [s for s in self.speakers if s.user_id is not None]

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state}>"


class ProposalSpeaker(Base):
    """A speaker of a proposal. Co-speakers start as an invitation to an address (`user_id`
    empty) and become a person when they accept the link, which holds a secret token whose
    SHA-256 only is stored."""

    __tablename__ = "proposal_speaker"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[SpeakerRole] = mapped_column(str_enum(SpeakerRole, "speaker_role"))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invited_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]

    proposal: Mapped[Proposal] = relationship(back_populates="speakers")
    user: Mapped[User | None] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.user_id is None


class SessionMaterial(Base):
    """Slides, a recording or another material of a talk, added after it was accepted: a
    link (`url`, http or https) or an uploaded file (`upload`, a PDF), never both. Belongs to
    the proposal, which outlives schedule releases and moves on the grid; shown on the public
    talk page and in the frab exports while the talk is in the released schedule."""

    __tablename__ = "session_material"
    __table_args__ = (
        CheckConstraint(
            "(upload_id is null and url <> '') or (upload_id is not null and url = '')",
            name="link_or_file",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId, unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MaterialKind] = mapped_column(str_enum(MaterialKind, "material_kind"))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), default="")
    # The file goes with its material: removing the upload (account deletion) removes both.
    upload_id: Mapped[int | None] = mapped_column(
        ForeignKey("upload.id", ondelete="CASCADE"), index=True
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime]

    proposal: Mapped[Proposal] = relationship()
    upload: Mapped[Upload | None] = relationship()


class SpeakerProfile(Base):
    """What a speaker tells one event about themselves; shared by all their proposals there."""

    __tablename__ = "speaker_profile"
    __table_args__ = (UniqueConstraint("event_id", "user_id"), UniqueConstraint("event_id", "code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The short code of the speaker's public page and feed (/<event>/speakers/<code>/).
    code: Mapped[str] = public_code_column()
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    bio: Mapped[str] = mapped_column(Text, default="")  # Markdown
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    handle: Mapped[str] = mapped_column(String(100), default="")  # e.g. @name@instance
    website: Mapped[str] = mapped_column(String(300), default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id", ondelete="SET NULL"))
    # The photo is on the public speaker page only when the speaker said so (else organizers
    # and reviewers alone see it); its alt text ("" reads as the speaker's name). Nullable
    # columns, added without rebuilding the table on SQLite; the app never writes NULL.
    photo_public: Mapped[bool] = mapped_column(nullable=True, default=False)
    photo_alt: Mapped[str] = mapped_column(String(200), nullable=True, default="")
    # Up to five labelled links for the public page: [{"label": ..., "url": "https://..."}].
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, nullable=True, default=list)
    # Per event day (ISO date) one of "all", "morning", "afternoon", "none"; see
    # services.cfp.AVAILABILITY for what the parts mean in the event's time zone.
    availability: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Scheduling: a remote speaker speaks from their own time zone (IANA name; empty means the
    # event's), and a speaker may ask for step-free access to the room and stage.
    remote: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="")
    needs_step_free: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship()
    photo: Mapped[Upload | None] = relationship()


class Answer(AnswerColumns, Base):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("proposal_id", "question_id"),)
    question_table = "question"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="CASCADE"), index=True
    )
    # A version of the file that organizers redacted: what reviewers get instead of `upload`.
    redacted_upload_id: Mapped[int | None] = mapped_column(
        ForeignKey("upload.id", ondelete="SET NULL")
    )

    proposal: Mapped[Proposal] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    upload: Mapped[Upload | None] = relationship(foreign_keys="Answer.upload_id")
    redacted_upload: Mapped[Upload | None] = relationship(foreign_keys=[redacted_upload_id])

    @property
    def reviewer_upload(self) -> Upload | None:
        """The file reviewers get: the organizers' redacted version, else the speaker's."""
        return self.redacted_upload if self.redacted_upload_id is not None else self.upload


class CfpExtension(Base):
    """A personal deadline for one person, granted by organizers."""

    __tablename__ = "cfp_extension"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    until: Mapped[dt.datetime]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class DecisionRound(Base):
    """One publication of decisions: the moment their mails went out."""

    __tablename__ = "decision_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime]
    respond_by: Mapped[dt.datetime]
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    waitlisted: Mapped[int] = mapped_column(Integer, default=0)

    published_by: Mapped[User | None] = relationship()


class MailTemplate(Base):
    """An event's own wording for a decision mail; the built-in text is used until one exists."""

    __tablename__ = "mail_template"
    __table_args__ = (UniqueConstraint("event_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime]
