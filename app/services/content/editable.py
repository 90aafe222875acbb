"""A content version as a bundle to edit: its source files kept at upload, given back as a .zip.

The source files (course.yaml, lessons, quiz ...) are stored apart from the assets because the
assets are served to learners and the sources hold the quiz answers. Downloading and uploading the
.zip again gives the same digest, so the upload is recognised as the same version.
"""
from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Asset, ContentVersion, User
from app.models.content_source import ContentSourceFile
from app.services.content import courses
from app.services.content.archive import Limits
from app.services.content.checks.files import IGNORED_NAMES
from app.services.content.courses import (
    DEFAULT_BUNDLES,
    AssetUrlFor,
    ImportResult,
    import_archive,
)

ASSET_FOLDERS = ("images/", "media/")  # stored as Asset rows by the import
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed, so the same version always gives the same bytes
_MAX_RATIO = 50  # well under the upload's limit (archive.Limits.max_ratio): store instead


def bundle_files(root: Path) -> dict[str, bytes]:
    """Every file of a bundle folder by its NFC path, skipping what check_bundle skips."""
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in IGNORED_NAMES)
        base = Path(dirpath)
        for name in sorted(filenames):
            if name.startswith(".") or name in IGNORED_NAMES or (base / name).is_symlink():
                continue
            rel = unicodedata.normalize("NFC", (base / name).relative_to(root).as_posix())
            files[rel] = (base / name).read_bytes()
    return files


def digest_of(files: dict[str, bytes]) -> str:
    """The bundle digest as check_bundle computes it (sha256 over sorted paths and file hashes)."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return digest.hexdigest()


def _assets(session: Session, version: ContentVersion) -> dict[str, bytes]:
    rows = session.execute(sa.select(Asset.path, Asset.data).where(Asset.version_id == version.id))
    return {path: data for path, data in rows}


def _sources(session: Session, version: ContentVersion) -> dict[str, bytes]:
    rows = session.execute(sa.select(ContentSourceFile.path, ContentSourceFile.data)
                           .where(ContentSourceFile.version_id == version.id))
    return {path: data for path, data in rows}


def keep_sources(session: Session, version: ContentVersion, root: Path) -> bool:
    """Store the source files of `version` from its bundle folder, once; False when not stored."""
    if _sources(session, version):
        return False
    sources = {rel: data for rel, data in bundle_files(root).items() if not rel.startswith(ASSET_FOLDERS)}
    # Kept only when they and the assets make exactly this version, so a download always round-trips.
    if digest_of({**sources, **_assets(session, version)}) != version.digest:
        return False
    session.add_all(ContentSourceFile(version_id=version.id, path=rel, data=data) for rel, data in sources.items())
    session.flush()
    return True


def import_upload(session: Session, fileobj: BinaryIO, *, actor: User | None, asset_url_for: AssetUrlFor,
                  limits: Limits | None = None) -> ImportResult:
    """Import an uploaded .zip as courses.import_archive does, keeping its source files."""
    return import_archive(session, fileobj, actor=actor, asset_url_for=asset_url_for, limits=limits,
                          # also fills in a version imported before
                          after_import=lambda result, root: keep_sources(session, result.version, root))


def import_path(session: Session, path: Path, *, actor: User | None, asset_url_for: AssetUrlFor,
                limits: Limits | None = None) -> ImportResult:
    """courses.import_path (`flask content import`), keeping the source files of a folder or a .zip
    as an upload does, so the version can be downloaded as .zip to edit."""
    if not path.is_dir():
        with open(path, "rb") as f:
            return import_upload(session, f, actor=actor, asset_url_for=asset_url_for, limits=limits)
    result = courses.import_path(session, path, actor=actor, asset_url_for=asset_url_for, limits=limits)
    if result.ok:
        keep_sources(session, result.version, path)  # also fills in a version imported before
    return result


def version_files(session: Session, version: ContentVersion, defaults: Path = DEFAULT_BUNDLES) -> dict[str, bytes] | None:
    """Every file of the version's bundle, or None when its sources were never kept.

    A default course imported by `flask content` (not uploaded) is found in content/courses by its digest."""
    sources = _sources(session, version)
    if sources:
        return {**sources, **_assets(session, version)}
    if defaults.is_dir():
        for folder in sorted(p for p in defaults.iterdir() if (p / "course.yaml").is_file()):
            files = bundle_files(folder)
            if digest_of(files) == version.digest:
                return files
    return None


def zip_files(files: dict[str, bytes], top: str) -> bytes:
    """A .zip of the files under one top folder, the same bytes for the same files."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for rel in sorted(files):
            data = files[rel]
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            squeezed = len(zlib.compress(data))
            info.compress_type = (zipfile.ZIP_DEFLATED if not data or len(data) / max(squeezed, 1) < _MAX_RATIO
                                  else zipfile.ZIP_STORED)
            archive.writestr(info, data)
    return buf.getvalue()


def version_archive(session: Session, version: ContentVersion) -> bytes | None:
    """The version's bundle as a .zip to edit and upload again, or None when its sources are not kept."""
    files = version_files(session, version)
    if files is None:
        return None
    return zip_files(files, version.course.slug)
