"""The English catalogue: complete, placeholders intact, and chosen by the browser or the switch."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import post_form

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"

# %(name)s, %(n)d, %(p)d … and the literal %% (a percent sign in a template string).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def compiled_catalogue(tmp_path_factory) -> Path:
    """The .po compiled into a temporary folder: these tests read what is in the .po now, and never
    write into app/translations (that is `make translations`' job)."""
    folder = tmp_path_factory.mktemp("translations")
    target = folder / "en" / "LC_MESSAGES" / "messages.mo"
    target.parent.mkdir(parents=True)
    with target.open("wb") as fh:
        write_mo(fh, _catalog())
    return folder


@pytest.fixture(autouse=True)
def _use_compiled_catalogue(request, compiled_catalogue):
    if "client" in request.fixturenames:
        app = request.getfixturevalue("app")
        app.extensions["babel"].translation_directories = [str(compiled_catalogue)]


def _messages():
    return [m for m in _catalog() if m.id]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _sample_values(text: str) -> dict:
    """A value for every named placeholder of a message, of the type its conversion needs."""
    values = {}
    for name, conversion in re.findall(r"%\(([^)]*)\)[-#0 +]*\d*(?:\.\d+)?([a-zA-Z])", text):
        values[name] = 1 if conversion in "dieEfFgGxXoc" else "x"
    return values


def test_every_message_is_translated():
    messages = _messages()
    assert len(messages) > 100
    untranslated = [m.id for m in messages if not m.string or not str(m.string).strip()]
    assert untranslated == [], f"{len(untranslated)} messages without an English translation"
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert fuzzy == [], "fuzzy entries must be checked and the flag removed"


def test_placeholders_are_kept():
    wrong = [(m.id, m.string) for m in _messages() if _placeholders(m.id) != _placeholders(m.string)]
    assert wrong == []


def test_translations_format_like_the_japanese():
    """Templates always %-format their strings, so a stray % in a translation would break the page."""
    broken = []
    for m in _messages():
        values = _sample_values(m.id)
        try:
            m.id % values
        except (TypeError, ValueError, KeyError):
            continue  # never %-formatted, so nothing to compare
        try:
            m.string % values
        except (TypeError, ValueError, KeyError) as error:
            broken.append((m.id, m.string, str(error)))
    assert broken == []


def test_catalogue_passes_babel_checks():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _catalog().check()]
    assert problems == []


def _page(client, url: str, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_accept_language_english(client):
    html = _page(client, "/login", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "ログイン" not in html
    assert "Email address" in html and "Password" in html  # the form labels too
    assert "メールアドレス" not in _visible_text(html)


def test_accept_language_japanese(client):
    html = _page(client, "/login", **{"Accept-Language": "ja"})
    assert '<html lang="ja">' in html
    assert "ログイン" in html
    assert "Log in" not in html


def test_japanese_is_the_default(client):
    html = _page(client, "/login")
    assert '<html lang="ja">' in html
    assert "ログイン" in html


def test_language_switch_applies_to_the_following_pages(client):
    assert "ログイン" in _page(client, "/login")
    response = post_form(client, "/language", {"lang": "en", "next": "/login"}, token_from="/login")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    html = _page(client, "/login")
    assert '<html lang="en">' in html and "Log in" in html
    register = _page(client, "/register")
    assert '<html lang="en">' in register and "Register" in register
    assert '<html lang="en">' in _page(client, "/verify")

    # Back to Japanese: the choice wins over the browser's language.
    post_form(client, "/language", {"lang": "ja", "next": "/login"}, token_from="/login")
    html = _page(client, "/login", **{"Accept-Language": "en"})
    assert '<html lang="ja">' in html and "ログイン" in html


def test_language_switch_ignores_unknown_languages(client):
    post_form(client, "/language", {"lang": "fr", "next": "/login"}, token_from="/login")
    html = _page(client, "/login")
    assert '<html lang="ja">' in html


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """A string added to a template or the code without `make translations-update` would stay
    Japanese in the English interface: extract the source as the Makefile does and compare."""
    import subprocess
    import sys

    root = TRANSLATIONS.parent.parent
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
                   cwd=root, check=True, capture_output=True)
    with pot.open("rb") as fh:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    in_catalogue = {m.id if isinstance(m.id, str) else m.id[0] for m in _messages()}
    missing = sorted(in_code - in_catalogue)
    assert missing == [], f"{len(missing)} strings not in the catalogue (run `make translations-update`): {missing[:5]}"
