"""A per-shop mirror of Shopify's leaky bucket of cost points, shared through Redis.

Every worker process reserves the cost of a call before sending it (a Lua script refills the
bucket at the restore rate since the last update, then takes the points or says how long to
wait), and settles it with the ``throttleStatus`` of the answer. Reservations of calls still in
flight stay deducted, so many processes together never send more than the bucket holds. The
clock is Redis's (``TIME``), so processes on different machines agree on it.

Shopify's figure is older than our ledger: it counts only the calls Shopify had received
when it answered. So when an answer's ``currentlyAvailable`` is applied, every other call
still in flight (reserved with a ticket, not yet settled) is deducted from it as well; a call
Shopify already charged is then counted twice until it settles, which costs a small cushion of
points, never a THROTTLED answer. Without that, the mirror keeps the refill it earned while
Shopify's bucket sat full (we charge at reservation, Shopify when the request arrives) and
overdraws once, when the first full bucket runs dry (bench/push/README.md). A ticket is a
lease: a worker killed mid-call stops counting after ``LEASE_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis

# A Standard-plan shop: 100 points/s restore, 2,000 points in the bucket. Used until the first
# answer tells us the shop's real figures; every plan is at least this generous.
DEFAULT_MAXIMUM = 2000.0
DEFAULT_RESTORE_RATE = 100.0
KEY_TTL_SECONDS = 3600
MAX_SLEEP_SECONDS = 1.0
# Longer than one HTTP attempt can live (the client's connect + read timeouts).
LEASE_SECONDS = 60

_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'available', 'maximum', 'rate', 'at')
local maximum = tonumber(b[2]) or tonumber(ARGV[2])
local rate = tonumber(b[3]) or tonumber(ARGV[3])
local available = tonumber(b[1]) or maximum
local at = tonumber(b[4]) or now
available = math.min(maximum, available + math.max(0, now - at) * rate)
-- Costs of the calls in flight (fields "r:<ticket>" = "<cost> <deadline>"), except one;
-- expired leases are dropped.
local function in_flight(except)
  local total = 0
  local fields = redis.call('HGETALL', KEYS[1])
  for i = 1, #fields, 2 do
    local name = fields[i]
    if string.sub(name, 1, 2) == 'r:' then
      local cost, deadline = string.match(fields[i + 1], '^(%S+) (%S+)$')
      if tonumber(deadline) <= now then
        redis.call('HDEL', KEYS[1], name)
      elseif name ~= except then
        total = total + tonumber(cost)
      end
    end
  end
  return total
end
"""
_STORE = """
redis.call('HSET', KEYS[1], 'available', tostring(available), 'maximum', tostring(maximum),
  'rate', tostring(rate), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
"""
# ARGV: cost, default maximum, default rate, ttl, ticket or '', lease seconds.
# Returns "0" or the seconds to wait.
RESERVE = (
    _PRELUDE
    + """
local cost = math.min(tonumber(ARGV[1]), maximum)
if available >= cost then
  available = available - cost
  if ARGV[5] ~= '' then
    local deadline = tostring(now + tonumber(ARGV[6]))
    redis.call('HSET', KEYS[1], 'r:' .. ARGV[5], ARGV[1] .. ' ' .. deadline)
  end
  """
    + _STORE
    + """
  return '0'
end
"""
    + _STORE
    + """
return tostring((cost - available) / rate)
"""
)
# ARGV: refund, default maximum, default rate, ttl, reported available or '', maximum, rate,
# ticket or ''.
SETTLE = (
    _PRELUDE
    + """
if ARGV[8] ~= '' then
  redis.call('HDEL', KEYS[1], 'r:' .. ARGV[8])
end
available = available + tonumber(ARGV[1])
if ARGV[5] ~= '' then
  maximum = tonumber(ARGV[6])
  rate = tonumber(ARGV[7])
  available = math.min(available, tonumber(ARGV[5]) - in_flight(''))
end
available = math.max(0, math.min(maximum, available))
"""
    + _STORE
    + """
return tostring(available)
"""
)


@dataclass(frozen=True)
class ThrottleStatus:
    """``extensions.cost.throttleStatus`` of an answer."""

    maximum_available: float
    currently_available: float
    restore_rate: float

    def __post_init__(self) -> None:
        if self.maximum_available <= 0 or self.restore_rate <= 0:
            raise ValueError(f"throttleStatus needs positive maximum and rate, got {self!r}")
        if not 0 <= self.currently_available <= self.maximum_available:
            raise ValueError(f"currentlyAvailable out of range in {self!r}")

    @classmethod
    def from_json(cls, raw: object) -> ThrottleStatus | None:
        if not isinstance(raw, dict):
            return None
        try:
            return cls(
                float(raw["maximumAvailable"]),
                float(raw["currentlyAvailable"]),
                float(raw["restoreRate"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"malformed throttleStatus {raw!r}: {error}") from error


class ThrottleTimeout(RuntimeError):
    """Waited longer than allowed for the bucket to hold a call's cost."""


class CostThrottle:
    """The shared bucket of one shop."""

    def __init__(
        self,
        redis: Redis,
        shop: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_seconds: float = 120.0,
    ) -> None:
        self.redis = redis
        self.key = f"pricebridge:shopify:throttle:{shop}"
        self.sleep = sleep
        self.max_wait_seconds = max_wait_seconds

    def _defaults(self) -> tuple[float, float, int]:
        return DEFAULT_MAXIMUM, DEFAULT_RESTORE_RATE, KEY_TTL_SECONDS

    def try_reserve(self, cost: float, *, ticket: str = "") -> float:
        """Take ``cost`` points now (returns 0) or return how many seconds until they fit.

        A ``ticket`` marks the points as a call in flight until ``settle`` gets the same one.
        """
        wait = self.redis.eval(RESERVE, 1, self.key, cost, *self._defaults(), ticket, LEASE_SECONDS)
        return float(wait)

    def reserve(self, cost: float, *, ticket: str = "") -> float:
        """Block until ``cost`` points are taken; return the seconds spent waiting."""
        waited = 0.0
        while True:
            wait = self.try_reserve(cost, ticket=ticket)
            if wait <= 0:
                return waited
            if waited + wait > self.max_wait_seconds:
                raise ThrottleTimeout(f"{self.key}: {cost} points not available within the limit")
            pause = min(wait, MAX_SLEEP_SECONDS)
            self.sleep(pause)
            waited += pause

    def settle(
        self,
        reserved: float,
        actual: float | None,
        status: ThrottleStatus | None,
        *,
        ticket: str = "",
    ) -> float:
        """Give back what a call did not spend and align with Shopify's own figures.

        ``actual`` ``None`` with no status (a network failure) refunds nothing: the call may
        have been charged. Returns the points available afterwards.
        """
        refund = 0.0 if actual is None else max(0.0, reserved - actual)
        extra: tuple[str | float, ...] = ("", 0, 0)
        if status is not None:
            extra = (status.currently_available, status.maximum_available, status.restore_rate)
        left = self.redis.eval(SETTLE, 1, self.key, refund, *self._defaults(), *extra, ticket)
        return float(left)

    def available(self) -> float:
        """Points the mirror holds now (refilled), without taking any."""
        return self.settle(0.0, 0.0, None)
