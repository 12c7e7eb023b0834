"""Rights holders manage their own brand over the API, with the same pack format.

The API takes a brand pack (FORMATS §1) as JSON, its images inline (base64),
writes them under the data folder, and imports the pack exactly as the CLI
does — so one code path validates, versions and audits brand knowledge.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from marketguard.auth.roles import Principal
from marketguard.brands import service
from marketguard.brands.packs import MAX_PACK_BYTES
from marketguard.brands.schemas import BrandPackIn
from marketguard.errors import InvalidInput
from marketguard.ingest import ImportReport

MAX_IMAGE_BYTES = 20 * 1024 * 1024


class _PlainDumper(yaml.SafeDumper):
    """Write every value out: a pack we store never uses anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def update_pack(
    session: Session,
    *,
    actor: Principal,
    brand_id: str,
    pack: BrandPackIn,
    images: dict[str, str],
    data_dir: Path,
) -> ImportReport:
    """Replace what a brand knows about its products; refuse renaming another brand."""
    brand = service.get_brand(session, principal=actor, brand_id=brand_id)
    if pack.brand != brand.name:
        raise InvalidInput(
            f"this pack is for {pack.brand!r} but the brand is {brand.name!r}; "
            "a pack can only describe its own brand"
        )
    folder = (data_dir / "brand-packs" / brand_id).resolve()
    referenced = {name for product in pack.products for name in product.images}
    body: dict[str, Any] = pack.model_dump(mode="json", exclude_none=True)
    text = yaml.dump(body, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False)
    if len(text.encode()) > MAX_PACK_BYTES:
        raise InvalidInput(
            f"the brand pack is over the {MAX_PACK_BYTES // 1_048_576} MiB limit "
            "(not counting images); split long lists or remove unused fields"
        )
    missing = sorted(name for name in referenced if name not in images)
    if missing:
        raise InvalidInput(f"images referenced but not sent: {', '.join(missing)}")
    decoded: dict[Path, bytes] = {}
    for name, data in images.items():
        target = (folder / name).resolve()
        if folder not in target.parents:
            raise InvalidInput(f"image name {name!r} must stay inside the pack folder")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(f"image {name!r} is not valid base64") from None
        if len(raw) > MAX_IMAGE_BYTES:
            raise InvalidInput(f"image {name!r} is over the 20 MiB limit")
        decoded[target] = raw
    for target, raw in decoded.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(raw)
    pack_file = folder / "brand.yaml"
    pack_file.parent.mkdir(parents=True, exist_ok=True)
    pack_file.write_text(text, encoding="utf-8")
    report = service.import_packs(session, actor=actor, path=pack_file)
    if report.errors:
        raise InvalidInput(
            "the brand pack was refused: " + "; ".join(e.reason for e in report.errors)
        )
    return report
