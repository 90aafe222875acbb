"""Form pieces shared by several blueprints."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError

from app.extensions import db
from app.services.municipalities import code_problem, normalise_code

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


class ConfirmForm(FlaskForm):
    """A one-button form: only the CSRF token."""
