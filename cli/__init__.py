"""The `reflect` command line: the edge where Settings are built and parts composed."""
