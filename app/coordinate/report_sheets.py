"""The 実施報告 as spreadsheet sheets (the PDF is the template pdf/report.html)."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _

from app.i18n import AGE_BAND_LABELS, SEX_LABELS
from app.services.cohorts.cohort_reports import AGE_BANDS, SEXES, ImplementationReport
from app.services.cohorts.cohorts import jst
from app.services.infra.exports import Sheet
from app.web.cohort_text import MODE_LABELS, day_text, when_text

_TAGS = re.compile(r"<rt>.*?</rt>|<rp>.*?</rp>|<[^>]+>", re.S)


def plain(html: str) -> str:
    """Survey wording is stored as sanitised HTML (furigana for children); a cell wants text."""
    return _TAGS.sub("", html or "").strip()


def age_label(band) -> str:
    return str(AGE_BAND_LABELS[band]) if band is not None else _("未回答")


def sex_label(sex) -> str:
    return str(SEX_LABELS[sex]) if sex is not None else _("未回答")


def report_sheets(report: ImplementationReport, *, place: str) -> list[Sheet]:
    cohort = report.cohort
    title = _("実施報告 %(title)s", title=cohort.title)
    overview = Sheet(_("概要"), [_("項目"), _("内容")], [
        [_("開催回"), cohort.title],
        [_("主催"), report.organisation.name],
        [_("講座"), f"{report.course_title} {report.course_version}".strip()],
        [_("開催日時"), when_text(cohort) or _("日時の指定なし")],
        [_("開催のしかた"), str(MODE_LABELS[cohort.mode])],
        [_("会場"), place],
        [_("講師"), cohort.instructor_name or ""],
        [_("参加者"), report.participants],
        [_("出席"), report.attended],
        [_("修了"), report.completed],
        [_("うち出席による修了"), report.completed_by_attendance],
        [_("うちオンラインでの修了"), report.completed_online],
        [_("証書の発行"), report.certificates],
        [_("アンケートの回答"), report.survey_responses],
    ], caption=[title, _("作成日: %(day)s", day=day_text(_today()))])
    header = [_("年代"), *[sex_label(s) for s in SEXES], _("計")]
    rows = [[age_label(band), *[report.by_age_sex[band][s] for s in SEXES], report.age_total(band)]
            for band in AGE_BANDS]
    rows.append([_("計"), *[report.sex_total(s) for s in SEXES], report.participants])
    people = Sheet(_("年代と性別"), header, rows, caption=[title, _("参加者の年代と性別（人数）")])
    survey_rows: list[list] = []
    if report.survey_hidden:
        survey_rows.append([_("回答が少ないため、回答者が分からないよう集計を表示しません。"), "", "", ""])
    for q in report.survey:
        if q.kind == "text":
            for text in q.texts:
                survey_rows.append([plain(q.text_html), _("自由記述"), text, ""])
            continue
        for label, count in zip(q.labels, q.counts, strict=True):
            survey_rows.append([plain(q.text_html), plain(label), count, ""])
        if q.mean is not None:
            survey_rows.append([plain(q.text_html), _("平均（1〜%(n)d）", n=len(q.labels)), "", q.mean])
    survey = Sheet(_("アンケート"), [_("質問"), _("選択肢"), _("回答数・回答"), _("平均")], survey_rows,
                   caption=[title, _("アンケートの集計（回答者は分かりません）。回答 %(n)d 件", n=report.survey_responses)])
    return [overview, people, survey]


def _today() -> dt.date:
    return jst(dt.datetime.now(dt.UTC)).date()
