"""``python -m sim``: the dipsim command line."""

from sim.cli import main

main()
