"""``python -m circulion_cli``: the same as the ``circulion`` command."""

from circulion_cli.main import main

main()
