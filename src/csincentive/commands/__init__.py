"""Commands with a module of their own. Each module registers its command on
``csincentive.cli.app`` when imported (cli.py imports them); heavy imports stay inside the
command functions so ``csincentive --help`` stays fast."""
