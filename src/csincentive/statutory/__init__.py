"""Social insurance, housing fund and individual income tax withholding: dated policy data
(``policy.py``: a city's bases, rates and rounding, one period in force per month) and pure
functions over a frame of people, one row each (``contributions.py``, ``tax.py``, and
``net.py``, which chains them from gross to net). This layer knows nothing of how gross was
made: it imports only core/."""
