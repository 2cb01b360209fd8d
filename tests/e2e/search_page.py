"""Searching from the /search page, waiting out the indexer's first batch."""

from __future__ import annotations

import time

from playwright.sync_api import Locator, Page, expect


def search_until_found(page: Page, query: str, within_s: float = 90) -> Locator:
    """Ask `query` until a hit shows (the indexer loads its model on its first batch); the hits."""
    box = page.get_by_role("textbox", name="Search")
    hits = page.get_by_test_id("search-hit")
    deadline = time.monotonic() + within_s
    while True:
        box.fill(query)
        page.get_by_role("button", name="Search").click()
        try:
            expect(hits.first).to_be_visible(timeout=15000)
            return hits
        except AssertionError:
            if time.monotonic() > deadline:
                raise
