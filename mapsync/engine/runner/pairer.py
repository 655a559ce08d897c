"""The Pairer: each record read with its partner on the other side, or none yet.

A record is paired through its link in the state, else on first sight through the
partner's external id or a natural key (`match`), else it has no partner: the pipeline
then creates one when the mapping allows it. Towards Intacct, a record whose create carries
its key is not looked up first: Intacct refuses a second record with that key, and the
Writer links the record holding it (see `link_salesforce`). The Pairer reads the other service for
partners and the ledger for links and shadows; it writes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, MutableMapping
from dataclasses import dataclass, field

from mapsync.engine.connectors.base import IntacctAPI, Record, SalesforceAPI
from mapsync.engine.program import CompiledMapping
from mapsync.engine.runner.decide import Decision, Shadow
from mapsync.engine.runner.ledger import Ledger
from mapsync.engine.runner.pairing import Pair, is_tombstone, take_live, text
from mapsync.engine.salesforce_ids import legacy_key, new_key


@dataclass(slots=True)
class Paired:
    """What pairing a chunk found: pairs to decide, and records whose partner is missing."""

    pairs: list[Pair] = field(default_factory=list)
    unlinked: list[Record] = field(default_factory=list)
    create_salesforce: list[Pair] = field(default_factory=list)  # now, in this chunk
    defer_salesforce: list[Pair] = field(default_factory=list)  # after the Salesforce pass
    create_intacct: list[tuple[Pair, Decision]] = field(default_factory=list)


class Pairer:
    """Pairs one mapping's records across the two services."""

    def __init__(
        self,
        mapping: CompiledMapping,
        intacct: IntacctAPI,
        salesforce: SalesforceAPI,
        ledger: Ledger,
    ) -> None:
        self.m = mapping
        self.intacct = intacct
        self.salesforce = salesforce
        self.ledger = ledger
        # Every live Salesforce record of the object, when the run read them all
        # (`Reader.salesforce_all`): look-ups by key are answered from it, with no call.
        self.salesforce_all: list[Record] | None = None

    def salesforce_by(self, field: str, values: list[str]) -> list[Record]:
        """Salesforce records whose `field` is one of `values`: read by SOQL `IN`, or taken
        from `salesforce_all` when the run read every record of the object at its start.

        Every caller keeps only records whose `str(field)` equals a value exactly, so the
        records SOQL would add (its `=` ignores case on text) change nothing; those taken
        from the read are ordered by Id, as the look-up's are.
        """
        side = self.m.salesforce
        known = self.salesforce_all
        if known is None or field not in (*side.read_fields, "Id"):
            return self.salesforce.read_by_keys(side.object, field, values, side.read_fields)
        wanted = set(values)
        found = [r for r in known if r.get(field) is not None and str(r[field]) in wanted]
        return sorted(found, key=lambda r: str(r["Id"]))

    # -- Intacct records -----------------------------------------------------------------

    def intacct_records(
        self, records: list[Record], sf_changes: MutableMapping[str, Record]
    ) -> Paired:
        """Pair Intacct records through their links, then link the unlinked ones."""
        key_field = self.m.intacct.key
        keys = [str(r[key_field]) for r in records]
        links = self.ledger.links_with_shadows("intacct", keys)
        out = Paired()
        for record, key in zip(records, keys, strict=True):
            if key not in links:
                out.unlinked.append(record)
                continue
            link, shadow = links[key]
            if is_tombstone(link.salesforce_id):
                self.ledger.report.salesforce.skipped += 1  # its Salesforce record was deleted
                continue
            out.pairs.append(
                Pair(
                    key=key,
                    intacct=record,
                    salesforce=take_live(sf_changes, link.salesforce_id),
                    sf_id=link.salesforce_id,
                    recordno=text(record.get(self.m.intacct.record_id)),
                    shadow=Shadow.from_json(shadow),
                )
            )
        self._link_intacct(out, sf_changes)
        return out

    def _link_intacct(self, out: Paired, sf_changes: MutableMapping[str, Record]) -> None:
        """Find Salesforce partners of unlinked Intacct records, or mark them for creation."""
        records = out.unlinked
        if not records:
            return
        side = self.m.salesforce
        keys = [str(r[self.m.intacct.key]) for r in records]
        by_ext = {str(r[side.key]): r for r in self.salesforce_by(side.key, keys)}
        matched = self._match_salesforce(
            [r for r, k in zip(records, keys, strict=True) if k not in by_ext]
        )
        for record, key in zip(records, keys, strict=True):
            partner = by_ext.get(key) or matched.get(key)
            recordno = text(record.get(self.m.intacct.record_id))
            if partner is not None:
                sf_id = str(partner["Id"])
                partner = take_live(sf_changes, sf_id) or partner
                out.pairs.append(Pair(key, record, partner, sf_id, recordno, new_link=True))
            elif "salesforce" in self.m.create:
                pair = Pair(key, record, None, None, recordno)
                if "intacct" in self.m.create:
                    out.defer_salesforce.append(pair)
                else:
                    out.create_salesforce.append(pair)
            else:
                self.ledger.report.salesforce.skipped += 1

    def _match_salesforce(self, records: list[Record]) -> dict[str, Record]:
        """Salesforce records matching unlinked Intacct records by a natural key."""
        found: dict[str, Record] = {}
        for i_path, s_field in self.m.match:
            todo = [r for r in records if str(r[self.m.intacct.key]) not in found]
            values = {str(r.get(i_path)): r for r in todo if text(r.get(i_path))}
            if not values:
                continue
            candidates = self.salesforce_by(s_field, list(values))
            linked = self.ledger.links_by_salesforce_ids([str(c["Id"]) for c in candidates])
            for candidate in candidates:
                record = values.get(str(candidate.get(s_field)))
                if record is not None and str(candidate["Id"]) not in linked:
                    found.setdefault(str(record[self.m.intacct.key]), candidate)
        return found

    # -- Salesforce records --------------------------------------------------------------

    def salesforce_records(self, records: list[Record]) -> Paired:
        """Pair Salesforce records through their links; `unlinked` are left for linking."""
        ids = [str(r["Id"]) for r in records]
        links = self.ledger.links_with_shadows("salesforce", ids)
        out = Paired()
        for record, sf_id in zip(records, ids, strict=True):
            if sf_id not in links:
                out.unlinked.append(record)
                continue
            link, shadow = links[sf_id]
            out.pairs.append(Pair(link.intacct_key, None, record, sf_id, link.intacct_recordno,
                                  Shadow.from_json(shadow)))
        return out

    def link_salesforce(
        self,
        out: Paired,
        intended: dict[str, str | None],
        plans: dict[str, Decision | None],
    ) -> None:
        """Find Intacct partners of unlinked Salesforce records, or mark them for creation.

        `intended`: the Intacct key each record has or will get; `plans`: the values that
        would create its partner (None when its rules failed or wait). Records whose
        create carries their key are not looked up: Intacct refuses a second record with
        that key, and the Writer links the one holding it. The others are looked up, all
        in one request.
        """
        records = out.unlinked
        side = self.m.intacct
        # A record an earlier version created under its legacy key is found, not created again.
        legacy = {i: legacy_key(i) for i, k in intended.items() if k == new_key(i)}
        asked = [r for r in records if self._must_look_up(r, intended, plans, legacy)]
        partners = self._look_up(asked, intended, legacy)
        for record in records:
            sf_id = str(record["Id"])
            key = intended[sf_id]
            partner = partners.get(sf_id)
            if partner is not None:
                found = str(partner[side.key])
                recordno = text(partner.get(side.record_id))
                out.pairs.append(Pair(found, partner, record, sf_id, recordno, new_link=True))
                continue
            decision = plans[sf_id]
            if "intacct" in self.m.create and decision is not None:
                pair = Pair(key or "", None, record, sf_id, None)
                if key is not None:
                    decision.intacct_patch[side.key] = key
                out.create_intacct.append((pair, decision))
            elif "intacct" not in self.m.create:
                self.ledger.report.intacct.skipped += 1

    def _must_look_up(
        self,
        record: Record,
        intended: dict[str, str | None],
        plans: dict[str, Decision | None],
        legacy: dict[str, str],
    ) -> bool:
        """True unless creating the record's partner would find any existing one itself."""
        sf_id = str(record["Id"])
        key, side = intended[sf_id], self.m.intacct
        if (
            "intacct" not in self.m.create
            or plans[sf_id] is None
            or sf_id in legacy
            or (key is not None and side.key == side.record_id)  # Intacct assigns RECORDNO
        ):
            return True
        for i_path, s_field in self.m.match:
            value = text(record.get(s_field))
            if value is not None and not (i_path == side.key and value == key):
                return True  # a natural key a create would not be refused for
        return False

    def _look_up(
        self, records: list[Record], intended: dict[str, str | None], legacy: dict[str, str]
    ) -> dict[str, Record]:
        """Intacct partners of `records` by Salesforce Id: by intended key, then legacy
        key, then natural key (`match`), from one request."""
        if not records:
            return {}
        side = self.m.intacct
        ids = [str(r["Id"]) for r in records]
        wanted = [k for k in (intended[i] for i in ids) if k is not None]
        wanted += [legacy[i] for i in ids if i in legacy]
        sets: dict[str, list[str]] = {side.key: list(wanted)} if wanted else {}
        for i_path, s_field in self.m.match:
            values = [v for v in (text(r.get(s_field)) for r in records) if v is not None]
            sets.setdefault(i_path, []).extend(values)
        found = (
            self.intacct.read_by_key_sets(
                side.object, sets, side.read_fields, docparid=side.docparid
            )
            if any(sets.values())
            else {}
        )
        by_key = {str(r[side.key]): r for r in found.get(side.key, [])}
        for sf_id, old in legacy.items():
            if old in by_key and intended[sf_id] not in by_key:
                by_key[intended[sf_id] or old] = by_key[old]
        partners: dict[str, Record] = {}
        for sf_id in ids:
            key = intended[sf_id]
            if key is not None and key in by_key:
                partners[sf_id] = by_key[key]
        unmatched = [r for r in records if str(r["Id"]) not in partners]
        partners.update(self._match_intacct(unmatched, found, absent=set(wanted)))
        return partners

    def _match_intacct(
        self,
        records: list[Record],
        found: dict[str, list[Record]],
        absent: Collection[str] = (),
    ) -> dict[str, Record]:
        """Intacct records (among those `found` by field) matching unlinked Salesforce
        records by a natural key.

        `absent`: keys looked up by key; a natural key on the key field itself
        (`match CUSTOMERID = AccountNumber`) does not match them again.
        """
        matched: dict[str, Record] = {}
        side = self.m.intacct
        for i_path, s_field in self.m.match:
            todo = [r for r in records if str(r["Id"]) not in matched]
            values = {str(r.get(s_field)): r for r in todo if text(r.get(s_field))}
            if i_path == side.key:
                values = {v: r for v, r in values.items() if v not in absent}
            candidates = [c for c in found.get(i_path, []) if str(c.get(i_path)) in values]
            if not candidates:
                continue
            linked = self.ledger.links_by_intacct_keys([str(c[side.key]) for c in candidates])
            for candidate in candidates:
                record = values.get(str(candidate.get(i_path)))
                if record is not None and str(candidate[side.key]) not in linked:
                    matched.setdefault(str(record["Id"]), candidate)
        return matched
