"""Deterministic faults for the next N requests: HTTP errors, timeouts, injected userErrors."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

HTTP_STATUSES = (429, 500, 502, 503, 504)
KINDS = ("http", "timeout", "user_error")


@dataclass(frozen=True)
class Fault:
    """`http`: answer `status`; `timeout`: sleep `sleep_seconds` then serve normally;
    `user_error`: fail `variant_id` in the next productVariantsBulkUpdate naming it."""

    kind: str
    count: int = 1
    shop: str | None = None
    status: int = 503
    sleep_seconds: float = 0.0
    variant_id: str | None = None
    code: str = "INVALID_INPUT"
    message: str = "Input is invalid."

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind {self.kind!r} not one of {KINDS}")
        if self.count < 1:
            raise ValueError(f"fault count must be >= 1, got {self.count}")
        if self.kind == "http" and self.status not in HTTP_STATUSES:
            raise ValueError(f"fault status {self.status} not one of {HTTP_STATUSES}")
        if self.sleep_seconds < 0:
            raise ValueError(f"sleep_seconds must be >= 0, got {self.sleep_seconds}")
        if self.kind == "user_error" and not self.variant_id:
            raise ValueError("a user_error fault needs variant_id (a ProductVariant GID)")

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Fault:
        allowed = set(cls.__dataclass_fields__)
        unknown = set(body) - allowed
        if unknown:
            raise ValueError(f"unknown fault fields {sorted(unknown)}")
        return cls(**body)

    def applies_to(self, shop: str) -> bool:
        return self.shop is None or self.shop == shop


class Faults:
    """A queue of armed faults, consumed in the order they were armed."""

    def __init__(self) -> None:
        self._armed: list[list[Any]] = []  # [fault, remaining]
        self._lock = threading.Lock()

    def arm(self, fault: Fault) -> None:
        with self._lock:
            self._armed.append([fault, fault.count])

    def take(self, shop: str, kinds: tuple[str, ...]) -> Fault | None:
        """Consume one use of the first armed fault of `kinds` for `shop`."""
        with self._lock:
            for entry in self._armed:
                fault: Fault = entry[0]
                if fault.kind in kinds and fault.applies_to(shop):
                    entry[1] -= 1
                    if entry[1] == 0:
                        self._armed.remove(entry)
                    return fault
        return None

    def take_user_error(self, shop: str, variant_ids: set[str]) -> Fault | None:
        with self._lock:
            for entry in self._armed:
                fault: Fault = entry[0]
                if (
                    fault.kind == "user_error"
                    and fault.applies_to(shop)
                    and fault.variant_id in variant_ids
                ):
                    entry[1] -= 1
                    if entry[1] == 0:
                        self._armed.remove(entry)
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"kind": f.kind, "shop": f.shop, "remaining": n, "status": f.status}
                for f, n in self._armed
            ]

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
