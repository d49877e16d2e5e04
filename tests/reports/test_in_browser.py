"""The month report and one payslip opened in headless Chromium (Debian's `chromium`, with
`fonts-noto-cjk` for Chinese; .ci/run installs both): the page loads with no console
message at all (the pages hold no script and fetch nothing, so any message is a fault:
a missing resource, a blocked load), every chart is in the rendered DOM as SVG, Chinese
text is there, and a screenshot is taken. Skipped, saying why, only where Chromium is not
installed. CSINCENTIVE_SCREENSHOTS=DIR keeps the screenshots there (docs/ holds the ones
the README shows: CSINCENTIVE_SCREENSHOTS=docs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT

from csincentive.month.compute import compute_month
from csincentive.reports.payslip_files import write_payslips
from csincentive.reports.report import ledger_history, month_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium fonts-noto-cjk; .ci/run does)",
)
EXAMPLE = ROOT / "examples" / "taobao-presales" / "2026-10"  # fines, flags, a rank prize
RULES = ROOT / "rules" / "taobao-presales.toml"
PNG = b"\x89PNG\r\n\x1a\n"


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    home = Path.cwd() / ".chromium-home"  # the test's own folder (conftest): no profile shared
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={home}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    env = {**os.environ, "HOME": str(home)}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def screenshot(page: Path, name: str, size: str) -> Path:
    keep = os.environ.get("CSINCENTIVE_SCREENSHOTS")
    folder = Path(keep) if keep else Path.cwd()
    if keep and not folder.is_absolute():
        folder = ROOT / folder
    shot = folder / name
    done = chromium(f"--window-size={size}", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    return shot


def test_a_chinese_font_is_installed():
    if shutil.which("fc-list") is None:
        pytest.skip("fontconfig's fc-list is not installed")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    assert fonts.stdout.strip(), "no Chinese font: apt-get install fonts-noto-cjk"


def test_the_report_opens_with_every_chart_and_no_console_message(tmp_path: Path):
    result = compute_month(EXAMPLE, RULES)
    page = tmp_path / "report.html"
    page.write_text(month_report(result, ledger_history(result, None)), encoding="utf-8")
    dom = chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    for name in (
        "cost-by-component",
        "cost-by-team",
        "pay-distribution",
        "ranking-conversion_rank",
        "conversion-vs-sales",
        "month-over-month",
    ):
        start = dom.stdout.index(f'<figure id="chart-{name}"')
        figure = dom.stdout[start : dom.stdout.index("</figure>", start)]
        assert "<svg" in figure and "<text" in figure, name
    assert "各项目成本" in dom.stdout and "底薪" in dom.stdout
    assert dom.stdout.count('<details class="slip"') == result.payroll.height
    shot = screenshot(page, "report.png", "1100,2600")
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 50_000


def test_one_payslip_opens_with_no_console_message(tmp_path: Path):
    result = compute_month(EXAMPLE, RULES)
    write_payslips(result, tmp_path)
    page = tmp_path / "payslips" / "A2-阿杰.html"
    dom = chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert "上班看视频/玩游戏罚款" in dom.stdout and "-60.00" in dom.stdout
    shot = screenshot(page, "payslip.png", "800,1400")
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 20_000
