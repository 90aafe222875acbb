from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.forms import MunicipalityCode, PrintableName, printable_text
from app.i18n import AGE_BAND_LABELS, SEX_LABELS
from app.services.accounts.accounts import MIN_PASSWORD_LENGTH, password_problem

PASSWORD_MESSAGES = {
    "too_short": _l("パスワードは%(n)d文字以上にしてください。", n=MIN_PASSWORD_LENGTH),
    "too_common": _l("このパスワードは推測されやすいため使えません。別のものにしてください。"),
    "wrong_password": _l("現在のパスワードが正しくありません。"),
}


def strong_password(form, field) -> None:
    if field.data and (problem := password_problem(field.data)) is not None:
        raise ValidationError(PASSWORD_MESSAGES[problem])


def _required():
    return DataRequired(message=_l("入力してください。"))


def _email_validators():
    return [_required(), Length(max=254, message=_l("%(max)d文字以内で入力してください。")),
            Email(message=_l("メールアドレスの形が正しくありません（例: name@example.jp）。"),
                  check_deliverability=False)]


class LoginForm(FlaskForm):
    email = EmailField(_l("メールアドレス"), validators=_email_validators())
    password = PasswordField(_l("パスワード"), validators=[_required()])
    remember = BooleanField(_l("この端末でログインしたままにする"))
    submit = SubmitField(_l("ログイン"))


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("お名前（修了証に印刷されます）"),
        filters=[printable_text],
        validators=[_required(), Length(max=60, message=_l("%(max)d文字以内で入力してください。")),
                    PrintableName("holder_name")],
    )
    email = EmailField(_l("メールアドレス"), validators=_email_validators())
    password = PasswordField(_l("パスワード（8文字以上）"), validators=[_required(), strong_password])
    password_confirm = PasswordField(
        _l("パスワード（確認のためもう一度）"),
        validators=[_required(), EqualTo("password", message=_l("パスワードが一致しません。"))],
    )
    prefecture = SelectField(_l("都道府県"), choices=[], validate_choice=False)
    municipality_code = StringField(_l("お住まいの市区町村"), validators=[MunicipalityCode()])
    age_band = SelectField(
        _l("年代（任意・統計のみに使います）"),
        choices=[("", _l("回答しない"))] + [(k.value, v) for k, v in AGE_BAND_LABELS.items()],
        validators=[Optional()],
    )
    sex = SelectField(
        _l("性別（任意・統計のみに使います）"),
        choices=[("", _l("選ばない"))] + [(k.value, v) for k, v in SEX_LABELS.items()],
        validators=[Optional()],
    )
    submit = SubmitField(_l("登録する"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("現在のパスワード"), validators=[_required()])
    password = PasswordField(_l("新しいパスワード（8文字以上）"), validators=[_required(), strong_password])
    password_confirm = PasswordField(
        _l("新しいパスワード（確認）"),
        validators=[_required(), EqualTo("password", message=_l("パスワードが一致しません。"))],
    )
    submit = SubmitField(_l("変更する"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("登録したメールアドレス"), validators=_email_validators())
    submit = SubmitField(_l("再設定のリンクを送る"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("新しいパスワード（8文字以上）"), validators=[_required(), strong_password])
    password_confirm = PasswordField(
        _l("新しいパスワード（確認）"),
        validators=[_required(), EqualTo("password", message=_l("パスワードが一致しません。"))],
    )
    submit = SubmitField(_l("パスワードを設定する"))


class AcceptInviteForm(FlaskForm):
    """An existing account accepts an invitation by logging in with its own password."""

    password = PasswordField(_l("パスワード"), validators=[_required()])
    submit = SubmitField(_l("ログインして招待を受け入れる"))


class PupilLoginForm(FlaskForm):
    """Pupils: class code + number + password, no e-mail."""

    class_code = StringField(_l("クラスコード"), validators=[_required(), Length(max=20)])
    number = IntegerField(_l("番号"), validators=[
        InputRequired(message=_l("番号を数字で入力してください。")),
        NumberRange(min=1, max=999, message=_l("番号を数字で入力してください。"))])
    password = PasswordField(_l("パスワード"), validators=[_required()])
    submit = SubmitField(_l("ログイン"))
