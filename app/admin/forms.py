"""Forms of the admin pages: organisations, invitations, roles, course uploads, audit and statistics filters."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.extensions import db
from app.forms import PrintableName, municipality_message, printable_text
from app.i18n import ORG_KIND_LABELS, ROLE_LABELS
from app.models import Prefecture
from app.request_guard import INT_MAX
from app.services.organisations.municipalities import code_problem, normalise_code


def area_code(form, field) -> None:
    """A 2-digit prefecture code or a valid 6-digit municipality code."""
    code = normalise_code(field.data or "")
    field.data = code
    if len(code) == 2 and code.isdigit():
        if db.session.get(Prefecture, code) is None:
            raise ValidationError(_l("都道府県コード「%(code)s」は見つかりません（01〜47）。", code=code))
        return
    problem = code_problem(code, db.session)
    if problem is not None:
        raise ValidationError(municipality_message(problem.kind, code))


class OrganisationForm(FlaskForm):
    # Printed as the organiser on certificates until the coordinator sets another name.
    name = StringField(_l("団体名"), filters=[printable_text], validators=[
        DataRequired(message=_l("入力してください。")), Length(max=100, message=_l("%(max)d文字以内で入力してください。")),
        PrintableName("organiser_name")])
    kind = SelectField(_l("種類"), choices=[(k.value, v) for k, v in ORG_KIND_LABELS.items()])
    area_code = StringField(
        _l("区域（市区町村コード6桁、または都道府県全体なら都道府県コード2桁）"),
        validators=[DataRequired(message=_l("入力してください。")), area_code],
    )
    submit = SubmitField(_l("保存する"))


class InviteForm(FlaskForm):
    display_name = StringField(_l("お名前"), filters=[printable_text], validators=[
        DataRequired(message=_l("入力してください。")), Length(max=60, message=_l("%(max)d文字以内で入力してください。")),
        PrintableName("holder_name")])
    email = EmailField(_l("メールアドレス"), validators=[
        DataRequired(message=_l("入力してください。")), Length(max=254),
        Email(message=_l("メールアドレスの形が正しくありません（例: name@example.jp）。"), check_deliverability=False)])
    submit = SubmitField(_l("招待メールを送る"))


class RoleForm(FlaskForm):
    role = SelectField(_l("役割"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])


class UploadForm(FlaskForm):
    bundle = FileField(_l("講座の内容（.zip ファイル）"), validators=[
        FileRequired(message=_l("ファイルを選んでください。")),
        FileAllowed(["zip"], message=_l(".zip ファイルを選んでください。")),
    ])


def account_number(form, field) -> None:
    """An account number must be one an account can have (the search compares it with an id column)."""
    number = (field.data or "").strip().lstrip("#")
    if number.isdigit() and not (number.isdecimal() and int(number) <= INT_MAX):
        raise ValidationError(_l("アカウント番号が正しくありません。"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: it changes nothing

    action = SelectField(_l("操作"), validators=[Optional()])
    actor = StringField(_l("実行者（アカウント番号またはメールアドレス）"),
                        validators=[Optional(), Length(max=254), account_number])
    since = DateField(_l("この日から"), validators=[Optional()])
    until = DateField(_l("この日まで"), validators=[Optional()])


class StatisticsFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only chooses what to show

    year = SelectField(_l("年度"), validators=[Optional()])
    pref = SelectField(_l("都道府県"), validators=[Optional()])
