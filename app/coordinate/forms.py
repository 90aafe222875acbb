"""Forms of the coordinator's pages: cohorts (the cohort itself, the CSV upload and confirmation,
invitations), certificate settings and corrections, school classes."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
    URLField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from app.forms import PrintableName, printable_text
from app.models import CohortMode
from app.services.accounts import pupils
from app.services.certificates.logos import logo_problem
from app.services.certificates.render import CERTIFICATE_TITLES
from app.web.cohort_text import MODE_LABELS

REQUIRED = _l("入力してください。")


def http_url(form, field) -> None:
    value = (field.data or "").strip()
    if value and not value.startswith(("https://", "http://")):
        raise ValidationError(_l("https:// で始まるリンクを入力してください。"))


class CohortForm(FlaskForm):
    course_id = SelectField(_l("講座"), coerce=int, validators=[DataRequired(message=_l("講座を選んでください。"))])
    title = StringField(_l("開催回の名前（例: 令和8年度 第1回 つながりサポーター養成講座）"), filters=[printable_text],
                        validators=[DataRequired(message=REQUIRED),
                                    Length(max=100, message=_l("%(max)d文字以内で入力してください。")), PrintableName()])
    mode = RadioField(_l("開催のしかた"), choices=[(m.value, label) for m, label in MODE_LABELS.items()],
                      default=CohortMode.IN_PERSON.value,
                      validators=[DataRequired(message=_l("開催のしかたを選んでください。"))])
    day = DateField(_l("開催日"), validators=[Optional()])
    start_time = TimeField(_l("開始時刻"), validators=[Optional()])
    end_time = TimeField(_l("終了時刻"), validators=[Optional()])
    venue = StringField(_l("会場（対面のとき）"), filters=[printable_text],
                        validators=[Optional(), Length(max=200), PrintableName()])
    meeting_url = URLField(_l("オンライン会議のリンク（ライブのとき。参加者にだけメールで知らせます）"),
                           validators=[Optional(), Length(max=500), http_url])
    capacity = IntegerField(_l("定員（空欄なら制限なし）"), validators=[
        Optional(), NumberRange(min=1, max=10000, message=_l("1〜10000の数を入力してください。"))])
    instructor_name = StringField(_l("講師の名前"), filters=[printable_text],
                                  validators=[Optional(), Length(max=60), PrintableName()])
    deadline = DateField(_l("申し込みの締め切り日（その日の23時59分まで。空欄なら締め切りなし）"), validators=[Optional()])
    is_public = BooleanField(_l("「開催予定の講座をさがす」に載せて、だれでも申し込めるようにする"), default=False)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        mode = self.mode.data
        if mode in (CohortMode.IN_PERSON.value, CohortMode.LIVE_ONLINE.value):
            if not self.day.data and not self.day.errors:
                self.day.errors.append(_l("対面・ライブの開催回には開催日を入力してください。"))
                ok = False
            if not self.start_time.data and not self.start_time.errors:
                self.start_time.errors.append(_l("開始時刻を入力してください。"))
                ok = False
        if mode == CohortMode.IN_PERSON.value and not (self.venue.data or "").strip():
            self.venue.errors.append(_l("対面の開催回には会場を入力してください。"))
            ok = False
        if self.start_time.data and self.end_time.data and self.end_time.data <= self.start_time.data:
            self.end_time.errors.append(_l("終了時刻は開始時刻より後にしてください。"))
            ok = False
        if self.start_time.data and not self.day.data and not self.day.errors:
            self.day.errors.append(_l("時刻を入れるときは、開催日も入力してください。"))
            ok = False
        return ok


class UploadForm(FlaskForm):
    file = FileField(_l("参加者の CSV ファイル"), validators=[FileRequired(message=_l("ファイルを選んでください。"))])


class ConfirmImportForm(FlaskForm):
    only_valid = BooleanField(_l("エラーのない行だけ取り込む（エラーのある行は取り込みません）"))


class InviteForm(FlaskForm):
    email = EmailField(_l("メールアドレス"), validators=[
        DataRequired(message=REQUIRED), Email(message=_l("メールアドレスの形が正しくありません。")), Length(max=254)])
    display_name = StringField(_l("お名前"), filters=[printable_text],
                               validators=[DataRequired(message=REQUIRED), Length(max=60), PrintableName("holder_name")])


# --- certificates ------------------------------------------------------------------------------------

MAX_LOGO_BYTES = 1024 * 1024
LOGO_MESSAGES = {
    "unreadable": _l("ロゴの画像を読み取れませんでした。PNG か JPEG の画像を選んでください。"),
    "format": _l("ロゴには PNG か JPEG の画像を使ってください。"),
    "too_many_pixels": _l("ロゴの画像が大きすぎます。縦横4000ピクセル以内（1600万画素以内）の画像にしてください。"),
}


def valid_logo(form, field) -> None:
    """A real PNG or JPEG image of bounded bytes and pixels, judged by its content, not its name;
    its size is read from the header before anything is decoded."""
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return
    data = upload.read(MAX_LOGO_BYTES + 1)
    upload.stream.seek(0)
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError(_l("ロゴの画像は1MB以下にしてください。"))
    problem = logo_problem(data)
    if problem is not None:
        raise ValidationError(LOGO_MESSAGES[problem])


def uploaded_logo(form: SettingsForm) -> bytes | None:
    """The logo file chosen in the form (already checked by valid_logo), or None when none was chosen."""
    upload = form.logo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return upload.read(MAX_LOGO_BYTES + 1)


class SettingsForm(FlaskForm):
    title = SelectField(_l("証書の名前"), choices=[(t, t) for t in CERTIFICATE_TITLES])
    organiser_name = StringField(_l("発行者として印刷する名前"), filters=[printable_text], validators=[
        DataRequired(message=_l("入力してください。")), Length(max=100), PrintableName("organiser_name")])
    signatory_title = StringField(_l("署名者の役職（例: 市長）"), filters=[printable_text],
                                  validators=[Optional(), Length(max=40), PrintableName()])
    # The title and the name share one printed line: their sum must fit.
    signatory_name = StringField(_l("署名者の氏名"), filters=[printable_text], validators=[
        Optional(), Length(max=60), PrintableName("signatory_name", together={"signatory_title": "signatory_title"})])
    valid_years = IntegerField(_l("有効期間（年）。空欄なら期限なし"), validators=[
        Optional(), NumberRange(min=1, max=20, message=_l("1〜20の数を入力してください。"))])
    logo = FileField(_l("ロゴ（PNG または JPEG、1MB まで）"), validators=[
        FileAllowed(["png", "jpg", "jpeg"], message=_l("PNG か JPEG の画像を選んでください。")), valid_logo])
    remove_logo = BooleanField(_l("今のロゴを外す"))


class ReissueForm(FlaskForm):
    holder_name = StringField(_l("正しいお名前"), filters=[printable_text], validators=[
        DataRequired(message=_l("入力してください。")), Length(max=60), PrintableName("holder_name")])


class RepairForm(FlaskForm):
    holder_name = StringField(_l("証書に印刷するお名前"), filters=[printable_text], validators=[
        DataRequired(message=_l("入力してください。")), Length(max=60), PrintableName("holder_name")])


# --- school classes ------------------------------------------------------------------------------------

class ClassForm(FlaskForm):
    # Pupils are named "<class> <n>番" until renamed, and that name is printed on their certificates.
    name = StringField(_l("クラスの名前（例: 6年1組）"), filters=[printable_text], validators=[
        DataRequired(message=_l("入力してください。")), Length(max=60, message=_l("%(max)d文字以内で入力してください。")),
        PrintableName("holder_name", suffix=" 999番")])
    count = IntegerField(_l("児童・生徒の人数"), validators=[
        DataRequired(message=_l("人数を数字で入力してください。")),
        NumberRange(min=1, max=pupils.MAX_PUPILS, message=_l("1から%(max)d人までにしてください。"))])
    submit = SubmitField(_l("クラスを作る"))


class RenameForm(FlaskForm):
    display_name = StringField(_l("表示名（修了証に印刷されます）"), filters=[printable_text], validators=[
        DataRequired(message=_l("入力してください。")), Length(max=60, message=_l("%(max)d文字以内で入力してください。")),
        PrintableName("holder_name")])


class CardsForm(FlaskForm):
    include_logged_in = BooleanField(_l("ログインしたことのある児童・生徒のカードも作り直す"))
