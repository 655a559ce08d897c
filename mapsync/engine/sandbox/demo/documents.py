"""Generator of Intacct sales documents: quotes, orders, invoices and their lines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.core import DemoCore
from mapsync.engine.sandbox.demo.model import (
    ANCHOR,
    BATCH_SIZE,
    Company,
    Ref,
    SeedBatch,
    _entity_currency,
)
from mapsync.engine.sandbox.demo.vocabulary import (
    DOC_TYPES,
    TERM_DAYS,
    in_currency,
    money,
)


class SalesDocuments:
    """Intacct sales documents of linked customers; quotes convert to orders, orders to
    invoices, and most invoices are paid."""

    def __init__(self, core: DemoCore) -> None:
        self.core = core

    def intacct(self) -> Iterator[SeedBatch]:
        """Each transaction definition's headers and lines, one batch of headers at a time."""
        for docpar, prefix in DOC_TYPES:
            yield from self._documents(docpar, prefix)

    def counts(self) -> dict[str, int]:
        """How many records of each object `intacct()` yields (before the catalog filter)."""
        docs = [self.core.documents(d) for d, _p in DOC_TYPES]
        return {"SODOCUMENT": sum(docs),
                "SODOCUMENTENTRY": sum(self.document_lines(k) for c in docs
                                       for k in range(1, c + 1))}

    def document_customer(self, number: int) -> Company:
        """The customer of document pair `number`: quote n, order n and invoice n share it."""
        return self.core.linked_customer(self.core.rng("doccustomer", number))

    @staticmethod
    def document_lines(number: int) -> int:
        """How many lines document `number` has: 1 to 4."""
        return 1 + number % 4

    def _documents(self, docpar: str, prefix: str) -> Iterator[SeedBatch]:
        """Headers and their lines, interleaved one batch of headers at a time."""
        if self.core.catalogs.get("intacct", "SODOCUMENT") is None:
            return
        with_lines = self.core.catalogs.get("intacct", "SODOCUMENTENTRY") is not None
        count = self.core.documents(docpar)
        for start in range(1, count + 1, BATCH_SIZE):
            documents = [self.document(docpar, prefix, n)
                         for n in range(start, min(start + BATCH_SIZE, count + 1))]
            yield SeedBatch("intacct", "SODOCUMENT", tuple(h for h, _lines in documents))
            if with_lines:
                lines = tuple(line for _h, lines in documents for line in lines)
                yield SeedBatch("intacct", "SODOCUMENTENTRY", lines)

    def document_state(self, docpar: str, number: int) -> str:
        """Quotes are converted to orders, orders to invoices, most invoices are paid."""
        if docpar == "Sales Quote":
            converted = number % 3 != 0 and number <= self.core.documents("Sales Order")
            return "Converted" if converted else "Pending"
        if docpar == "Sales Order":
            return "Converted" if number % 4 != 0 else "Pending"
        if docpar == "Sales Invoice":
            return "Pending" if number % 5 == 0 else "Closed"
        return "Pending"

    def created_from(self, docpar: str, number: int) -> str | None:
        """The DOCID a document was converted from, if any."""
        count = self.core.documents
        if docpar == "Sales Order" and number <= count("Sales Quote") and number % 3:
            return f"Sales Quote-SQ{number:04d}"
        if docpar == "Sales Invoice" and number <= count("Sales Order") and number % 4:
            return f"Sales Order-SO{number:04d}"
        return None

    def _line_values(self, number: int, currency: str) -> list[tuple[int, float, float, float]]:
        """(item, quantity, price, discount) of each line of document `number`."""
        rng = self.core.rng("doclines", number)
        lines = []
        for _ in range(self.document_lines(number)):
            item = rng.randrange(self.core.items)
            quantity = float(rng.choice((1, 1, 2, 3, 5, 10, 20)))
            price = in_currency(self.core.item_price(item), currency)
            lines.append((item, quantity, price, float(rng.choice((0, 0, 0, 5, 10)))))
        return lines

    def document(self, docpar: str, prefix: str, number: int) -> tuple[Record, list[Record]]:
        """The SODOCUMENT header and SODOCUMENTENTRY lines of document `number`."""
        company = self.document_customer(number)
        lines = self._line_values(number, company.currency)
        header = self._document_header(docpar, prefix, number, company, lines)
        return header, self._document_lines(header, company, lines)

    def _document_header(
        self, docpar: str, prefix: str, number: int, company: Company,
        lines: list[tuple[int, float, float, float]],
    ) -> Record:
        rng = self.core.rng(f"doc:{docpar}", number)
        posted = ANCHOR - timedelta(days=rng.randint(0, 540))
        total = money(sum(q * p * (1 - d / 100) for _i, q, p, d in lines), company.currency)
        state = self.document_state(docpar, number)
        contact = company.contact_name(company.people[0])
        record: Record = {
            "DOCNO": f"{prefix}{number:04d}", "DOCID": f"{docpar}-{prefix}{number:04d}",
            "DOCPARID": docpar, "STATE": state,
            "CUSTVENDID": company.customer_id, "CUSTVENDNAME": company.name,
            "WHENCREATED": datetime.combine(posted, datetime.min.time()) + timedelta(hours=9),
            "WHENPOSTED": posted, "TERM.NAME": company.term,
            "PONUMBER": f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.6 else None,
            "MESSAGE": company.locale.message, "CURRENCY": company.currency,
            "BASECURR": _entity_currency(company),
            "SHIPTO.CONTACTNAME": contact, "BILLTO.CONTACTNAME": contact,
            "SUBTOTAL": total, "TOTAL": total,
        }
        if docpar == "Sales Invoice":
            paid = total if state == "Closed" else 0.0
            record.update(WHENDUE=posted + timedelta(days=TERM_DAYS[company.term]),
                          TRX_TOTALPAID=paid, TRX_TOTALDUE=money(total - paid, company.currency))
        source = self.created_from(docpar, number)
        if source:
            record["CREATEDFROM"] = source
        if company.currency != record["BASECURR"]:
            record["EXCHRATETYPE"] = "Intacct Daily Rate"
        return {k: v for k, v in record.items() if v is not None}

    def _document_lines(
        self, header: Record, company: Company, lines: list[tuple[int, float, float, float]]
    ) -> list[Record]:
        docid = str(header["DOCID"])
        records = []
        for line_no, (item, quantity, price, discount) in enumerate(lines):
            value = money(quantity * price * (1 - discount / 100), company.currency)
            records.append({
                "DOCHDRNO": Ref("intacct", "SODOCUMENT", docid), "DOCHDRID": docid,
                "DOCPARID": header["DOCPARID"], "LINE_NO": line_no,
                "ITEMID": self.core.item_id(item),
                "ITEMDESC": self.core.item_name(item), "QUANTITY": quantity, "UNIT": "Each",
                "PRICE": price, "UIPRICE": price, "UIVALUE": value, "TRX_PRICE": price,
                "TRX_VALUE": value, "DISCOUNTPERCENT": discount,
                "LOCATIONID": company.locale.location, "DEPARTMENTID": "SAL",
                "CLASSID": self.core.family(item).class_id,
            })
        return records
