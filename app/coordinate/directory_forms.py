"""The form for one place of a town's つなぐ先 directory."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.directory import entries

REQUIRED = _l("入力してください。")
TOO_LONG = _l("%(max)d文字以内で入力してください。")
AUDIENCE_CHOICES = [("children", _l("子ども")), ("young", _l("若者")), ("families", _l("家族")),
                    ("older", _l("高齢の方")), ("anyone", _l("だれでも"))]
TEXT_MESSAGES = {
    "control_character": _l("見えない制御文字（NUL、文字の向きを変える記号など）は使えません。"),
    "emoji": _l("絵文字は使えません。ふつうの文字で書いてください。"),
}


class CleanText:
    """Refuses what a directory must not print or show (entries.text_problem)."""

    def __init__(self, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        problem = entries.text_problem(field.data or "", multiline=self.multiline)
        if problem:
            raise ValidationError(TEXT_MESSAGES[problem])


def japanese_phone(form, field) -> None:
    value = entries.normalise_phone(field.data or "")
    if value and entries.phone_problem(value):
        raise ValidationError(_l("電話番号は、市外局番からハイフンつきで入力してください（例: 0743-00-0000）。"
                                 "「#」で始まる短い番号（4桁）も使えます。"))
    field.data = value


def web_address(form, field) -> None:
    value = (field.data or "").strip()
    if value and entries.url_problem(value):
        raise ValidationError(_l("https:// で始まるアドレスを入力してください。"))
    field.data = value


class DirectoryEntryForm(FlaskForm):
    name = StringField(_l("名前（例: 生駒市 地域包括支援センター）"),
                       validators=[DataRequired(message=REQUIRED), Length(max=100, message=TOO_LONG), CleanText()])
    helps_with = TextAreaField(_l("どんなことを相談できるか（やさしいことばで）"),
                               validators=[DataRequired(message=REQUIRED), Length(max=400, message=TOO_LONG),
                                           CleanText(multiline=True)])
    audiences = SelectMultipleField(_l("だれのための相談先か"), choices=AUDIENCE_CHOICES,
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                    validators=[DataRequired(message=_l("一つ以上えらんでください。"))])
    children_wording = TextAreaField(_l("子ども向けの説明（「子ども」をえらんだとき。小学生にわかることばで）"),
                                     validators=[Optional(), Length(max=400, message=TOO_LONG),
                                                 CleanText(multiline=True)])
    phone = StringField(_l("電話番号"), validators=[Optional(), Length(max=20, message=TOO_LONG), japanese_phone])
    hours = StringField(_l("受付時間（例: 平日 8時30分〜17時15分）"),
                        validators=[Optional(), Length(max=200, message=TOO_LONG), CleanText()])
    address = StringField(_l("住所・場所"), validators=[Optional(), Length(max=200, message=TOO_LONG), CleanText()])
    is_remote_only = BooleanField(_l("窓口はなく、オンライン・電話のみ"))
    url = StringField(_l("ホームページ"), validators=[Optional(), Length(max=300, message=TOO_LONG), web_address])
    run_by = StringField(_l("運営している団体"), validators=[Optional(), Length(max=100, message=TOO_LONG), CleanText()])
    checked_on = DateField(_l("最後に確かめた日"), validators=[DataRequired(message=REQUIRED)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if "children" in (self.audiences.data or []) and not (self.children_wording.data or "").strip():
            self.children_wording.errors.append(_l("「子ども」をえらんだときは、子ども向けの説明を書いてください。"))
            ok = False
        if not self.is_remote_only.data and not (self.address.data or "").strip():
            self.address.errors.append(_l("住所を書くか、「オンライン・電話のみ」をえらんでください。"))
            ok = False
        return ok

    def values(self) -> entries.EntryFields:
        return entries.EntryFields(
            name=self.name.data or "", helps_with=self.helps_with.data or "", audiences=tuple(self.audiences.data or ()),
            checked_on=self.checked_on.data, children_wording=self.children_wording.data or "",
            phone=self.phone.data or "", hours=self.hours.data or "", address=self.address.data or "",
            is_remote_only=bool(self.is_remote_only.data), url=self.url.data or "", run_by=self.run_by.data or "")
