"""The runner: applies a compiled plan to both services (DESIGN.md section 7).

Modules: `rules` turns plan fields into callables, `decide` computes what to write for one
pair of records from its shadow, `mapping_sync` runs one mapping, `run` runs a plan.
"""
