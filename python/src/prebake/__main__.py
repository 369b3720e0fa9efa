"""``python -m prebake``: the same as the ``prebake`` console script."""

from prebake._cli import main

main()
