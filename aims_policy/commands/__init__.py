"""One module per command of the command line (see :data:`aims_policy.cli.COMMANDS`)."""
