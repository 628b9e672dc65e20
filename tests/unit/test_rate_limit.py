"""The token buckets behind the rate limit, on an injected clock; and its setting."""

from __future__ import annotations

import threading

import pytest

from service.api.rate_limit import TokenBuckets
from service.config import PRODUCTION_RATE_LIMIT, Settings


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class TestTokenBuckets:
    def test_allows_a_minutes_worth_at_once_then_refuses(self, clock: FakeClock) -> None:
        buckets = TokenBuckets(60, clock=clock)
        assert [buckets.take("key:a") for _ in range(60)] == [0] * 60
        assert buckets.take("key:a") == 1

    def test_retry_after_is_the_whole_seconds_until_the_next_token(self, clock: FakeClock) -> None:
        buckets = TokenBuckets(6, clock=clock)  # one token every 10 s
        for _ in range(6):
            buckets.take("key:a")
        assert buckets.take("key:a") == 10
        clock.advance(2.5)
        assert buckets.take("key:a") == 8  # 7.5 s to go, rounded up

    def test_a_refused_request_spends_nothing(self, clock: FakeClock) -> None:
        buckets = TokenBuckets(6, clock=clock)
        for _ in range(6):
            buckets.take("key:a")
        for _ in range(5):
            assert buckets.take("key:a") > 0
        clock.advance(10)
        assert buckets.take("key:a") == 0

    def test_refills_at_the_rate_per_minute(self, clock: FakeClock) -> None:
        buckets = TokenBuckets(120, clock=clock)
        for _ in range(120):
            buckets.take("key:a")
        clock.advance(5)  # two tokens a second
        assert [buckets.take("key:a") for _ in range(11)] == [0] * 10 + [1]

    def test_never_holds_more_than_a_minutes_worth(self, clock: FakeClock) -> None:
        buckets = TokenBuckets(10, clock=clock)
        buckets.take("key:a")
        clock.advance(3600)
        assert [buckets.take("key:a") for _ in range(11)] == [0] * 10 + [6]

    def test_clients_do_not_share_a_bucket(self, clock: FakeClock) -> None:
        buckets = TokenBuckets(3, clock=clock)
        for _ in range(3):
            buckets.take("key:a")
        assert buckets.take("key:a") > 0
        assert buckets.take("key:b") == 0
        assert buckets.take("address:10.0.0.1") == 0

    def test_forgets_clients_idle_for_a_minute(self, clock: FakeClock) -> None:
        buckets = TokenBuckets(5, clock=clock)
        for client in ("key:a", "key:b", "address:10.0.0.1"):
            buckets.take(client)
        assert len(buckets) == 3
        clock.advance(61)
        buckets.take("key:c")
        assert len(buckets) == 1

    def test_concurrent_takes_never_exceed_the_budget(self, clock: FakeClock) -> None:
        buckets = TokenBuckets(500, clock=clock)
        allowed: list[int] = []

        def hammer() -> None:
            allowed.append(sum(1 for _ in range(100) if buckets.take("key:shared") == 0))

        threads = [threading.Thread(target=hammer) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(allowed) == 500

    def test_refuses_a_budget_of_zero(self) -> None:
        with pytest.raises(ValueError):
            TokenBuckets(0)


class TestRateLimitSetting:
    def test_is_off_by_default_outside_production(self) -> None:
        assert Settings(environment="development").rate_limit_per_minute == 0
        assert Settings(environment="test").rate_limit_per_minute == 0

    def test_production_gets_the_production_default(self) -> None:
        assert Settings(environment="production").rate_limit_per_minute == PRODUCTION_RATE_LIMIT

    def test_an_explicit_value_wins_in_production_too(self) -> None:
        for explicit in (0, 30):
            settings = Settings(environment="production", rate_limit_per_minute=explicit)
            assert settings.rate_limit_per_minute == explicit

    def test_refuses_a_negative_limit(self) -> None:
        with pytest.raises(ValueError):
            Settings(rate_limit_per_minute=-1)
