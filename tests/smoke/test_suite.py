"""``limsim suite`` and the index page: every report linked, links resolve, damage shown."""

from __future__ import annotations

import re
from pathlib import Path

from harness import suite
from harness.cli import main

FAST = ["retention", "consolidation_wall"]


def _links(md: Path) -> list[str]:
    return re.findall(r"\]\(([^)]+)\)", md.read_text())


def test_suite_writes_index_linking_every_report(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "results" / "suite"
    rc = main(["suite", *FAST, "--smoke", "--quiet", "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "2 of 2 experiments passed every check" in printed
    for root in (out, tmp_path / "results"):  # the suite's index and the results/ one
        md = root / "index.md"
        assert (root / "index.html").is_file()
        links = _links(md)
        reports = [x for x in links if x.endswith("report.md")]
        assert sorted(Path(x).parent.name for x in reports) == sorted(FAST)
        for link in links:
            assert (root / link).is_file(), link
        assert md.read_text().count("| pass (smoke) |") == 2
        pages = [x for x in links if x.endswith("report.html")]  # the browser's report
        assert sorted(Path(x).parent.name for x in pages) == sorted(FAST)
        assert f'href="{pages[0]}"' in (root / "index.html").read_text()
    for name in FAST:  # report.html: every figure inline, the checks as a table
        page = (out / name / "report.html").read_text()
        pngs = sorted(p.name for p in (out / name).glob("*.png"))
        assert pngs and all(f'<img src="{p}"' in page for p in pngs)
        assert "<table>" in page and page.count("<tr>") > 1
    html = (out / "index.html").read_text()
    assert html.count("<img ") == len(list(out.glob("*/*.png")))


def test_index_shows_damaged_file_and_failed_checks(tmp_path, capsys):
    rc = main(["suite", "retention", "--smoke", "--quiet", "--out", str(tmp_path)])
    assert rc == 0
    capsys.readouterr()
    h5 = tmp_path / "retention" / "retention.h5"
    copy = tmp_path / "broken" / "retention.h5"
    copy.parent.mkdir()
    data = h5.read_bytes()
    copy.write_bytes(data[: len(data) // 2])  # truncated
    rows = {r["folder"]: r for r in suite.entries(tmp_path)}
    assert rows["broken"]["status"] == "damaged"
    assert rows["retention"]["status"] == "pass" and rows["retention"]["failed"] == 0
    suite.write_index(tmp_path)
    assert "damaged" in (tmp_path / "index.md").read_text()


def test_suite_bad_name_exit_2_nothing_written(tmp_path, capsys):
    out = tmp_path / "s"
    rc = main(["suite", "retention", "no_such_experiment", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "no_such_experiment" in err
    assert not out.exists()


def test_run_under_results_refreshes_its_index(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc = main(["run", "consolidation_wall", "--smoke", "--quiet"])
    assert rc == 0
    capsys.readouterr()
    md = tmp_path / "results" / "index.md"
    (report,) = [x for x in _links(md) if x.endswith("report.md")]
    assert report.startswith("consolidation_wall-") and (md.parent / report).is_file()
