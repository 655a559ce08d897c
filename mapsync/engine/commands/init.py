"""`mapsync init [--force] [PATH]`: write a commented starting mapsync.yaml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TEMPLATE = """\
# mapsync configuration. Reference: schemas/config.schema.json
# Secrets are never written here: name an environment variable (<secret>_env)
# or a file holding the value (<secret>_file). Relative paths are relative to this file.
version: 1

connections:
  intacct:
    endpoint: https://api.intacct.com/ia/xml/xmlgw.phtml
    sender_id: your-sender-id                    # Web Services sender
    sender_password_env: INTACCT_SENDER_PASSWORD
    company_id: your-company-id
    # entity_id: US01                            # multi-entity: log in to one entity
    user_id: mapsync                             # a Web Services user of the company
    user_password_env: INTACCT_USER_PASSWORD
    # session_id_env: INTACCT_SESSION_ID         # use an existing session instead of a login
    timezone: America/New_York                   # company time zone (Intacct datetimes)

  salesforce:
    login_url: https://login.salesforce.com      # https://test.salesforce.com for a sandbox,
                                                 # or your My Domain URL (client_credentials)
    auth: client_credentials                     # client_credentials | jwt | password | session
    client_id: your-connected-app-consumer-key
    client_secret_env: SALESFORCE_CLIENT_SECRET
    # jwt:      client_id, username, private_key_file: keys/server.key
    # password: username, password_env, security_token_env (client_id/secret optional)
    # session:  instance_url, session_id_env
    # ca_bundle: certs/ca.pem                    # trust this CA instead of the system store
    # daily_api_budget: 90000                    # stop before the org's 24-hour usage reaches this
    # api_reserve: 5000                          # calls always left to the org's other apps

# rules: rules/                                  # default: the standard rules of mapsync
# mappings: [ARTerm, Customer, Contact, Item]    # default: every mapping of the rules

options:
  price_source: order-entry                      # order-entry (SOPRICELIST) | contract
  create_intacct_customers_from_accounts: true   # new Salesforce accounts create customers
  sales_document_relationship: one-to-one        # one-to-one | one-to-many
  overlap_seconds: 300                           # re-read this far behind each watermark
  batch_sizes:
    intacct_read: 1000
    intacct_write: 100
    salesforce_read: 2000
    salesforce_write: 200
    bulk_threshold: 3600                         # Bulk API 2.0 from this many records
    # bulk_job_records: 50000                    # cap per Bulk 2.0 job (none: 100 MB of CSV)
  concurrency:                                   # how much a run does at once
    mappings: 4                                  # side by side, parents first; 1: in turn
    intacct: 1                                   # requests in flight; standard service: 1
    salesforce: 10                               # up to 25 long requests per org

state:
  path: .mapsync/state.db                        # embedded SQLite, the default
  # url: postgresql://mapsync@db-host:5432/mapsync  instead of path: shared PostgreSQL;
  #      the password comes from PGPASSWORD or ~/.pgpass, never this file
  # pair: acme                                   names this pair's schema in that database
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `mapsync init` to the command line."""
    parser = subparsers.add_parser(
        "init", help="write a commented starting mapsync.yaml",
        description="Write a commented starting configuration file.")
    parser.add_argument("path", nargs="?", default="mapsync.yaml", type=Path,
                        help="where to write it (default: mapsync.yaml)")
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the template; exit 1 without touching an existing file unless --force."""
    path: Path = args.path
    if path.exists() and not args.force:
        print(f"{path} exists; use --force to replace it", file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE, encoding="utf-8")
    print(f"wrote {path}: fill in the connection settings and export the secrets it names")
    return 0
