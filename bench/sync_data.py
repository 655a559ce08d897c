"""The records of bench/sync.py: the Salesforce accounts and contacts it loads, and the same
records written directly by the production clients (the baseline of its speed ratio)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

LOAD_BATCH = 2000
CITIES = (("Lyon", "ARA", "69002", "France"), ("Austin", "TX", "73301", "United States"),
          ("Berlin", "BE", "10115", "Germany"), ("Seattle", "WA", "98101", "United States"))


def account(i: int, term_ids: list[str]) -> dict[str, Any]:
    """Salesforce Account i: a customer known to sales, not yet in Intacct."""
    city, state, zip_code, country = CITIES[i % len(CITIES)]
    return {
        "Name": f"Bench Customer {i:06d}", "AccountNumber": f"B-{i:06d}",
        "BillingStreet": f"{i % 240 + 1} Main Street\nSuite {i % 30}",
        "BillingCity": city, "BillingState": state, "BillingPostalCode": zip_code,
        "BillingCountry": country, "Phone": f"+1 555 {i % 10000:04d}",
        "Website": f"https://bench{i}.example.com", "Type": "Customer - Direct",
        "Description": "Bench account" if i % 10 == 0 else None,
        "Intacct_Payment_Term__c": term_ids[i % len(term_ids)],
    }


def contact(i: int, k: int, account_id: str) -> dict[str, Any]:
    """Contact k of account i (names unique: Intacct keys contacts by name)."""
    city, state, zip_code, country = CITIES[i % len(CITIES)]
    return {
        "AccountId": account_id, "FirstName": ("Ada", "Grace", "Alan", "Edsger")[k % 4],
        "LastName": f"Bench{i:06d}x{k}", "Email": f"person{k}@bench{i}.example.com",
        "Phone": f"+1 555 {i % 10000:04d}", "MailingCity": city, "MailingState": state,
        "MailingPostalCode": zip_code, "MailingCountry": country,
    }


def load(boxes: Any, n: int, contacts: int) -> dict[str, int]:
    """Managed lists in Intacct (AR terms linked in Salesforce), then N accounts + contacts."""
    from mapsync.engine.sandbox.demo.vocabulary import AR_TERMS, CUSTOMER_TYPES, TERRITORIES

    intacct, salesforce = boxes.intacct.store, boxes.salesforce.store
    intacct.insert_many("ARTERM", [dict(t) for t in AR_TERMS])
    intacct.insert_many("CUSTTYPE", [dict(t) for t in CUSTOMER_TYPES])
    intacct.insert_many("TERRITORY", [
        {"TERRITORYID": t, "NAME": name, **({"PARENTID": parent} if parent else {})}
        for t, name, parent in TERRITORIES
    ])
    term_ids = salesforce.insert_many("Intacct_AR_Term__c", [
        {"Name": t["NAME"], "Intacct_ID__c": t["NAME"]} for t in AR_TERMS
    ])
    for start in range(0, n, LOAD_BATCH):
        numbers = range(start, min(n, start + LOAD_BATCH))
        ids = salesforce.insert_many("Account", [
            {k: v for k, v in account(i, term_ids).items() if v is not None} for i in numbers
        ])
        salesforce.insert_many("Contact", [
            contact(i, k, account_id) for i, account_id in zip(numbers, ids, strict=True)
            for k in range(contacts)
        ])
    return {"Account": n, "Contact": n * contacts}


def direct_customer(i: int) -> dict[str, Any]:
    """Account i as a hand-written integration sends it to Intacct: the fields the standard
    rules send, under a key of its own."""
    from mapsync.engine.sandbox.demo.vocabulary import AR_TERMS

    a = account(i, [""])  # no term Ids: the term is named below
    street = (a["BillingStreet"].split("\n") + [None])[:2]
    return {"NAME": a["Name"], "DISPLAYCONTACT.PRINTAS": a["Name"], "CUSTOMERID": f"BASE-{i:06d}",
            "STATUS": None, "CUSTTYPE": None, "PARENTID": None, "TERRITORYID": None,
            "TERMNAME": AR_TERMS[i % len(AR_TERMS)]["NAME"], "CREDITLIMIT": None,
            "ONHOLD": False, "TAXID": None, "CURRENCY": None, "COMMENTS": a["Description"],
            "DISPLAYCONTACT.PHONE1": a["Phone"], "DISPLAYCONTACT.FAX": None,
            "DISPLAYCONTACT.URL1": a["Website"],
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": street[0],
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": street[1],
            "DISPLAYCONTACT.MAILADDRESS.CITY": a["BillingCity"],
            "DISPLAYCONTACT.MAILADDRESS.STATE": a["BillingState"],
            "DISPLAYCONTACT.MAILADDRESS.ZIP": a["BillingPostalCode"],
            "DISPLAYCONTACT.MAILADDRESS.COUNTRY": a["BillingCountry"]}


def direct_contact(i: int) -> dict[str, Any]:
    """Contact 0 of account i as a hand-written integration sends it to Intacct."""
    c = contact(i, 0, "")
    name = f"{c['FirstName']} Base{i:06d}"
    return {"CONTACTNAME": name, "PRINTAS": name, "FIRSTNAME": c["FirstName"],
            "LASTNAME": f"Base{i:06d}", "PREFIX": None, "PHONE1": c["Phone"],
            "CELLPHONE": None, "FAX": None, "EMAIL1": c["Email"],
            "MAILADDRESS.ADDRESS1": None, "MAILADDRESS.ADDRESS2": None,
            "MAILADDRESS.CITY": c["MailingCity"], "MAILADDRESS.STATE": c["MailingState"],
            "MAILADDRESS.ZIP": c["MailingPostalCode"],
            "MAILADDRESS.COUNTRY": c["MailingCountry"]}


def write_back(record_id: str, key: str, recordno: Any, **more: Any) -> dict[str, Any]:
    """The Intacct keys and sync status written back on a Salesforce record, as the sync
    writes them."""
    return {"Intacct_Record_No__c": recordno, **more, "Intacct_ID__c": key, "Id": record_id,
            "Intacct_Sync_Status__c": "Synced", "Intacct_Last_Sync__c": dt.datetime.now(dt.UTC),
            "Intacct_Sync_Error__c": None}


def baseline(ctx: Any, records: int) -> dict[str, float]:
    """Records/s of the same writes made directly with the clients (no runner, no reads
    timed): `records` customers and `records` contacts created in Intacct, one client call
    each, with the fields the sync sends; then the write-back the sync makes, one client call
    per object: their Intacct keys and sync status on `records` Accounts and Contacts.

    It used to create `records` 5-field CUSTOMERs and update one field (Phone) of as many
    Accounts: lighter records than the sync writes (22-field CUSTOMERs, 15-field CONTACTs,
    6 to 8 fields written back), so that ratio compared unlike work. `minimal` keeps that
    figure for comparison (the same creates and updates as before)."""
    customers = [direct_customer(i) for i in range(records)]
    contacts = [direct_contact(i) for i in range(records)]
    started = time.perf_counter()
    made = ctx.intacct.create("CUSTOMER", customers) + ctx.intacct.create("CONTACT", contacts)
    intacct_rate = len(made) / (time.perf_counter() - started)
    if not all(r.ok for r in made):
        raise SystemExit(f"baseline creates failed: {next(r.error for r in made if not r.ok)}")
    accounts = ctx.salesforce.read_by_keys(
        "Account", "AccountNumber", [f"B-{i:06d}" for i in range(records)], ["Id"])
    people = ctx.salesforce.read_by_keys(
        "Contact", "LastName", [f"Bench{i:06d}x0" for i in range(records)], ["Id"])
    by_number = {a["AccountNumber"]: a["Id"] for a in accounts}
    by_name = {c["LastName"]: c["Id"] for c in people}
    account_updates = [
        write_back(by_number[f"B-{i:06d}"], f"BASE-{i:06d}", made[i].record_id,
                   Intacct_Status__c="Active", Intacct_Total_Due__c=None)
        for i in range(records)]
    contact_updates = [
        write_back(by_name[f"Bench{i:06d}x0"], contacts[i]["CONTACTNAME"],
                   made[records + i].record_id)
        for i in range(records)]
    started = time.perf_counter()
    ctx.salesforce.update("Account", account_updates)
    ctx.salesforce.update("Contact", contact_updates)
    sf_rate = 2 * records / (time.perf_counter() - started)
    return {"records": 2 * records, "intacct_create_per_s": intacct_rate,
            "salesforce_update_per_s": sf_rate,
            "seconds": 2 * records / intacct_rate + 2 * records / sf_rate,
            "both_per_s": 1 / (1 / intacct_rate + 1 / sf_rate),
            "minimal": minimal_baseline(ctx, records)}


def minimal_baseline(ctx: Any, records: int) -> dict[str, float]:
    """The former baseline: `records` 5-field CUSTOMERs created, one field of as many
    Accounts updated."""
    payload = [{"CUSTOMERID": f"MIN-{i:06d}", "NAME": f"Baseline {i}",
                "DISPLAYCONTACT.PRINTAS": f"Baseline {i}",
                "DISPLAYCONTACT.MAILADDRESS.CITY": "Lyon", "TERMNAME": "Net 30"}
               for i in range(records)]
    started = time.perf_counter()
    results = ctx.intacct.create("CUSTOMER", payload)
    intacct_rate = len(payload) / (time.perf_counter() - started)
    accounts = list(ctx.salesforce.read_by_keys(
        "Account", "AccountNumber", [f"B-{i:06d}" for i in range(records)], ["Id"]))
    updates = [{"Id": a["Id"], "Phone": "+1 555 0000"} for a in accounts]
    started = time.perf_counter()
    ctx.salesforce.update("Account", updates)
    sf_rate = len(updates) / (time.perf_counter() - started)
    if not all(r.ok for r in results):
        raise SystemExit("baseline creates failed")
    return {"records": records, "intacct_create_per_s": intacct_rate,
            "salesforce_update_per_s": sf_rate,
            "both_per_s": 1 / (1 / intacct_rate + 1 / sf_rate)}
