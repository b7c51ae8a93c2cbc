"""``make bench``: speed, memory and scaling of the whole pipeline on the local stack.

``python -m bench.run`` (see :mod:`bench.run`) writes ``bench/results/latest.{json,md,png}``.
"""
