"""mapsync: keep a Sage Intacct company and a Salesforce org in step, driven by `.map` rules.

The command line is `mapsync.cli`; the library is `mapsync.engine`; the grammar, the shipped
standard rules and the catalogs are package data beside them.
"""

__version__ = "0.1.0"
