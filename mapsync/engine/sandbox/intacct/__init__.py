"""A local Sage Intacct XML gateway (`/ia/xml/xmlgw.phtml`) backed by SQLite and the catalogs.

`IntacctSandbox` is the entry point: start it, POST request XML to `.url`, seed and
inspect data through `.store`, read call counts from `.stats_snapshot()`.
"""

from mapsync.engine.sandbox.intacct.gateway import IntacctCredentials
from mapsync.engine.sandbox.intacct.server import IntacctSandbox

__all__ = ["IntacctCredentials", "IntacctSandbox"]
