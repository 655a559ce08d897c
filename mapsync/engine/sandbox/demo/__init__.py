"""Demo data for both sandboxes: a believable company in Intacct and a matching org in Salesforce.

`DemoData(records=N)` composes one generator per domain, each a plain object over the shared
`DemoCore` (sizes, one seeded `random.Random` per record, companies, items, batching; no global
state): `lists` (managed lists and staff), `customers` (with their contacts), `items` (with the
price lists), `projects` (with tasks), `contracts` (with lines), `documents` (sales documents
with lines) and `org` (the Salesforce org). `intacct()` and `salesforce()` yield their
`SeedBatch`es of plain dict records named by catalog object and field, small enough that
100,000 customers stream through without being held in memory; `counts()` sums theirs.
`seed(intacct_sandbox, salesforce_sandbox, records=N)` loads both stores.

Profile "demo" at `records=N` (N customers; counts exact, see `DemoData.counts()`):

Intacct — every managed list (AR terms, billing templates, classes, departments, employees
(8 + N/100, each with a contact), entities and locations, exchange-rate types, project statuses
and types, three project templates, renewal templates, territories, customer types);
N customers, each with a display contact and one or two people (every third has two);
max(12, N/4) items (hardware, software, subscriptions, services); three order-entry price lists
(Base Price List, a partner discount list, a EUR list) with entries; two contract price lists
with item lists and entries for the subscriptions; max(1, N/4) projects with 3-5 tasks;
max(1, N/5) contracts with 1-3 lines; sales quotes (N/2), orders (N/2), invoices (N) and
"Other: Sales" documents (N/10) with 1-4 lines each, orders converted from quotes and invoices
from orders. Projects, contracts and documents belong to linked customers.

Salesforce — "matching but not identical": customer i is *linked* when i % 10 is 1..6 (an
Account with Intacct_ID__c and AccountNumber = CUSTOMERID, its people as Contacts with
Intacct_ID__c = CONTACTNAME, some phones edited since the last sync), *matched* when i % 10 is
7 or 8 (same Name and AccountNumber = CUSTOMERID, the customers rule's natural key, but no
Intacct ID; one contact Intacct does not have), and *Intacct-only* otherwise; N/5 prospect
Accounts exist only in Salesforce (they should create customers). Products cover two items in
three: linked ones (Intacct_ID__c, with their Base Price List entry in the standard price book,
also linked) and ones matched by ProductCode = ITEMID (no price yet); a few products exist only
in Salesforce. N/4 opportunities (half on prospects) with 1-3 line items of linked products, for
Create Sales Order. The AR terms were synced earlier (all but the newest, "Net 90").
"""

from mapsync.engine.sandbox.demo.data import DemoData
from mapsync.engine.sandbox.demo.loader import SeedReport, seed, seed_stores
from mapsync.engine.sandbox.demo.model import (
    BATCH_SIZE,
    PROFILES,
    Ref,
    SeedBatch,
    combination,
    link_kind,
)

__all__ = [
    "BATCH_SIZE",
    "PROFILES",
    "SeedBatch",
    "DemoData",
    "Ref",
    "SeedReport",
    "combination",
    "link_kind",
    "seed",
    "seed_stores",
]
