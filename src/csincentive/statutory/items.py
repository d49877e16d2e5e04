"""The names of what is withheld and what the employer pays, and of the columns net pay adds
to payroll.csv: plain tuples, so the pay pipeline can name them without loading the policy
model (``policy.py``) or the Polars functions of a month without net pay on."""

from __future__ import annotations

EMPLOYEE_ITEMS = ("pension", "medical", "unemployment", "housing_fund")
EMPLOYER_ITEMS = ("pension", "medical", "unemployment", "injury", "maternity", "housing_fund")
PAYROLL = (*EMPLOYEE_ITEMS, "iit", "net")  # payroll.csv's columns after the totals
