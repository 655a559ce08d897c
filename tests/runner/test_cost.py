"""The call model: what writes cost through the connectors, and the minimum for the work."""

from __future__ import annotations

from mapsync.engine.runner.cost import Limits, Planner, batches, price, run_costs
from mapsync.engine.runner.report import MappingReport, RunReport


def test_batches_round_up() -> None:
    assert [batches(n, 100) for n in (0, 1, 100, 101, 1000)] == [0, 1, 1, 2, 10]


def test_writes_cost_what_the_connectors_send() -> None:
    limits = Limits()
    assert limits.write_calls("intacct", 250) == 3
    assert limits.write_calls("salesforce", 200) == 1
    assert limits.write_calls("salesforce", 201) == 2
    assert limits.write_calls("salesforce", 3599) == 18
    assert limits.write_calls("salesforce", 3600) == limits.bulk_job_calls
    assert limits.write_calls("salesforce", 0) == 0


def test_the_salesforce_minimum_is_the_cheaper_of_collections_and_bulk() -> None:
    limits = Limits()
    assert limits.cheapest_write("salesforce", 800) == 4  # Collections
    assert limits.cheapest_write("salesforce", 1000) == 5  # a Bulk 2.0 job ties
    assert limits.cheapest_write("salesforce", 100_000) == 5
    assert limits.cheapest_write("intacct", 100_000) == 1000


def test_bulk_jobs_cost_what_the_client_says_a_job_costs() -> None:
    class Salesforce:
        bulk_threshold = 3600
        bulk_job_calls = 5
        bulk_job_records = 10_000

    limits = Limits.of(object(), Salesforce())
    assert limits.write_calls("salesforce", 25_000) == 3 * 5  # three jobs of 10,000
    assert limits.cheapest_write("salesforce", 25_000) == 5  # one job could take them all


def test_limits_come_from_the_clients() -> None:
    class Client:
        batch_size = 50
        bulk_threshold = 500

    limits = Limits.of(Client(), Client())
    assert (limits.intacct_batch, limits.salesforce_batch, limits.bulk_threshold) == (50, 50, 500)
    assert limits.write_calls("intacct", 120) == 3
    # The minimum stays at the services' batch sizes, whatever the configuration says.
    assert limits.cheapest_write("intacct", 120) == 2
    assert Limits.of(object(), object()) == Limits()


def test_a_quiet_run_of_30_mappings_has_a_minimum_of_three_calls() -> None:
    quiet = [MappingReport(f"M{i}", "sync") for i in range(30)]
    costs = run_costs(Limits(), quiet, {"intacct": 30, "salesforce": 30})
    assert costs["intacct"].minimum == 1  # one request, a readByQuery per mapping
    assert costs["salesforce"].minimum == 2  # /composite takes 25 queries a call
    assert costs["salesforce"].ratio == 15.0


def test_pages_and_batches_add_up_per_mapping() -> None:
    customer = MappingReport("Customer", "sync")
    customer.read = {"intacct": 0, "salesforce": 10_000}
    customer.written = {"intacct": {"CUSTOMER create": 10_000},
                        "salesforce": {"Account update": 10_000}}
    contact = MappingReport("Contact", "sync")
    contact.read = {"intacct": 2500, "salesforce": 0}
    costs = run_costs(Limits(), [customer, contact], {"intacct": 103, "salesforce": 13})
    assert (costs["intacct"].read_minimum, costs["intacct"].write_minimum) == (3, 100)
    assert (costs["salesforce"].read_minimum, costs["salesforce"].write_minimum) == (5, 5)
    assert costs["intacct"].ratio == 1.0


def test_a_dry_run_is_priced_from_its_reads_and_planned_writes() -> None:
    customer = MappingReport("Customer", "sync")
    planner = Planner(customer, Limits())
    planner.write("intacct", "CUSTOMER", "create", 150)
    planner.intacct_created(150, "Account")
    planner.write("salesforce", "Account", "upsert", 0)
    # Two create requests, each reading its records back: no read-back call of its own.
    assert customer.planned_write_calls == {"intacct": 2, "salesforce": 1}
    assert customer.written == {"intacct": {"CUSTOMER create": 150},
                                "salesforce": {"Account update": 150}}
    report = RunReport(mappings=[customer])
    price(report, Limits(), {"intacct": 2, "salesforce": 1})
    assert report.cost is not None
    assert report.cost["intacct"].calls == 4 and report.cost["salesforce"].calls == 2
    assert customer.minimum_calls == {"intacct": 2, "salesforce": 1}
    assert report.to_dict()["cost"]["intacct"]["minimum"] == 3
