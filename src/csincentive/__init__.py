"""csincentive: monthly pay for e-commerce customer-service teams, exact to the fen.

The library core is usable without the command line::

    from csincentive import compute_month
    result = compute_month("examples/2026-10", "rules/taobao-presales.toml")
    result.payroll  # a polars DataFrame, one row per person
"""

__version__ = "0.1.0"

__all__ = ["__version__", "compute_month"]


def __getattr__(name: str):  # lazy, so `csincentive --help` does not import polars
    if name == "compute_month":
        from csincentive.pipeline import compute_month

        return compute_month
    raise AttributeError(name)
