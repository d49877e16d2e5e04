"""Chat accounts that match nobody on the roster.

A chat export names each agent by an account (店铺名:子账号); attribution resolves it to a
roster agent_id or chat_nick, and an account that is neither keeps a key of its own, so
its chats still win the orders of their buyers — orders nobody would be paid for. A shop
whose export names agents by display name would get a payroll with every commission 0, so:

* D301 (error): an account whose chats won credited orders. The month stops, naming the
  account, its first line in the chats file, the orders and money at stake and the roster
  person it most likely is.
* W301 (warning): an account that only chatted (no order won): no money is at stake; its
  sessions count for nobody.
* ``[inputs] ignore_accounts`` lists accounts that are nobody's (a bot, former staff): their
  orders are the reconciliation's ignored_account, paid to nobody, without a word.
* W304 / W305: an ignore_accounts entry that is a roster person's account (their orders
  are paid to them), or that no chat of the month is from (a typo?).

Everything here runs once per account — a few, or thousands — never per chat or order: it
reads the month's unknown_agents frame (metrics.unknown_agents), collected with the pay.
"""

from __future__ import annotations

import difflib
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from csincentive.core.diagnostics import Diagnostic
from csincentive.month.attribution import UNKNOWN_PREFIX
from csincentive.rules.locate import SourceMap

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# difflib compares an account with every name of the roster in Python: past this many
# comparisons (about a third of a second) the remaining accounts get the exact hints only
# (same name, same nick), which are what a roster without chat_nicks needs anyway.
FUZZY_COMPARISONS = 300_000
FIX = "or list it under [inputs] ignore_accounts"


@dataclass(frozen=True)
class IgnoredAccounts:
    """The rules' ``[inputs] ignore_accounts``, the rules file that lists them and the
    files it includes (RuleSet.files), one of which may be where they are listed."""

    accounts: tuple[str, ...] = ()
    rules_file: Path | None = None
    files: tuple[Path, ...] = ()

    @property
    def keys(self) -> list[str]:
        """Their agent_keys in attribution (an account not in the roster keeps its name)."""
        return [UNKNOWN_PREFIX + account for account in self.accounts]


NOTHING_IGNORED = IgnoredAccounts()


@dataclass(frozen=True)
class Likely:
    """The roster people an unknown account most likely is, and why."""

    people: tuple[tuple[str, str], ...]  # (agent_id, name), in roster order
    why: str

    def __str__(self) -> str:
        return " or ".join(f"{agent_id} {name}" for agent_id, name in self.people) + (
            f" ({self.why})"
        )

    def rows(self) -> str:
        return " or ".join(f"{agent_id}'s" for agent_id, _ in self.people) + " row"


def nick(account: str) -> str:
    """The sub-account after the shop's name: 云杉:小美 → 小美 (also with a full-width ：)."""
    return account.replace("：", ":").rpartition(":")[2]


class RosterPeople:
    """The roster as the ways an account can be matched to a person, built once per month."""

    def __init__(self, roster: pl.DataFrame) -> None:
        self.by_name: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.by_nick: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.accounts: dict[str, tuple[str, str, str]] = {}  # account → id, name, field
        self.texts: dict[str, tuple[str, str]] = {}  # what difflib compares → person
        for agent_id, name, chat_nick in roster.select("agent_id", "name", "chat_nick").rows():
            person = (agent_id, name)
            self.by_name[name].append(person)
            self.accounts.setdefault(agent_id, (*person, "agent_id"))
            self.texts.setdefault(name, person)
            self.texts.setdefault(agent_id, person)
            if chat_nick is not None:
                self.by_nick[nick(chat_nick)].append(person)
                self.accounts.setdefault(chat_nick, (*person, "chat_nick"))
                self.texts.setdefault(nick(chat_nick), person)
        self.fuzzy_left = FUZZY_COMPARISONS

    def likely(self, account: str) -> Likely | None:
        """Same name, else the same nick, else (within the budget) the closest text."""
        short = nick(account)
        if self.by_name.get(account):
            return Likely(tuple(self.by_name[account]), "the same name")
        if self.by_name.get(short):
            return Likely(tuple(self.by_name[short]), f"the roster name is the nick '{short}'")
        if self.by_nick.get(short):
            return Likely(tuple(self.by_nick[short]), f"their chat_nick has the nick '{short}'")
        if self.fuzzy_left < len(self.texts):
            return None
        self.fuzzy_left -= len(self.texts)
        close = difflib.get_close_matches(short, list(self.texts), n=1)
        return Likely((self.texts[close[0]],), f"the closest: '{close[0]}'") if close else None


def account_diagnostics(
    unknown: pl.DataFrame, roster: pl.DataFrame, chats_file: str, ignoring: IgnoredAccounts
) -> list[Diagnostic]:
    """D301 for every account not in the roster whose chats won orders, W301 for one that
    only chatted (in the order of their first lines), then W304/W305 for ignore_accounts
    entries that ignore nothing. ``unknown`` is metrics.unknown_agents of the month."""
    people = RosterPeople(roster)
    ignored = set(ignoring.accounts)
    out = [
        _unknown_account(row, people.likely(row["account"]), chats_file)
        for row in unknown.sort("first_line", "account").iter_rows(named=True)
        if row["account"] not in ignored
    ]
    return out + _idle_ignores(ignoring, unknown, people, chats_file)


def _unknown_account(row: dict[str, Any], likely: Likely | None, chats_file: str) -> Diagnostic:
    account = row["account"]
    sessions = _count(row["sessions"], "session")
    where = f"{likely.rows()} in agents.csv" if likely else "its agent's row in agents.csv"
    fix = f"add chat_nick = '{account}' to {where}, {FIX}"
    hint = f"most likely {likely}: {fix}" if likely else fix
    problem = f"chat account '{account}' matches no agent_id or chat_nick in the roster"
    if not row["orders"]:
        message = f"{problem} ({sessions}, no order won): its sessions count for nobody — {hint}"
        return Diagnostic(
            chats_file, message, "W301", row["first_line"], path="agent", severity="warning"
        )
    orders = row["orders"]
    stake = f"{_count(orders, 'order')} worth {row['sales']} {'is' if orders == 1 else 'are'}"
    message = f"{problem}, and {stake} credited to it ({sessions}), paid to nobody — {hint}"
    return Diagnostic(chats_file, message, "D301", row["first_line"], path="agent")


def _idle_ignores(
    ignoring: IgnoredAccounts, unknown: pl.DataFrame, people: RosterPeople, chats_file: str
) -> list[Diagnostic]:
    """An entry that is a roster person's account (W304), or no account of the month (W305)."""
    chatting = set(unknown["account"])
    unmatched = sorted(chatting - set(ignoring.accounts))
    out = []
    for account in ignoring.accounts:
        if account in people.accounts:
            agent_id, name, field = people.accounts[account]
            message = (
                f"'{account}' is the {field} of {agent_id} {name} in agents.csv, so orders "
                "its chats win are paid to them, not ignored; remove it from ignore_accounts, "
                "or from agents.csv if the account is no longer theirs"
            )
            out.append(_about_entry(ignoring, account, message, "W304"))
        elif account not in chatting:
            close = difflib.get_close_matches(account, unmatched, n=1)
            guess = f"did you mean '{close[0]}'? " if close else ""
            message = (
                f"no chat of {Path(chats_file).name} is from '{account}', so it ignores "
                f"nothing — {guess}check the spelling, or remove it"
            )
            out.append(_about_entry(ignoring, account, message, "W305"))
    return out


def _about_entry(ignoring: IgnoredAccounts, account: str, message: str, code: str) -> Diagnostic:
    """A warning at the ignore_accounts entry naming ``account``, in the file that lists it."""
    file, line, col, path = _where_listed(ignoring, account)
    return Diagnostic(file, message, code=code, line=line, col=col, path=path, severity="warning")


def _where_listed(
    ignoring: IgnoredAccounts, account: str
) -> tuple[str, int | None, int | None, str]:
    """(file, line, col, dotted path) of the entry: the rules file or one it includes.
    Read again only here, for a warning: the rule set keeps no positions of its inputs."""
    rules_file = ignoring.rules_file
    if rules_file is None:
        return "rules", None, None, "inputs.ignore_accounts"
    root = Path(rules_file).resolve()
    for file in ignoring.files or (root,):
        text = file.read_text(encoding="utf-8-sig")
        listed = tomllib.loads(text).get("inputs", {}).get("ignore_accounts", [])
        if account in listed:
            index = listed.index(account)
            line, col = SourceMap.from_text(text).position(("inputs", "ignore_accounts", index))
            shown = str(rules_file) if file == root else str(file)
            return shown, line, col, f"inputs.ignore_accounts[{index}]"
    return str(rules_file), None, None, "inputs.ignore_accounts"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")
