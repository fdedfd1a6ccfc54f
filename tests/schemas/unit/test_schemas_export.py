from pathlib import Path

import pytest

from radar_schemas import EVENT_TYPES
from radar_schemas.export import DEFAULT_OUT, main, render


def test_committed_json_schema_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--check"])
    assert status == 0, (
        f"stale JSON Schema files, run `uv run radar-schemas-export`:\n{capsys.readouterr().out}"
    )


def test_one_file_per_type_plus_envelope() -> None:
    assert sorted(render()) == sorted([f"{t}.json" for t in EVENT_TYPES] + ["envelope.json"])
    assert sorted(p.name for p in DEFAULT_OUT.glob("*.json")) == sorted(render())


def test_render_is_deterministic() -> None:
    first = render()
    assert render() == first
    assert all(text.endswith("}\n") for text in first.values())


def test_check_lists_stale_missing_and_leftover_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--out", str(tmp_path)]) == 0
    assert main(["--check", "--out", str(tmp_path)]) == 0
    capsys.readouterr()

    (tmp_path / "usage.recorded.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "ticket.closed.json").unlink()
    (tmp_path / "old.event.json").write_text("{}\n", encoding="utf-8")

    assert main(["--check", "--out", str(tmp_path)]) == 1
    listed = capsys.readouterr().out.splitlines()
    assert listed == [
        f"stale: {tmp_path / name}"
        for name in ("old.event.json", "ticket.closed.json", "usage.recorded.json")
    ]

    assert main(["--out", str(tmp_path)]) == 0
    assert main(["--check", "--out", str(tmp_path)]) == 0
    assert not (tmp_path / "old.event.json").exists()
