"""Login, registration, password change and reset, coordinator invitations."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import (
    PASSWORD_MESSAGES,
    AcceptInviteForm,
    LoginForm,
    PasswordChangeForm,
    PupilLoginForm,
    RegisterForm,
    ResetRequestForm,
    SetPasswordForm,
)
from app.extensions import db, limiter
from app.forms import ConfirmForm
from app.models import AgeBand, Organisation, Role, Sex, TokenPurpose
from app.services.accounts import accounts, pupils
from app.services.infra import mail
from app.services.organisations import municipalities
from app.urls import external_url, safe_next

TOKEN_MESSAGES = {
    "token_invalid": _l("このリンクは正しくありません。メールのリンクをもう一度確かめてください。"),
    "token_used": _l("このリンクはすでに使われています。必要なら、もう一度手続きをしてください。"),
    "token_expired": _l("このリンクは有効期限が切れています。もう一度手続きをしてください。"),
    "deactivated": _l("このアカウントは管理者によって無効にされています。使えるようにするには、管理者に連絡してください。"),
}
# How long the link that completes a registration works.
REGISTER_CONFIRM_HOURS = 24


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_RATE_LIMIT"]


def _only_listing_municipalities() -> bool:
    # Without JavaScript, choosing a prefecture posts the form to list its municipalities; such a
    # post never registers anyone, so it does not count.
    return "show_municipalities" in request.form


def home_for(user) -> str:
    if user.role is Role.ADMIN:
        return url_for("admin.index")
    if user.role is Role.COORDINATOR:
        return url_for("coordinate.index")
    if user.is_pupil:
        return url_for("learn.pupil_home")
    return url_for("learn.my_page")


def _start_session(user, remember: bool = False) -> None:
    """Log in on this device with a new login record; the caller commits."""
    # A fresh session at login: nothing set before login (fixation) survives it.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    accounts.start_login(db.session, user, user_agent=request.user_agent.string)
    login_user(user, remember=remember)


def _end_session() -> None:
    """Forget the login in this browser, remember-me cookie included (the caller ends its record)."""
    lang = session.get("lang")
    session.clear()
    # After clear(): logout_user() leaves the flag that makes Flask-Login delete the remember-me cookie.
    logout_user()
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data, ip=request.remote_addr)
        if user is not None:
            _start_session(user, remember=form.remember.data)
        db.session.commit()
        if user is None:
            flash(_("メールアドレスかパスワードが正しくありません。"), "error")
        else:
            return redirect(safe_next(request.args.get("next")) or home_for(user))
    return render_template("auth/login.html", form=form)


def _prefill_from_card(form: PupilLoginForm) -> None:
    """The QR code on a login card opens /pupil-login?code=…&n=…: class code and number are filled
    in when they look like a real card's, anything else is ignored. The password is always typed and
    the form is never sent by itself; no address to go to afterwards is taken from the link."""
    code = pupils.normalise_code(request.args.get("code", ""))
    if len(code) == pupils.CODE_LENGTH and all(ch in pupils.CODE_ALPHABET for ch in code):
        form.class_code.data = code
    number = request.args.get("n", "")
    if number.isascii() and number.isdigit() and len(number) <= 3 and 1 <= int(number) <= pupils.MAX_PUPILS:
        form.number.data = int(number)


@bp.route("/pupil-login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def pupil_login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = PupilLoginForm()
    if request.method == "GET":
        _prefill_from_card(form)
    if form.validate_on_submit():
        user = pupils.authenticate_pupil(db.session, form.class_code.data, form.number.data, form.password.data,
                                         ip=request.remote_addr)
        if user is not None:
            _start_session(user)
        db.session.commit()
        if user is None:
            flash(_("クラスコード・番号・パスワードのどれかがちがいます。カードを見て、もう一度入れてみてね。"), "error")
        else:
            return redirect(home_for(user))
    return render_template("auth/pupil_login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if ConfirmForm().validate_on_submit():
        if current_user.is_authenticated:
            accounts.end_login(db.session, current_user.get_id())
            db.session.commit()
        _end_session()
        flash(_("ログアウトしました。"), "info")
    return redirect(url_for("public.index"))


@bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every login of the account: other devices, remembered browsers, and this one."""
    if ConfirmForm().validate_on_submit():
        accounts.end_all_logins(db.session, current_user)
        db.session.commit()
        _end_session()
        flash(_("すべての端末でログアウトしました。もう一度ログインしてください。"), "info")
        return redirect(url_for("auth.login"))
    return redirect(home_for(current_user))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"], exempt_when=_only_listing_municipalities)
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
            token = accounts.start_registration(
                db.session,
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                municipality_code=form.municipality_code.data,
                lifetime=timedelta(hours=REGISTER_CONFIRM_HOURS),
                age_band=AgeBand(form.age_band.data) if form.age_band.data else None,
                sex=Sex(form.sex.data) if form.sex.data else None,
            )
        except accounts.AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(PASSWORD_MESSAGES[error.code]))
        else:
            db.session.commit()
            _mail_registration(form.email.data, token)
            # The same answer whether or not the address has an account: only its owner learns which.
            flash(_("確認のメールを送りました。メールのリンクを開くと、登録が完了します。"), "info")
            return redirect(url_for("auth.registration_sent"))
    pref_code = form.prefecture.data or (form.municipality_code.data or "")[:2]
    options = municipalities.in_prefecture(db.session, pref_code) if pref_code else []
    if options and not form.prefecture.data:
        form.prefecture.data = pref_code
    return render_template("auth/register.html", form=form, municipality_options=options)


def _mail_registration(email: str, token: str | None) -> None:
    """Mail the link that completes a registration, or, for an address that already has an account,
    tell its owner so (with the login and reset pages)."""
    email = accounts.normalise_email(email)
    if token is not None:
        # Back to where registration started, e.g. the join page of a cohort's poster.
        link = external_url("auth.confirm_registration", token=token, next=safe_next(request.args.get("next")))
        mail.send(current_app.config, email, _("【つながりサポーター養成講座】登録の確認"),
                  render_template("email/register_confirm.txt", link=link, hours=REGISTER_CONFIRM_HOURS))
    else:
        mail.send(current_app.config, email, _("【つながりサポーター養成講座】登録の確認"),
                  render_template("email/register_existing.txt", login_link=external_url("auth.login"),
                                  reset_link=external_url("auth.reset_request")))


@bp.route("/register/sent")
def registration_sent():
    return render_template("auth/registration_sent.html")


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def confirm_registration(token: str):
    # A GET only shows a button: mail scanners that open links must not complete the registration.
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = accounts.confirm_registration(db.session, token)
        except accounts.AccountError as error:
            db.session.rollback()
            if error.code == "email_taken":
                flash(_("このメールアドレスのアカウントはもうあります。ログインしてください。"), "info")
                return redirect(url_for("auth.login"))
            return render_template("auth/token_problem.html", message=TOKEN_MESSAGES[error.code]), 410
        _start_session(user)
        db.session.commit()
        flash(_("登録が完了しました。ようこそ、%(name)sさん。", name=user.display_name), "success")
        return redirect(safe_next(request.args.get("next")) or url_for("learn.my_page"))
    return render_template("auth/confirm_registration.html", form=form)


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
            # The new session version ends every login of the account; this device gets a new one.
            _start_session(current_user._get_current_object())
            db.session.commit()
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
            link = external_url("auth.reset_password", token=token)
            mail.send(current_app.config, user.email, _("【つながりサポーター養成講座】パスワードの再設定"),
                      render_template("email/reset.txt", user=user, link=link,
                                      hours=current_app.config["RESET_TOKEN_HOURS"]))
        else:
            # One mail either way, so the answer takes the same time; this one tells the address's
            # owner that there is no usable account (and where to register).
            mail.send(current_app.config, accounts.normalise_email(form.email.data),
                      _("【つながりサポーター養成講座】パスワードの再設定"),
                      render_template("email/reset_unknown.txt",
                                      register_link=external_url("auth.register")))
        # Same answer whether or not the address exists, so addresses cannot be probed.
        flash(_("登録されているメールアドレスなら、再設定のリンクを送りました。メールを確かめてください。"), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


def _token_problem(code: str):
    return render_template("auth/token_problem.html", message=TOKEN_MESSAGES[code]), 410


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    try:
        row = accounts.find_token(db.session, token, TokenPurpose.PASSWORD_RESET)
    except accounts.AccountError as error:
        return _token_problem(error.code)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.consume_token(db.session, token, TokenPurpose.PASSWORD_RESET, form.password.data)
        except accounts.AccountError as error:
            db.session.rollback()
            if error.code in TOKEN_MESSAGES:
                return _token_problem(error.code)
            form.password.errors.append(str(PASSWORD_MESSAGES[error.code]))
        else:
            _start_session(user)
            db.session.commit()
            flash(_("パスワードを設定しました。"), "success")
            return redirect(home_for(user))
    return render_template("auth/reset_password.html", form=form, user=row.user)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def accept_invite(token: str):
    """A new account sets its password here; an existing one logs in with its own to accept."""
    try:
        row = accounts.find_token(db.session, token, TokenPurpose.INVITE)
    except accounts.AccountError as error:
        return _token_problem(error.code)
    new_account = accounts.invitation_needs_new_password(row)
    form = SetPasswordForm() if new_account else AcceptInviteForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(db.session, token, form.password.data, new_password=new_account)
        except accounts.AccountError as error:
            db.session.rollback()
            if error.code in TOKEN_MESSAGES:
                status = 403 if error.code == "deactivated" else 410
                return render_template("auth/token_problem.html", message=TOKEN_MESSAGES[error.code]), status
            form.password.errors.append(str(PASSWORD_MESSAGES[error.code]))
        else:
            if current_user.is_authenticated:
                accounts.end_login(db.session, current_user.get_id())  # whoever was logged in here
            _start_session(user)
            db.session.commit()
            flash(_("招待を受け入れました。担当者として利用できます。"), "success")
            return redirect(home_for(user))
    org = db.session.get(Organisation, row.organisation_id) if row.organisation_id else None
    return render_template("auth/accept_invite.html", form=form, new_account=new_account, email=row.user.email,
                           org=org)
