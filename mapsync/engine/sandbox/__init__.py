"""Local servers that speak the real Intacct XML gateway and Salesforce REST protocols.

`intacct/` and `salesforce/` hold one emulator each; `faults.py` the shared fault
injection and call statistics.
"""
