from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.price_changes.state import (
    AUTO_ACTOR,
    INITIAL_STATES,
    ChangeRef,
    ChangeState,
    InvalidTransition,
    choose_superseded,
    is_pushable,
    is_stale,
    is_terminal,
    record_transition,
    transition,
)

S = ChangeState
PERSON = "84512"  # a Shopify user id, as the session token's ``sub`` gives it
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

# Written out by hand (not read from the module) so a change to the table fails here.
ALLOWED = {
    (S.PROPOSED, S.APPROVED),
    (S.PROPOSED, S.HELD),
    (S.PROPOSED, S.SUPERSEDED),
    (S.APPROVED, S.PUSHING),
    (S.APPROVED, S.HELD),
    (S.APPROVED, S.SUPERSEDED),
    (S.PUSHING, S.PUSHED),
    (S.PUSHING, S.FAILED),
    (S.FAILED, S.APPROVED),
    (S.FAILED, S.SUPERSEDED),
    (S.HELD, S.SUPERSEDED),
    (S.PROPOSED, S.REJECTED),
    (S.APPROVED, S.REJECTED),
    (S.FAILED, S.REJECTED),
    (S.HELD, S.REJECTED),
}
# A person's decisions: the automatic actor may never take them.
PERSON_ONLY = {(S.FAILED, S.APPROVED)} | {(a, b) for a, b in ALLOWED if b is S.REJECTED}
PAIRS = [(a, b) for a in S for b in S]


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_transition_table_for_a_person(current: ChangeState, target: ChangeState) -> None:
    if (current, target) in ALLOWED:
        assert transition(current, target, actor=PERSON) is target
    else:
        with pytest.raises(InvalidTransition, match=f"from {current} to {target}"):
            transition(current, target, actor=PERSON)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_only_a_retry_or_a_reject_needs_a_person(current: ChangeState, target: ChangeState) -> None:
    if (current, target) in PERSON_ONLY:
        with pytest.raises(InvalidTransition, match="only a person"):
            transition(current, target)
    else:
        assert transition(current, target, actor=AUTO_ACTOR) is target


def test_states_and_their_roles() -> None:
    assert [state.value for state in S] == [
        "proposed",
        "approved",
        "pushing",
        "pushed",
        "failed",
        "held",
        "superseded",
        "rejected",
    ]
    assert {state for state in S if is_terminal(state)} == {S.PUSHED, S.SUPERSEDED, S.REJECTED}
    assert {state for state in S if is_pushable(state)} == {S.APPROVED}
    assert {S.PROPOSED, S.HELD} == INITIAL_STATES


def test_a_held_change_is_never_approved_even_by_a_person() -> None:
    with pytest.raises(InvalidTransition, match="allowed: rejected, superseded"):
        transition(S.HELD, S.APPROVED, actor=PERSON)


def test_a_push_in_flight_is_not_superseded() -> None:
    with pytest.raises(InvalidTransition):
        transition(S.PUSHING, S.SUPERSEDED)


@pytest.mark.parametrize("actor", ["", " ", "two words", "x" * 256])
def test_actor_must_be_auto_or_a_user_id(actor: str) -> None:
    with pytest.raises(ValueError, match="actor"):
        transition(S.PROPOSED, S.APPROVED, actor=actor)


def test_record_transition_keeps_who_and_when() -> None:
    record = record_transition(S.PROPOSED, S.APPROVED, actor=PERSON, at=T0)
    assert record.from_state is S.PROPOSED
    assert record.to_state is S.APPROVED
    assert record.actor == PERSON
    assert record.at == T0


def test_record_transition_checks_the_table_and_the_clock() -> None:
    with pytest.raises(InvalidTransition):
        record_transition(S.PUSHED, S.APPROVED, actor=PERSON, at=T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        record_transition(S.PROPOSED, S.APPROVED, actor=PERSON, at=datetime(2026, 3, 1))  # noqa: DTZ001


def test_is_stale() -> None:
    assert is_stale(T0, T0 + timedelta(seconds=1))
    assert not is_stale(T0, T0)  # recomputed from the latest observation (a rule change)
    assert not is_stale(T0 + timedelta(hours=1), T0)
    with pytest.raises(ValueError, match="latest_observation_at"):
        is_stale(T0, datetime(2026, 3, 1))  # noqa: DTZ001


def ref(
    change_id: int | None,
    state: ChangeState,
    observed: int,
    created: int | None = None,
    variant: str = "gid://shopify/ProductVariant/1",
) -> ChangeRef:
    return ChangeRef(
        change_id=change_id,
        variant_gid=variant,
        state=state,
        observed_at=T0 + timedelta(minutes=observed),
        created_at=T0 + timedelta(minutes=observed if created is None else created),
    )


def test_new_change_supersedes_every_older_unpushed_one() -> None:
    existing = [
        ref(1, S.PROPOSED, 1),
        ref(2, S.APPROVED, 2),
        ref(3, S.HELD, 3),
        ref(4, S.FAILED, 4),
        ref(5, S.PUSHING, 5),
        ref(6, S.PUSHED, 0),
        ref(7, S.SUPERSEDED, 0),
        ref(8, S.PROPOSED, 1, variant="gid://shopify/ProductVariant/2"),
    ]
    decision = choose_superseded(existing, ref(None, S.PROPOSED, 10))
    assert not decision.new_is_outdated
    assert [change.change_id for change in decision.superseded] == [1, 2, 3, 4]


def test_a_change_from_an_older_observation_is_outdated() -> None:
    existing = [ref(1, S.PROPOSED, 5), ref(2, S.PROPOSED, 2)]
    decision = choose_superseded(existing, ref(None, S.PROPOSED, 3))
    assert decision.new_is_outdated
    assert decision.superseded == ()


def test_an_older_change_never_goes_over_a_newer_pushed_price() -> None:
    decision = choose_superseded([ref(1, S.PUSHED, 5)], ref(None, S.PROPOSED, 3))
    assert decision.new_is_outdated


def test_same_observation_the_later_computation_wins() -> None:
    # a rule change recomputes from the same observation
    existing = [ref(1, S.PROPOSED, 5, created=5)]
    decision = choose_superseded(existing, ref(None, S.PROPOSED, 5, created=9))
    assert [change.change_id for change in decision.superseded] == [1]
    decision = choose_superseded(existing, ref(None, S.PROPOSED, 5, created=5))
    assert [change.change_id for change in decision.superseded] == [1]


def test_a_failed_push_overtaken_while_in_flight_is_outdated() -> None:
    failed = ref(1, S.FAILED, 1)
    newer = ref(2, S.PROPOSED, 2)
    assert choose_superseded([failed, newer], failed).new_is_outdated
    assert not choose_superseded([failed], failed).new_is_outdated


def test_change_ref_validates() -> None:
    with pytest.raises(ValueError, match="variant_gid"):
        ref(1, S.PROPOSED, 1, variant="")
    with pytest.raises(ValueError, match="observed_at"):
        ChangeRef(1, "gid://x", S.PROPOSED, datetime(2026, 1, 1), T0)  # noqa: DTZ001
    with pytest.raises(TypeError, match="state"):
        ChangeRef(1, "gid://x", "proposed", T0, T0)  # type: ignore[arg-type]
