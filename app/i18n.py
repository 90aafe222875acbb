"""Language choice (Japanese first, English available) and label helpers for templates."""
from __future__ import annotations

import functools

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.models import AgeBand, OrganisationKind, Role, Sex

AGE_BAND_LABELS = {
    AgeBand.UNDER_20: _l("10代以下"),
    AgeBand.AGE_20S: _l("20代"),
    AgeBand.AGE_30S: _l("30代"),
    AgeBand.AGE_40S: _l("40代"),
    AgeBand.AGE_50S: _l("50代"),
    AgeBand.AGE_60S: _l("60代"),
    AgeBand.OVER_70: _l("70代以上"),
}
SEX_LABELS = {
    Sex.FEMALE: _l("女性"),
    Sex.MALE: _l("男性"),
    Sex.OTHER: _l("その他"),
    Sex.NO_ANSWER: _l("回答しない"),
}
ROLE_LABELS = {
    Role.TRAINEE: _l("受講者"),
    Role.COORDINATOR: _l("担当者"),
    Role.ADMIN: _l("管理者"),
}
ORG_KIND_LABELS = {
    OrganisationKind.PREFECTURE: _l("都道府県"),
    OrganisationKind.MUNICIPALITY: _l("市区町村"),
    OrganisationKind.WELFARE_COUNCIL: _l("社会福祉協議会"),
    OrganisationKind.NPO: _l("NPO法人"),
    OrganisationKind.SCHOOL: _l("学校"),
    OrganisationKind.UNIVERSITY: _l("大学"),
    OrganisationKind.COMPANY: _l("企業"),
    OrganisationKind.OTHER: _l("その他"),
}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands, background jobs, mails sent after commit
        return languages[0]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages, default=languages[0]) or languages[0]


@functools.cache
def _wtforms_messages(locale: str):  # noqa: ANN202 (babel.support.Translations)
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def cache_wtforms_translations(app: Flask) -> None:
    """Flask-WTF reads WTForms' message catalogue from disk on every request that validates a form
    (flask_wtf.i18n); a submitted form takes it from a per-process copy instead (issue 17: ~0.6 ms
    of each quiz submission). Other requests keep Flask-WTF's own lazy load."""

    @app.before_request
    def _wtforms_translations() -> None:
        if request.method == "POST":
            from flask_babel import get_locale

            request.wtforms_translations = _wtforms_messages(str(get_locale()))


def register_template_helpers(app: Flask) -> None:
    from app.services.certificates.wareki import to_wareki
    from app.services.content.render import title_html
    from app.web import dates, furigana_ui

    dates.register(app)  # |date_text, |datetime_text: one date style per language
    app.add_template_filter(to_wareki, "wareki")
    app.add_template_filter(title_html, "title_html")  # course titles with author furigana
    furigana_ui.register(app)  # |kids: furigana on the words around the lessons for pupils

    @app.context_processor
    def _labels():
        from flask_babel import get_locale

        return {
            "AGE_BAND_LABELS": AGE_BAND_LABELS,
            "SEX_LABELS": SEX_LABELS,
            "ROLE_LABELS": ROLE_LABELS,
            "ORG_KIND_LABELS": ORG_KIND_LABELS,
            "current_locale": str(get_locale()),
        }
