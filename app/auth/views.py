"""Login, registration, password change and reset, coordinator invitations."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import (
    PASSWORD_MESSAGES,
    LoginForm,
    PasswordChangeForm,
    PupilLoginForm,
    RegisterForm,
    ResetRequestForm,
    SetPasswordForm,
)
from app.extensions import db, limiter
from app.forms import ConfirmForm
from app.models import AgeBand, Role, Sex, TokenPurpose
from app.services import accounts, mail, municipalities, pupils

TOKEN_MESSAGES = {
    "token_invalid": _l("このリンクは正しくありません。メールのリンクをもう一度確かめてください。"),
    "token_used": _l("このリンクはすでに使われています。必要なら、もう一度手続きをしてください。"),
    "token_expired": _l("このリンクは有効期限が切れています。もう一度手続きをしてください。"),
}


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login: never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def home_for(user) -> str:
    if user.role is Role.ADMIN:
        return url_for("admin.index")
    if user.role is Role.COORDINATOR:
        return url_for("coordinate.index")
    if user.is_pupil:
        return url_for("learn.pupil_home")
    return url_for("learn.my_page")


def _start_session(user, remember: bool = False) -> None:
    # A fresh session at login: nothing set before login (fixation) survives it.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data, ip=request.remote_addr)
        db.session.commit()
        if user is None:
            flash(_("メールアドレスかパスワードが正しくありません。"), "error")
        else:
            _start_session(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or home_for(user))
    return render_template("auth/login.html", form=form)


@bp.route("/pupil-login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def pupil_login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = PupilLoginForm()
    if form.validate_on_submit():
        user = pupils.authenticate_pupil(db.session, form.class_code.data, form.number.data, form.password.data,
                                         ip=request.remote_addr)
        db.session.commit()
        if user is None:
            flash(_("クラスコード・番号・パスワードのどれかがちがいます。カードを見て、もう一度入れてみてね。"), "error")
        else:
            _start_session(user)
            return redirect(home_for(user))
    return render_template("auth/pupil_login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if ConfirmForm().validate_on_submit():
        logout_user()
        session.clear()
        flash(_("ログアウトしました。"), "info")
    return redirect(url_for("public.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = RegisterForm()
    prefectures = municipalities.all_prefectures(db.session)
    form.prefecture.choices = [("", _("都道府県を選ぶ"))] + [(p.code, p.name) for p in prefectures]
    # Without JavaScript, choosing a prefecture reloads the form with its municipalities.
    listing_only = "show_municipalities" in request.form
    if not listing_only and form.validate_on_submit():
        try:
            user = accounts.register_trainee(
                db.session,
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                municipality_code=form.municipality_code.data,
                age_band=AgeBand(form.age_band.data) if form.age_band.data else None,
                sex=Sex(form.sex.data) if form.sex.data else None,
            )
        except accounts.AccountError as error:
            db.session.rollback()
            if error.code == "email_taken":
                form.email.errors.append(_("このメールアドレスはすでに登録されています。ログインするか、パスワードの再設定をしてください。"))
            else:
                form.password.errors.append(str(PASSWORD_MESSAGES[error.code]))
        else:
            db.session.commit()
            _start_session(user)
            flash(_("登録が完了しました。ようこそ、%(name)sさん。", name=user.display_name), "success")
            # Back to where registration started, e.g. the join page of a cohort's poster.
            return redirect(safe_next(request.args.get("next")) or url_for("learn.my_page"))
    pref_code = form.prefecture.data or (form.municipality_code.data or "")[:2]
    options = municipalities.in_prefecture(db.session, pref_code) if pref_code else []
    if options and not form.prefecture.data:
        form.prefecture.data = pref_code
    return render_template("auth/register.html", form=form, municipality_options=options)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, current_user, form.current.data, form.password.data)
        except accounts.AccountError as error:
            db.session.rollback()
            target = form.current if error.code == "wrong_password" else form.password
            target.errors.append(str(PASSWORD_MESSAGES[error.code]))
        else:
            db.session.commit()
            _start_session(current_user._get_current_object())
            flash(_("パスワードを変更しました。"), "success")
            return redirect(home_for(current_user))
    return render_template("auth/change_password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        lifetime = timedelta(hours=current_app.config["RESET_TOKEN_HOURS"])
        found = accounts.request_password_reset(db.session, form.email.data, lifetime)
        db.session.commit()
        if found is not None:
            user, token = found
            link = url_for("auth.reset_password", token=token, _external=True)
            mail.send(current_app.config, user.email, _("【つながりサポーター養成講座】パスワードの再設定"),
                      render_template("email/reset.txt", user=user, link=link,
                                      hours=current_app.config["RESET_TOKEN_HOURS"]))
        # Same answer whether or not the address exists, so addresses cannot be probed.
        flash(_("登録されているメールアドレスなら、再設定のリンクを送りました。メールを確かめてください。"), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


def _set_password_page(token: str, purpose: TokenPurpose, template: str):
    try:
        row = accounts.find_token(db.session, token, purpose)
    except accounts.AccountError as error:
        return render_template("auth/token_problem.html", message=TOKEN_MESSAGES[error.code]), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.consume_token(db.session, token, purpose, form.password.data)
        except accounts.AccountError as error:
            db.session.rollback()
            if error.code in TOKEN_MESSAGES:
                return render_template("auth/token_problem.html", message=TOKEN_MESSAGES[error.code]), 410
            form.password.errors.append(str(PASSWORD_MESSAGES[error.code]))
        else:
            db.session.commit()
            _start_session(user)
            flash(_("パスワードを設定しました。"), "success")
            return redirect(home_for(user))
    return render_template(template, form=form, user=row.user)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    return _set_password_page(token, TokenPurpose.PASSWORD_RESET, "auth/reset_password.html")


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def accept_invite(token: str):
    return _set_password_page(token, TokenPurpose.INVITE, "auth/accept_invite.html")
