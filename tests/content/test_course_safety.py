"""The default courses' text where a life may be at risk, their quotations and their quizzes.

These read the bundle files themselves: the words trainees and pupils see are the thing under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from app.services.content import check_bundle

COURSES = Path(__file__).resolve().parents[2] / "content" / "courses"
ADULT = COURSES / "tsunagari-adult"
CHILDREN = COURSES / "tsunagari-children"

# 孤独・孤立対策推進法 第2条第1号, as in /work/shared/reference/course-facts.md (e-Gov 法令検索).
LAW_ARTICLE_2_ITEM_1 = (
    "孤独・孤立の状態は人生のあらゆる段階において何人にも生じ得るものであり、…孤独・孤立の状態にある者の"
    "問題が社会全体の課題であるとの認識の下に、社会のあらゆる分野において孤独・孤立対策の推進を図ることが"
    "重要であることを旨とすること。"
)
LAW_ARTICLE_1 = (
    "日常生活若しくは社会生活において孤独を覚えることにより、又は社会から孤立していることにより心身に有害な"
    "影響を受けている状態"
)
_FURIGANA = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")
_LINES = re.compile(r"0120-|0570-")


def plain(text: str) -> str:
    return _FURIGANA.sub(r"\1", text)


def body(path: Path) -> str:
    """A lesson's text without its front matter and its 出典 section, furigana markup dropped."""
    text = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return plain(text.split("## 出典", 1)[0])


def lessons(folder: Path) -> list[Path]:
    return sorted((folder / "lessons").glob("*.md"))


def quiz(folder: Path) -> dict:
    return yaml.safe_load((folder / "quiz.yaml").read_text(encoding="utf-8"))


def test_the_default_courses_are_valid():
    for folder in (ADULT, CHILDREN):
        assert check_bundle(folder).errors == []


# -- 119 / 110 where a life may be at risk -----------------------------------------------------


@pytest.mark.parametrize("path", lessons(ADULT), ids=lambda p: p.name)
def test_adult_lessons_that_speak_of_danger_name_119_and_110(path):
    text = body(path)
    if not re.search(r"救急車|警察|命", text):
        pytest.skip("no danger in this lesson")
    assert "119" in text and "110" in text, path.name


def test_adult_lessons_put_119_and_110_before_the_consultation_lines():
    # Lesson 5 lists the lines; the emergency numbers come first, said plainly.
    text = body(ADULT / "lessons" / "05-tsunagu.md")
    first_line = _LINES.search(text).start()
    assert text.index("119") < first_line and text.index("110") < first_line
    assert "相談窓口より先に" in text


def test_a_disclosure_of_danger_in_lesson_4_gets_119_and_110_before_the_lines():
    text = body(ADULT / "lessons" / "04-koe-wo-kakeru.md")
    section = text[text.index("死にたい") :]
    assert section.index("119") < _LINES.search(section).start()
    assert "110" in section and "24時間" in section  # a line that is open at night, after 119/110


def test_a_neighbour_not_seen_for_days_gets_119_110_and_local_helpers():
    text = body(ADULT / "lessons" / "03-kizuku.md")
    section = text[text.index("何日も姿を見かけないとき") :]
    assert "119" in section and "110" in section
    assert "地域包括支援センター" in section and "民生委員" in section
    # The town office alone is not the advice: it is closed at night and at weekends.
    assert section.index("119") < section.index("市区町村の窓口")


def test_adult_quiz_asks_for_119_and_110():
    question = next(q for q in quiz(ADULT)["questions"] if "命の危険" in q["text"])
    assert "119" in question["text"] and "110" in question["text"] and question["answer"] is True


def test_lesson_5_says_when_the_numbers_were_checked_and_where_to_check_them():
    text = body(ADULT / "lessons" / "05-tsunagu.md")
    assert "2026年12月に、公開されている情報で確かめた" in text
    assert "運営している団体や省庁" in text


def test_the_childrens_course_tells_pupils_what_to_do_in_immediate_danger():
    text = body(CHILDREN / "lessons" / "03-soudan-suru.md")
    section = text[text.index("## いま、あぶないとき") :]
    section = section[: section.index("\n## ", 1)]
    assert "119" in section and "110" in section
    assert "近くに大人がいなくても" in section  # no adult nearby
    assert "大人にもかならず知らせて" in section  # and tell an adult
    # The emergency comes before the consultation lines.
    assert text.index("## いま、あぶないとき") < _LINES.search(text).start()
    assert "119" in plain((CHILDREN / "course.yaml").read_text(encoding="utf-8"))


def test_the_human_rights_line_is_never_presented_as_the_police():
    texts = [body(path) for path in lessons(CHILDREN) + lessons(ADULT)]
    for folder in (CHILDREN, ADULT):
        texts += [plain(str(q.get("text", "")) + " " + str(q.get("explanation", ""))) for q in quiz(folder)["questions"]]
    found = 0
    for text in texts:
        for mention in re.finditer("人権110番", text):
            found += 1
            # In the same section where the line is named, it is said not to be the police.
            section = re.split(r"\n### |\n## ", text[mention.start() :], maxsplit=1)[0]
            assert re.search(r"警察ではありません|警察ではなく|警察の110番と同じ電話である", section), section[:120]
    assert found >= 4


# -- quotations and quizzes -------------------------------------------------------------------


def test_lesson_1_quotes_the_law_word_for_word():
    text = body(ADULT / "lessons" / "01-kodoku-koritsu.md")
    assert "人生のどの段階でも、だれにでも起こりうる」" not in text
    quoted = re.search(r"第2条で、\s*「([^」]+)」", text)
    assert quoted is not None
    words = re.sub(r"\s", "", quoted.group(1))
    assert words in LAW_ARTICLE_2_ITEM_1.split("…")[0]


def test_lesson_2_quotes_article_1_word_for_word():
    text = body(ADULT / "lessons" / "02-houritsu-to-supporter.md")
    quoted = re.search(r"> 「([^」]+)」", text)
    assert quoted is not None and quoted.group(1) == LAW_ARTICLE_1


def test_childrens_quiz_q1_is_true_for_a_careful_pupil():
    q1 = next(q for q in quiz(CHILDREN)["questions"] if q["id"] == "q1")
    assert "起こりうる" in q1["text"] and "だれにでもある" not in q1["text"]
    assert q1["answer"] is True
    assert "10人に4人" in q1["explanation"] and "起こりうる" in q1["explanation"]


def test_childrens_quiz_explanations_start_with_the_answer():
    for question in quiz(CHILDREN)["questions"]:
        mark = "○" if question["answer"] else "×"
        assert question["explanation"].startswith(f"こたえは{mark}です。"), question["id"]


def test_adult_quiz_q6_asks_how_not_what_is_needed():
    q6 = next(q for q in quiz(ADULT)["questions"] if q["id"] == "q6")
    assert "必要なもの" not in q6["text"]


def test_pupils_read_the_apps_words():
    for path in [*lessons(CHILDREN), CHILDREN / "course.yaml", CHILDREN / "quiz.yaml"]:
        text = path.read_text(encoding="utf-8")
        assert "学習" not in text and "クイズ" not in text, path.name


def test_the_course_pages_say_they_are_our_adaptation_and_point_to_the_official_text():
    for folder in (ADULT, CHILDREN):
        description = check_bundle(folder).bundle.course.description
        assert "独自にまとめたもの" in description
        assert "つながりサポーター養成講座テキスト" in description
        assert "https://www.cao.go.jp/kodoku_koritsu/torikumi/tsunagarisupporters/index.html" in description


def test_the_childrens_title_carries_furigana_for_the_certificate():
    title = check_bundle(CHILDREN).bundle.course.title
    assert "{講座|こうざ}" in title


# -- the children's course title, with its furigana, where pupils and certificates show it ----------


def test_the_childrens_title_is_ruby_on_pages_and_plain_where_text_is_needed(app):
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Certificate
    from app.services.certificates import issuing
    from app.services.learning import enrolling, progress
    from tests.conftest import login
    from tests.factories import PASSWORD, make_trainee
    from tests.learn_helpers import publish_bundle

    version = publish_bundle(CHILDREN)
    assert version.title == "つながりサポーター養成講座（子ども向け）"  # lists, files, e-mails
    assert version.meta["title"] == "つながりサポーター養成{講座|こうざ}（子ども向け）"
    user = make_trainee(email="reader@example.jp")
    db.session.commit()
    client = app.test_client()
    login(client, "reader@example.jp", PASSWORD)
    ruby = "<ruby>講座<rp>(</rp><rt>こうざ</rt><rp>)</rp></ruby>"

    catalogue = client.get("/courses?audience=children").get_data(as_text=True)
    assert f"つながりサポーター養成{ruby}（子ども向け）</a>" in catalogue
    page = client.get("/courses/tsunagari-children").get_data(as_text=True)
    assert f"<h1>つながりサポーター養成{ruby}（子ども向け）</h1>" in page
    assert "<title>つながりサポーター養成講座（子ども向け）" in page  # the tab shows plain text
    assert "{講座|こうざ}" not in page

    enrolment = enrolling.enrol(db.session, user, version.course)
    progress.record_attendance(db.session, enrolment)
    db.session.commit()
    lesson = client.get(f"/courses/tsunagari-children/lessons/{version.lessons[0].key}").get_data(as_text=True)
    assert f"つながりサポーター養成{ruby}（子ども向け）</a></nav>" in lesson

    cert = db.session.scalar(sa.select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    assert cert is not None and cert.course_title == version.meta["title"]
    # The certificate template prints it as ruby: the reading is in the PDF, the braces are not.
    import io

    from pypdf import PdfReader

    pdf = issuing.render_pdf(db.session, cert, base_url="http://localhost")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "こうざ" in text and "{" not in text and "講座" in text
