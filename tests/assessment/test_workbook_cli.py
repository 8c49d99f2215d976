"""`flask workbook export|import`: the same workbook from the command line; without --apply only the preview
is printed and nothing changes; with it, one audited change; a group's workbook by the group's name."""
from __future__ import annotations


import openpyxl
from sqlalchemy import func, select

from whitepaper.models import AuditEvent, Criterion, GroupRating, Rating


def _edit(path, edits: dict[tuple[str, str], object]) -> None:
    wb = openpyxl.load_workbook(path)
    for (code, column), value in edits.items():
        ws = next(ws for ws in wb.worksheets[1:-1] if any(c.value == code for c in ws["A"]))
        row = next(c.row for c in ws["A"] if c.value == code)
        ws[f"{column}{row}"].value = value
    wb.save(path)


def _state(db, a) -> dict[str, tuple]:
    db.session.expire_all()
    rows = db.session.execute(select(Criterion.code, Rating.kind, Rating.level, Rating.version)
                              .join(Rating, Rating.criterion_id == Criterion.id).where(Rating.assessment_id == a.id))
    return {code: (kind, level, version) for code, kind, level, version in rows}


def test_export_preview_and_apply_from_the_command_line(runner, db, make_assessment, tmp_path):
    a = make_assessment(model="subnational", scope="Jalisco", rate="all")
    path = tmp_path / "taller.xlsx"
    result = runner.invoke(args=["workbook", "export", str(a.id), "--out", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(path).sheetnames[0] == "Instructions"
    _edit(path, {("SUB-1-01", "D"): 1, ("SUB-2-01", "D"): "Not applicable"})
    before = _state(db, a)
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent))

    preview = runner.invoke(args=["workbook", "import", str(a.id), str(path)])
    assert preview.exit_code == 0, preview.output
    assert "2 change(s)" in preview.output and "  SUB-1-01: rating" in preview.output
    assert "  SUB-2-01: rating" in preview.output and "Preview only" in preview.output
    assert _state(db, a) == before

    applied = runner.invoke(args=["workbook", "import", str(a.id), str(path), "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "Applied: 2 criteria changed." in applied.output
    after = _state(db, a)
    assert after["SUB-1-01"][:2] == ("value", 1) and after["SUB-2-01"][0] == "not_applicable"
    assert {c for c in after if after[c] != before[c]} == {"SUB-1-01", "SUB-2-01"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audits + 1
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert event.action == "assessment.workbook_import" and event.actor_id is None


def test_a_refused_workbook_prints_each_problem_and_fails(runner, db, make_assessment, tmp_path):
    a = make_assessment(model="subnational", scope="Jalisco", rate="all")
    path = tmp_path / "taller.xlsx"
    assert runner.invoke(args=["workbook", "export", str(a.id), "--out", str(path)]).exit_code == 0
    _edit(path, {("SUB-1-01", "D"): "7"})
    before = _state(db, a)
    result = runner.invoke(args=["workbook", "import", str(a.id), str(path), "--apply"])
    assert result.exit_code != 0
    assert ("sheet «Marco institucional», row 3, column D (Calificación): «7» is not in its list: 1, 2, 3, "
            "No aplica, Sin información (or empty).") in result.output
    assert "1 problem(s): nothing was applied." in result.output
    assert _state(db, a) == before


def test_a_groups_workbook_by_name(runner, db, make_assessment, tmp_path):
    a = make_assessment(model="subnational", scope="Jalisco", groups=["Norte", "Sur"])
    path = tmp_path / "sur.xlsx"
    result = runner.invoke(args=["workbook", "export", str(a.id), "--out", str(path), "--group", "sur",
                                 "--blank"])
    assert result.exit_code == 0 and "(group «Sur»)" in result.output
    _edit(path, {("SUB-1-01", "D"): 3, ("SUB-1-01", "E"): "Lo que dijo el grupo Sur."})
    assert runner.invoke(args=["workbook", "import", str(a.id), str(path), "--apply"]).exit_code == 0
    db.session.expire_all()
    rows = db.session.execute(select(GroupRating.kind, GroupRating.level, GroupRating.justification)).all()
    assert [tuple(r) for r in rows] == [("value", 3, "Lo que dijo el grupo Sur.")]
    missing = runner.invoke(args=["workbook", "export", str(a.id), "--out", str(path), "--group", "Este"])
    assert missing.exit_code != 0 and "no workshop group «Este»" in missing.output
