"""Admin: the audit log, read-only (filter by action, actor and dates; export as CSV).

There is deliberately no route that edits or deletes an event; on PostgreSQL a trigger refuses
UPDATE and DELETE on the table as well."""
from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import bp
from app.admin.forms import AuditFilterForm
from app.extensions import db
from app.services.accounts import audit_search
from app.services.infra import audit
from app.web.downloads import download

ACTION_LABELS = {
    "auth.login": _l("ログイン"),
    "auth.login_failed": _l("ログインの失敗"),
    "auth.pupil_login": _l("児童生徒のログイン"),
    "auth.pupil_login_failed": _l("児童生徒のログインの失敗"),
    "user.register": _l("受講者の登録"),
    "user.password_changed": _l("パスワードの変更"),
    "user.invite_accepted": _l("担当者の招待の受け入れ"),
    "user.create_admin": _l("管理者の作成"),
    "user.create_by_import": _l("名簿の取り込みによる登録"),
    "user.role_change": _l("役割の変更"),
    "user.deactivate": _l("アカウントの無効化"),
    "user.reactivate": _l("アカウントを有効に戻す"),
    "user.delete_self": _l("アカウントの削除（本人）"),
    "user.purge_inactive": _l("長く使われていないアカウントの削除"),
    "user.delete_by_admin": _l("アカウントの削除（管理者が依頼を受けて）"),
    "privacy.purge_inactive": _l("保存期間を過ぎたアカウントの一括削除"),
    "coordinator.invite": _l("担当者の招待"),
    "coordinator.remove": _l("担当者を団体から外す"),
    "organisation.create": _l("団体の作成"),
    "organisation.update": _l("団体の変更"),
    "content.import": _l("講座の内容の取り込み"),
    "content.publish": _l("講座の内容の公開"),
    "enrolment.completed": _l("修了"),
    "certificate.issue": _l("証書の発行"),
    "certificate.revoke": _l("証書の取り消し"),
    "certificate.reissue": _l("証書の再発行"),
    "certificate.repair": _l("印刷できなかった証書を直して作成"),
    "certificate.settings": _l("証書の設定の変更"),
    "certificate.bulk_start": _l("証書の一括作成"),
    "certificate.bulk_download": _l("証書の一括ダウンロード"),
    "class.create": _l("クラスの作成"),
    "pupil.password_reset": _l("児童生徒のパスワードの再設定"),
    "pupil.rename": _l("児童生徒の名前の変更"),
    "cohort.create": _l("開催回の作成"),
    "cohort.update": _l("開催回の変更"),
    "cohort.join": _l("開催回への参加"),
    "cohort.import": _l("参加者名簿の取り込み"),
    "cohort.attendance": _l("出席の記録"),
    "export.statistics": _l("書き出し：統計"),
    "export.audit_log": _l("書き出し：監査ログ"),
    "export.participants": _l("書き出し：参加者の一覧"),
    "export.cohort_dashboard": _l("書き出し：開催回の状況"),
    "export.area_dashboard": _l("書き出し：地域の状況"),
    "export.report": _l("書き出し：実施報告"),
    "export.my_data": _l("書き出し：わたしのデータ（本人）"),
}
# Groups offered first in the filter: "export.*" is every file that left the system.
ACTION_GROUPS = {
    "export.*": _l("すべての書き出し（ファイルのダウンロード）"),
    "auth.*": _l("すべてのログイン・ログインの失敗"),
    "user.*": _l("すべてのアカウントの操作"),
    "certificate.*": _l("すべての証書の操作"),
    "content.*": _l("すべての講座の内容の操作"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code) or ACTION_GROUPS.get(code) or code)


def _filters() -> tuple[AuditFilterForm, audit_search.AuditFilters | None]:
    """The filter form and what it asks for; None when it does not validate."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _l("すべての操作"))] + list(ACTION_GROUPS.items()) + [
        (code, f"{action_label(code)}（{code}）") for code in audit_search.actions(db.session)]
    if not form.validate():
        return form, None
    return form, audit_search.AuditFilters(action=form.action.data or None, actor=form.actor.data or None,
                                           since=form.since.data, until=form.until.data)


@bp.route("/audit")
def audit_log():
    form, filters = _filters()
    filters = filters or audit_search.AuditFilters()  # the page shows the form's errors over every event
    before = request.args.get("before", type=int)
    entries, next_before = audit_search.page(db.session, filters, before_id=before)
    unknown_actor = audit_search.actor_id_for(db.session, filters.actor) is False
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template("admin/audit.html", form=form, entries=entries, next_before=next_before,
                           args=args, action_label=action_label, unknown_actor=unknown_actor,
                           is_first_page=not before)


@bp.route("/audit.csv")
def audit_export():
    _, filters = _filters()
    if filters is None:
        # Refused before the first byte: once streaming has begun, an error can only cut the file short.
        abort(400)
    # The export is itself an event, recorded (and committed) before the file is written.
    audit.record(db.session, "export.audit_log", actor_id=current_user.id, ip=request.remote_addr,
                 format="csv", filter_action=filters.action, filter_actor=filters.actor,
                 since=filters.since.isoformat() if filters.since else None,
                 until=filters.until.isoformat() if filters.until else None)
    db.session.commit()
    # Streamed: read from the database 1,000 events at a time and sent 500 lines at a time, so a
    # log of millions of logins never sits in the worker's memory.
    def body():
        for piece in audit_search.csv_lines(db.session, filters):
            yield piece.encode("utf-8")

    return download(stream_with_context(body()), "text/csv",
                    f"audit_log_{dt.datetime.now(audit_search.JST):%Y%m%d}.csv")
