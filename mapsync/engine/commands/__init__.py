"""Sub-commands of the `mapsync` CLI, one module each, each with `register(subparsers)`.

A module sets `handler=<function(args) -> int>` on its parser with `set_defaults`.
Heavy imports belong inside the handler, not at module level.
"""
