"""extract_zip_safely / check_archive: good archives extract, hostile ones leave nothing behind."""

from __future__ import annotations

import io
import os
import stat
import unicodedata
import zipfile
from pathlib import Path

import pytest

from app.services.content import ArchiveError, Limits, check_archive, check_bundle, extract_zip_safely

FIXTURES = Path(__file__).parents[1] / "content_fixtures"
MB = 1024 * 1024


def bundle_members(top: str = "") -> dict[str, bytes]:
    """The valid fixture bundle as archive members, optionally under one top folder."""
    root = FIXTURES / "valid-adult"
    return {
        top + path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def write_zip(
    path: Path,
    members: dict[str, bytes],
    extra: list[tuple[zipfile.ZipInfo | str, bytes]] = (),
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for info, data in extra:
            archive.writestr(info, data, compress_type=compression)
    return path


def refused(tmp_path: Path, zip_path: Path, code: str, limits: Limits | None = None) -> ArchiveError:
    """Assert the archive is refused with code and that no file or folder was left behind."""
    work = tmp_path / "work"
    work.mkdir()
    dest = work / "bundle"
    with pytest.raises(ArchiveError) as caught:
        extract_zip_safely(zip_path, dest, limits or Limits())
    assert caught.value.code == code
    assert caught.value.message_ja and caught.value.message_en
    assert not dest.exists()
    assert list(work.iterdir()) == []
    return caught.value


# -- good archives --------------------------------------------------------------------------------


def test_archive_with_files_at_top_level_extracts(tmp_path):
    zip_path = write_zip(tmp_path / "b.zip", bundle_members())

    root = extract_zip_safely(zip_path, tmp_path / "out")

    assert root == tmp_path / "out"
    assert (root / "course.yaml").is_file()
    assert check_bundle(root).errors == []


def test_archive_with_one_top_folder_extracts_its_content(tmp_path):
    zip_path = write_zip(
        tmp_path / "b.zip",
        bundle_members("tsunagari/"),
        extra=[(zipfile.ZipInfo("tsunagari/"), b""), ("__MACOSX/tsunagari/._course.yaml", b"x")],
    )

    root = extract_zip_safely(zip_path, tmp_path / "out")

    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == sorted(
        bundle_members()
    )


def test_file_object_and_empty_destination_are_accepted(tmp_path):
    data = write_zip(tmp_path / "b.zip", bundle_members()).read_bytes()
    (tmp_path / "out").mkdir()

    root = extract_zip_safely(io.BytesIO(data), tmp_path / "out")

    assert (root / "lessons" / "01-hajimeni.md").is_file()


def test_non_empty_destination_is_refused(tmp_path):
    zip_path = write_zip(tmp_path / "b.zip", bundle_members())
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")

    with pytest.raises(FileExistsError):
        extract_zip_safely(zip_path, tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]


def test_nfd_names_are_normalised_to_nfc(tmp_path):
    nfd = unicodedata.normalize("NFD", "media/がいど.md")
    assert nfd != unicodedata.normalize("NFC", nfd)
    zip_path = write_zip(tmp_path / "b.zip", {**bundle_members(), nfd: "ガイド\n".encode()})

    root = extract_zip_safely(zip_path, tmp_path / "out")

    assert os.listdir(root / "media").count("がいど.md") == 1
    assert nfd.split("/")[1] not in os.listdir(root / "media")


def test_check_archive_returns_a_usable_bundle(tmp_path):
    zip_path = write_zip(tmp_path / "b.zip", bundle_members("course/"))

    result = check_archive(zip_path)

    assert result.errors == []
    assert result.bundle.course.slug == "test-adult"
    assert result.bundle.files["images/sign.png"].startswith(b"\x89PNG")


def test_check_archive_reports_bundle_errors(tmp_path):
    members = bundle_members()
    members["quiz.yaml"] = members["quiz.yaml"].replace(b"answer: a\n", b"answer: z\n")
    zip_path = write_zip(tmp_path / "b.zip", members)

    result = check_archive(zip_path)

    assert [(e.file, e.line, e.code) for e in result.errors] == [
        ("quiz.yaml", 12, "quiz.answer_not_a_choice")
    ]


def test_check_archive_reports_archive_errors(tmp_path):
    zip_path = write_zip(tmp_path / "b.zip", bundle_members(), extra=[("../evil.md", b"x")])

    result = check_archive(zip_path)

    assert result.bundle is None
    assert [(e.file, e.line, e.code) for e in result.errors] == [
        ("../evil.md", None, "archive.path_traversal")
    ]


# -- hostile archives ------------------------------------------------------------------------------


def test_archive_too_large(tmp_path):
    zip_path = write_zip(
        tmp_path / "b.zip",
        {**bundle_members(), "media/big.mp4": os.urandom(21 * MB)},
        compression=zipfile.ZIP_STORED,
    )

    refused(tmp_path, zip_path, "archive.too_large")


def test_archive_too_large_as_file_object(tmp_path):
    data = write_zip(tmp_path / "b.zip", bundle_members()).read_bytes()
    dest = tmp_path / "out"

    with pytest.raises(ArchiveError) as caught:
        extract_zip_safely(io.BytesIO(data), dest, Limits(max_archive_bytes=len(data) - 1))
    assert caught.value.code == "archive.too_large"
    assert not dest.exists()


def test_member_too_large(tmp_path):
    zip_path = write_zip(
        tmp_path / "b.zip",
        {**bundle_members(), "media/big.mp4": b"\x00\x00\x00\x18ftyp" + os.urandom(11 * MB)},
        compression=zipfile.ZIP_STORED,
    )

    error = refused(tmp_path, zip_path, "archive.member_too_large")
    assert error.member == "media/big.mp4"


def test_too_many_entries(tmp_path):
    extra = [(f"media/n{i}.txt", b"x") for i in range(501)]
    zip_path = write_zip(tmp_path / "b.zip", bundle_members(), extra=extra)

    refused(tmp_path, zip_path, "archive.too_many_entries")


def test_total_uncompressed_too_large(tmp_path):
    extra = [(f"media/part{i}.txt", os.urandom(300 * 1024).hex().encode()) for i in range(4)]
    zip_path = write_zip(tmp_path / "b.zip", bundle_members(), extra=extra)

    refused(tmp_path, zip_path, "archive.total_too_large", Limits(max_total_bytes=2 * MB))


def test_zip_bomb_ratio(tmp_path):
    zip_path = write_zip(tmp_path / "b.zip", {**bundle_members(), "media/bomb.txt": bytes(5 * MB)})

    error = refused(tmp_path, zip_path, "archive.compression_ratio")
    assert error.member == "media/bomb.txt"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../evil.md", "archive.path_traversal"),
        ("lessons/../../evil.md", "archive.path_traversal"),
        ("/abs/course.md", "archive.absolute_path"),
        ("C:/windows/evil.md", "archive.absolute_path"),
        ("lessons\\..\\evil.md", "archive.backslash"),
        ("media/note.txt:stream", "archive.bad_name"),
        ("index.html", "archive.type_disallowed"),
        ("images/logo.svgz", "archive.type_disallowed"),
        ("media/setup.exe", "archive.type_disallowed"),
        ("media/run.sh", "archive.type_disallowed"),
        ("lessons/page.HTM", "archive.type_disallowed"),
    ],
)
def test_hostile_names(tmp_path, name, code):
    zip_path = write_zip(tmp_path / "b.zip", bundle_members(), extra=[(name, b"<script>alert(1)</script>")])

    refused(tmp_path, zip_path, code)


def test_symlink_member(tmp_path):
    link = zipfile.ZipInfo("images/passwd.png")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    zip_path = write_zip(tmp_path / "b.zip", bundle_members(), extra=[(link, b"/etc/passwd")])

    refused(tmp_path, zip_path, "archive.symlink")


def test_nfd_and_nfc_duplicates(tmp_path):
    nfc = "media/がいど.md"
    nfd = unicodedata.normalize("NFD", nfc)
    zip_path = write_zip(tmp_path / "b.zip", bundle_members(), extra=[(nfc, b"a"), (nfd, b"b")])

    refused(tmp_path, zip_path, "archive.duplicate_name")


def test_names_equal_but_for_case(tmp_path):
    zip_path = write_zip(tmp_path / "b.zip", bundle_members(), extra=[("images/SIGN.png", b"x")])

    refused(tmp_path, zip_path, "archive.duplicate_name")


def test_file_and_folder_with_one_name(tmp_path):
    extra = [("media/x.md", b"file"), ("media/x.md/y.md", b"file in a folder of the same name")]
    zip_path = write_zip(tmp_path / "b.zip", bundle_members(), extra=extra)

    refused(tmp_path, zip_path, "archive.duplicate_name")


def test_not_a_zip(tmp_path):
    zip_path = tmp_path / "b.zip"
    zip_path.write_bytes(b"PK\x03\x04 this is not really a zip")

    refused(tmp_path, zip_path, "archive.invalid")


def test_failure_midway_cleans_up(tmp_path):
    """A member whose data does not match its header fails while writing; staging goes."""
    zip_path = tmp_path / "b.zip"
    write_zip(zip_path, bundle_members(), extra=[("media/z.txt", b"A" * 5000)])
    data = bytearray(zip_path.read_bytes())
    # Shrink the declared uncompressed size of media/z.txt in its central directory entry.
    name = b"media/z.txt"
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    zip_path.write_bytes(bytes(data))

    # zipfile stops at the declared size and the CRC check then fails.
    refused(tmp_path, zip_path, "archive.invalid")
