"""Locust file of `scripts/bench_load_generator.py`: users that call `GET /health` back to back (no think time)."""

from __future__ import annotations

from locust import FastHttpUser, constant, task


class HealthHammer(FastHttpUser):
    """Calls /health as fast as the generator can; measures the generator, not a realistic mix."""

    wait_time = constant(0)
    network_timeout = 10.0
    connection_timeout = 10.0

    @task
    def health(self) -> None:
        """One GET /health."""
        self.client.get("/health", name="GET /health")
