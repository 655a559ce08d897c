"""The org's schema: snapshots beside the rule set (`snapshot`), reading them from the live
services (`pull`), and comparing the two (`diff`)."""
