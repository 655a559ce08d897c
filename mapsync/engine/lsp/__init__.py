"""`mapsync lsp`: a Language Server for `.map` files.

`analysis` answers the questions (diagnostics from the same checker as `mapsync validate`,
completion of objects, fields, mappings and steps from the catalogs, hover, go-to-definition
of `ref Mapping`) without any protocol; `server` speaks the protocol through pygls.
"""
