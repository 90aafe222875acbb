from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.extensions import db
from app.forms import PrintableName, municipality_message, printable_text
from app.i18n import ORG_KIND_LABELS
from app.models import Prefecture
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
