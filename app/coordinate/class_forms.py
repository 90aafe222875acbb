"""Forms for a teacher's class page: pupils' names pasted one per line."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from app.services.accounts.class_roster import MAX_LINES, MAX_NAME


class BulkNamesForm(FlaskForm):
    names = TextAreaField(_l("表示名（1行に1人。1行目が1番、2行目が2番…。空の行の児童・生徒は変わりません）"),
                          validators=[Length(max=MAX_LINES * (MAX_NAME + 2),
                                             message=_l("長すぎます。1行に1人ずつ、クラスの人数分だけ貼り付けてください。"))])
    preview = SubmitField(_l("確認する"))
    save = SubmitField(_l("保存する"))
