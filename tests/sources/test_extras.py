"""Optional period inputs: attendance.csv, events.csv, inputs.csv and their per-agent views."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from csincentive.core.diagnostics import InputError
from csincentive.sources.attendance import ATTENDANCE_COLUMNS, load_attendance
from csincentive.sources.events import load_events, per_agent_events
from csincentive.sources.manual import load_manual, per_agent_manual

AGENTS = {"A1", "A2", "A3"}
EVENTS = {"complaint", "video_games", "missed_clock_in", "praise"}
MANUAL = {"execution", "tickets", "error_tickets", "nominated_service_star", "qa_deductions"}
Z = Decimal(0)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def attendance(tmp_path: Path, text: str, encoding: str = "utf-8") -> pl.DataFrame:
    path = write(tmp_path / "2026-10" / "attendance.csv", text, encoding)
    return load_attendance(path, work_dir=tmp_path / "work", agent_ids=AGENTS)


def events(
    tmp_path: Path, text: str, encoding: str = "utf-8", known: set[str] | None = EVENTS
) -> pl.DataFrame:
    path = write(tmp_path / "2026-10" / "events.csv", text, encoding)
    return load_events(
        path,
        work_dir=tmp_path / "work",
        agent_ids=AGENTS,
        known_events=known,
        year=2026,
        month=10,
    )


def manual(
    tmp_path: Path, text: str, encoding: str = "utf-8", known: set[str] | None = MANUAL
) -> pl.DataFrame:
    path = write(tmp_path / "2026-10" / "inputs.csv", text, encoding)
    return load_manual(path, work_dir=tmp_path / "work", agent_ids=AGENTS, known_names=known)


def rendered(exc: pytest.ExceptionInfo[InputError], tmp_path: Path) -> list[str]:
    """Diagnostics rendered, with the temp folder cut off the file name."""
    return [d.render().replace(str(tmp_path) + "/", "") for d in exc.value.diagnostics]


def att_row(agent_id: str, **values: str) -> dict[str, object]:
    return {"agent_id": agent_id} | {c: Decimal(values.get(c, "0")) for c in ATTENDANCE_COLUMNS}


# --------------------------------------------------------------------------- attendance


def test_attendance_canonical_utf8_fills_missing_columns_and_blanks_with_zero(tmp_path):
    df = attendance(
        tmp_path,
        "agent_id,scheduled_days,worked_days,late,leave_personal,missed_clock_in\n"
        "A2,22,22,,,\n"
        "\n"
        "A1,22,20.5,2,1.5,1\n",
    )
    assert df.columns == ["agent_id", *ATTENDANCE_COLUMNS]
    assert df.schema["agent_id"] == pl.String
    assert all(df.schema[c] == pl.Decimal(38, 10) for c in ATTENDANCE_COLUMNS)
    assert df.to_dicts() == [
        att_row(
            "A1",
            scheduled_days="22",
            worked_days="20.5",
            late="2",
            leave_personal="1.5",
            missed_clock_in="1",
        ),
        att_row("A2", scheduled_days="22", worked_days="22"),
    ]


def test_attendance_gbk_with_chinese_headers(tmp_path):
    text = (
        "工号,应出勤天数,实出勤,迟到次数,早退,旷工天数,事假,病假,年假,婚假,丧假,产假,换班,漏打卡\r\n"
        "A1,22,19,1,0,0,0.5,1,1,0,0,0,1,0\r\n"
        "A3,21,21,0,1,0,0,0,0,0,0,0,0,2\r\n"
    )
    df = attendance(tmp_path, text, encoding="gbk")
    assert df.to_dicts() == [
        att_row(
            "A1",
            scheduled_days="22",
            worked_days="19",
            late="1",
            leave_personal="0.5",
            leave_sick="1",
            leave_annual="1",
            shift_swap="1",
        ),
        att_row("A3", scheduled_days="21", worked_days="21", early_leave="1", missed_clock_in="2"),
    ]


def test_attendance_utf8_bom_with_aliases(tmp_path):
    df = attendance(tmp_path, "\ufeff员工编号,应出勤,出勤天数,缺卡\nA2,22,21,3\n")
    assert df.to_dicts() == [
        att_row("A2", scheduled_days="22", worked_days="21", missed_clock_in="3")
    ]


def test_attendance_header_only_is_empty_frame(tmp_path):
    df = attendance(tmp_path, "agent_id,scheduled_days,worked_days\n")
    assert df.shape == (0, 14)
    assert df.schema["worked_days"] == pl.Decimal(38, 10)


def test_attendance_unknown_column_suggests(tmp_path):
    with pytest.raises(InputError) as exc:
        attendance(tmp_path, "agent_id,scheduled_days,worked_days,leave_sik\nA1,22,22,1\n")
    [line] = rendered(exc, tmp_path)
    assert line.startswith(
        "2026-10/attendance.csv:1:4: D401 leave_sik: unknown column 'leave_sik' — "
        "did you mean 'leave_sick'? rename or delete it; known columns: agent_id, "
    )


def test_attendance_missing_required_column(tmp_path):
    with pytest.raises(InputError) as exc:
        attendance(tmp_path, "工号,应出勤天数\nA1,22\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/attendance.csv:1: D402 worked_days: missing required column 'worked_days' "
        "(or one of: 实际出勤天数, 实出勤, 出勤天数) — add it to the header"
    ]


def test_attendance_empty_agent_id(tmp_path):
    with pytest.raises(InputError) as exc:
        attendance(tmp_path, "agent_id,scheduled_days,worked_days\nA1,22,22\n,22,22\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/attendance.csv:3:1: D403 agent_id: required value is empty — fill it in"
    ]


def test_attendance_unknown_agent(tmp_path):
    with pytest.raises(InputError) as exc:
        attendance(tmp_path, "agent_id,scheduled_days,worked_days\nA1,22,22\nA9,22,22\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/attendance.csv:3:1: D404 agent_id: agent 'A9' is not in agents.csv — "
        "add them there or remove the row"
    ]


def test_attendance_duplicate_agent_names_both_lines(tmp_path):
    with pytest.raises(InputError) as exc:
        attendance(tmp_path, "agent_id,scheduled_days,worked_days\nA1,22,22\nA2,22,22\nA1,22,21\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/attendance.csv:4:1: D405 agent_id: agent 'A1' is already on line 2 — keep "
        "one row: merge lines 2 and 4 or delete one of them"
    ]


def test_attendance_not_a_number(tmp_path):
    with pytest.raises(InputError) as exc:
        attendance(tmp_path, "工号,应出勤天数,实出勤,迟到\nA1,22,22,两次\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/attendance.csv:2:4: D406 迟到: not a number: '两次' — write a number of days "
        "or times like 2 or 0.5 (at most 10 decimals), or leave it empty for 0"
    ]


def test_attendance_negative(tmp_path):
    with pytest.raises(InputError) as exc:
        attendance(tmp_path, "agent_id,scheduled_days,worked_days,absent\nA1,22,22,-1\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/attendance.csv:2:4: D407 absent: negative value -1 — write 0 or a positive number"
    ]


def test_attendance_worked_more_than_scheduled(tmp_path):
    with pytest.raises(InputError) as exc:
        attendance(tmp_path, "agent_id,scheduled_days,worked_days\nA1,22,22.5\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/attendance.csv:2:3: D408 worked_days: worked days (22.5) exceed scheduled "
        "days (22) — correct one of them; overtime days are not attendance"
    ]


def test_attendance_reports_every_problem_in_line_order(tmp_path):
    with pytest.raises(InputError) as exc:
        attendance(
            tmp_path,
            "agent_id,scheduled_days,worked_days,late\nA9,x,22,1\nA1,22,23,-2\n",
        )
    codes = [(d.line, d.col, d.code) for d in exc.value.diagnostics]
    assert codes == [(2, 1, "D404"), (2, 2, "D406"), (3, 3, "D408"), (3, 4, "D407")]


# --------------------------------------------------------------------------- events


def test_events_gbk_chinese_headers_defaults_and_order(tmp_path):
    text = (
        "工号,日期,事件,次数,金额,备注\r\n"
        "A2,2026/10/15,complaint,,30,买家投诉态度\r\n"
        "A1,2026-10-20,video_games,2,,\r\n"
        "A1,2026-10-03,praise,1,,好评点名表扬\r\n"
        "A1,2026-10-20,complaint,1,￥60.00,第二次\r\n"
    )
    df = events(tmp_path, text, encoding="gbk")
    assert df.schema == pl.Schema(
        {
            "agent_id": pl.String,
            "date": pl.Date,
            "event": pl.String,
            "count": pl.Int64,
            "amount": pl.Decimal(38, 2),
            "note": pl.String,
            "line": pl.Int64,
        }
    )
    assert df.to_dicts() == [
        {
            "agent_id": "A1",
            "date": date(2026, 10, 3),
            "event": "praise",
            "count": 1,
            "amount": None,
            "note": "好评点名表扬",
            "line": 4,
        },
        {
            "agent_id": "A1",
            "date": date(2026, 10, 20),
            "event": "video_games",
            "count": 2,
            "amount": None,
            "note": None,
            "line": 3,
        },
        {
            "agent_id": "A1",
            "date": date(2026, 10, 20),
            "event": "complaint",
            "count": 1,
            "amount": Decimal("60.00"),
            "note": "第二次",
            "line": 5,
        },
        {
            "agent_id": "A2",
            "date": date(2026, 10, 15),
            "event": "complaint",
            "count": 1,
            "amount": Decimal("30.00"),
            "note": "买家投诉态度",
            "line": 2,
        },
    ]


def test_events_minimal_columns_and_unchecked_names(tmp_path):
    df = events(tmp_path, "agent_id,date,类型\nA3,2026-10-31,anything\n", known=None)
    assert df.to_dicts() == [
        {
            "agent_id": "A3",
            "date": date(2026, 10, 31),
            "event": "anything",
            "count": 1,
            "amount": None,
            "note": None,
            "line": 2,
        }
    ]


def test_events_unknown_column(tmp_path):
    with pytest.raises(InputError) as exc:
        events(tmp_path, "agent_id,date,event,amout\nA1,2026-10-01,praise,\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/events.csv:1:4: D501 amout: unknown column 'amout' — did you mean 'amount'? "
        "rename or delete it; known columns: agent_id, date, event, count, amount, note"
    ]


def test_events_missing_column(tmp_path):
    with pytest.raises(InputError) as exc:
        events(tmp_path, "agent_id,event\nA1,praise\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/events.csv:1: D502 date: missing required column 'date' (or one of: 日期) — "
        "add it to the header"
    ]


def test_events_empty_required_value(tmp_path):
    with pytest.raises(InputError) as exc:
        events(tmp_path, "agent_id,date,event\nA1,2026-10-01,\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/events.csv:2:3: D503 event: required value is empty — fill it in"
    ]


def test_events_unknown_agent(tmp_path):
    with pytest.raises(InputError) as exc:
        events(tmp_path, "agent_id,date,event\nB7,2026-10-01,praise\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/events.csv:2:1: D504 agent_id: agent 'B7' is not in agents.csv — add them "
        "there or remove the row"
    ]


def test_events_bad_date(tmp_path):
    with pytest.raises(InputError) as exc:
        events(tmp_path, "agent_id,date,event\nA1,10月3日,praise\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/events.csv:2:2: D505 date: not a date: '10月3日' — write it as YYYY-MM-DD"
    ]


def test_events_date_outside_month(tmp_path):
    with pytest.raises(InputError) as exc:
        events(tmp_path, "agent_id,date,event\nA1,2026/09/30,praise\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/events.csv:2:2: D506 date: 2026-09-30 is not in 2026-10 — events of other "
        "months belong in that month's folder"
    ]


def test_events_unknown_event_suggests(tmp_path):
    with pytest.raises(InputError) as exc:
        events(tmp_path, "agent_id,date,event\nA1,2026-10-01,complaints\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/events.csv:2:3: D507 event: unknown event 'complaints' — did you mean "
        "'complaint'? fix the name or declare it in the rules file under [events]"
    ]


def test_events_unknown_event_without_close_match_lists_known(tmp_path):
    with pytest.raises(InputError) as exc:
        events(tmp_path, "agent_id,date,event\nA1,2026-10-01,迟到\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/events.csv:2:3: D507 event: unknown event '迟到' — known: complaint, "
        "missed_clock_in, praise, video_games; fix the name or declare it in the rules file "
        "under [events]"
    ]


@pytest.mark.parametrize("count", ["0", "1.5", "-1", "两"])
def test_events_bad_count(tmp_path, count):
    with pytest.raises(InputError) as exc:
        events(tmp_path, f"agent_id,date,event,count\nA1,2026-10-01,praise,{count}\n")
    assert rendered(exc, tmp_path) == [
        f"2026-10/events.csv:2:4: D508 count: not a count: '{count}' — write a whole number "
        "of times ≥ 1, or leave it empty for 1"
    ]


def test_events_bad_amount(tmp_path):
    with pytest.raises(InputError) as exc:
        events(tmp_path, "agent_id,date,event,金额\nA1,2026-10-01,complaint,30.005\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/events.csv:2:4: D509 金额: not an amount: '30.005' — write it like 30 or "
        "30.00 (at most 2 decimals), or leave it empty"
    ]


# --------------------------------------------------------------------------- manual inputs


def test_manual_gbk_chinese_headers_and_yes_no(tmp_path):
    text = (
        "工号,项目,数值\r\n"
        "A2,execution,250.5\r\n"
        "A1,tickets,38\r\n"
        "A1,nominated_service_star,是\r\n"
        "A2,nominated_service_star,否\r\n"
        "A1,execution,280\r\n"
        "A3,qa_deductions,-2\r\n"
        "A3,error_tickets,YES\r\n"
    )
    df = manual(tmp_path, text, encoding="gbk")
    assert df.schema == pl.Schema(
        {"agent_id": pl.String, "name": pl.String, "value": pl.Decimal(38, 10), "line": pl.Int64}
    )
    assert df.to_dicts() == [
        {"agent_id": "A1", "name": "execution", "value": Decimal(280), "line": 6},
        {"agent_id": "A1", "name": "nominated_service_star", "value": Decimal(1), "line": 4},
        {"agent_id": "A1", "name": "tickets", "value": Decimal(38), "line": 3},
        {"agent_id": "A2", "name": "execution", "value": Decimal("250.5"), "line": 2},
        {"agent_id": "A2", "name": "nominated_service_star", "value": Z, "line": 5},
        {"agent_id": "A3", "name": "error_tickets", "value": Decimal(1), "line": 8},
        {"agent_id": "A3", "name": "qa_deductions", "value": Decimal(-2), "line": 7},
    ]


def test_manual_aliases_true_false_without_name_check(tmp_path):
    df = manual(tmp_path, "agent_id,指标,分数\nA1,busy_bee,true\nA1,x,False\n", known=None)
    assert df.select("name", "value").to_dicts() == [
        {"name": "busy_bee", "value": Decimal(1)},
        {"name": "x", "value": Z},
    ]


def test_manual_unknown_column(tmp_path):
    with pytest.raises(InputError) as exc:
        manual(tmp_path, "agent_id,name,value,vaule2\nA1,tickets,3,\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/inputs.csv:1:4: D601 vaule2: unknown column 'vaule2' — did you mean "
        "'value'? rename or delete it; known columns: agent_id, name, value"
    ]


def test_manual_missing_column(tmp_path):
    with pytest.raises(InputError) as exc:
        manual(tmp_path, "agent_id,name\nA1,tickets\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/inputs.csv:1: D602 value: missing required column 'value' (or one of: 数值, "
        "分数) — add it to the header"
    ]


def test_manual_empty_value(tmp_path):
    with pytest.raises(InputError) as exc:
        manual(tmp_path, "agent_id,name,value\nA1,tickets,\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/inputs.csv:2:3: D603 value: required value is empty — fill it in"
    ]


def test_manual_unknown_agent(tmp_path):
    with pytest.raises(InputError) as exc:
        manual(tmp_path, "agent_id,name,value\nA1,tickets,3\nA4,tickets,3\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/inputs.csv:3:1: D604 agent_id: agent 'A4' is not in agents.csv — add them "
        "there or remove the row"
    ]


def test_manual_unknown_name_suggests(tmp_path):
    with pytest.raises(InputError) as exc:
        manual(tmp_path, "agent_id,name,value\nA1,ticket,3\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/inputs.csv:2:2: D605 name: unknown input 'ticket' — did you mean 'tickets'? "
        "fix the name or declare it in the rules file under [inputs] manual = [...]"
    ]


def test_manual_duplicate_names_both_lines(tmp_path):
    with pytest.raises(InputError) as exc:
        manual(tmp_path, "agent_id,name,value\nA1,tickets,3\nA2,tickets,3\nA1,tickets,4\n")
    assert rendered(exc, tmp_path) == [
        "2026-10/inputs.csv:4:2: D606 name: 'tickets' for agent 'A1' is already on line 2 — "
        "keep one row: merge lines 2 and 4 or delete one of them"
    ]


@pytest.mark.parametrize("value", ["abc", "1e3", "1.00000000001", "有"])
def test_manual_bad_value(tmp_path, value):
    with pytest.raises(InputError) as exc:
        manual(tmp_path, f"agent_id,name,value\nA1,tickets,{value}\n")
    assert rendered(exc, tmp_path) == [
        f"2026-10/inputs.csv:2:3: D607 value: not a number: '{value}' — write a number like "
        "85 or 2.5, or 是/否 (yes/no) for 1/0"
    ]


def test_shared_header_checks_apply(tmp_path):
    with pytest.raises(InputError) as exc:
        manual(tmp_path, "agent_id,name,value,数值\nA1,tickets,3,3\n")
    assert [(d.line, d.col, d.code) for d in exc.value.diagnostics] == [(1, 4, "D105")]
    with pytest.raises(InputError) as exc:
        manual(tmp_path / "blank", "\n")
    assert [(d.line, d.code) for d in exc.value.diagnostics] == [(1, "D102")]


# --------------------------------------------------------------------------- per agent


def test_per_agent_events_sums_counts_and_amounts(tmp_path):
    df = events(
        tmp_path,
        "agent_id,date,event,count,amount\n"
        "A1,2026-10-01,complaint,1,30\n"
        "A1,2026-10-09,complaint,1,60\n"
        "A1,2026-10-10,video_games,3,\n"
        "A2,2026-10-11,praise,2,\n"
        "A3,2026-10-12,missed_clock_in,1,10\n",
    )
    wide = per_agent_events(df, ["complaint", "video_games", "praise"])
    assert wide.schema == pl.Schema(
        {
            "agent_id": pl.String,
            "complaint": pl.Int64,
            "complaint_amount": pl.Decimal(38, 2),
            "video_games": pl.Int64,
            "video_games_amount": pl.Decimal(38, 2),
            "praise": pl.Int64,
            "praise_amount": pl.Decimal(38, 2),
        }
    )
    assert wide.to_dicts() == [
        {
            "agent_id": "A1",
            "complaint": 2,
            "complaint_amount": Decimal("90.00"),
            "video_games": 3,
            "video_games_amount": Z,
            "praise": 0,
            "praise_amount": Z,
        },
        {
            "agent_id": "A2",
            "complaint": 0,
            "complaint_amount": Z,
            "video_games": 0,
            "video_games_amount": Z,
            "praise": 2,
            "praise_amount": Z,
        },
        {
            "agent_id": "A3",
            "complaint": 0,
            "complaint_amount": Z,
            "video_games": 0,
            "video_games_amount": Z,
            "praise": 0,
            "praise_amount": Z,
        },
    ]


def test_per_agent_events_of_no_events_is_empty(tmp_path):
    df = events(tmp_path, "agent_id,date,event\n")
    wide = per_agent_events(df, ["complaint"])
    assert wide.shape == (0, 3)
    assert wide.columns == ["agent_id", "complaint", "complaint_amount"]


def test_per_agent_manual_widens_with_nulls(tmp_path):
    df = manual(
        tmp_path,
        "agent_id,name,value\n"
        "A2,execution,250.5\n"
        "A1,tickets,38\n"
        "A1,execution,280\n"
        "A2,qa_deductions,1\n",
    )
    wide = per_agent_manual(df, ["execution", "tickets", "error_tickets"])
    assert wide.schema == pl.Schema(
        {
            "agent_id": pl.String,
            "execution": pl.Decimal(38, 10),
            "tickets": pl.Decimal(38, 10),
            "error_tickets": pl.Decimal(38, 10),
        }
    )
    assert wide.to_dicts() == [
        {
            "agent_id": "A1",
            "execution": Decimal(280),
            "tickets": Decimal(38),
            "error_tickets": None,
        },
        {"agent_id": "A2", "execution": Decimal("250.5"), "tickets": None, "error_tickets": None},
    ]
