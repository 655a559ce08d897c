"""Intacct projects with their tasks, and contracts with their lines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.customers import Customers
from mapsync.engine.sandbox.demo.model import (
    ANCHOR,
    Company,
    SeedBatch,
    _task_status,
    _year_later,
)
from mapsync.engine.sandbox.demo.vocabulary import (
    CONTRACT_PRICE_LISTS,
    PROJECT_STATUSES,
    PROJECT_TEMPLATES,
    PROJECT_TYPES,
    TASK_NAMES,
    in_currency,
)


class Projects(Customers):
    """Intacct projects with their tasks, and contracts with their lines."""

    def project_customer(self, project: int) -> Company:
        """The customer of project `project` (1-based)."""
        return self.nth_linked((project - 1) * 4)

    def _projects(self) -> Iterator[SeedBatch]:
        templates = ({**t, "PROJECTCATEGORY": "Contract", "PROJECTSTATUS": "Template",
                      "DEPARTMENTID": "SVC", "CLASSID": "SRV"} for t in PROJECT_TEMPLATES)
        yield from self._chunked("intacct", "PROJECT", templates)
        yield from self._chunked("intacct", "PROJECT", map(self.project_record,
                                                           range(1, self.projects + 1)))
        yield from self._chunked("intacct", "TASK", self._tasks())

    def project_record(self, project: int) -> Record:
        """The PROJECT record of project `project` (1-based)."""
        rng = self.rng("project", project)
        company = self.project_customer(project)
        kind = str(PROJECT_TYPES[project % 4 if project % 4 != 1 else 0]["NAME"])
        status = str(PROJECT_STATUSES[project % 4]["NAME"])
        begin = ANCHOR - timedelta(days=rng.randint(-30, 400))
        consultants = self.employees_of("SVC")
        budget = float(rng.randint(8, 120) * 1000)
        return {
            "PROJECTID": f"P-{project:04d}", "NAME": f"{kind} – {company.name}",
            "DESCRIPTION": f"{kind} project for {company.name} ({company.city})",
            "PROJECTCATEGORY": "Contract", "PROJECTTYPE": kind, "PROJECTSTATUS": status,
            "CUSTOMERID": company.customer_id, "CUSTOMERNAME": company.name,
            "MANAGERID": self.employee_id(consultants[project % len(consultants)]),
            "SALESCONTACTID": self.employee_id(self.employees_of("SAL")[0]),
            "DEPARTMENTID": "SVC", "LOCATIONID": company.locale.location, "CLASSID": "SRV",
            "TERMNAME": company.term,
            "BILLINGTYPE": ("Time & Material", "Fixed Fee", "Fixed Fee & Expenses")[project % 3],
            "BEGINDATE": begin, "ENDDATE": begin + timedelta(days=rng.randint(60, 300)),
            "CURRENCY": company.currency, "PONUMBER": f"PO-{rng.randint(10000, 99999)}",
            "BUDGETAMOUNT": budget, "CONTRACTAMOUNT": budget * 1.2,
            "BUDGETQTY": float(rng.randint(40, 600)),
        }

    def tasks_of(self, project: int) -> int:
        """How many tasks project `project` has: 3 to 5."""
        return 3 + project % 3

    def _tasks(self) -> Iterator[Record]:
        services = self.items_of("SVC")
        for project in range(1, self.projects + 1):
            status = str(PROJECT_STATUSES[project % 4]["NAME"])
            begin = self.project_record(project)["BEGINDATE"]
            count = self.tasks_of(project)
            for task in range(1, count + 1):
                yield {
                    "TASKID": f"T{task:02d}", "NAME": TASK_NAMES[(task - 1) % len(TASK_NAMES)],
                    "PROJECTID": f"P-{project:04d}",
                    "TASKSTATUS": _task_status(status, task, count),
                    "PBEGINDATE": begin + timedelta(days=14 * (task - 1)),
                    "PENDDATE": begin + timedelta(days=14 * task - 1),
                    "ITEMID": self.item_id(services[(project + task) % len(services)]),
                    "BILLABLE": True, "ISMILESTONE": task == count, "PRIORITY": task,
                    "TASKNO": str(task), "BUDGETQTY": float(8 * (task + 1)),
                }

    def contract_customer(self, contract: int) -> Company:
        """The customer of contract `contract` (1-based)."""
        return self.nth_linked((contract - 1) * 5 + 2)

    def contract_lines(self, contract: int) -> int:
        """How many lines contract `contract` has: 1 to 3."""
        return 1 + contract % 3

    def _contracts(self) -> Iterator[SeedBatch]:
        yield from self._chunked("intacct", "CONTRACT", map(self.contract_record,
                                                            range(1, self.contracts + 1)))
        yield from self._chunked("intacct", "CONTRACTDETAIL", self._contract_details())

    def contract_record(self, contract: int) -> Record:
        """The CONTRACT record of contract `contract` (1-based)."""
        rng = self.rng("contract", contract)
        company = self.contract_customer(contract)
        begin = date(ANCHOR.year - rng.randint(0, 1), rng.randint(1, 12), 1)
        evergreen = contract % 6 == 0
        record: Record = {
            "CONTRACTID": f"CN-{contract:04d}",
            "NAME": f"{company.name} – Subscription {begin.year}",
            "CUSTOMERID": company.customer_id, "CUSTOMERNAME": company.name,
            "DESCRIPTION": "Cloud monitoring and support subscription",
            "BEGINDATE": begin, "TERMNAME": company.term,
            "TERMTYPE": "Evergreen" if evergreen else "Termed",
            "LOCATIONID": company.locale.location, "DEPARTMENTID": "SAL", "CLASSID": "SUB",
            "STATE": "In progress" if begin <= ANCHOR else "Draft",
            "BILLINGFREQUENCY": ("Monthly", "Quarterly", "Annually")[contract % 3],
            "PRCLIST": str(CONTRACT_PRICE_LISTS[contract % 2]["NAME"]),
            "CURRENCY": company.currency,
            "RENEWAL": not evergreen,
            "BILLTOCONTACTNAME": company.contact_name(company.people[0]),
            "SHIPTOCONTACTNAME": company.contact_name(company.people[0]),
        }
        if not evergreen:
            record.update(ENDDATE=_year_later(begin), RENEWALMACRO="Annual Auto-Renew",
                          RENEWTERMLENGTH=1, RENEWTERMPERIOD="Years")
        if company.currency != "USD":
            record["EXCHRATETYPE"] = "Intacct Daily Rate"
        return record

    def _contract_details(self) -> Iterator[Record]:
        subscriptions = self.items_of("SUB")
        for contract in range(1, self.contracts + 1):
            header = self.contract_record(contract)
            rng = self.rng("contractlines", contract)
            for line in range(1, self.contract_lines(contract) + 1):
                item = subscriptions[(contract + line) % len(subscriptions)]
                begin = header["BEGINDATE"]
                yield {
                    "CONTRACTID": header["CONTRACTID"], "LINENO": line,
                    "ITEMID": self.item_id(item), "ITEMDESC": self.item_name(item),
                    "BILLINGMETHOD": "Fixed price", "LOCATIONID": header["LOCATIONID"],
                    "DEPARTMENTID": "SAL", "STATE": header["STATE"], "BEGINDATE": begin,
                    "ENDDATE": header.get("ENDDATE") or _year_later(begin),
                    "RENEWAL": header["RENEWAL"], "BILLINGOPTIONS": "Use billing template",
                    "BILLINGFREQUENCY": header["BILLINGFREQUENCY"],
                    "BILLINGTEMPLATENAME": "Straight line monthly",
                    "QUANTITY": float(rng.choice((1, 5, 10, 25, 50))),
                    "PRICE": in_currency(self.item_price(item), header["CURRENCY"]),
                    "DISCOUNTPERCENT": float(rng.choice((0, 0, 5, 10))),
                }

    # sales documents ---------------------------------------------------------------------
