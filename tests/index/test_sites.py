"""Hosts and name keys: a Wayback capture belongs to the page it captured, and a site is found
however its name or address is typed."""

from __future__ import annotations

import pytest

from index.sites import site_key, typed_host, url_host, wayback_original


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.nationalpost.com/news/a", "nationalpost.com"),
        (
            "https://web.archive.org/web/20171008220355/http://juergenheitmann.com/a/",
            "juergenheitmann.com",
        ),
        # the Wayback Machine often writes the original's scheme with one slash
        (
            "https://web.archive.org/web/20160330101229/http:/muffinrezept.net/a/",
            "muffinrezept.net",
        ),
        ("http://web.archive.org/web/20130217080612id_/tv-orange.de/2012/08/a/", "tv-orange.de"),
        ("https://web.archive.org/", "web.archive.org"),
        (None, None),
    ],
)
def test_url_host(url: str | None, host: str | None) -> None:
    assert url_host(url) == host


def test_wayback_original_is_the_captured_address() -> None:
    capture = "https://web.archive.org/web/20160330101229/http:/muffinrezept.net/grundrezept/"
    assert wayback_original(capture) == "http://muffinrezept.net/grundrezept/"
    assert wayback_original("https://muffinrezept.net/grundrezept/") is None


def test_site_keys_fold_case_accents_and_spacing() -> None:
    assert site_key("National Post") == site_key("national post") == site_key("NATIONAL-POST")
    assert site_key("Süddeutsche Zeitung") == site_key("suddeutsche zeitung")
    assert site_key("TimesLIVE") != site_key("TimesLIVE Premium")


def test_typed_host_reads_addresses_only() -> None:
    assert typed_host("nationalpost.com") == "nationalpost.com"
    assert typed_host("https://www.nationalpost.com/news") == "nationalpost.com"
    assert typed_host("national post") is None
    assert typed_host("National Post") is None
