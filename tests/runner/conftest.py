"""Fixtures of the runner tests: `backend` and `store` run a test on each state backend."""

from state_backends import backend, store

__all__ = ["backend", "store"]
