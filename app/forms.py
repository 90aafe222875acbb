"""Form pieces shared by several blueprints."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from app.extensions import db
from app.services.certificates.names import PLAIN_TEXT, clean_name, printable_problem, unprintable_characters
from app.services.organisations.municipalities import code_problem, normalise_code

MUNICIPALITY_MESSAGES = {
    "format": _l("市区町村コード「%(code)s」は形式が正しくありません。6桁の数字で入力してください（例: 生駒市は 292095）。"),
    "missing_check_digit": _l("市区町村コード「%(code)s」には検査数字（6桁目）がありません。6桁で入力してください（例: 29209 ではなく 292095）。"),
    "check_digit": _l("市区町村コード「%(code)s」は検査数字が合いません。入力まちがいがないか確かめてください。"),
    "unknown": _l("市区町村コード「%(code)s」の市区町村は見つかりません。一覧から選んでください。"),
    "required": _l("お住まいの市区町村を選んでください。"),
}


def municipality_message(kind: str, code: str) -> str:
    return str(MUNICIPALITY_MESSAGES[kind]) % {"code": code}


class MunicipalityCode:
    """WTForms validator: format, check digit and existence of a 全国地方公共団体コード."""

    def __init__(self, required: bool = True) -> None:
        self.required = required

    def __call__(self, form, field) -> None:
        code = normalise_code(field.data or "")
        field.data = code
        if not code:
            if self.required:
                raise ValidationError(municipality_message("required", code))
            return
        problem = code_problem(code, db.session)
        if problem is not None:
            raise ValidationError(municipality_message(problem.kind, code))


def printable_text(value):
    """WTForms filter for any typed text that is printed: NFKC, no invisible or bidi control
    characters, white space collapsed (app.services.certificates.names.clean_name)."""
    return clean_name(value) if isinstance(value, str) else value


TOO_LONG_MESSAGES = {
    "holder_name": _l("お名前が長すぎて、修了証やサポーターカードの名前の欄に収まりません。短くしてください。"),
    "organiser_name": _l("長すぎて、証書の発行者の欄に収まりません。短くしてください（略称など）。"),
    "signatory_name": _l("役職と氏名を合わせると長すぎて、証書の署名の欄に収まりません。短くしてください。"),
    "signatory_title": _l("役職と氏名を合わせると長すぎて、証書の署名の欄に収まりません。短くしてください。"),
}


class PrintableName:
    """WTForms validator: text that every certificate template (kind: the CertificateData field it
    fills) or PDF (kind PLAIN_TEXT) prints exactly as typed. Use with filters=[printable_text].

    `together` maps other CertificateData fields printed on the same line to the form fields
    that hold them (a signatory's title and name share one line); `suffix` is what is printed
    after the text when it becomes part of a longer name (a class name in its pupils' names)."""

    def __init__(self, kind: str = PLAIN_TEXT, together: dict[str, str] | None = None, suffix: str = "") -> None:
        self.kind = kind
        self.together = together or {}
        self.suffix = suffix

    def __call__(self, form, field) -> None:
        # Cleaned here too, so that the validator alone never lets a bidi override through.
        field.data = printable_text(field.data)
        if not field.data:
            if field.flags.required and field.raw_data and any(str(value).strip() for value in field.raw_data):
                # Only invisible characters were typed where something must be.
                raise ValidationError(_l("入力してください。"))
            return
        together = {name: printable_text(form[other].data) or "" for name, other in self.together.items()}
        problem = printable_problem(field.data + self.suffix, self.kind, together=together)
        if problem == "characters":
            shown = "".join(ch if ch.isprintable() else f"U+{ord(ch):04X}" for ch in unprintable_characters(field.data))
            raise ValidationError(str(_l("「%(chars)s」は証書やPDFに印刷できない文字です（絵文字、一部の旧字体など）。"
                                          "ふつうの字体に置き換えてください（例: 𠮷→吉）。")) % {"chars": shown})
        if problem == "too_long":
            raise ValidationError(TOO_LONG_MESSAGES[self.kind])


class ConfirmForm(FlaskForm):
    """A one-button form: only the CSRF token."""


class RevokeForm(FlaskForm):
    """Revoking a certificate, by its organisation or by an admin."""
    # Shown on the public verify page: no bidi override may reorder it there.
    reason = TextAreaField(_l("取り消しの理由（確認ページに表示されます）"), filters=[printable_text], validators=[
        DataRequired(message=_l("理由を入力してください。")), Length(max=200)])
