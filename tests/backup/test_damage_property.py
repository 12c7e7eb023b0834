"""Property: a backup with any byte changed is refused, unless the change left it intact.

The archive has bytes no check covers on purpose (the zero padding tar puts after
each member and at the end); a flip there leaves the manifest and the payload as
they were signed. Anywhere else — a header, the manifest, the payload — it must be
refused. So: for every position and every change, either opening the backup fails
with a backup error, or what it yields is byte for byte what was signed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard.audit.chain import chain_key
from marketguard.backup import archive
from marketguard.backup.errors import BackupError
from marketguard.backup.manifest import manifest_key
from marketguard.models import Base
from tests.backup.helpers import backup
from tests.backup.tampering import members
from tests.conftest import TEST_SECRET, make_settings, start_audit_log

KEY = manifest_key(chain_key(TEST_SECRET))


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from marketguard import db
    from tests.audit.helpers import append

    folder = tmp_path_factory.mktemp("property")
    url = f"sqlite:///{folder / 'source.db'}"
    Base.metadata.create_all(db.get_engine(url))
    start_audit_log(url, folder)
    append(make_settings(url, folder), 2)
    data = backup(make_settings(url, folder), folder / "b.mgb").path.read_bytes()
    db.get_engine(url).dispose()
    return data


# Headers and the manifest sit in the first few KiB, padding in the last ones: aim there
# as often as anywhere in the (much larger) payload.
POSITIONS = st.one_of(
    st.integers(0, 8191),
    st.integers(-12288, -1),
    st.floats(0, 1, exclude_max=True),
)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=POSITIONS, change=st.integers(1, 255))
def test_when_any_byte_is_changed_then_the_backup_is_refused_or_unchanged_in_substance(
    original: bytes, tmp_path: Path, where: int | float, change: int
) -> None:
    at = int(where * len(original)) if isinstance(where, float) else where % len(original)
    spoiled = original[:at] + bytes([original[at] ^ change]) + original[at + 1:]
    path = tmp_path / "b.mgb"
    path.write_bytes(spoiled)
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    try:
        opened = archive.open_backup(path, key=KEY, identity=None, scratch=scratch)
    except BackupError:
        return
    raw, _, payload = members(original)
    assert opened.payload.read_bytes() == payload
    assert opened.manifest.payload.sha256 == archive.file_digest(opened.payload)
    assert members(spoiled)[0] == raw
