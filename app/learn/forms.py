"""Forms of the learning pages; quiz and survey answers are read by name (q-<id>, s-<id>)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.models import TextSize
from app.models.progress import REFLECTION_MAX_CHARS

TEXT_SIZE_LABELS = {
    TextSize.NORMAL: _l("標準"),
    TextSize.LARGE: _l("大"),
    TextSize.XLARGE: _l("特大"),
}


class ReflectionForm(FlaskForm):
    text = TextAreaField(
        _l("あなたの答え"),
        validators=[Length(max=REFLECTION_MAX_CHARS,
                           message=_l("%(max)d文字以内で書いてください。長い部分を短くしてから、もう一度保存してください。"))],
    )
    submit = SubmitField(_l("保存する"))


class AttemptForm(FlaskForm):
    """The quiz form: the token makes a resent form the same attempt; answers come as q-<id>."""

    token = HiddenField()
    submit = SubmitField(_l("答えを送る"))


class SurveyForm(FlaskForm):
    submit = SubmitField(_l("アンケートを送る"))


class PreferencesForm(FlaskForm):
    text_size = RadioField(_l("文字の大きさ"), choices=[(k.value, v) for k, v in TEXT_SIZE_LABELS.items()],
                           validators=[DataRequired()])
    furigana = BooleanField(_l("ふりがなを表示する"))
    next = HiddenField()
    submit = SubmitField(_l("表示を変える"))


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(_l("アカウントと学習の記録がすべて消え、元に戻せないことを理解しました"),
                           validators=[DataRequired(message=_l("確認のため、チェックを入れてください。"))])
    password = PasswordField(_l("パスワード（確認のため）"),
                             validators=[DataRequired(message=_l("入力してください。"))])
    submit = SubmitField(_l("アカウントを削除する"))


def answers_from(form: MultiDict, prefix: str = "q-") -> dict[str, list[str]]:
    """The quiz answers in a submitted form: {question id: [choice ids]}."""
    return {key[len(prefix):]: form.getlist(key) for key in form if key.startswith(prefix)}


def survey_answers_from(form: MultiDict) -> dict[str, str]:
    return {key[2:]: form.get(key, "") for key in form if key.startswith("s-")}


class JoinForm(FlaskForm):
    code = HiddenField()
