"""Plausibility checks of the inputs (issue 11, items 3 and 4): each hostile input of the
month in tests/months/2026-10 is a located error — nothing is computed — or a located
warning kept with a month paid right. The line numbers are counted by hand in the files
(header = line 1): orders.csv line 2 is o01, line 3 o02; chats.csv line 3 is 小美's
first session; agents.csv line 3 is A1 小美."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import MONTH_RULES, SHIPPED_RULES, ignoring_the_temp

from csincentive.core.diagnostics import Diagnostic, InputError
from csincentive.month.compute import compute_month

ROOT = Path(__file__).resolve().parents[2]
MONTH = ROOT / "tests" / "months" / "2026-10"
RULES = MONTH_RULES  # the shipped scheme, 云杉:临时工 ignored


def month_with(tmp_path: Path, name: str, edit: Callable[[list[str]], None]) -> Path:
    """A copy of the test month whose file ``name`` has its lines changed by ``edit``."""
    folder = tmp_path / "2026-10"
    if not folder.exists():
        shutil.copytree(MONTH, folder)
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines()
    edit(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def replace(line: int, old: str, new: str) -> Callable[[list[str]], None]:
    def edit(lines: list[str]) -> None:
        assert old in lines[line - 1], lines[line - 1]
        lines[line - 1] = lines[line - 1].replace(old, new, 1)

    return edit


def problems(folder: Path, rules: Path = RULES) -> list[Diagnostic]:
    """The diagnostics that stop the month: computing it must fail."""
    with pytest.raises(InputError) as caught:
        compute_month(folder, rules)
    return caught.value.diagnostics


def where(diagnostics: list[Diagnostic]) -> list[tuple[str, int | None, str, str]]:
    return [(Path(d.file).name, d.line, d.code, d.path) for d in diagnostics]


# --------------------------------------------------------------------------- empty exports


def test_an_orders_export_with_only_its_header_is_an_error(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "orders.csv", lambda lines: lines.__delitem__(slice(1, None)))
    found = problems(folder)
    assert where(found) == [("orders.csv", 1, "D109", "")]
    assert "has only its header, but the rules read figures made from it (" in found[0].message


def test_a_chats_export_with_only_its_header_is_an_error(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "chats.csv", lambda lines: lines.__delitem__(slice(1, None)))
    assert where(problems(folder)) == [("chats.csv", 1, "D109", "")]


def test_a_header_and_blank_lines_is_still_empty(tmp_path: Path) -> None:
    def blank(lines: list[str]) -> None:
        lines[1:] = ["", ",,,,,,", ""]

    assert where(problems(month_with(tmp_path, "orders.csv", blank))) == [
        ("orders.csv", 1, "D109", "")
    ]


def test_header_only_exports_are_fine_when_the_rules_read_nothing_from_them() -> None:
    # The shipped callcenter-points month has an orders.csv with only its header: its
    # rules pay on chats and points, never on sales, so nothing is said.
    folder = ROOT / "examples" / "callcenter-points" / "2026-10"
    assert (folder / "orders.csv").read_text(encoding="utf-8").count("\n") == 1
    result = compute_month(folder, ROOT / "rules" / "callcenter-points.toml")
    assert result.payroll.height == 8
    assert [d.code for d in result.warnings] == []


# --------------------------------------------------------------------------- orders


def test_a_negative_paid_amount_is_an_error(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "orders.csv", replace(2, ",300.00,", ",-300.00,"))
    found = problems(folder)
    assert where(found) == [("orders.csv", 2, "D320", "paid_amount")]
    assert (
        found[0]
        .render()
        .endswith(
            "orders.csv:2: D320 paid_amount: negative amount: '-300.00' — write the amount as a "
            "positive number (what was refunded goes in 退款金额, not as a negative payment), or "
            "re-export the order report"
        )
    )


def test_an_amount_above_the_ceiling_is_an_error_unless_the_rules_raise_it(
    tmp_path: Path,
) -> None:
    folder = month_with(tmp_path, "orders.csv", replace(2, ",300.00,", ",1000000.01,"))
    found = problems(folder)
    assert where(found) == [("orders.csv", 2, "D321", "paid_amount")]
    assert "more than [inputs] max_amount (1,000,000)" in found[0].message
    raised = tmp_path / "rules.toml"
    raised.write_text(
        ignoring_the_temp(SHIPPED_RULES.read_text(encoding="utf-8")) + "max_amount = 2000000\n",
        encoding="utf-8",
    )
    orders = compute_month(folder, raised).orders
    assert str(orders.filter(orders["order_id"] == "o01")["paid_amount"].item()) == "1000000.01"


def test_an_amount_of_1e20_is_an_error_never_an_overflow(tmp_path: Path) -> None:
    # Written out, 10^20 fits Decimal(38, 2) but two of them would overflow the sums; the
    # ceiling stops both. As "1e20" it is not an amount at all (at most 2 decimals).
    huge = "9" * 35 + ".00"
    folder = month_with(tmp_path, "orders.csv", replace(2, ",300.00,", f",{huge},"))
    month_with(tmp_path, "orders.csv", replace(3, ",500.00,", ",100000000000000000000.00,"))
    month_with(tmp_path, "orders.csv", replace(4, ",200.50,", ",1e20,"))
    assert sorted(where(problems(folder))) == [
        ("orders.csv", 2, "D321", "paid_amount"),
        ("orders.csv", 3, "D321", "paid_amount"),
        ("orders.csv", 4, "D300", "paid_amount"),
    ]


def test_a_refund_larger_than_the_payment_is_an_error(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "orders.csv", replace(3, ",100.00", ",500.01"))
    found = problems(folder)
    assert where(found) == [("orders.csv", 3, "D322", "refund_amount")]
    assert found[0].message.startswith(
        "refund is larger than the payment (500.00): '500.01' — correct 退款金额"
    )


def test_a_payment_before_the_order_was_created_is_an_error(tmp_path: Path) -> None:
    edit = replace(2, "2026-10-05 11:05:00", "2026-10-05 10:59:59")
    found = problems(month_with(tmp_path, "orders.csv", edit))
    assert where(found) == [("orders.csv", 2, "D323", "paid_at")]
    assert found[0].message.startswith(
        "paid before the order was created (2026-10-05 11:00:00): '2026-10-05 10:59:59'"
    )


def test_a_row_missing_its_last_cell_is_not_read_as_no_refund(tmp_path: Path) -> None:
    # o02 (line 3) refunded 100.00: cut short, its refund would have been read as 0.
    found = problems(month_with(tmp_path, "orders.csv", replace(3, ",100.00", "")))
    assert where(found) == [("orders.csv", 3, "D324", "refund_amount")]


def test_many_bad_rows_show_the_first_twenty_and_count_the_rest(tmp_path: Path) -> None:
    def negative(lines: list[str]) -> None:
        template = "x{0},b1,2026-10-05 11:00:00,2026-10-05 11:05:00,-1.00,交易成功,0.00"
        lines += [template.format(i) for i in range(25)]

    found = problems(month_with(tmp_path, "orders.csv", negative))
    assert [d.line for d in found] == [*range(18, 38), None]
    assert found[-1].render() == (
        f"{tmp_path / '2026-10' / 'orders.csv'}: D320 paid_amount: and 5 more like these — "
        "write the amount as a positive number (what was refunded goes in 退款金额, not as a "
        "negative payment), or re-export the order report"
    )


# --------------------------------------------------------------------------- chats


def with_end_times(lines: list[str]) -> None:
    """chats.csv with an end_time column: each session ends ten minutes after it starts."""
    lines[0] += ",end_time"
    for i, text in enumerate(lines[1:], start=1):
        start = text.split(",")[2]
        lines[i] = f"{text},{start[:14]}{int(start[14:16]) + 10:02d}{start[16:]}"


def test_a_session_that_ends_before_it_starts_is_an_error(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "chats.csv", with_end_times)
    month_with(tmp_path, "chats.csv", replace(3, ",2026-10-05 10:10:00", ",2026-10-05 09:59:00"))
    # Another format: the times are parsed, and 10:30 is after 10:10 (no error there).
    month_with(tmp_path, "chats.csv", replace(4, ",2026-10-10 20:10:00", ",2026/10/10 20:30"))
    found = problems(folder)
    assert where(found) == [("chats.csv", 3, "D330", "end_time")]
    assert found[0].message.startswith(
        "the session ends before it starts (2026-10-05 10:00:00): '2026-10-05 09:59:00'"
    )


def test_end_times_after_the_start_pass_and_change_nothing(tmp_path: Path) -> None:
    plain = compute_month(MONTH, RULES)
    ended = compute_month(month_with(tmp_path, "chats.csv", with_end_times), RULES)
    assert ended.payroll.equals(plain.payroll)


def test_ratings_outside_the_scale_are_errors(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "chats.csv", replace(3, ",很满意", ",9"))
    month_with(tmp_path, "chats.csv", replace(5, ",满意", ",-1"))
    month_with(tmp_path, "chats.csv", replace(7, ",一般", ",good"))
    found = problems(folder)
    assert where(found) == [
        ("chats.csv", 3, "D331", "rating"),
        ("chats.csv", 5, "D331", "rating"),
        ("chats.csv", 7, "D331", "rating"),
    ]
    assert "'9'" in found[0].message and "accepted: 很满意、满意" in found[0].message


def test_the_satisfied_ratings_are_those_the_month_counts() -> None:
    from csincentive.month import metrics
    from csincentive.sources.chats import RATINGS, SATISFIED_RATINGS

    assert metrics.SATISFIED_RATINGS is SATISFIED_RATINGS  # one list, not two kept equal
    assert set(SATISFIED_RATINGS) <= set(RATINGS)


# --------------------------------------------------------------------------- roster


def test_a_leave_date_before_the_hire_date_is_an_error(tmp_path: Path) -> None:
    edit = replace(3, "2025-01-01,,云杉:小美,,", "2025-01-01,,云杉:小美,2024-12-31,")
    found = problems(month_with(tmp_path, "agents.csv", edit))
    assert [(d.line, d.col, d.code, d.path) for d in found] == [(3, 9, "D209", "leave_date")]


def test_a_roster_row_missing_its_last_cell_is_an_error(tmp_path: Path) -> None:
    found = problems(month_with(tmp_path, "agents.csv", replace(3, ",5000.00", "")))
    assert [(d.line, d.col, d.code, d.path) for d in found] == [(3, 10, "D110", "target")]


def test_activity_before_the_hire_date_is_a_warning_and_the_pay_is_kept(
    tmp_path: Path,
) -> None:
    # A1 小美 hired in November but with October chats and credited orders: the month is
    # paid as before apart from her base (0 days employed), and the warning says why.
    plain = compute_month(MONTH, RULES)
    edit = replace(3, "2025-01-01", "2026-11-01")
    result = compute_month(month_with(tmp_path, "agents.csv", edit), RULES)
    w201 = [d for d in result.warnings if d.code == "W201"]
    assert [(Path(d.file).name, d.line, d.path, d.severity) for d in w201] == [
        ("agents.csv", 3, "hire_date", "warning")
    ]
    assert w201[0].message.startswith("A1 has chats or orders in 2026-10 but was hired after")

    def commission(r: object) -> object:
        payroll = r.payroll  # type: ignore[attr-defined]
        return payroll.filter(payroll["agent_id"] == "A1")["commission"].item()

    assert commission(result) == commission(plain)


# --------------------------------------------------------------------------- file shape


def test_cr_only_line_ends_read_like_any_other(tmp_path: Path) -> None:
    folder = tmp_path / "2026-10"
    shutil.copytree(MONTH, folder)
    for name in ("agents.csv", "chats.csv", "orders.csv"):
        path = folder / name
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    assert compute_month(folder, RULES).payroll.equals(compute_month(MONTH, RULES).payroll)


def test_cr_only_line_ends_keep_the_line_numbers(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "orders.csv", replace(3, ",500.00,", ",-500.00,"))
    path = folder / "orders.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    assert where(problems(folder)) == [("orders.csv", 3, "D320", "paid_amount")]


def test_a_truncated_export_is_reported_at_its_last_line(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "orders.csv", lambda lines: None)
    path = folder / "orders.csv"
    path.write_bytes(path.read_bytes()[:-30])  # the last row (line 17) cut in its paid_at
    [found] = problems(folder)
    # o17,b40,2026-09-30 10:00:00,2026-09-30 1 — 4 of the header's 7 cells, no line break:
    # a download that did not finish, said once instead of three cells of bad values.
    assert (found.line, found.col, found.code, found.path) == (17, 5, "D111", "paid_amount")
    assert found.message.startswith("the last row has 4 of the header's 7 cells")


def test_a_chats_export_cut_before_its_last_rating_is_an_error(tmp_path: Path) -> None:
    # 云杉:临时工's session (line 23) ends its row with an empty rating; cut before that
    # last comma the row has 4 of 5 cells and no line break: the rating of a session cut
    # off like this would read as "not rated".
    folder = month_with(tmp_path, "chats.csv", lambda lines: None)
    path = folder / "chats.csv"
    path.write_bytes(path.read_bytes()[:-2])
    [found] = problems(folder)
    assert where([found]) == [("chats.csv", 23, "D111", "rating")]


def test_a_short_last_row_with_its_line_break_is_read_as_blank_cells(tmp_path: Path) -> None:
    # Excel leaves the trailing empty cells off some rows: a short row that ends with a
    # line break is not a cut download. The last session's rating was blank anyway.
    folder = month_with(tmp_path, "chats.csv", replace(23, "09:00:00,,", "09:00:00,"))
    plain = compute_month(MONTH, RULES)
    assert compute_month(folder, RULES).payroll.equals(plain.payroll)


def test_a_quote_never_closed_is_reported_at_its_line(tmp_path: Path) -> None:
    folder = month_with(tmp_path, "orders.csv", replace(5, "o04,b3", '"o04,b3'))
    assert where(problems(folder)) == [("orders.csv", 5, "D108", "")]
