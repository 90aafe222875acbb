"""Coordinators: certificate settings and preview, issued certificates, revocation, bulk ZIP."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.coordinate import bp
from app.coordinate.forms import ReissueForm, RepairForm, SettingsForm, uploaded_logo
from app.coordinate.loaders import load_certificate, load_job, load_organisation
from app.extensions import db
from app.forms import ConfirmForm, RevokeForm, printable_text
from app.jobs import dispatch_bulk
from app.models import BulkJob, Certificate, JobStatus
from app.services.accounts import class_roster
from app.services.certificates import bulk, issuing
from app.services.certificates.fonts import FontMissingError
from app.services.certificates.render import (
    CertificateRenderError,
    certificate_problem,
    render_sample,
    sample_data,
)
from app.services.infra import audit
from app.web import pdf, revoking
from app.web.downloads import download

PAGE_SIZE = 50
# Why a certificate cannot be rendered (issuing.PRINT_PROBLEMS), said to its organisation.
PRINT_PROBLEM_MESSAGES = {
    "characters": _l("お名前・発行者・署名者のどれかに、証書のフォントにない文字（絵文字、一部の旧字体など）があります。"),
    "too_long": _l("お名前・発行者・署名者のどれかが長すぎて、証書の欄に収まりません。"),
    "logo": _l("ロゴの画像を証書に使えません。証書の設定でロゴを選び直すか外してください。"),
    "invalid": _l("証書に必要な項目（お名前・発行者など）が空か、正しくありません。"),
    "template": _l("証書のひな形に問題があります。運営者に連絡してください。"),
    "render": _l("PDF の作成に失敗しました。運営者に連絡してください。"),
}


@bp.route("/organisations/<int:org_id>/certificate-settings", methods=["GET", "POST"])
def certificate_settings(org_id: int):
    org = load_organisation(org_id)
    settings = issuing.settings_for(db.session, org)
    form = SettingsForm(obj=settings)
    if form.validate_on_submit():
        fields = issuing.SettingsFields(form.title.data, form.organiser_name.data, form.signatory_title.data,
                                        form.signatory_name.data, form.valid_years.data)
        issuing.update_settings(db.session, settings, fields, logo=uploaded_logo(form), remove_logo=form.remove_logo.data,
                                actor=current_user)
        db.session.commit()
        flash(_("証書の設定を保存しました。これから発行する証書に使われます。"), "success")
        return redirect(url_for("coordinate.certificate_settings", org_id=org.id))
    # Settings come with the organisation; one made before that gets its default row here, once.
    db.session.commit()
    return render_template("coordinate/certificate_settings.html", org=org, form=form, settings=settings)


@bp.route("/organisations/<int:org_id>/certificate-settings/preview-<template>.pdf")
def certificate_preview(org_id: int, template: str):
    org = load_organisation(org_id)
    if template not in ("adult", "children", "card"):
        abort(404)
    settings = issuing.settings_for(db.session, org)
    overrides = {"organiser_name": settings.organiser_name, "certificate_title": settings.title,
                 "signatory_title": settings.signatory_title, "signatory_name": settings.signatory_name,
                 "municipality_name": org.area_name}
    try:
        data = render_sample(template, overrides=overrides, logo=issuing.print_logo(db.session, settings))
        db.session.commit()  # a logo stored before uploads were scaled down is stored scaled now
    except FontMissingError as error:
        return pdf.font_missing_page(error)
    except issuing.UnprintableError as error:
        db.session.rollback()
        flash(_("見本を作れませんでした: %(error)s", error=PRINT_PROBLEM_MESSAGES[error.code]), "error")
        return redirect(url_for("coordinate.certificate_settings", org_id=org.id))
    except (CertificateRenderError, ValueError) as error:
        db.session.rollback()
        try:  # settings saved before they were checked: say which kind of problem, in words
            problem = certificate_problem(sample_data(template, **overrides), template)
        except ValueError:
            problem = "invalid"
        flash(_("見本を作れませんでした: %(error)s",
                error=PRINT_PROBLEM_MESSAGES[problem] if problem else str(error)), "error")
        return redirect(url_for("coordinate.certificate_settings", org_id=org.id))
    return pdf.pdf_response(data, f"sample-{template}.pdf", inline=True)


@bp.route("/organisations/<int:org_id>/certificates")
def certificate_list(org_id: int):
    org = load_organisation(org_id)
    q = request.args.get("q", "").strip()
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = sa.select(Certificate).where(Certificate.organisation_id == org.id)
    if q:
        code = q.upper().replace("-", "").replace(" ", "")
        stmt = stmt.where(sa.or_(Certificate.serial.contains(q), Certificate.holder_name.contains(q),
                                 Certificate.code == code))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    certs = db.session.scalars(stmt.order_by(Certificate.serial.desc()).limit(PAGE_SIZE)
                               .offset((page - 1) * PAGE_SIZE)).all()
    jobs = db.session.scalars(sa.select(BulkJob).where(BulkJob.organisation_id == org.id)
                              .order_by(BulkJob.id.desc()).limit(5)).all()
    # Only certificates never printed can be broken; checking one costs about a millisecond.
    problems = {cert.id: problem for cert in certs
                if cert.pdf_sha256 is None and cert.revoked_at is None and cert.superseded_at is None
                and (problem := issuing.print_problem(db.session, cert)) is not None}
    return render_template("coordinate/certificates.html", org=org, certs=certs, q=q, page=page, total=total,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), jobs=jobs, form=ConfirmForm(),
                           problems=problems, problem_messages=PRINT_PROBLEM_MESSAGES)


@bp.route("/organisations/<int:org_id>/certificates/<int:cert_id>")
def certificate_detail(org_id: int, cert_id: int):
    org, cert = load_certificate(org_id, cert_id)
    current = cert.revoked_at is None and cert.superseded_at is None
    problem = issuing.print_problem(db.session, cert) if current else None
    card_problem = issuing.print_problem(db.session, cert, "card") if current else None
    return render_template("coordinate/certificate.html", org=org, cert=cert,
                           result=issuing.verify(cert), revoke_form=RevokeForm(),
                           reissue_form=ReissueForm(holder_name=cert.holder_name),
                           problem=problem, card_problem=card_problem, problem_messages=PRINT_PROBLEM_MESSAGES,
                           repair_form=RepairForm(holder_name=printable_text(cert.holder_name)))


@bp.route("/organisations/<int:org_id>/certificates/<int:cert_id>.pdf")
def certificate_download(org_id: int, cert_id: int):
    org, cert = load_certificate(org_id, cert_id)
    back = url_for("coordinate.certificate_detail", org_id=org.id, cert_id=cert.id)

    def unprintable(error: issuing.UnprintableError):
        flash(_("PDF を作れませんでした: %(problem)s", problem=PRINT_PROBLEM_MESSAGES[error.code]), "error")
        return redirect(back)

    if class_roster.with_class_default_names(db.session, [cert.id]):
        # The class's default name (「5年1組 1番」) is never printed, by the pupil or by anyone.
        flash(_("この修了証は、まだクラスの仮の名前のままです。クラスのページで名前を入れると、その名前で印刷できます。"),
              "error")
        return redirect(back)
    return pdf.certificate_pdf(cert, back_url=back, unprintable=unprintable)


@bp.route("/organisations/<int:org_id>/certificates/<int:cert_id>/repair", methods=["POST"])
def certificate_repair(org_id: int, cert_id: int):
    org, cert = load_certificate(org_id, cert_id)
    back = url_for("coordinate.certificate_detail", org_id=org.id, cert_id=cert.id)
    form = RepairForm()
    if not form.validate_on_submit():
        for error in form.holder_name.errors or [_("お名前を入力してください。")]:
            flash(error, "error")
        return redirect(back)
    try:
        issuing.repair(db.session, cert, holder_name=form.holder_name.data, actor=current_user,
                       base_url=current_app.config["BASE_URL"])
    except FontMissingError as error:
        db.session.rollback()
        return pdf.font_missing_page(error)
    except issuing.UnprintableError as error:
        db.session.rollback()
        flash(_("まだ PDF を作れません: %(problem)s", problem=PRINT_PROBLEM_MESSAGES[error.code]), "error")
        return redirect(back)
    except issuing.CertificateError:
        db.session.rollback()
        flash(_("この証書は直せません（PDF がすでに作られているか、取り消し・再発行済みです）。"
                "お名前の誤りは再発行で直してください。"), "error")
        return redirect(back)
    db.session.commit()
    flash(_("証書 %(serial)s の PDF を作りました。番号と確認コードは変わりません。", serial=cert.serial), "success")
    return redirect(back)


@bp.route("/organisations/<int:org_id>/certificates/<int:cert_id>/revoke", methods=["POST"])
def certificate_revoke(org_id: int, cert_id: int):
    org, cert = load_certificate(org_id, cert_id)
    form = RevokeForm()
    if form.validate_on_submit():
        revoking.revoke(cert, form)
    else:
        flash(_("取り消しの理由を入力してください。"), "error")
    return redirect(url_for("coordinate.certificate_detail", org_id=org.id, cert_id=cert.id))


@bp.route("/organisations/<int:org_id>/certificates/<int:cert_id>/reissue", methods=["POST"])
def certificate_reissue(org_id: int, cert_id: int):
    org, cert = load_certificate(org_id, cert_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        flash(_("正しいお名前を入力してください。"), "error")
        return redirect(url_for("coordinate.certificate_detail", org_id=org.id, cert_id=cert.id))
    try:
        new = issuing.reissue(db.session, cert, holder_name=form.holder_name.data, actor=current_user)
    except issuing.CertificateError:
        db.session.rollback()
        flash(_("この証書は再発行できません（取り消し済み、または再発行済みです）。"), "error")
        return redirect(url_for("coordinate.certificate_detail", org_id=org.id, cert_id=cert.id))
    db.session.commit()
    flash(_("新しい証書 %(serial)s を発行しました。古い証書は無効になりました。", serial=new.serial), "success")
    return redirect(url_for("coordinate.certificate_detail", org_id=org.id, cert_id=new.id))


@bp.route("/organisations/<int:org_id>/certificates/bulk", methods=["POST"])
def certificate_bulk(org_id: int):
    org = load_organisation(org_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ids = db.session.scalars(sa.select(Certificate.id).where(
        Certificate.organisation_id == org.id, Certificate.current_for_enrolment_id.is_not(None),
        Certificate.revoked_at.is_(None))).all()
    unnamed = class_roster.with_class_default_names(db.session, ids)
    ids = [i for i in ids if i not in unnamed]
    if unnamed:
        flash(_("クラスの仮の名前のままの %(count)d 件は含めていません（クラスのページで名前を入れてください）。",
                count=len(unnamed)), "info")
    if not ids:
        flash(_("まとめてダウンロードできる証書がありません。"), "info")
        return redirect(url_for("coordinate.certificate_list", org_id=org.id))
    job = bulk.start(db.session, org, ids, requested_by=current_user, label=_("%(org)s の証書", org=org.name))
    db.session.commit()
    dispatch_bulk(current_app._get_current_object(), job.id)
    return redirect(url_for("coordinate.bulk_job", org_id=org.id, job_id=job.id))


@bp.route("/organisations/<int:org_id>/jobs/<int:job_id>")
def bulk_job(org_id: int, job_id: int):
    org, job = load_job(org_id, job_id)
    return render_template("coordinate/bulk_job.html", org=org, job=job,
                           running=job.status in (JobStatus.QUEUED, JobStatus.RUNNING))


@bp.route("/organisations/<int:org_id>/jobs/<int:job_id>.zip")
def bulk_download(org_id: int, job_id: int):
    org, job = load_job(org_id, job_id)
    if job.status is not JobStatus.DONE:
        abort(404)
    data = bulk.zip_bytes(db.session, job)
    audit.record(db.session, "certificate.bulk_download", actor_id=current_user.id, target_type="bulk_job",
                 target_id=job.id, count=job.total)
    db.session.commit()
    return download(data, "application/zip", f"certificates-{job.id}.zip", cache_control=None)
