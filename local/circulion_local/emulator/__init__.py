"""The embedded AWS endpoint: moto's server, patched where it is wrong or slow for us.

* :mod:`.process` — start and stop the emulator (its own process).
* :mod:`.server` — what that process runs: which patches each of its two processes
  installs, and the WSGI middleware in front of moto's dispatcher.
* :mod:`.patches` — the one registry every patch goes through (version guard, applied once).
* one module per patched behaviour, each opening with what moto does and what the patch
  assumes (listed in :mod:`.server`).
"""
