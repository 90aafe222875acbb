"""On a phone the language switch sits beside the menu button, not behind メニュー (someone who reads
no Japanese cannot find it there); the wide header row keeps its own. Every page has it twice,
and CSS shows one of the two by width."""
from __future__ import annotations

import re


def _between(html: str, start: str, end: str) -> str:
    i = html.index(start)
    return html[i:html.index(end, i)]


def test_the_phone_header_shows_the_language_switch_outside_the_menu(client):
    html = client.get("/login").get_data(as_text=True)
    assert html.count('class="lang-switch"') == 2
    compact = _between(html, 'class="lang-compact"', "</form>")
    assert re.search(r'<button type="submit" name="lang" value="en" lang="en">English</button>', compact)
    assert html.index('class="lang-compact"') < html.index('class="menu-compact"')  # before the menu button
    assert "lang-switch" not in _between(html, 'class="menu-panel"', "</details>")
    assert "lang-switch" in _between(html, 'class="menu-full"', "</header>")


def test_in_english_it_offers_japanese(client):
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    compact = _between(html, 'class="lang-compact"', "</form>")
    assert 'value="ja" lang="ja">日本語</button>' in compact
