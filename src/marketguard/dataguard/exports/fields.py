"""Which dataset and fields an export may name, in the order the file will hold them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from marketguard.dataguard.classification import Classification
from marketguard.dataguard.datasets import DATASETS, Dataset
from marketguard.dataguard.exports.loading import exportable
from marketguard.dataguard.service import DataGuardError, _check_fields, _field_name


def exportable_dataset(name: str) -> Dataset:
    """Return a dataset an export can read, or a 422 naming the ones it can."""
    found = DATASETS.get(name)
    if found is None or found.name not in exportable():
        what = "unknown dataset" if found is None else "dataset"
        raise DataGuardError(
            f"{what} {name!r} cannot be exported; exportable datasets: {', '.join(exportable())}"
        )
    return found


def check_fields(session: Session, dataset: str, fields: list[str]) -> tuple[Dataset, list[str]]:
    """Return the dataset and its named fields (deduplicated, in the order asked).

    Unknown fields are refused like an access request's (naming them); so are
    wildcards, which name a group of fields, not a column of a file.
    """
    found = exportable_dataset(dataset)
    wild = [f for f in fields if "*" in f]
    if wild:
        raise DataGuardError(
            f"name each field (e.g. identifiers.phone), not a pattern: {', '.join(wild)}"
        )
    _check_fields(session, found, fields)
    names: list[str] = []
    for raw in fields:
        name = _field_name(found, raw)
        if name not in names:
            names.append(name)
    return found, names


def classifications(dataset: Dataset, names: list[str]) -> dict[str, Classification]:
    """Return each named field's classification (every name passed ``check_fields``)."""
    out: dict[str, Classification] = {}
    for name in names:
        found = dataset.classify(name)
        if found is None:  # check_fields refused it already
            raise LookupError(f"{dataset.name}.{name} is not classified")
        out[name] = found
    return out
