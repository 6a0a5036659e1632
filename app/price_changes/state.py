"""The price_change outbox state machine, pure.

::

    proposed ──► approved ──► pushing ──► pushed
        │            │            └─────► failed ──► approved   (a person retries)
        ├──► held ◄──┘
        ├──► superseded ◄── (proposed | approved | held | failed)
        └──► rejected ◄──── (proposed | approved | held | failed: a person says no)

Decisions, so no one has to guess:

* ``pushed``, ``superseded`` and ``rejected`` are terminal: nothing leaves them.
* ``rejected`` is a person's decision, never the automatic actor's; it differs from
  ``superseded`` (replaced by a newer quote), so the history tells the two apart, and the
  same quote is not proposed again (``app.price_changes.reprice``).
* ``failed`` is terminal for the machine; only a person may send it back to ``approved``
  (a manual retry). Transient errors are retried *inside* ``pushing`` (the attempts counter
  grows), so ``failed`` means retries ran out or Shopify refused the price.
* ``held`` is never approved. A hold is lifted by changing what caused it (the rules, the
  product's override or pause, the currency); the recomputed change then supersedes the held
  one. Approving a held change would push exactly the price the guard refused.
* ``pushing`` cannot be superseded: a push in flight finishes (``pushed`` or ``failed``)
  before anything replaces it, so the outbox never loses track of a write Shopify may have
  applied.
* A change is created either ``proposed`` or ``held`` (see ``INITIAL_STATES``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

AUTO_ACTOR = "auto"
_ACTOR = re.compile(r"[^\s]{1,255}")


class ChangeState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    PUSHING = "pushing"
    PUSHED = "pushed"
    FAILED = "failed"
    HELD = "held"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"


class InvalidTransition(ValueError):
    """A transition the table does not allow (or not for this actor)."""

    def __init__(self, current: ChangeState, target: ChangeState, why: str) -> None:
        super().__init__(f"price_change cannot go from {current} to {target}: {why}")
        self.current = current
        self.target = target


S = ChangeState
TRANSITIONS: dict[ChangeState, frozenset[ChangeState]] = {
    S.PROPOSED: frozenset({S.APPROVED, S.HELD, S.SUPERSEDED, S.REJECTED}),
    S.APPROVED: frozenset({S.PUSHING, S.HELD, S.SUPERSEDED, S.REJECTED}),
    S.PUSHING: frozenset({S.PUSHED, S.FAILED}),
    S.PUSHED: frozenset(),
    S.FAILED: frozenset({S.APPROVED, S.SUPERSEDED, S.REJECTED}),
    S.HELD: frozenset({S.SUPERSEDED, S.REJECTED}),
    S.SUPERSEDED: frozenset(),
    S.REJECTED: frozenset(),
}
# Transitions that need a person's decision, never the automatic actor.
PERSON_ONLY: frozenset[tuple[ChangeState, ChangeState]] = frozenset(
    {(S.FAILED, S.APPROVED)}
    | {(state, S.REJECTED) for state, targets in TRANSITIONS.items() if S.REJECTED in targets}
)
INITIAL_STATES: frozenset[ChangeState] = frozenset({S.PROPOSED, S.HELD})
TERMINAL_STATES: frozenset[ChangeState] = frozenset({S.PUSHED, S.SUPERSEDED, S.REJECTED})
# States whose change has not reached Shopify and may still be replaced by a newer one.
SUPERSEDABLE_STATES: frozenset[ChangeState] = frozenset(
    state for state, targets in TRANSITIONS.items() if S.SUPERSEDED in targets
)


def check_actor(actor: str) -> str:
    """An actor is ``"auto"`` or the Shopify user id from the session token (``sub``)."""
    if not isinstance(actor, str) or _ACTOR.fullmatch(actor) is None:
        raise ValueError(f"actor must be 'auto' or a Shopify user id, got {actor!r}")
    return actor


def transition(
    current: ChangeState, target: ChangeState, *, actor: str = AUTO_ACTOR
) -> ChangeState:
    """Return ``target`` if ``current -> target`` is allowed for ``actor``, else raise."""
    check_actor(actor)
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (terminal)"
        raise InvalidTransition(current, target, f"allowed: {allowed}")
    if (current, target) in PERSON_ONLY and actor == AUTO_ACTOR:
        raise InvalidTransition(current, target, "only a person may do this")
    return target


def is_pushable(state: ChangeState) -> bool:
    """Whether a push may *start* for a change in ``state`` (only once approved)."""
    return state is ChangeState.APPROVED


def is_terminal(state: ChangeState) -> bool:
    return state in TERMINAL_STATES


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One audited step of a price_change: when, by whom, from what to what."""

    from_state: ChangeState
    to_state: ChangeState
    at: datetime
    actor: str


def record_transition(
    current: ChangeState, target: ChangeState, *, actor: str, at: datetime
) -> TransitionRecord:
    """Check a transition and return the record to store with it (``at`` must be aware)."""
    _check_aware(at, "at")
    return TransitionRecord(current, transition(current, target, actor=actor), at, actor)


def _check_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")


def is_stale(change_observed_at: datetime, latest_observation_at: datetime) -> bool:
    """Whether a change was computed from an observation older than the latest one.

    ``change_observed_at`` is the ``observed_at`` of the observation the change came from
    (not the change's own creation time: a change created late from an old observation is
    still old). A stale change must not be pushed over the newer Amazon state; it is
    superseded instead. A change recomputed from the latest observation (a rule change) is
    not stale.
    """
    _check_aware(change_observed_at, "change_observed_at")
    _check_aware(latest_observation_at, "latest_observation_at")
    return change_observed_at < latest_observation_at


@dataclass(frozen=True, slots=True)
class ChangeRef:
    """What the supersede rule needs to know about one price_change.

    ``change_id`` is ``None`` for a change not stored yet. ``observed_at`` is the time of the
    observation the change was computed from; ``created_at`` breaks ties between changes
    computed from the same observation (a rule change recomputes from the same one).
    """

    change_id: int | None
    variant_gid: str
    state: ChangeState
    observed_at: datetime
    created_at: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.variant_gid, str) or not self.variant_gid:
            raise ValueError(f"variant_gid must be a non-empty string, got {self.variant_gid!r}")
        if not isinstance(self.state, ChangeState):
            raise TypeError(f"state must be a ChangeState, got {self.state!r}")
        _check_aware(self.observed_at, "observed_at")
        _check_aware(self.created_at, "created_at")

    @property
    def recency(self) -> tuple[datetime, datetime]:
        return (self.observed_at, self.created_at)


@dataclass(frozen=True, slots=True)
class Supersession:
    """The outcome of ``choose_superseded``.

    ``superseded``: existing changes to move to ``superseded`` now. ``new_is_outdated``: a
    change from a newer observation already exists for the variant, so the new one must not
    be created (or, if it is already stored, must itself be superseded).
    """

    superseded: tuple[ChangeRef, ...]
    new_is_outdated: bool


def choose_superseded(existing: Iterable[ChangeRef], new: ChangeRef) -> Supersession:
    """Decide what ``new`` displaces among the other changes of its variant.

    A change displaces every older one for the same variant that has not reached Shopify
    (proposed, approved, held, failed). ``pushing`` and ``pushed`` changes are never
    displaced. If any other change for the variant (in any state but superseded or rejected)
    comes from a
    newer observation, ``new`` is outdated and displaces nothing: an old price must never be
    pushed over a newer one. Among changes from the same observation the later-created wins,
    and ``new`` wins a complete tie.

    Calling it again for a change that just failed, with the variant's other changes, tells
    whether a newer change has overtaken it while it was in flight.
    """
    rivals = [
        change
        for change in existing
        if change.variant_gid == new.variant_gid
        and change.state not in (ChangeState.SUPERSEDED, ChangeState.REJECTED)
        and not (change.change_id is not None and change.change_id == new.change_id)
    ]
    if any(change.recency > new.recency for change in rivals):
        return Supersession(superseded=(), new_is_outdated=True)
    displaced = tuple(change for change in rivals if change.state in SUPERSEDABLE_STATES)
    return Supersession(superseded=displaced, new_is_outdated=False)
