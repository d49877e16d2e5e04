"""`csincentive names`: what a rules formula can use."""

from __future__ import annotations


def names() -> None:
    """List the metrics, roster fields and calendar facts a rules formula can use.

    Example: csincentive names
    """
    import csincentive.cli.render as render
    from csincentive.core.names import CALENDAR, METRICS, ROSTER

    console = render.stdout()
    for title, group in (("metrics", METRICS), ("roster", ROSTER), ("calendar", CALENDAR)):
        console.print(f"[bold]{title}[/bold]")
        for item in group:
            console.print(f"  {item.name:<22} {item.unit:<8} {item.meaning}", markup=False)
