"""Generator of Intacct projects (three templates, then the customers' projects) and tasks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from mapsync.engine.record import Record
from mapsync.engine.sandbox.demo.core import DemoCore
from mapsync.engine.sandbox.demo.lists import ManagedLists, employee_id
from mapsync.engine.sandbox.demo.model import (
    ANCHOR,
    Company,
    SeedBatch,
    _task_status,
)
from mapsync.engine.sandbox.demo.vocabulary import (
    PROJECT_STATUSES,
    PROJECT_TEMPLATES,
    PROJECT_TYPES,
    TASK_NAMES,
)


class Projects:
    """Intacct projects of linked customers, run by the staff's consultants, with tasks."""

    def __init__(self, core: DemoCore, staff: ManagedLists) -> None:
        self.core = core
        self.staff = staff

    def intacct(self) -> Iterator[SeedBatch]:
        """The project templates, the projects, then their tasks."""
        yield from self._projects()

    def counts(self) -> dict[str, int]:
        """How many records of each object `intacct()` yields (before the catalog filter)."""
        projects = self.core.projects
        return {"PROJECT": len(PROJECT_TEMPLATES) + projects,
                "TASK": sum(self.tasks_of(p) for p in range(1, projects + 1))}

    def project_customer(self, project: int) -> Company:
        """The customer of project `project` (1-based)."""
        return self.core.nth_linked((project - 1) * 4)

    def _projects(self) -> Iterator[SeedBatch]:
        templates = ({**t, "PROJECTCATEGORY": "Contract", "PROJECTSTATUS": "Template",
                      "DEPARTMENTID": "SVC", "CLASSID": "SRV"} for t in PROJECT_TEMPLATES)
        yield from self.core.chunked("intacct", "PROJECT", templates)
        yield from self.core.chunked("intacct", "PROJECT", map(self.project_record,
                                                           range(1, self.core.projects + 1)))
        yield from self.core.chunked("intacct", "TASK", self._tasks())

    def project_record(self, project: int) -> Record:
        """The PROJECT record of project `project` (1-based)."""
        rng = self.core.rng("project", project)
        company = self.project_customer(project)
        kind = str(PROJECT_TYPES[project % 4 if project % 4 != 1 else 0]["NAME"])
        status = str(PROJECT_STATUSES[project % 4]["NAME"])
        begin = ANCHOR - timedelta(days=rng.randint(-30, 400))
        consultants = self.staff.employees_of("SVC")
        budget = float(rng.randint(8, 120) * 1000)
        return {
            "PROJECTID": f"P-{project:04d}", "NAME": f"{kind} – {company.name}",
            "DESCRIPTION": f"{kind} project for {company.name} ({company.city})",
            "PROJECTCATEGORY": "Contract", "PROJECTTYPE": kind, "PROJECTSTATUS": status,
            "CUSTOMERID": company.customer_id, "CUSTOMERNAME": company.name,
            "MANAGERID": employee_id(consultants[project % len(consultants)]),
            "SALESCONTACTID": employee_id(self.staff.employees_of("SAL")[0]),
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
        services = self.core.items_of("SVC")
        for project in range(1, self.core.projects + 1):
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
                    "ITEMID": self.core.item_id(services[(project + task) % len(services)]),
                    "BILLABLE": True, "ISMILESTONE": task == count, "PRIORITY": task,
                    "TASKNO": str(task), "BUDGETQTY": float(8 * (task + 1)),
                }
