"""One module per command-line verb (see :mod:`matchmaking.cli`)."""
