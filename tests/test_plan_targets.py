"""The plan's targets file and the progress toward each target."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from district.progress import ProgressState, plan_progress
from district.targets import PlanTarget, load_targets, targets_path
from forms.loader import FormDefinitionError


def test_shipped_targets_load_and_measure_existing_cells(catalogue) -> None:
    targets = load_targets(catalogue)
    ids = [t.id for t in targets]
    assert len(ids) == len(set(ids)) >= 30
    measured = [t for t in targets if t.measure]
    assert {t.id for t in measured} >= {"energy_intensity", "cod_projects", "rooftop_pv", "coal_share"}
    for t in measured:
        table = catalogue.get(t.measure.form).table(t.measure.table)
        assert not table.is_blocked(table.row(t.measure.row), table.column(t.measure.column))
    assert all(t.unmeasured for t in targets if t.measure is None)
    by_id = {t.id: t for t in targets}
    assert by_id["cod_projects"].target == 2133.3 and by_id["coal_share"].direction == "at_most"


def _write(tmp_path: Path, **change) -> Path:
    data = yaml.safe_load(targets_path().read_text(encoding="utf-8"))
    data["targets"][0].update(change)
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "message"), [
    ({"measure": {"form": "energy_consumption", "table": "indicators", "row": "nope", "column": "current"}}, "nope"),
    ({"measure": {"form": "energy_consumption", "table": "indicators", "row": "intensity_drop", "column": "base"}},
     "不是固定表中"),  # a blocked cell
    ({"target": 15}, "不一致"),  # the form's goal rule G-rule says 14.5
    ({"measure": None}, "须说明原因"),
    ({"direction": "about"}, "不在允许范围"),
    ({"colour": "red"}, "未知的键"),
])
def test_targets_file_errors_name_the_key(tmp_path: Path, catalogue, change: dict, message: str) -> None:
    with pytest.raises(FormDefinitionError, match=message) as info:
        load_targets(catalogue, _write(tmp_path, **change))
    assert "targets[0]" in str(info.value)


def _target(**kw) -> PlanTarget:
    base = dict(id="t", name="测试", plan="测试", target=14.5, unit="%", base_year=2020, base_value=0.0,
                measure=None)
    from district.targets import CellRef

    base["measure"] = CellRef("f", "t", "r", "c")
    base.update(kw)
    return PlanTarget(**base)


def test_progress_on_the_straight_path() -> None:
    target = _target()
    behind = plan_progress(target, {2021: 2.0, 2023: 7.2, 2024: None})
    assert behind.year == 2023 and behind.state is ProgressState.BEHIND  # the path stands at 8.7 in 2023
    assert behind.path_value(2023) == pytest.approx(8.7)
    assert behind.done_share == pytest.approx(7.2 / 14.5)
    assert behind.remaining == pytest.approx(7.3) and behind.per_year == pytest.approx(7.3 / 2)
    assert "还差 7.3个百分点（每年需 3.65个百分点）" in behind.text()
    assert plan_progress(target, {2023: 9.0}).state is ProgressState.ON_TRACK
    done = plan_progress(target, {2025: 15.1})
    assert done.state is ProgressState.REACHED and done.remaining == 0 and done.per_year is None


def test_progress_downward_without_a_base() -> None:
    target = _target(target=30.0, direction="at_most", base_year=None, base_value=None)
    p = plan_progress(target, {2021: 40.0, 2023: 35.0})
    assert p.start == (2021, 40.0)
    assert p.done_share == pytest.approx(0.5)  # 40 → 35 of 40 → 30
    assert p.state is ProgressState.ON_TRACK  # the path stands at 37.5 in 2023
    assert plan_progress(target, {2021: 40.0, 2023: 39.0}).state is ProgressState.BEHIND
    assert plan_progress(target, {2024: 29.5}).state is ProgressState.REACHED


def test_progress_without_figures_or_form() -> None:
    assert plan_progress(_target(), {}).state is ProgressState.NO_DATA
    unmeasured = plan_progress(_target(measure=None, unmeasured="尚无报表采集"), {2023: 1.0})
    assert unmeasured.state is ProgressState.UNMEASURED and "尚无报表采集" in unmeasured.text()
