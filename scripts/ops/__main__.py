"""python -m scripts.ops <command>: the operations command line (see cli.py)."""

from scripts.ops.cli import main

main()
