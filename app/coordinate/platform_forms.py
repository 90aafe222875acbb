"""Forms of the platform pages: creating a platform and inviting an organisation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from app.forms import PrintableName, printable_text


class PlatformForm(FlaskForm):
    name = StringField(_l("プラットフォームの名前（例: 生駒市つながりサポーター連携プラットフォーム）"),
                       filters=[printable_text],
                       validators=[DataRequired(message=_l("入力してください。")),
                                   Length(max=100, message=_l("%(max)d文字以内で入力してください。")), PrintableName()])


class PlatformInviteForm(FlaskForm):
    organisation_id = HiddenField(validators=[DataRequired()])
