"""`flask content import` keeps a bundle's source files as an upload does, so a version imported
from a folder or a .zip on the server can be downloaded again as .zip from the admin pages."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ContentVersion
from app.services.content import check_archive

FIXTURE = Path(__file__).resolve().parents[1] / "content_fixtures" / "valid-adult"


@pytest.fixture()
def bundle(tmp_path) -> Path:
    folder = tmp_path / "town-adult"
    shutil.copytree(FIXTURE, folder)
    return folder


def _import(app, path: Path) -> ContentVersion:
    result = app.test_cli_runner().invoke(args=["content", "import", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return db.session.scalars(sa.select(ContentVersion).order_by(ContentVersion.id.desc())).first()


@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_a_cli_import_can_be_downloaded_as_the_same_bundle(app, admin_client, bundle, tmp_path, as_zip):
    path = Path(shutil.make_archive(str(tmp_path / "bundle"), "zip", bundle.parent, bundle.name)) if as_zip else bundle
    version = _import(app, path)

    response = admin_client.get(f"/admin/content/versions/{version.id}/bundle.zip")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert check_archive(io.BytesIO(response.get_data())).bundle.digest == version.digest


def test_importing_the_same_folder_again_fills_in_the_files_of_an_older_import(app, admin_client, bundle):
    version = _import(app, bundle)
    db.session.execute(sa.text("DELETE FROM content_source_file"))  # as a version imported before this change
    db.session.commit()
    assert admin_client.get(f"/admin/content/versions/{version.id}/bundle.zip").status_code == 302

    again = _import(app, bundle)  # identical files: the same version, now with its sources
    assert again.id == version.id
    assert admin_client.get(f"/admin/content/versions/{version.id}/bundle.zip").status_code == 200
