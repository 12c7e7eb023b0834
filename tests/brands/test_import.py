"""Brand packs import per FORMATS §1: YAML or JSON, a file or a folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marketguard.auth.roles import cli_principal
from marketguard.brands import service
from marketguard.brands.models import Product, ReferenceImage
from marketguard.config import Settings
from marketguard.errors import InvalidInput
from marketguard.ingest import ImportReport
from marketguard.uow import unit_of_work
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
