"""mapsync engine: the library behind the `mapsync` command.

Stages (each a public function that works alone):
parse -> check -> compile -> run. See DESIGN.md section 2.
"""

__version__ = "0.1.0"
