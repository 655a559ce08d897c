"""A local Salesforce org: SOAP/OAuth login, REST API, sObject Collections and Bulk API 2.0
over HTTPS on 127.0.0.1, backed by SQLite and driven by the catalogs.

`SalesforceSandbox` (server.py) runs it; `Store` (store.py) reads and writes its records from
Python; `Credentials` (auth.py) are what clients log in with.
"""

from mapsync.engine.sandbox.salesforce.auth import Credentials
from mapsync.engine.sandbox.salesforce.errors import ApiError
from mapsync.engine.sandbox.salesforce.server import SalesforceSandbox
from mapsync.engine.sandbox.salesforce.store import Store

__all__ = ["ApiError", "Credentials", "SalesforceSandbox", "Store"]
