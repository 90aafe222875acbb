"""Forms of the self-assessment pages; answers are read by name (e-<item id>)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, RadioField, SubmitField


class EvaluationForm(FlaskForm):
    followup = BooleanField(_l("3か月後ごろに、メールで短い質問（3つ、はい・いいえで答えます）を受け取る"))
    submit = SubmitField(_l("答えを送る"))
    skip = SubmitField(_l("答えずに進む"))


class FollowupForm(FlaskForm):
    noticed = RadioField(_l("講座のあと、孤独や孤立で気になる人に気づいたことがありますか。"),
                         choices=[("yes", _l("はい")), ("no", _l("いいえ"))])
    spoke = RadioField(_l("講座のあと、気になる人に声をかけたことがありますか。"),
                       choices=[("yes", _l("はい")), ("no", _l("いいえ"))])
    connected = RadioField(_l("講座のあと、だれかを相談先や支援につないだことがありますか。"),
                           choices=[("yes", _l("はい")), ("no", _l("いいえ"))])
    submit = SubmitField(_l("答えを送る"))


def evaluation_answers_from(form: MultiDict) -> dict[str, str]:
    return {key[2:]: value for key, value in form.items() if key.startswith("e-")}
