"""`mapsync listen`: Salesforce outbound messages acted on within seconds.

    soap.py     the `notifications` call parsed, the Ack and SOAP faults
    guard.py    loopback unless TLS and a sender check; per-request token and source range
    journal.py  processed notification Ids, so retries create nothing twice
    service.py  one request: check the org, route to mappings, run, record, acknowledge
    server.py   the HTTP server (one request at a time, on the thread owning the run context)
    app.py      all of it from a mapsync.yaml
"""
