"""The identity graph's records: merge suggestions for a human, and the record
of every merge, detailed enough to undo it exactly."""

from __future__ import annotations

import enum
from typing import Annotated, ClassVar, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from omnicontext.model._base import Model, invalid
from omnicontext.model._types import Id
from omnicontext.model.customer import Customer

__all__ = [
    "Evidence",
    "EvidenceKind",
    "MergeRecord",
    "MergeSuggestion",
    "SuggestionStatus",
]

_Text = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class EvidenceKind(enum.StrEnum):
    """Why two profiles may be one person."""

    SHARED_IDENTIFIER = "shared_identifier"
    """Both hold the same identifier (``identity_key``)."""
    SAME_NAME = "same_name"
    """Both carry the same display name (case and spacing ignored)."""
    MANUAL = "manual"
    """A person said so."""


class Evidence(Model):
    """One reason to believe two profiles belong to one person.

    ``verified_on`` says on how many of the two profiles the shared identifier
    is verified (0, 1 or 2); ``holders`` is the count the holder limit was
    checked against: profiles holding it in the store (with those merged away
    on its evidence), or in bulk linking the most records of one system
    holding it. An office switchboard is held by many, and proves nothing.

    >>> Evidence(kind="shared_identifier", identity_key="phone:+442079460958",
    ...          verified_on=1, holders=2, weight=0.6).weight
    0.6
    """

    _subject: ClassVar[str] = "evidence"

    kind: EvidenceKind
    identity_key: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = None
    verified_on: Annotated[int, Field(ge=0, le=2)] = 0
    holders: Annotated[int, Field(ge=0)] = 0
    weight: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    detail: Annotated[str, StringConstraints(max_length=1024)] = ""

    @model_validator(mode="after")
    def _check_key(self) -> Self:
        if self.kind is EvidenceKind.SHARED_IDENTIFIER and self.identity_key is None:
            raise invalid("identity_key", "shared_identifier evidence names the identifier")
        return self


class SuggestionStatus(enum.StrEnum):
    """Where a merge suggestion stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    """Overtaken: one of its profiles was merged into a third one."""


class MergeSuggestion(Model):
    """Two profiles that may be one person, with the evidence and a score in
    [0, 1], waiting for a human to accept or reject.

    ``customer_ids`` is the pair in sorted order. ``version`` is the
    optimistic-concurrency counter, as for customers and cases.

    >>> s = MergeSuggestion(id="sug_1", customer_ids=("cus_b", "cus_a"), score=0.4,
    ...     evidence=[Evidence(kind="same_name", weight=0.4, detail="Ada Okafor")],
    ...     created_at="2026-06-12T09:30:00Z")
    >>> s.customer_ids, s.status
    (('cus_a', 'cus_b'), <SuggestionStatus.PENDING: 'pending'>)
    """

    _subject: ClassVar[str] = "merge suggestion"

    id: Id
    customer_ids: tuple[Id, Id]
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    evidence: tuple[Evidence, ...] = Field(min_length=1)
    status: SuggestionStatus = SuggestionStatus.PENDING
    created_at: AwareDatetime
    decided_at: AwareDatetime | None = None
    decided_by: _Text | None = None
    merge_id: Id | None = None
    """The merge that accepting this suggestion made."""
    note: Annotated[str, StringConstraints(max_length=1024)] = ""
    """Why it was not merged automatically, or why it was decided as it was."""
    version: Annotated[int, Field(ge=0, strict=True)] = 0

    @model_validator(mode="before")
    @classmethod
    def _sort_pair(cls, data: object) -> object:
        if isinstance(data, dict):
            pair = data.get("customer_ids")
            if (
                isinstance(pair, list | tuple)
                and len(pair) == 2
                and all(isinstance(p, str) for p in pair)
            ):
                data = {**data, "customer_ids": tuple(sorted(pair))}
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.customer_ids[0] == self.customer_ids[1]:
            raise invalid("customer_ids", "a suggestion pairs two different customers")
        decided = self.status in (SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED)
        if decided and self.decided_at is None:
            raise invalid("decided_at", f"a {self.status.value} suggestion says when")
        if self.status is SuggestionStatus.ACCEPTED and self.merge_id is None:
            raise invalid("merge_id", "an accepted suggestion names its merge")
        return self


class MergeRecord(Model):
    """One merge: ``absorbed_id`` folded into ``survivor_id``, when, why and by
    whom, with what it moved, so :func:`unmerge` can restore both profiles.

    ``survivor_before`` and ``absorbed_before`` are the two customer documents
    as they were; ``survivor_after`` the survivor as the merge left it;
    ``moved_cases`` and ``moved_interactions`` the records re-attributed from
    the absorbed profile. ``rule`` names the automatic rule that merged, or is
    ``None`` when ``actor`` (a person) did. ``undone_at`` is set by an unmerge.
    """

    _subject: ClassVar[str] = "merge record"

    id: Id
    survivor_id: Id
    absorbed_id: Id
    merged_at: AwareDatetime
    reason: _Text
    rule: _Text | None = None
    actor: _Text | None = None
    evidence: tuple[Evidence, ...] = ()
    suggestion_id: Id | None = None
    survivor_before: Customer
    absorbed_before: Customer
    survivor_after: Customer
    moved_cases: tuple[Id, ...] = ()
    moved_interactions: tuple[Id, ...] = ()
    undone_at: AwareDatetime | None = None
    undone_by: _Text | None = None
    undo_reason: Annotated[str, StringConstraints(max_length=1024)] = ""
    version: Annotated[int, Field(ge=0, strict=True)] = 0

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.survivor_id == self.absorbed_id:
            raise invalid("absorbed_id", "a customer cannot be merged into itself")
        if self.rule is None and self.actor is None:
            raise invalid("actor", "a merge names its rule or its actor")
        for field, doc, expected in (
            ("survivor_before", self.survivor_before, self.survivor_id),
            ("absorbed_before", self.absorbed_before, self.absorbed_id),
            ("survivor_after", self.survivor_after, self.survivor_id),
        ):
            if doc.id != expected:
                raise invalid(field, f"holds customer {doc.id!r}, not {expected!r}")
        return self

    @property
    def undone(self) -> bool:
        """True once the merge has been undone."""
        return self.undone_at is not None

    @property
    def customer_ids(self) -> tuple[str, str]:
        """The survivor and the absorbed customer."""
        return (self.survivor_id, self.absorbed_id)
