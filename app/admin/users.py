"""Admin: one account's page, its role, deactivation and reactivation (each confirmed, audited)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import bp
from app.admin.audit import action_label
from app.admin.forms import RoleForm
from app.extensions import db
from app.forms import ConfirmForm
from app.i18n import ROLE_LABELS
from app.models import Role, SchoolClass, User
from app.services.accounts import user_admin

REFUSALS = {
    "self": _l("自分自身の役割や状態は変えられません。ほかの管理者に頼んでください。"),
    "pupil": _l("児童生徒のアカウントは受講者のままです。"),
    "admin": _l("管理者のアカウントは削除できません。先に役割を変えてください。"),
}


def load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>")
def user_detail(user_id: int):
    user = load_user(user_id)
    form = RoleForm(data={"role": user.role.value})
    school_class = db.session.get(SchoolClass, user.school_class_id) if user.school_class_id else None
    return render_template("admin/user.html", user=user, role_form=form, school_class=school_class,
                           events=user_admin.recent_events(db.session, user), action_label=action_label)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def user_role(user_id: int):
    user = load_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("役割を選んでください。"), "error")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    try:
        changed = user_admin.change_role(db.session, user, Role(form.role.data), actor=current_user,
                                         ip=request.remote_addr)
    except user_admin.UserAdminError as error:
        db.session.rollback()
        flash(str(REFUSALS[error.code]), "error")
    else:
        db.session.commit()
        if changed:
            flash(_("役割を「%(role)s」に変えました。", role=ROLE_LABELS[user.role]), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


def _set_active(user_id: int, active: bool):
    user = load_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user_admin.set_active(db.session, user, active, actor=current_user, ip=request.remote_addr)
        except user_admin.UserAdminError as error:
            db.session.rollback()
            flash(str(REFUSALS[error.code]), "error")
        else:
            db.session.commit()
            flash(_("アカウントを有効に戻しました。") if active else
                  _("アカウントを無効にしました。この人はログインできなくなり、開いている画面からもログアウトされます。"),
                  "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_confirm.html", user=user, form=form, active=active)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"])
def user_reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
def user_delete(user_id: int):
    user = load_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user_admin.delete_account(db.session, user, actor=current_user, ip=request.remote_addr)
        except user_admin.UserAdminError as error:
            db.session.rollback()
            flash(str(REFUSALS[error.code]), "error")
            return redirect(url_for("admin.user_detail", user_id=user.id))
        db.session.commit()
        flash(_("アカウントを削除しました。"), "success")
        return redirect(url_for("admin.user_list"))
    return render_template("admin/user_delete.html", user=user, form=form)
