"""``python -m sim``: the dipsim command line."""

from sim.ui.cli import main

main()
