"""Public certificate verification: by code (QR), by name check, by uploaded PDF. No login."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.extensions import db, limiter
from app.public import bp
from app.services.certificates import issuing
from app.services.certificates.codes import InvalidCodeError, normalise_code


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _name_limit() -> str:
    return current_app.config["VERIFY_NAME_RATE_LIMIT"]


def _name_code_limit() -> str:
    return current_app.config["VERIFY_NAME_CODE_RATE_LIMIT"]


def _certificate_key() -> str:
    """The certificate asked about, however its code was typed: guesses from many addresses at one
    person's name add up."""
    text = (request.view_args or {}).get("code", "")
    try:
        return "verify-name:" + normalise_code(text)
    except InvalidCodeError:
        return "verify-name:?"  # no certificate has it: the page answers 404


class CodeForm(FlaskForm):
    code = StringField(_l("確認コード（例: 7K3M-Q9ZD-2RVB-XW4H）"),
                       validators=[DataRequired(message=_l("確認コードを入力してください。")), Length(max=40)])


class NameForm(FlaskForm):
    name = StringField(_l("修了証に書かれているお名前"),
                       validators=[DataRequired(message=_l("お名前を入力してください。")), Length(max=60)])


class PdfForm(FlaskForm):
    pdf = FileField(_l("修了証の PDF ファイル"), validators=[FileRequired(message=_l("ファイルを選んでください。"))])


MAX_PDF_BYTES = 5 * 1024 * 1024


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit, methods=["POST"])
def verify_index():
    form, pdf_form = CodeForm(), PdfForm()
    if form.validate_on_submit():
        cert = issuing.find_by_code(db.session, form.code.data)
        if cert is None:
            return render_template("public/verify_unknown.html", code=form.code.data), 404
        return redirect(url_for("public.verify", code=cert.code_display))
    return render_template("public/verify_index.html", form=form, pdf_form=pdf_form)


@bp.route("/verify/<code>", methods=["GET", "POST"])
@limiter.limit(_verify_limit)
# Posting is the name check: each answer is a guess at the holder's name.
@limiter.limit(_name_limit, methods=["POST"], scope="verify-name")
@limiter.limit(_name_code_limit, methods=["POST"], key_func=_certificate_key, scope="verify-name")
def verify(code: str):
    cert = issuing.find_by_code(db.session, code)
    if cert is None:
        return render_template("public/verify_unknown.html", code=code), 404
    name_form = NameForm()
    name_result = None
    if name_form.validate_on_submit():
        name_result = issuing.name_matches(cert, name_form.name.data)
    return render_template("public/verify.html", result=issuing.verify(cert, public=True), name_form=name_form,
                           name_result=name_result)


@bp.route("/verify/file", methods=["POST"])
@limiter.limit(_verify_limit)
def verify_file():
    form = PdfForm()
    if not form.validate_on_submit():
        return render_template("public/verify_index.html", form=CodeForm(), pdf_form=form), 400
    data = form.pdf.data.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES or not data.startswith(b"%PDF"):
        form.pdf.errors.append(_l("PDF ファイル（5MB まで）を選んでください。"))
        return render_template("public/verify_index.html", form=CodeForm(), pdf_form=form), 400
    cert = issuing.find_by_pdf(db.session, data)
    return render_template("public/verify_file.html", result=issuing.verify(cert) if cert else None)


