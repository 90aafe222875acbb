"""Source URLs on denied hosts (caches, archives, parties, blogs) are refused with file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.services.content import check_bundle
from app.services.content.checks.sources import DENY_LIST, check_sources, denied
from tests.content.test_content_bundle import FIXTURES, make_bundle

REPO = Path(__file__).parents[2]
DEFAULTS = REPO / "content" / "courses"

LESSON_CITING_A_CACHE = """\
---
id: hajimeni
title: はじめに
minutes: 10
---

最初の段落です。

## 出典
- 内閣府 つながりサポーター <https://www.cao.go.jp/kodoku_koritsu/torikumi/tsunagarisupporters/index.html>
- 滋賀県の講座案内 <https://www-pref-shiga-lg-jp.cache.yimg.jp/kensei/koho/e-shinbun/event/341002.html>
"""


def test_a_lesson_citing_a_cache_copy_is_refused_with_file_and_line(tmp_path):
    root = make_bundle(tmp_path, {"lessons/01-hajimeni.md": LESSON_CITING_A_CACHE})
    result = check_bundle(root)
    assert not result.ok and result.bundle is None
    [error] = [e for e in result.errors if e.code == "source.host_denied"]
    assert (error.file, error.line, error.column) == ("lessons/01-hajimeni.md", 11, 13)
    assert "www-pref-shiga-lg-jp.cache.yimg.jp" in error.message_ja
    assert str(error).startswith("lessons/01-hajimeni.md:11:13: ")


def test_party_pages_and_blogs_are_refused_in_yaml_and_notes_too(tmp_path):
    root = make_bundle(
        tmp_path,
        {
            "quiz.yaml": (FIXTURES / "valid-adult" / "quiz.yaml")
            .read_text(encoding="utf-8")
            .replace("questions:", "# 参考: http://www.komei.or.jp/km/news/\nquestions:", 1),
            "notes.md": "# メモ\n\n確かめた場所: https://healthy-life21.com/2023/04/12/20230412 。\n",
        },
    )
    result = check_bundle(root)
    denied_errors = [(e.file, e.line) for e in result.errors if e.code == "source.host_denied"]
    assert ("notes.md", 3) in denied_errors
    assert any(file == "quiz.yaml" for file, _ in denied_errors)


def test_hosts_named_without_a_link_are_allowed_in_notes():
    # notes.md records where a fact was checked: a host named as plain text is not a citation.
    assert (
        check_sources({"notes.md": "品川区の講座案内（apply.e-tumo.jp）と www.komei.or.jp で確認。\n"}) == []
    )


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("www-pref-shiga-lg-jp.cache.yimg.jp", True),
        ("webcache.googleusercontent.com", True),
        ("web.archive.org", True),
        ("www.komei.or.jp", True),
        ("JIMIN.JP", True),
        ("topics.smt.docomo.ne.jp", True),
        ("www.cao.go.jp", False),
        ("www.notalone-cao.go.jp", False),
        ("laws.e-gov.go.jp", False),
        ("www.mhlw.go.jp", False),
        ("notjimin.jp", False),
    ],
)
def test_a_host_covers_its_subdomains_only(host, refused):
    assert (denied(host) is not None) is refused


@pytest.mark.parametrize("course", ["tsunagari-adult", "tsunagari-children"])
def test_default_courses_cite_no_denied_host(course):
    result = check_bundle(DEFAULTS / course)
    assert result.ok, [str(e) for e in result.errors]


def test_the_format_docs_print_the_whole_deny_list():
    readme = (REPO / "content" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Hosts a course may not cite", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[2] for line in section.splitlines() if line.startswith("| ")][1:]
    listed = set(re.findall(r"`([a-z0-9.\-]+\.[a-z]+)`", "".join(rows)))
    assert listed == {host for group in DENY_LIST for host in group.hosts}
