"""Shared pytest configuration: every test runs inside the repository's walls (see
`tests/isolation.py`)."""

from tests.isolation import refuse_reading_beside_the_repository

refuse_reading_beside_the_repository()
