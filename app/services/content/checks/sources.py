"""Source URLs a course may not cite: the deny list of hosts and the check that applies it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import ContentError


@dataclass(frozen=True)
class DeniedHosts:
    """A group of hosts refused for one reason; a host also covers its subdomains."""

    reason_ja: str
    reason_en: str
    hosts: tuple[str, ...]


# The one list. content/README.md prints it (a test keeps the two equal). Courses are handed out
# by municipalities and schools: they cite primary, politically neutral sources only.
DENY_LIST: tuple[DeniedHosts, ...] = (
    DeniedHosts(
        "検索エンジンや翻訳サービスが作った写しで、元のページではありません",
        "a copy made by a search engine or translation service, not the page itself",
        ("cache.yimg.jp", "webcache.googleusercontent.com", "cc.bingj.com", "translate.goog"),
    ),
    # A snapshot is stable, but it is a third party's copy of a page that may since have changed
    # or gone: the course cites the live primary page, and the snapshot's address, if it matters,
    # goes into the bundle's notes.md as plain text (not a link).
    DeniedHosts(
        "ウェブ魚拓・アーカイブの写しで、元のページではありません",
        "an archived copy, not the page itself",
        ("web.archive.org", "archive.ph", "archive.today", "archive.is", "megalodon.jp", "gyo.tc"),
    ),
    DeniedHosts(
        "政党のページで、講座は政治的に中立でなければなりません",
        "a political party's page, and a course must stay politically neutral",
        (
            "jimin.jp",
            "komei.or.jp",
            "cdp-japan.jp",
            "o-ishin.jp",
            "new-kokumin.jp",
            "jcp.or.jp",
            "reiwa-shinsengumi.com",
            "sdp.or.jp",
            "sanseito.jp",
            "hoshuto.jp",
        ),
    ),
    DeniedHosts(
        "ブログ・まとめサイト・ニュースの転載サイトで、一次資料ではありません",
        "a blog, aggregator or news reposting site, not a primary source",
        (
            "healthy-life21.com",
            "topics.smt.docomo.ne.jp",
            "news.livedoor.com",
            "news.mixi.jp",
            "nordot.app",
            "b.hatena.ne.jp",
            "blog.goo.ne.jp",
            "blog.canpan.info",
            "ameblo.jp",
            "note.com",
        ),
    ),
    DeniedHosts(
        "法令や政府資料の非公式な写しです（法令は e-Gov 法令検索、資料は公表した府省のページを出典にします）",
        "an unofficial copy of laws or government papers (cite e-Gov for laws and the publishing "
        "ministry for papers)",
        ("elaws.jp", "iuris.jp", "jplaws.app", "wic-net.com"),
    ),
)

# An http(s) URL as written in Markdown or YAML: it ends at space, brackets, <> or Japanese
# punctuation; trailing ASCII punctuation is trimmed below.
_URL_RE = re.compile(r"https?://[^\s<>()\[\]{}「」『』（）、。，＜＞\"'`]+", re.IGNORECASE)


def denied(host: str) -> DeniedHosts | None:
    """The deny-list group that refuses this host (or a parent domain of it), if any."""
    host = host.lower().rstrip(".")
    for group in DENY_LIST:
        for denied_host in group.hosts:
            if host == denied_host or host.endswith("." + denied_host):
                return group
    return None


def check_sources(texts: dict[str, str]) -> list[ContentError]:
    """Errors for every http(s) URL on a denied host in the bundle's text files, with file:line."""
    errors: list[ContentError] = []
    for rel in sorted(texts):
        text = texts[rel]
        for match in _URL_RE.finditer(text):
            url = match.group(0).rstrip(".,;:!?*_")
            try:
                host = urlsplit(url).hostname or ""
            except ValueError:  # a malformed address is not ours to judge here
                continue
            group = denied(host)
            if group is None:
                continue
            start = match.start()
            line = text.count("\n", 0, start) + 1
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            errors.append(
                ContentError(
                    rel,
                    line,
                    column,
                    "source.host_denied",
                    f"{host} は出典に使えません（{group.reason_ja}）。内閣府・各省庁・e-Gov 法令検索・"
                    "調査の結果ページ・相談窓口の運営者など、一次資料のページを書いてください。"
                    "一次資料で確かめられないときは、その事実が必要かを考え、残すなら確かめた場所を"
                    "notes.md にリンクなしで書いてください。",
                    f"{host} cannot be cited ({group.reason_en}). Cite a primary source instead: the "
                    "Cabinet Office, a ministry, e-Gov, the survey's own pages or the hotline's "
                    "operator. If no primary source confirms the fact, keep it only if it matters and "
                    "note in notes.md, without a link, where it was checked.",
                )
            )
    return errors
