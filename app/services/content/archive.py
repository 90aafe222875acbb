"""Safe extraction of uploaded course bundles (.zip): everything is vetted before a byte is written."""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .bundle import IGNORED_NAMES, CheckResult, check_bundle, is_allowed_name
from .errors import ArchiveError

MB = 1024 * 1024
_CHUNK = 64 * 1024
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Limits:
    """Size limits for an uploaded archive."""

    max_archive_bytes: int = 20 * MB
    max_member_bytes: int = 10 * MB  # uncompressed
    max_entries: int = 500  # files and folders
    max_total_bytes: int = 50 * MB  # uncompressed
    max_ratio: float = 100.0  # uncompressed / compressed, per member


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]  # NFC-normalised path components


def extract_zip_safely(
    zip_path_or_fileobj: str | os.PathLike[str] | BinaryIO,
    dest_dir: str | os.PathLike[str],
    limits: Limits = DEFAULT_LIMITS,
) -> Path:
    """Extract a bundle archive into dest_dir (new or empty) and return the bundle root.

    A single top folder in the archive is dropped, so the returned path (dest_dir) always holds
    course.yaml directly. On any error ArchiveError is raised and dest_dir is left as it was.
    """
    dest = Path(dest_dir)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(f"{dest} exists and is not an empty directory")
    source = _open_source(zip_path_or_fileobj, limits)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _invalid() from exc
    with archive:
        members = _vet(archive.infolist(), limits)
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Extract next to dest and move in one rename, so dest never holds a partial bundle.
        staging = Path(tempfile.mkdtemp(prefix=".bundle-extract-", dir=dest.parent))
        try:
            _write_members(archive, members, staging, limits)
            if dest.exists():
                dest.rmdir()
            staging.rename(dest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return dest


def check_archive(path: str | os.PathLike[str] | BinaryIO, limits: Limits = DEFAULT_LIMITS) -> CheckResult:
    """Extract an archive to a temporary folder, check it as a bundle, and clean up."""
    name = Path(path).name if isinstance(path, (str, os.PathLike)) else "upload.zip"
    with tempfile.TemporaryDirectory(prefix="bundle-check-") as tmp:
        try:
            root = extract_zip_safely(path, Path(tmp) / "bundle", limits)
        except ArchiveError as exc:
            return CheckResult(None, [exc.to_content_error(name)])
        # The Bundle holds every file's bytes in memory, so it outlives the temporary folder.
        return check_bundle(root)


# -- vetting ------------------------------------------------------------------------------------


def _open_source(
    source: str | os.PathLike[str] | BinaryIO, limits: Limits
) -> str | os.PathLike[str] | BinaryIO:
    """Check the archive size; a path is returned as is so that ZipFile opens and closes it."""
    if isinstance(source, (str, os.PathLike)):
        if os.path.getsize(source) > limits.max_archive_bytes:
            raise _archive_too_large(limits)
        return source
    if source.seekable():
        source.seek(0, io.SEEK_END)
        size = source.tell()
        source.seek(0)
        if size > limits.max_archive_bytes:
            raise _archive_too_large(limits)
        return source
    data = source.read(limits.max_archive_bytes + 1)
    if len(data) > limits.max_archive_bytes:
        raise _archive_too_large(limits)
    return io.BytesIO(data)


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """The member name as the author wrote it, NFC-normalised."""
    name = info.orig_filename
    if not info.flag_bits & _UTF8_FLAG:
        # Without the UTF-8 flag zipfile decodes as cp437; macOS zips are really UTF-8 and
        # Japanese Windows zips cp932, so recover the bytes and try those first.
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = None
        if raw is not None:
            for encoding in ("utf-8", "cp932"):
                try:
                    name = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
    return unicodedata.normalize("NFC", name)


def _is_ignored(parts: tuple[str, ...]) -> bool:
    # Same rule as check_bundle: hidden files and OS litter are not part of the course.
    return any(part.startswith(".") or part in IGNORED_NAMES for part in parts)


def _vet(infos: list[zipfile.ZipInfo], limits: Limits) -> list[_Member]:
    """Check every entry against the rules and limits; return the files to extract."""
    if len(infos) > limits.max_entries:
        raise ArchiveError(
            "archive.too_many_entries",
            f"ZIP の中のファイルとフォルダが多すぎます（{len(infos)} 個、上限 {limits.max_entries} 個）。"
            "不要なファイルを除いてください。",
            f"The archive has too many entries ({len(infos)}, limit {limits.max_entries}). "
            "Remove files that the course does not need.",
        )
    members: list[_Member] = []
    seen: dict[str, str] = {}
    folders: set[str] = set()
    total = 0
    for info in infos:
        name = _decoded_name(info)
        parts = _safe_parts(name)
        _check_type(info, name)
        if info.is_dir() or _is_ignored(parts):
            continue
        if not is_allowed_name(name):
            raise ArchiveError(
                "archive.type_disallowed",
                "この種類のファイルは講座に入れられません（HTML・スクリプト・実行ファイルは不可）。"
                "使えるのは .yaml .yml .md .txt .png .jpg .jpeg .webp .svg（images/ のみ）.vtt .mp4 .webm です。"
                "ZIP から除いてください。",
                "This file type is not allowed in a bundle (no HTML, scripts or executables). "
                "Allowed: .yaml .yml .md .txt .png .jpg .jpeg .webp .svg (images/ only) .vtt .mp4 "
                ".webm. Remove it from the archive.",
                member=name,
            )
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise ArchiveError(
                "archive.encrypted",
                "パスワード付きの ZIP は使えません。パスワードなしで作り直してください。",
                "Encrypted archives are not supported. Create the zip without a password.",
                member=name,
            )
        _check_sizes(info, name, limits)
        total += info.file_size
        if total > limits.max_total_bytes:
            raise _total_too_large(limits)
        # Case-insensitive file systems (macOS, Windows) would merge these names silently.
        key = "/".join(parts).casefold()
        if key in seen or key in folders:
            raise ArchiveError(
                "archive.duplicate_name",
                f"同じ名前のファイルが2つあります（「{seen.get(key, name)}」と「{name}」、"
                "文字の正規化や大文字・小文字の違いを除くと同じです）。どちらかの名前を変えてください。",
                f'Two entries have the same name ("{seen.get(key, name)}" and "{name}", equal '
                "after Unicode normalisation and ignoring case). Rename one of them.",
                member=name,
            )
        seen[key] = name
        for depth in range(1, len(parts)):
            folders.add("/".join(parts[:depth]).casefold())
        members.append(_Member(info, parts))
    for key, name in seen.items():
        if key in folders:
            raise ArchiveError(
                "archive.duplicate_name",
                f"「{name}」がファイルとフォルダの両方の名前になっています。どちらかの名前を変えてください。",
                f'"{name}" is the name of both a file and a folder. Rename one of them.',
                member=name,
            )
    return _strip_top_folder(members)


def _safe_parts(name: str) -> tuple[str, ...]:
    """Split a member name into components, refusing anything that could escape dest."""
    if "\\" in name:
        raise ArchiveError(
            "archive.backslash",
            "ファイル名に「\\」が含まれています。Windows の区切り文字を使わずに ZIP を作り直してください。",
            'A file name contains "\\". Create the zip again with "/" as the folder separator.',
            member=name,
        )
    if name.startswith("/") or _DRIVE_RE.match(name):
        raise ArchiveError(
            "archive.absolute_path",
            "ZIP の中に絶対パス（/ やドライブ名で始まる名前）があります。講座フォルダからの相対パスで作り直してください。",
            "The archive contains an absolute path (starting with / or a drive letter). "
            "Create it with paths relative to the bundle folder.",
            member=name,
        )
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise ArchiveError(
            "archive.path_traversal",
            "ZIP の中に「..」を含むパスがあります。講座フォルダの外を指す名前は使えません。",
            'The archive contains a path with "..". Names may not point outside the bundle.',
            member=name,
        )
    if not parts or any(_CONTROL_RE.search(part) or ":" in part for part in parts):
        raise ArchiveError(
            "archive.bad_name",
            "使えない文字（制御文字や「:」）を含むファイル名があります。名前を変えてください。",
            'A file name contains characters that are not allowed (control characters or ":"). Rename it.',
            member=name,
        )
    return parts


def _check_type(info: zipfile.ZipInfo, name: str) -> None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise ArchiveError(
            "archive.symlink",
            "ZIP の中にシンボリックリンクがあります。実際のファイルに置き換えて作り直してください。",
            "The archive contains a symbolic link. Replace it with the real file.",
            member=name,
        )
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise ArchiveError(
            "archive.special_file",
            "ZIP の中に普通のファイルでないもの（デバイスなど）があります。取り除いてください。",
            "The archive contains a special file (device, pipe, ...). Remove it.",
            member=name,
        )


def _check_sizes(info: zipfile.ZipInfo, name: str, limits: Limits) -> None:
    if info.file_size > limits.max_member_bytes:
        raise ArchiveError(
            "archive.member_too_large",
            f"ファイルが大きすぎます（展開後 {info.file_size / MB:.1f} MB、上限 "
            f"{limits.max_member_bytes / MB:.0f} MB）。画像や動画を小さくしてください。",
            f"The file is too large ({info.file_size / MB:.1f} MB uncompressed, limit "
            f"{limits.max_member_bytes / MB:.0f} MB). Make the image or video smaller.",
            member=name,
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size and ratio > limits.max_ratio:
        raise ArchiveError(
            "archive.compression_ratio",
            f"圧縮率が異常に高いファイルがあります（{ratio:.0f} 倍、上限 {limits.max_ratio:.0f} 倍）。"
            "ZIP 爆弾の疑いがあるため受け付けません。普通のファイルで作り直してください。",
            f"A file is compressed suspiciously well ({ratio:.0f}x, limit "
            f"{limits.max_ratio:.0f}x), as in a zip bomb. Create the archive from ordinary files.",
            member=name,
        )


def _strip_top_folder(members: list[_Member]) -> list[_Member]:
    """Drop a single top folder that holds everything (the usual "zip the folder" archive)."""
    if not members or any(len(m.parts) == 1 for m in members):
        return members
    tops = {m.parts[0] for m in members}
    # A bundle's own folders are never the wrapper: an archive of only lessons/ stays as is.
    if len(tops) != 1 or tops & {"lessons", "images", "media"}:
        return members
    return [_Member(m.info, m.parts[1:]) for m in members]


# -- writing ------------------------------------------------------------------------------------


def _write_members(archive: zipfile.ZipFile, members: list[_Member], staging: Path, limits: Limits) -> None:
    root = staging.resolve()
    total = 0
    for member in members:
        target = staging.joinpath(*member.parts)
        if not target.resolve().is_relative_to(root):  # defence in depth: vetted above
            raise ArchiveError(
                "archive.path_traversal",
                "講座フォルダの外を指すパスがあります。",
                "A path points outside the bundle.",
                member="/".join(member.parts),
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        # Headers can lie about sizes: count what really comes out of the decompressor.
        allowed = min(member.info.file_size, limits.max_member_bytes)
        try:
            with archive.open(member.info) as reader, open(target, "xb") as writer:
                while chunk := reader.read(_CHUNK):
                    written += len(chunk)
                    total += len(chunk)
                    if written > allowed:
                        raise _lying_header("/".join(member.parts))
                    if total > limits.max_total_bytes:
                        raise _total_too_large(limits)
                    writer.write(chunk)
        except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
            raise _invalid("/".join(member.parts)) from exc


def _invalid(member: str | None = None) -> ArchiveError:
    return ArchiveError(
        "archive.invalid",
        "ZIP ファイルとして読めません（壊れているか、対応していない圧縮方式です）。"
        "講座フォルダを普通の ZIP 形式で圧縮し直してください。",
        "The file cannot be read as a zip archive (damaged or an unsupported compression "
        "method). Compress the bundle folder again as an ordinary zip.",
        member=member,
    )


def _archive_too_large(limits: Limits) -> ArchiveError:
    return ArchiveError(
        "archive.too_large",
        f"ZIP ファイルが大きすぎます（上限 {limits.max_archive_bytes / MB:.0f} MB）。"
        "画像や動画を小さくするか、動画は https:// の URL で指定してください。",
        f"The archive is too large (limit {limits.max_archive_bytes / MB:.0f} MB). Make images "
        "and videos smaller, or link videos by https:// URL.",
    )


def _total_too_large(limits: Limits) -> ArchiveError:
    return ArchiveError(
        "archive.total_too_large",
        f"展開後の合計サイズが大きすぎます（上限 {limits.max_total_bytes / MB:.0f} MB）。"
        "画像や動画を小さくしてください。",
        f"The archive is too large once extracted (limit {limits.max_total_bytes / MB:.0f} MB). "
        "Make images and videos smaller.",
    )


def _lying_header(member: str) -> ArchiveError:
    return ArchiveError(
        "archive.size_mismatch",
        "ZIP に書かれたサイズと実際の中身のサイズが違います（改ざんの疑い）。ZIP を作り直してください。",
        "A file holds more data than the archive declares (a tampered archive). Create the archive again.",
        member=member,
    )
