"""kind = "pool" (S003-01/02, 奖金池): a pool shared by a basis among the eligible in whole fen
— each share rounded down, the fen left over one each by the largest remainder (ties to the
larger basis, then the smaller agent_id) — so the shares add up to the pool exactly. Every
expected value is worked by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from helpers import ROOT, TEMP_ACCOUNT, agents, engine_rules, money, run
from hypothesis import given, settings
from hypothesis import strategies as st

from csincentive.core.diagnostics import InputError
from csincentive.month.compute import compute_month
from csincentive.month.engine import TRACE, WHY, Compiler, problems_of


def pool_body(amount: str = "100", basis: str = "score", extra: str = "") -> str:
    return f"""
[components.bonus]
label = "奖金池"
rule = "S003-02"
kind = "pool"
amount = {amount}
basis = "{basis}"
{extra}
"""


def test_equal_thirds_give_the_extra_fen_to_the_smaller_agent_id():
    # 100.00 among three equal bases: 10000 fen × 1/3 = 3333.33 → 3333 each, 1 fen left;
    # the remainders and the bases tie, so it goes to the smallest agent_id, A1.
    out = run(pool_body(), agents(score=money("1", "1", "1")))
    assert out["bonus"].to_list() == money("33.34", "33.33", "33.33")
    assert sum(out["bonus"].to_list()) == Decimal("100.00")
    assert out["bonus" + WHY].to_list() == [
        "pool 100.00 × score 1 / Σ 3 → 33.33 + 0.01 (largest remainder) = 33.34",
        "pool 100.00 × score 1 / Σ 3 → 33.33 (rounded down to the fen) = 33.33",
        "pool 100.00 × score 1 / Σ 3 → 33.33 (rounded down to the fen) = 33.33",
    ]


def test_the_largest_remainders_get_the_fen_left_over():
    # 1000.00 by bases 1, 2, 4 (Σ 7): 100000 fen × b / 7 = 14285 r5, 28571 r3, 57142 r6;
    # Σ 99998, 2 fen left: to A3 (remainder 6) and A1 (5). 142.86 + 285.71 + 571.43 = 1000.00.
    out = run(pool_body("1000"), agents(score=money("1", "2", "4")))
    assert out["bonus"].to_list() == money("142.86", "285.71", "571.43")
    traces = out["bonus" + TRACE].to_list()
    assert [t["remainder_place"] for t in traces] == [2, 3, 1]
    assert [t["floor"] for t in traces] == money("142.85", "285.71", "571.42")
    assert [t["extra"] for t in traces] == money("0.01", "0", "0.01")
    assert {t["leftover"] for t in traces} == {Decimal("0.02")}
    assert {t["sharers"] for t in traces} == {3}


def test_equal_remainders_go_to_the_larger_basis():
    # 0.03 by bases 1, 3, 2 (Σ 6): 3 fen × b / 6 = 0 r3, 1 r3, 1 r0; 1 fen left. A1 and A2
    # tie on the remainder: the larger basis, A2, gets it. 0.00 + 0.02 + 0.01 = 0.03.
    out = run(pool_body("0.03"), agents(score=money("1", "3", "2")))
    assert out["bonus"].to_list() == money("0.00", "0.02", "0.01")


def test_only_the_eligible_share_and_a_negative_basis_counts_as_0():
    # Pool 600.00, eligible when score ≥ 60: A1 90, A2 50 (not eligible), A3 30 → not
    # eligible either, A4 −10 (not eligible), A5 60. Σ 150: A1 600 × 90/150 = 360.00, A5
    # 240.00. With eligible removed, A4's −10 counts as 0: Σ 230 (90+50+30+60).
    extra = 'eligible = "score >= 60"'
    frame = agents(score=money("90", "50", "30", "-10", "60"))
    out = run(pool_body("600", extra=extra), frame)
    assert out["bonus"].to_list() == money("360.00", "0.00", "0.00", "0.00", "240.00")
    assert out["bonus" + WHY][1] == (
        "not eligible (score >= 60 fails): no share of the pool 600.00 = 0.00"
    )
    out = run(pool_body("600"), frame)
    assert out["bonus" + WHY][3] == "score -10: no share of the pool 600.00 = 0.00"
    assert sum(out["bonus"].to_list()) == Decimal("600.00")
    assert [t["basis_total"] for t in out["bonus" + TRACE]] == money(*["230"] * 5)


def test_a_pool_per_team_from_a_share_of_team_sales():
    # S003-02: 2% of each team's sales, shared in the team by sales. t1: 2% × (3000 + 1000)
    # = 80.00 → 60.00 and 20.00; t2: 2% × 1234.56 = 24.6912 → 24.69 (the pool at the fen),
    # all to its one person.
    extra = 'per = "team"'
    frame = agents(
        net_sales=money("3000", "1000", "1234.56"),
        team=["t1", "t1", "t2"],
    )
    body = pool_body('"team_sum(net_sales) * 2%"', "net_sales", extra)
    out = run(body, frame)
    assert out["bonus"].to_list() == money("60.00", "20.00", "24.69")
    assert out["bonus" + WHY][2] == (
        "pool 24.69 (team t2) × net_sales 1234.56 / Σ 1234.56 → 24.69 = 24.69"
    )


def test_applies_to_decides_who_shares():
    # A supervisor is outside applies_to: no line and no share; the agents share it all.
    extra = 'applies_to = { role = ["agent"] }'
    frame = agents(score=money("1", "1", "5")).with_columns(
        role=pl.Series(["agent", "agent", "supervisor"])
    )
    out = run(pool_body("10", extra=extra), frame)
    assert out["bonus"].to_list() == money("5.00", "5.00", "0.00")
    assert out["bonus" + WHY][2] is None


def month_problems(body: str, frame: pl.LazyFrame) -> list[tuple[str, str, str]]:
    rules = engine_rules(body)
    compiler = Compiler(rules)
    computed = compiler.apply(frame).collect()
    found = problems_of(computed, compiler.lines(), rules, "rules.toml")
    return [(d.code, d.severity, d.message) for d in found]


def test_nobody_with_a_basis_means_nobody_is_paid_and_a_warning():
    # Everyone's score is 0: Σ 0, the 500.00 is not shared; one warning for the pool.
    body = pool_body("500")
    frame = agents(score=money("0", "0"))
    out = run(body, frame)
    assert out["bonus"].to_list() == money("0.00", "0.00")
    assert (
        out["bonus" + WHY][0]
        == "Σ score of the eligible is 0: the pool 500.00 is not shared = 0.00"
    )
    assert month_problems(body, frame) == [
        (
            "W210",
            "warning",
            "奖金池: Σ score of the eligible is 0, so the pool of 500.00 is not shared; check the"
            " eligibility condition and the basis",
        )
    ]


def test_per_team_problems_name_the_team_once_each():
    # t1 has a basis, t2 has none (W210 once, for t2); a pool below 0 (W211) shares nothing.
    body = pool_body('"team_sum(score) - 1"', extra='per = "team"')
    frame = agents(score=money("3", "0", "0"), team=["t1", "t2", "t2"])
    out = run(body, frame)
    # t1: pool 3 − 1 = 2.00, all to A1; t2: pool 0 − 1 = −1.00 → nothing, W211.
    assert out["bonus"].to_list() == money("2.00", "0.00", "0.00")
    assert out["bonus" + WHY][1] == "the pool -1.00 (team t2) is below 0: nothing is shared = 0.00"
    assert month_problems(body, frame) == [
        ("W211", "warning", "奖金池 in team t2: the pool is -1.00, below 0; nothing is shared")
    ]


def test_an_amount_that_differs_within_the_pool_stops_the_month():
    # The amount is a component each person has their own value of (the checks cannot see
    # that): E213 at the month, naming the range.
    body = pool_body('"own"') + '[components.own]\nlabel = "o"\nkind = "formula"\nexpr = "score"\n'
    frame = agents(score=money("10", "20"))
    assert month_problems(body, frame) == [
        (
            "E213",
            "error",
            "奖金池: the pool's amount is not one value for everyone sharing it (10.00 to"
            ' 20.00); write it from parameters or, with per = "team", from team figures'
            " (team_sum …)",
        )
    ]


# -------------------------------------------------------------------------- properties


bases = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10**6).map(Decimal),
        st.integers(min_value=0, max_value=10**8).map(lambda n: Decimal(n) / 1000),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(bases, st.integers(min_value=0, max_value=10**10), st.booleans())
def test_property_shares_add_up_to_the_pool_exactly(basis: list[Decimal], fen: int, teams: bool):
    """Σ shares == pool (per team, each team's pool), each share the exact share rounded
    down plus at most one fen, never a fen to someone with no basis, and a fen left over
    never goes to a smaller remainder while a larger one goes without."""
    pool = Decimal(fen) / 100
    team = [f"t{i % 2 + 1}" if teams else "t1" for i in range(len(basis))]
    extra = 'per = "team"' if teams else ""
    out = run(pool_body(f"{pool:f}", extra=extra), agents(score=basis, team=team))
    shares = out["bonus"].to_list()
    for name in set(team):
        mine = [i for i, t in enumerate(team) if t == name]
        total = sum((basis[i] for i in mine), Decimal(0))
        paid = sum((shares[i] for i in mine), Decimal(0))
        assert paid == (pool if total > 0 else 0)
        given_fen, without = [], []
        for i in mine:
            # pool × basis / Σ, exactly: as a fraction of whole fen over Σ basis.
            numerator = Decimal(fen) * basis[i]
            floor_fen = int(numerator // total) if total > 0 else 0
            remainder = numerator - floor_fen * total if total > 0 else Decimal(0)
            floor = Decimal(floor_fen) / 100
            assert floor <= shares[i] <= floor + Decimal("0.01")
            if basis[i] == 0:
                assert shares[i] == 0
            elif shares[i] > floor:
                given_fen.append(remainder)
            else:
                without.append(remainder)
        if given_fen and without:
            assert min(given_fen) >= max(without)


def test_the_month_stops_at_an_amount_that_differs_within_the_pool(tmp_path):
    # The hand-worked month tests/months/2026-10: a pool whose amount is each person's own
    # sales component stops the month (nothing is written), at the pool's table (line 15).
    rules = tmp_path / "pool.toml"
    rules.write_text(
        f"""[scheme]
id = "t"
name = "t"
valid_from = "2026-01-01"

[inputs]
ignore_accounts = ["{TEMP_ACCOUNT}"]

[components.own_sales]
label = "个人销售"
kind = "formula"
pay = false
expr = "net_sales"

[components.bonus]
label = "奖金池"
kind = "pool"
amount = "own_sales"
basis = "net_sales"
""",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        compute_month(ROOT / "tests" / "months" / "2026-10", rules)
    [error] = caught.value.diagnostics
    # Net sales of the month: A4 and S1 0.00 … A3 1450.00.
    assert error.render() == (
        f"{rules}:15:1: E213 components.bonus: 奖金池: the pool's amount is not one value for"
        ' everyone sharing it (0.00 to 1450.00); write it from parameters or, with per = "team",'
        " from team figures (team_sum …)"
    )
