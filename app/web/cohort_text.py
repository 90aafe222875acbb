"""Words for cohorts, shared by the coordinator pages, the join pages, e-mails and PDFs.

Services return codes; this module turns them into plain Japanese for city-hall staff and
participants (English through the catalogue)."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import Cohort, CohortMode
from app.services.cohorts.cohorts import format_join_code, jst

MODE_LABELS = {
    CohortMode.IN_PERSON: _l("対面"),
    CohortMode.LIVE_ONLINE: _l("オンライン（ライブ）"),
    CohortMode.ON_DEMAND: _l("オンデマンド"),
}

JOIN_ERRORS = {
    "closed": _l("この開催回は申し込みの締め切りを過ぎています。主催者にお問い合わせください。"),
    "full": _l("この開催回は定員に達したため、申し込みを締め切りました。主催者にお問い合わせください。"),
    "other_cohort": _l("あなたは同じ講座の別の開催回（%(title)s）にすでに参加しています。参加する回を変えたいときは、主催者にご連絡ください。"),
    "not_published": _l("この開催回の講座は、いまは受講できません。主催者にお問い合わせください。"),
    # A pupil and a cohort of the adult course (learning.may_take).
    "wrong_audience": _l("この開催回の講座は大人向けです。先生に聞いてください。"),
    "unknown_code": _l("参加コード「%(code)s」の開催回は見つかりません。ポスターや案内の参加コードを確かめて、もう一度入力してください。"),
    "wrong_account": _l("この招待は %(email)s あてです。そのメールアドレスのアカウントでログインしてから、もう一度開いてください。"),
}

COHORT_ERRORS = {
    "course_locked": _l("参加者または招待中の方が%(n)d人いるため、講座は変えられません。"),
    "capacity_below_participants": _l("参加者と招待中の方が、あわせて%(n)d人います。定員はそれより少なくできません。"),
    "unknown_course": _l("講座を選び直してください。"),
    "no_session": _l("オンデマンドの開催回には出席の記録がありません。"),
    "none_chosen": _l("出席した人を選んでください。だれも選ばれていません。"),
    "not_participant": _l("この開催回の参加者ではない人が含まれていたため、出席は記録しませんでした。画面を読み込み直して、もう一度選んでください。"),
    "not_published": _l("この講座は、いまは公開されていないため、修了にできません。"),
    "not_pending": _l("この方はすでに招待に答えています。"),
}

FUNNEL_LABELS = {
    "enrolled": _l("参加登録"),
    "started": _l("学習を開始"),
    "attended": _l("出席を記録"),
    "quiz_passed": _l("確認テスト合格"),
    "completed": _l("修了"),
    "certificates": _l("証書を発行"),
}

IMPORT_FILE_ERRORS = {
    "encoding": _l("ファイルの文字コードを読み取れませんでした。Excel で「CSV UTF-8（コンマ区切り）」または「CSV（コンマ区切り）」を選んで保存し直してください。"),
    "too_large": _l("ファイルが大きすぎます（%(detail)sMB まで）。"),
    "too_many_rows": _l("一度に取り込めるのは %(detail)s 人までです。ファイルを分けてください。"),
    "missing_columns": _l("必要な列がありません: %(detail)s。1行目に列の名前（氏名、メールアドレス）を入れてください。"),
    "empty": _l("ファイルが空です。"),
    "no_rows": _l("参加者の行がありません。1行目が列の名前、2行目からが参加者です。"),
    "unreadable": _l("CSV として読み取れませんでした（%(detail)s）。Excel で CSV 形式を選んで保存し直してください。"),
    "already_confirmed": _l("この取り込みはすでに完了しています。参加者の一覧を確かめてください。"),
    "has_errors": _l("エラーのある行が %(detail)s 行あるため、取り込みませんでした。ファイルを直すか、「エラーのない行だけ取り込む」を選んでください。"),
    "nothing_valid": _l("取り込める行がありません。エラーを直したファイルを、もう一度選んでください。"),
}

COLUMN_LABELS = {
    "name": _l("氏名"),
    "email": _l("メールアドレス"),
}

ROW_PROBLEMS = {
    "name_required": _l("氏名がありません。"),
    "name_too_long": _l("氏名は%(value)s文字以内にしてください。"),
    "email_required": _l("メールアドレスがありません。"),
    "email_invalid": _l("メールアドレス「%(value)s」の形が正しくありません。"),
    "email_duplicate": _l("メールアドレス %(value)s は %(other_line)s行目と同じです（同じ人が2回書かれています）。"),
    "already_in_cohort": _l("%(value)s の人は、すでにこの開催回の参加者です。"),
    "already_invited": _l("%(value)s は、すでに招待しています（招待中）。メールを送り直すときは、開催回のページの「招待」から。"),
    "declined": _l("%(value)s の人は、この開催回への招待を辞退しています。"),
    "over_capacity": _l("定員（%(value)s人）を超えるため、取り込めません。"),
}

INVITATION_STATES = {
    "pending": _l("招待中"),
    "expired": _l("招待中（リンクの期限切れ）"),
    "declined": _l("辞退"),
}


def row_problem(problem) -> str:
    """One row problem in words."""
    return str(ROW_PROBLEMS[problem.code]) % {"value": problem.value, "other_line": problem.other_line}


def with_line(line: int, text: str) -> str:
    return _("%(line)d行目: %(text)s", line=line, text=text)


def day_text(value: dt.datetime | dt.date | None) -> str:
    """2026年12月5日（土）, in Japan time."""
    if value is None:
        return ""
    day = jst(value).date() if isinstance(value, dt.datetime) else value
    return _("%(y)d年%(m)d月%(d)d日（%(w)s）", y=day.year, m=day.month, d=day.day, w=format_date(day, "EEE"))


def when_text(cohort: Cohort) -> str:
    """2026年12月5日（土） 14:00〜15:30, or nothing for on-demand cohorts without a date."""
    if cohort.starts_at is None:
        return ""
    start = jst(cohort.starts_at)
    text = f"{day_text(start)} {start:%H:%M}"
    if cohort.ends_at is not None:
        end = jst(cohort.ends_at)
        text += f"〜{end:%H:%M}" if end.date() == start.date() else f"〜{day_text(end)} {end:%H:%M}"
    return text


def place_text(cohort: Cohort, *, for_participant: bool = False) -> str:
    """Where it happens; the meeting link only for participants, never on a public poster or page."""
    if cohort.mode is CohortMode.IN_PERSON:
        return cohort.venue or ""
    if cohort.mode is CohortMode.LIVE_ONLINE:
        if for_participant and cohort.meeting_url:
            return _("オンライン: %(url)s", url=cohort.meeting_url)
        return _("オンライン（参加用のリンクは、参加した方にメールでお知らせします）")
    return _("オンライン（ご都合のよい時間に受講できます）")


def wareki_text(value: dt.datetime | None) -> str:
    """令和8年12月5日, of the day in Japan (a morning session is the previous day in UTC)."""
    from app.services.certificates.wareki import to_wareki

    return to_wareki(jst(value).date()) if value is not None else ""


def register(app: Flask) -> None:
    app.add_template_filter(wareki_text, "jst_wareki")
    app.add_template_filter(day_text, "day_text")
    app.add_template_filter(when_text, "cohort_when")
    app.add_template_filter(format_join_code, "join_code")
    app.add_template_global(place_text, "cohort_place")

    @app.context_processor
    def _cohort_labels():
        return {"MODE_LABELS": MODE_LABELS, "FUNNEL_LABELS": FUNNEL_LABELS, "INVITATION_STATES": INVITATION_STATES}
