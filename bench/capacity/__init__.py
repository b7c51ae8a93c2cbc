"""Capacity model: the arithmetic of docs/CAPACITY.md as code (``python -m bench.capacity``).

``inputs`` reads what ``make bench`` measured and what the repository configures,
``traffic`` turns a load profile into rates and concurrency, ``model`` sets demand against
each limit of ``limits``, ``items`` sizes the DynamoDB items that grow, ``render`` prints.
"""
