"""Test set-up: Qt offscreen before any Qt import; a fresh database file per test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pytest-xdist (test.sh runs the suite on every core): each worker keeps the form catalogue's
# cache in a folder of its own, not the program's one data/cache file that all would rewrite
# (tests load catalogues of their own, each a different cache). A run without xdist is unchanged.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER and "JNJP_CACHE_DIR" not in os.environ:
    os.environ["JNJP_CACHE_DIR"] = str(ROOT / "data" / "cache" / f"xdist-{_WORKER}")

import pytest  # noqa: E402

from forms.catalogue import FormCatalogue  # noqa: E402


@pytest.fixture(scope="session")
def catalogue() -> FormCatalogue:
    return FormCatalogue.load()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "test.sqlite"


@pytest.fixture
def workspace(db_path: Path, catalogue: FormCatalogue):
    """A fresh real SQLite file with the township catalogue and the demo township."""
    from storage.workspace import Workspace

    ws = Workspace.open(db_path, catalogue=catalogue, user="测试员")
    yield ws
    ws.close()


@pytest.fixture
def demo_township(workspace):
    return next(t for t in workspace.townships() if t.is_demo)


@pytest.fixture
def messages(monkeypatch) -> list[tuple[str, str]]:
    """Every message box a test's window shows, as (title, text), answered Yes (or OK), so the test
    can assert what the user was told and no modal box ever waits for a click."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []

    def record(_parent, title, text, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        shown.append((title, text))
        return QMessageBox.StandardButton.Yes

    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, record)
    return shown


@pytest.fixture
def demo_window(qtbot, workspace, demo_township, tmp_path: Path):  # noqa: ANN001, ANN201
    """The main window on the demo township's 2025."""
    from tests.windows import show_window

    return show_window(qtbot, workspace, tmp_path, demo_township.id)


@pytest.fixture(scope="session")
def township_files(tmp_path_factory, catalogue) -> dict[str, Path]:
    """23 townships' 2025 submission files made by the program itself (different figures each),
    built once per test session; tests copy what they change (district, W2-D)."""
    from district.sample_files import make_township_files

    return make_township_files(tmp_path_factory.mktemp("township_files"), catalogue)


# The few modules that take a minute each (a time-bounded soak, a list at its row limit, 30 kills
# of a real process) start first: under pytest-xdist a long test collected last would leave the
# other workers idle at the end. Serially the order does not matter (every test stands alone).
_LONG_FIRST = ("test_soak.py", "test_export_max_rows.py", "test_kill.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in _LONG_FIRST)  # stable: the rest keep their order
