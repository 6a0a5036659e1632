"""The reliability suite's stack fixture, for the scenarios run only by bench/reliability."""

from tests.reliability.conftest import stack

__all__ = ["stack"]
