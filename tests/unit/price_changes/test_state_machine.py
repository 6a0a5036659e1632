"""Stateful test: a model outbox drives ``transition`` and ``choose_superseded`` at random.

The model plays the service: it creates changes (superseding what they displace), refuses
to start a push while another is in flight for the variant, supersedes a stale change
instead of pushing it, and re-checks a failed push against newer changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app.price_changes.state import (
    AUTO_ACTOR,
    INITIAL_STATES,
    TERMINAL_STATES,
    ChangeRef,
    ChangeState,
    InvalidTransition,
    choose_superseded,
    is_pushable,
    is_stale,
    transition,
)

S = ChangeState
T0 = datetime(2026, 3, 1, tzinfo=UTC)
VARIANTS = ["gid://shopify/ProductVariant/1", "gid://shopify/ProductVariant/2"]
ACTORS = [AUTO_ACTOR, "84512"]
PENDING = {S.PROPOSED, S.APPROVED, S.HELD, S.FAILED}
ALLOWED = {
    S.PROPOSED: {S.APPROVED, S.HELD, S.SUPERSEDED, S.REJECTED},
    S.APPROVED: {S.PUSHING, S.HELD, S.SUPERSEDED, S.REJECTED},
    S.PUSHING: {S.PUSHED, S.FAILED},
    S.PUSHED: set(),
    S.FAILED: {S.APPROVED, S.SUPERSEDED, S.REJECTED},
    S.HELD: {S.SUPERSEDED, S.REJECTED},
    S.SUPERSEDED: set(),
    S.REJECTED: set(),
}


@dataclass
class Change:
    change_id: int
    variant: str
    observed_at: datetime
    created_at: datetime
    history: list[ChangeState] = field(default_factory=list)

    @property
    def state(self) -> ChangeState:
        return self.history[-1]

    def ref(self) -> ChangeRef:
        return ChangeRef(
            self.change_id, self.variant, self.state, self.observed_at, self.created_at
        )


class OutboxMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = 0
        self.changes: list[Change] = []
        self.latest_observation = dict.fromkeys(VARIANTS, T0)
        self.pushed_observations: dict[str, list[datetime]] = {v: [] for v in VARIANTS}

    def tick(self) -> datetime:
        self.clock += 1
        return T0 + timedelta(seconds=self.clock)

    def move(self, change: Change, target: ChangeState, actor: str = AUTO_ACTOR) -> None:
        change.history.append(transition(change.state, target, actor=actor))

    @rule(variant=st.sampled_from(VARIANTS))
    def observe(self, variant: str) -> None:
        self.latest_observation[variant] = self.tick()

    @rule(
        variant=st.sampled_from(VARIANTS),
        age=st.integers(min_value=0, max_value=5),
        # mostly proposed, so that pushes happen; sometimes held from the start
        initial=st.sampled_from([S.PROPOSED, S.PROPOSED, S.PROPOSED, S.HELD]),
    )
    def propose(self, variant: str, age: int, initial: ChangeState) -> None:
        # age > 0 plays a job that computed its change from an observation since replaced
        observed_at = self.latest_observation[variant] - timedelta(seconds=age)
        new = ChangeRef(None, variant, initial, observed_at, self.tick())
        decision = choose_superseded([c.ref() for c in self.changes], new)
        if decision.new_is_outdated:
            assert any(
                c.variant == variant
                and c.state not in (S.SUPERSEDED, S.REJECTED)
                and c.ref().recency > new.recency
                for c in self.changes
            )
            return
        by_id = {c.change_id: c for c in self.changes}
        for displaced in decision.superseded:
            assert displaced.change_id is not None
            self.move(by_id[displaced.change_id], S.SUPERSEDED)
        self.changes.append(
            Change(len(self.changes), variant, observed_at, new.created_at, [initial])
        )

    def pick(self, index: int, *states: ChangeState) -> Change | None:
        candidates = [c for c in self.changes if c.state in states]
        return candidates[index % len(candidates)] if candidates else None

    def having(self, *states: ChangeState) -> bool:
        return any(c.state in states for c in self.changes)

    @precondition(lambda self: self.having(S.PROPOSED))
    @rule(index=st.integers(min_value=0), actor=st.sampled_from(ACTORS))
    def approve(self, index: int, actor: str) -> None:
        change = self.pick(index, S.PROPOSED)
        if change is not None:
            self.move(change, S.APPROVED, actor)

    @precondition(lambda self: self.having(S.APPROVED))
    @rule(index=st.integers(min_value=0))
    def push(self, index: int) -> None:
        change = self.pick(index, S.APPROVED)
        if change is not None:
            self.start_push(change)

    @precondition(lambda self: self.having(S.PUSHING))
    @rule(index=st.integers(min_value=0), succeeded=st.booleans())
    def finish_push(self, index: int, succeeded: bool) -> None:
        change = self.pick(index, S.PUSHING)
        if change is not None:
            self.finish(change, succeeded)

    @precondition(lambda self: self.having(S.FAILED))
    @rule(index=st.integers(min_value=0))
    def retry_by_hand(self, index: int) -> None:
        change = self.pick(index, S.FAILED)
        if change is not None:
            self.move(change, S.APPROVED, "84512")

    @precondition(lambda self: self.having(S.PROPOSED, S.APPROVED))
    @rule(index=st.integers(min_value=0))
    def hold(self, index: int) -> None:
        change = self.pick(index, S.PROPOSED, S.APPROVED)
        if change is not None:
            self.move(change, S.HELD)

    @precondition(lambda self: self.changes)
    @rule(
        index=st.integers(min_value=0),
        goal=st.sampled_from(ChangeState),
        actor=st.sampled_from(ACTORS),
    )
    def attempt(self, index: int, goal: ChangeState, actor: str) -> None:
        """Any target from any state: refused exactly when the table says so."""
        change = self.changes[index % len(self.changes)]
        before = change.state
        person_only = (before, goal) == (S.FAILED, S.APPROVED) or goal is S.REJECTED
        allowed = goal in ALLOWED[before] and not (person_only and actor == AUTO_ACTOR)
        if not allowed:
            with pytest.raises(InvalidTransition):
                transition(before, goal, actor=actor)
            assert change.state is before
        elif goal is S.PUSHING:
            self.start_push(change)
        elif goal in (S.PUSHED, S.FAILED):
            self.finish(change, goal is S.PUSHED)
        else:
            self.move(change, goal, actor)

    def finish(self, change: Change, succeeded: bool) -> None:
        if succeeded:
            self.move(change, S.PUSHED)
            return
        self.move(change, S.FAILED)
        # a newer change may have arrived while this push was in flight
        others = [c.ref() for c in self.changes if c is not change]
        if choose_superseded(others, change.ref()).new_is_outdated:
            self.move(change, S.SUPERSEDED)

    def start_push(self, change: Change) -> None:
        assert is_pushable(change.state)
        if any(c.variant == change.variant and c.state is S.PUSHING for c in self.changes):
            return  # the service waits for the push in flight
        if is_stale(change.observed_at, self.latest_observation[change.variant]):
            self.move(change, S.SUPERSEDED)
            return
        self.move(change, S.PUSHING)
        self.pushed_observations[change.variant].append(change.observed_at)

    @invariant()
    def histories_follow_the_table(self) -> None:
        for change in self.changes:
            assert change.history[0] in INITIAL_STATES
            for current, following in zip(change.history, change.history[1:], strict=False):
                assert following in ALLOWED[current]
            for state in change.history[:-1]:
                assert state not in TERMINAL_STATES  # terminal states stay terminal

    @invariant()
    def at_most_one_open_change_per_variant(self) -> None:
        for variant in VARIANTS:
            states = [c.state for c in self.changes if c.variant == variant]
            assert sum(state in PENDING for state in states) <= 1
            assert states.count(S.PUSHING) <= 1

    @invariant()
    def pushes_never_go_back_in_time(self) -> None:
        for observed in self.pushed_observations.values():
            assert observed == sorted(observed)


OutboxMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30)
test_outbox_state_machine = OutboxMachine.TestCase
