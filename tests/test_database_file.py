"""The database file's door (storage.database_file): the start-up decision without any window."""

from __future__ import annotations

import pytest

from storage.database import StorageError
from storage.database_file import DatabaseFile
from storage.workspace import Workspace
from tests.faulty_files import another_programs_file, damage_pages


def test_a_healthy_file_opens_and_a_damaged_one_is_kept_aside_with_the_backups_offered(db_path, catalogue):
    Workspace.open(db_path, catalogue=catalogue).close()
    file = DatabaseFile(db_path)
    assert file.prepare() is None
    made = file.backup("测试")
    assert [b.path for b in file.backups()] == [made]
    damage_pages(db_path)
    damaged = file.prepare()
    assert damaged is not None and damaged.problem
    assert damaged.kept is not None and damaged.kept.exists() and damaged.kept != db_path
    assert [b.path for b in damaged.candidates] == [made]
    file.restore(damaged.candidates[0].path)
    assert file.prepare() is None


def test_another_programs_file_is_refused_untouched(db_path, catalogue):
    Workspace.open(db_path, catalogue=catalogue).close()
    another_programs_file(db_path)
    other = db_path
    before = other.read_bytes()
    with pytest.raises(StorageError):
        DatabaseFile(other).prepare()
    assert other.read_bytes() == before
