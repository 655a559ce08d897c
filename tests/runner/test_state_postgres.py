"""What only PostgreSQL state has: masked URLs in errors, pairs isolated by schema."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from state_backends import Backend, postgres_url

from mapsync.engine.state import StateError, mask_url, open_store


def test_mask_url_hides_the_password_only() -> None:
    assert mask_url("postgresql://sync:s3cret@db:5432/m") == "postgresql://sync:***@db:5432/m"
    assert mask_url("postgresql://db/m?password=s3cret&x=1") == "postgresql://db/m?password=***&x=1"
    assert mask_url("postgresql://sync@db/m") == "postgresql://sync@db/m"


def test_an_unreachable_database_names_the_masked_url_and_the_reason() -> None:
    url = "postgresql://sync:s3cret@127.0.0.1:1/mapsync"
    with pytest.raises(StateError) as caught:
        open_store(url)
    text = str(caught.value)
    assert text.startswith("postgresql://sync:***@127.0.0.1:1/mapsync: cannot connect: ")
    assert "refused" in text and "s3cret" not in text


def test_wrong_credentials_name_the_masked_url_and_the_reason() -> None:
    url = postgres_url()
    parts = urlsplit(url)
    if parts.password is None:
        pytest.skip("the test server's URL has no password to get wrong")
    wrong = url.replace(f":{parts.password}@", ":not-the-password@", 1)
    with pytest.raises(StateError) as caught:
        open_store(wrong)
    text = str(caught.value)
    assert "password authentication failed" in text
    assert "not-the-password" not in text and ":***@" in text


def test_pairs_in_one_database_never_see_each_other(tmp_path: object) -> None:
    url = postgres_url()
    one, two = Backend("postgres", tmp_path), Backend("postgres", tmp_path)  # type: ignore[arg-type]
    try:
        with one.open() as a, two.open() as b:
            a.link("Customer", "C1", "001A")
            b.link("Customer", "C1", "001B")
            assert a.links_by_intacct_keys("Customer", ["C1"])["C1"].salesforce_id == "001A"
            assert b.count_links("Customer") == 1
            assert url.split("@")[-1] in a.label and "schema mapsync_" in a.label
    finally:
        one.drop()
        two.drop()
