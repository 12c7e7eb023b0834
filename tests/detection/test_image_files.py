"""Reading photo files without trusting their names: confined, regular files only, capped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from marketguard.detection.image_files import ImageError, read_image_file
from tests.detection.guard import run_guarded
from tests.factories import write_image


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    write_image(folder / "photos" / "inside.png", seed=1)
    write_image(tmp_path / "outside.png", seed=2)
    return folder


def test_when_a_photo_is_inside_its_folder_then_its_bytes_are_read(root: Path) -> None:
    data = read_image_file("photos/inside.png", root=root)
    assert data == (root / "photos" / "inside.png").read_bytes()


def test_when_a_symlink_stays_inside_the_folder_then_it_is_followed(root: Path) -> None:
    (root / "alias.png").symlink_to(root / "photos" / "inside.png")
    assert read_image_file("alias.png", root=root) == (root / "photos" / "inside.png").read_bytes()


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("/etc/passwd", "absolute"),
        ("../outside.png", "outside its folder"),
        ("photos/../../outside.png", "outside its folder"),
        ("escape.png", "outside its folder"),  # a symlink to ../outside.png
        ("photos/nope.png", "not found"),
        ("photos", "folder"),
    ],
)
def test_when_a_photo_name_leaves_its_folder_or_names_no_file_then_refused(
    root: Path, name: str, cause: str
) -> None:
    (root / "escape.png").symlink_to(root.parent / "outside.png")
    with pytest.raises(ImageError, match=cause):
        read_image_file(name, root=root)


def test_when_a_file_is_over_the_byte_cap_then_refused_and_at_the_cap_read(root: Path) -> None:
    (root / "exact.bin").write_bytes(b"x" * 100)
    (root / "over.bin").write_bytes(b"x" * 101)
    assert len(read_image_file("exact.bin", root=root, max_bytes=100)) == 100
    with pytest.raises(ImageError, match="over the 100-byte limit"):
        read_image_file("over.bin", root=root, max_bytes=100)


def _refusal(name: str, root: str | None) -> str:
    try:
        read_image_file(name, root=root)
    except ImageError as exc:
        return str(exc)
    return "read without refusal"


def test_when_the_file_is_a_device_then_refused_promptly() -> None:
    message, seconds = run_guarded(_refusal, "/dev/zero", None)
    assert "not a regular file" in message and seconds < 5


def test_when_the_file_is_a_fifo_then_refused_without_waiting_for_a_writer(root: Path) -> None:
    os.mkfifo(root / "pipe.png")
    message, seconds = run_guarded(_refusal, "pipe.png", str(root))
    assert "not a regular file" in message and seconds < 5
