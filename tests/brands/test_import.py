"""Brand packs import per FORMATS §1: YAML or JSON, a file or a folder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

from marketguard.auth.roles import cli_principal
from marketguard.brands import service
from marketguard.brands.models import Brand, Product, ReferenceImage
from marketguard.brands.packs import load_pack
from marketguard.config import Settings
from marketguard.errors import InvalidInput
from marketguard.ingest import ImportReport, RecordError
from marketguard.uow import unit_of_work
from tests.detection.guard import run_guarded
from tests.factories import brand_pack, write_brand_pack, write_image


def _import(settings: Settings, path: Path) -> ImportReport:
    with unit_of_work(settings) as session:
        return service.import_packs(session, actor=cli_principal(), path=path)


def test_when_a_folder_of_packs_is_imported_then_every_brand_loads(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "packs"  # tmp_path also holds the database and its audit head
    write_brand_pack(folder, "Acme Outdoor", seed=1)
    write_brand_pack(folder / "more", "Borealis Watches", seed=2)
    report = _import(settings, folder)
    assert (report.created, report.rejected) == (2, 0)
    with unit_of_work(settings) as session:
        brand = service.resolve_brand(session, "Acme Outdoor")
        products = session.query(Product).filter_by(brand_id=brand.id).all()
        images = session.query(ReferenceImage).filter_by(brand_id=brand.id).all()
    assert brand.aliases == ["ACME"]
    assert [p.msrp_amount for p in products] == [18900]
    assert [i.label for i in images] == ["acmeoutdoor_front.png"]


def test_when_a_json_pack_is_imported_then_it_loads_like_yaml(
    settings: Settings, tmp_path: Path
) -> None:
    pack = brand_pack("Cirrus", seed=3)
    write_image(tmp_path / pack["products"][0]["images"][0], 3)
    path = tmp_path / "cirrus.json"
    path.write_text(json.dumps(pack))
    assert _import(settings, path).created == 1


def test_when_a_pack_is_reimported_unchanged_then_nothing_changes_and_verification_stays(
    settings: Settings, tmp_path: Path
) -> None:
    path = write_brand_pack(tmp_path, "Acme Outdoor")
    _import(settings, path)
    with unit_of_work(settings) as session:
        brand = service.resolve_brand(session, "Acme Outdoor")
        right = service.rights_of(session, [brand.id])[brand.id][0]
        service.verify_right(
            session, actor=cli_principal(), right_id=right.id, status="verified", reason="ok"
        )
    again = _import(settings, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    path.write_text(path.read_text().replace("bags", "backpacks"))
    changed = _import(settings, path)
    assert changed.updated == 1
    with unit_of_work(settings) as session:
        assert service.get_right(session, right_id=right.id).verification == "verified"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("brand: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
        ("aliases: [x]\n", "brand: Field required"),
        ("brand: X\nrights: [{kind: patentish, number: '1', jurisdiction: EU}]\n", "rights.0.kind"),
        (
            "brand: X\nproducts: [{name: P, msrp: {amount: 10, currency: EURO}}]\n",
            "unknown currency",
        ),
        (
            "brand: X\nproducts: [{name: P, images: [missing.png]}]\n",
            "image 'missing.png' not found",
        ),
        (
            "brand: X\nproducts: [{name: P, category: bags}, {name: Q}, {name: P}]\n",
            "products[2]: duplicate product 'P' (first at products[0])",
        ),
        (
            "brand: X\nrights:\n  - {kind: trademark, number: EU-1, jurisdiction: EU}\n"
            "  - {kind: trademark, number: EU-1, jurisdiction: EU, holder: Other GmbH}\n",
            "rights[1]: duplicate trademark EU-1 (EU) (first at rights[0])",
        ),
    ],
)
def test_when_a_pack_is_bad_then_it_is_rejected_with_its_reason_and_nothing_loads(
    settings: Settings, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    report = _import(settings, path)
    assert report.created == 0 and report.rejected == 1
    assert expected in str(report.errors[0]), report.errors[0]


def test_when_an_image_is_not_an_image_then_the_pack_is_rejected(
    settings: Settings, tmp_path: Path
) -> None:
    path = write_brand_pack(tmp_path, "Acme Outdoor")
    (tmp_path / "img" / "acmeoutdoor_front.png").write_bytes(b"not a png")
    report = _import(settings, path)
    assert report.rejected == 1 and "cannot be read as an image" in str(report.errors[0])


def test_when_the_path_does_not_exist_then_a_clear_error(
    settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="brand pack not found"):
        _import(settings, tmp_path / "nope.yaml")


def _pack_naming(folder: Path, image: str) -> Path:
    pack = brand_pack("Acme Outdoor")
    pack["products"][0]["images"] = [image]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme.yaml"
    path.write_text(yaml.safe_dump(pack))
    return path


@pytest.mark.parametrize("where", ["absolute path", "climbs out with ../", "symlink out"])
def test_when_a_pack_image_lies_outside_the_pack_folder_then_the_pack_is_rejected(
    settings: Settings, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, where: str
) -> None:
    outside = write_image(tmp_path_factory.mktemp("elsewhere") / "front.png", seed=5)
    folder = tmp_path / "pack"
    name = str(outside) if where == "absolute path" else os.path.relpath(outside, folder)
    if where == "symlink out":
        (folder / "img").mkdir(parents=True)
        (folder / "img" / "front.png").symlink_to(outside)
        name = "img/front.png"
    report = _import(settings, _pack_naming(folder, name))
    assert report.created == 0 and report.rejected == 1
    assert "outside the pack folder" in str(report.errors[0]), report.errors[0]


def test_when_a_pack_image_is_a_symlink_inside_the_pack_folder_then_it_loads(
    settings: Settings, tmp_path: Path
) -> None:
    write_image(tmp_path / "img" / "real.png", seed=5)
    (tmp_path / "img" / "front.png").symlink_to(tmp_path / "img" / "real.png")
    report = _import(settings, _pack_naming(tmp_path, "img/front.png"))
    assert (report.created, report.rejected) == (1, 0)


def _pack_refusal(path: Path) -> str:
    loaded = load_pack(path)
    return loaded.reason if isinstance(loaded, RecordError) else "loaded"


def test_when_a_pack_image_is_a_fifo_then_refused_without_waiting_for_a_writer(
    tmp_path: Path,
) -> None:
    (tmp_path / "img").mkdir()
    os.mkfifo(tmp_path / "img" / "front.png")
    reason, seconds = run_guarded(_pack_refusal, _pack_naming(tmp_path, "img/front.png"))
    assert "not a regular file" in reason and seconds < 5


def billion_laughs(brand: str = "Laughs") -> str:
    """The classic alias bomb: nine levels of nine aliases, about 10^9 strings expanded."""
    levels = "abcdefghi"
    lines = [f"brand: {brand}", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for before, level in zip(levels, levels[1:], strict=False):
        lines.append(f"{level}: &{level} [" + ",".join([f"*{before}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_when_a_pack_is_a_billion_laughs_then_refused_quickly_and_nothing_loads(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs())
    started = time.perf_counter()
    report = _import(settings, path)
    assert time.perf_counter() - started < 5
    assert (report.created, report.rejected) == (0, 1)
    assert "expands (through YAML aliases)" in str(report.errors[0]), report.errors[0]
    with unit_of_work(settings) as session:
        assert session.query(Brand).count() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("brand: X\nv: &v x\nw: [" + ",".join(["*v"] * 150) + "]\n", "more than 100 YAML aliases"),
        ("brand: X\nv: &v [1, *v]\n", "refers to itself"),
        ("brand: X\nv: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("brand: X\ncounterfeit_terms: [" + "'fake',\n" * 900_000 + "]\n", "the limit is 5 MiB"),
    ],
    ids=["alias-budget", "recursive-anchor", "deep-nesting", "file-size"],
)
def test_when_a_pack_abuses_yaml_then_refused_with_its_reason_and_nothing_loads(
    settings: Settings, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "abuse.yaml"
    path.write_text(content)
    report = _import(settings, path)
    assert (report.created, report.rejected) == (0, 1)
    assert expected in str(report.errors[0]), report.errors[0]
    with unit_of_work(settings) as session:
        assert session.query(Brand).count() == 0


def test_when_a_pack_uses_a_few_anchors_then_it_still_loads(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "brand: Anchored\nbase: &bags {category: bags, keywords: [day pack]}\n"
        "products:\n  - {name: Ridge 30, <<: *bags}\n  - {name: Ridge 40, <<: *bags}\n"
    )
    assert _import(settings, path).created == 1
