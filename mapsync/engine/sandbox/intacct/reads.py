"""Read functions: readByQuery, readMore, read, readByName and query."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from lxml import etree

from mapsync.engine.catalog import FieldInfo, ObjectInfo
from mapsync.engine.sandbox.intacct import errors
from mapsync.engine.sandbox.intacct.context import Context, Outcome, parse_int, required_text
from mapsync.engine.sandbox.intacct.errors import FunctionFailure
from mapsync.engine.sandbox.intacct.query import (
    And,
    Binder,
    Compare,
    Pred,
    QueryError,
    parse_filter,
    parse_readbyquery,
    to_sql,
)
from mapsync.engine.sandbox.intacct.related import (
    related_field,
    related_values,
    split_related,
)
from mapsync.engine.sandbox.intacct.render import (
    data_element,
    extra_fields,
    record_element,
    resolve_fields,
)
from mapsync.engine.sandbox.intacct.sessions import ResultSet
from mapsync.engine.sandbox.intacct.store import Row
from mapsync.engine.sandbox.intacct.values import Stored
from mapsync.engine.sandbox.intacct.xml import child_text, children

READ_PAGE_MAX = 1000
QUERY_PAGE_MAX = 2000
DEFAULT_PAGE = 100


def check_format(element: etree._Element, name: str) -> None:
    """Only XML answers are served; csv/json return formats are refused plainly."""
    fmt = (child_text(element, name, "xml") or "xml").lower()
    if fmt != "xml":
        raise FunctionFailure(
            errors.unsupported(f"returnFormat {fmt} is not served by the sandbox; use xml")
        )


def page_size(element: etree._Element, name: str, maximum: int) -> int:
    """The page size parameter within 1..maximum (default 100)."""
    size = parse_int(child_text(element, name), DEFAULT_PAGE)
    if size is None or not 1 <= size <= maximum:
        raise FunctionFailure(errors.bad_query(f"{name} must be between 1 and {maximum}"))
    return size


def with_docparid(pred: Pred | None, docparid: str) -> Pred | None:
    """Restrict to one transaction definition when `docparid` is given."""
    if not docparid:
        return pred
    match = Compare("DOCPARID", "=", docparid)
    return match if pred is None else And((pred, match))


def print_records(
    ctx: Context,
    data: etree._Element,
    info: ObjectInfo,
    rows: Sequence[Row],
    fields: list[str],
    tag: str,
    star: bool,
    literal: bool = False,
) -> None:
    """Append one element per row to `data` (extra stored fields too when all were asked).

    Related fields (`CUSTOMER.NAME`) are looked up; with `literal` every dotted field is one
    element named by its whole path, as readByQuery answers for document objects.
    """
    catalogs = ctx.store.catalogs

    def lookup(name: str) -> FieldInfo | None:
        return info.fields.get(name) or related_field(catalogs, info, name)

    for row in rows:
        names = fields + extra_fields(row.values, fields) if star else fields
        values = {**row.values, **related_values(ctx.store, ctx.conn, info, row.values, names)}
        data.append(record_element(tag, values, names, lookup, nested=not literal))


def _fields(
    info: ObjectInfo, element: etree._Element, bad: type[Exception],
    catalogs: Mapping[str, ObjectInfo] | None = None,
) -> tuple[list[str], bool]:
    requested = child_text(element, "fields")
    star = (requested or "*").strip() in ("*", "")
    if star:
        return resolve_fields(info, requested)[0], True
    fields: list[str] = []
    unknown: list[str] = []
    for name in (n.strip() for n in (requested or "").split(",") if n.strip()):
        found, missing = resolve_fields(info, name)
        reached, missing = split_related(catalogs or {}, info, missing)
        unknown += missing
        fields += [f for f in found + reached if f not in fields]
    if unknown:
        raise bad(",".join(unknown))
    return fields, False


class _BadFields(Exception):
    pass


def read_by_query(ctx: Context, element: etree._Element) -> Outcome:
    """readByQuery: filter on stored codes, first page, resultId for the rest."""
    info = ctx.object_info(required_text(element, "object"))
    check_format(element, "returnFormat")
    size = page_size(element, "pagesize", READ_PAGE_MAX)
    try:
        fields, star = _fields(info, element, _BadFields, ctx.store.catalogs)
        pred, limit = parse_readbyquery(child_text(element, "query", "") or "", info)
    except _BadFields as err:
        raise FunctionFailure(errors.bad_query(f"Unknown field(s) in fields list: {err}")) from None
    except QueryError as err:
        raise FunctionFailure(errors.bad_query(str(err))) from None
    pred = with_docparid(pred, child_text(element, "docparid", "") or "")
    where, params = to_sql(pred, lambda f: ctx.store.column(info.name, f))
    ids = ctx.store.ids_where(ctx.conn, info.name, where, params)
    ids = ids[:limit] if limit is not None else ids
    page, rest = ids[:size], ids[size:]
    result_id = ""
    if rest:
        kept = ResultSet(info.name, tuple(fields), rest, len(ids), size, "", ctx.owner)
        result_id = ctx.results.add(kept)
    return _page(ctx, info, page, fields, star, len(ids), len(rest), result_id)


def _page(
    ctx: Context,
    info: ObjectInfo,
    page: list[int],
    fields: list[str],
    star: bool,
    total: int,
    remaining: int,
    result_id: str,
) -> Outcome:
    data = data_element(
        {
            "listtype": info.name.lower(),
            "count": len(page),
            "totalcount": total,
            "numremaining": remaining,
            "resultId": result_id,
        }
    )
    rows = ctx.store.rows_by_recordno(ctx.conn, info.name, page)
    literal = bool(info.docparids)
    print_records(ctx, data, info, rows, fields, info.name.lower(), star, literal)
    return Outcome(data, records=len(rows))


def read_more(ctx: Context, element: etree._Element) -> Outcome:
    """readMore by resultId: the next page of the same result set."""
    result_id = child_text(element, "resultId")
    if result_id is None:
        other = next((c.tag for c in children(element)), "resultId")
        raise FunctionFailure(
            errors.unsupported(f"readMore by {other} is not served by the sandbox; use resultId")
        )
    taken = ctx.results.take_page(result_id, ctx.owner)
    if taken is None:
        raise FunctionFailure(errors.readmore_failed(result_id))
    result, page = taken
    info = ctx.object_info(result.object)
    fields = list(result.fields)
    star = fields == _all(info)
    remaining = len(result.remaining)
    return _page(ctx, info, page, fields, star, result.total, remaining, result_id)


def _all(info: ObjectInfo) -> list[str]:
    return resolve_fields(info, "*")[0]


def _read_rows(ctx: Context, element: etree._Element, by_name: bool) -> Outcome:
    info = ctx.object_info(required_text(element, "object"))
    check_format(element, "returnFormat")
    try:
        fields, star = _fields(info, element, _BadFields, ctx.store.catalogs)
    except _BadFields as err:
        raise FunctionFailure(errors.invalid_fields(str(err))) from None
    keys = [k.strip() for k in required_text(element, "keys").split(",") if k.strip()]
    if by_name:
        rows = ctx.store.rows_by_key(ctx.conn, info.name, keys)
    else:
        numbers = [int(k) for k in keys if k.isdigit()]
        rows = ctx.store.rows_by_recordno(ctx.conn, info.name, numbers)
    docparid = child_text(element, "docparid", "") or ""
    rows = [r for r in rows if not docparid or r.values.get("DOCPARID") == docparid]
    data = data_element({"listtype": info.name, "count": len(rows)})
    print_records(ctx, data, info, rows, fields, info.name, star)
    for record, row in zip(children(data), rows, strict=True):
        _append_owned(ctx, info, record, row)
    return Outcome(data, records=len(rows))


def _append_owned(ctx: Context, info: ObjectInfo, record: etree._Element, row: Row) -> None:
    for child_obj, field, header_field in ctx.children_of(info.name):
        column = ctx.store.column(child_obj, field)
        header_value = row.values.get(header_field)
        lines = ctx.store.rows_where(ctx.conn, child_obj, f"{column} = ?", [header_value])
        container = etree.SubElement(record, _plural(child_obj))
        child_info = ctx.store.catalogs.get(child_obj)
        for line in lines:
            names = (_all(child_info) if child_info else []) + []
            names += extra_fields(line.values, names)
            lookup = child_info.fields.get if child_info else (lambda _n: None)
            container.append(record_element(child_obj.lower(), line.values, names, lookup))


def _plural(name: str) -> str:
    if name.endswith("Y"):
        return name[:-1] + "IES"
    return name if name.endswith("S") else name + "S"


def read(ctx: Context, element: etree._Element) -> Outcome:
    """read: records by RECORDNO, upper-case elements, owned lines nested."""
    return _read_rows(ctx, element, by_name=False)


def read_by_name(ctx: Context, element: etree._Element) -> Outcome:
    """readByName: records by the object's business key."""
    return _read_rows(ctx, element, by_name=True)


# -- query ------------------------------------------------------------------------------

AGGREGATES = ("count", "avg", "min", "max", "sum")


def query(ctx: Context, element: etree._Element) -> Outcome:
    """query: select/filter/orderby with offset paging; dotted names stay literal."""
    info = ctx.object_info(required_text(element, "object"))
    options = element.find("options")
    ci = _option(options, "caseinsensitive")
    if options is not None:
        check_format(options, "returnformat")
    size = page_size(element, "pagesize", QUERY_PAGE_MAX)
    offset = parse_int(child_text(element, "offset"), 0)
    if offset is None or offset < 0:
        raise FunctionFailure(errors.bad_query("offset must be a whole number >= 0"))
    try:
        plan = _QueryPlan.build(info, element)
    except QueryError as err:
        raise FunctionFailure(errors.bad_query(str(err))) from None
    pred = with_docparid(plan.pred, child_text(element, "docparid", "") or "")
    where, params = to_sql(pred, lambda f: ctx.store.column(info.name, f), ci)
    if plan.aggregates:
        rows = ctx.store.rows_where(ctx.conn, info.name, where, params)
        return _aggregate(info, plan, rows, size, offset)
    total = ctx.store.count_where(ctx.conn, info.name, where, params)
    order = plan.order_sql(lambda f: ctx.store.column(info.name, f))
    rows = ctx.store.rows_where(ctx.conn, info.name, where, params, order, size, offset)
    data = _query_data(info, total, offset, len(rows))
    lookup = info.fields.get
    for row in rows:
        data.append(record_element(info.name, row.values, plan.fields, lookup, nested=False))
    return Outcome(data, records=len(rows))


def _option(options: etree._Element | None, name: str) -> bool:
    if options is None:
        return False
    return (child_text(options, name, "false") or "").lower() == "true"


def _query_data(info: ObjectInfo, total: int, offset: int, count: int) -> etree._Element:
    return data_element(
        {
            "listtype": info.name,
            "totalcount": total,
            "offset": offset,
            "count": count,
            "numremaining": max(total - offset - count, 0),
        }
    )


class _QueryPlan:
    """The parsed select list, filter and ordering of one `query` call."""

    def __init__(self) -> None:
        self.fields: list[str] = []
        self.aggregates: list[tuple[str, str]] = []
        self.pred: Pred | None = None
        self.order: list[tuple[str, bool]] = []

    @classmethod
    def build(cls, info: ObjectInfo, element: etree._Element) -> _QueryPlan:
        plan = cls()
        binder = Binder(info, codes=False, dotted=True)
        select = element.find("select")
        for item in children(select) if select is not None else []:
            name = (item.text or "").strip()
            if name == "*":
                raise QueryError("select * is not supported; list the fields")
            if item.tag == "field":
                plan.fields.append(binder.field(name))
            elif item.tag in AGGREGATES:
                plan.aggregates.append((str(item.tag), binder.field(name)))
            else:
                raise QueryError(f"unknown select element {item.tag}")
        if not plan.fields and not plan.aggregates:
            raise QueryError("select needs at least one field")
        found = element.find("filter")
        plan.pred = parse_filter(found, info) if found is not None else None
        for order in element.findall("orderby/order"):
            plan.order.append(
                (
                    binder.field(child_text(order, "field", "") or ""),
                    order.find("descending") is not None,
                )
            )
        return plan

    def order_sql(self, column: Callable[[str], str]) -> str:
        """ORDER BY terms for the requested ordering, RECORDNO last for a stable order."""
        terms = [f"{column(f)} {'DESC' if desc else 'ASC'}" for f, desc in self.order]
        return ", ".join([*terms, "recordno"])


def _aggregate(
    info: ObjectInfo, plan: _QueryPlan, rows: list[Row], size: int, offset: int
) -> Outcome:
    groups: dict[tuple[Stored, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row.values.get(f) for f in plan.fields), []).append(row)
    if not plan.fields and not groups:
        groups[()] = []
    keys = list(groups)[offset : offset + size]
    data = _query_data(info, len(groups), offset, len(keys))
    names = plan.fields + [f"{fn.upper()}.{f}" for fn, f in plan.aggregates]
    lookup = info.fields.get
    for key in keys:
        values: dict[str, Stored] = dict(zip(plan.fields, key, strict=True))
        for fn, f in plan.aggregates:
            values[f"{fn.upper()}.{f}"] = _reduce(fn, [r.values.get(f) for r in groups[key]])
        data.append(record_element(info.name, values, names, lookup, nested=False))
    return Outcome(data, records=len(keys))


def _reduce(fn: str, values: list[Stored]) -> Stored:
    present = [v for v in values if v is not None]
    if fn == "count":
        return len(present)
    numbers = [v for v in present if isinstance(v, int | float) and not isinstance(v, bool)]
    if fn == "sum":
        return sum(numbers)
    if fn == "avg":
        return sum(numbers) / len(numbers) if numbers else None
    if numbers:
        return min(numbers) if fn == "min" else max(numbers)
    texts = [v for v in present if isinstance(v, str)]
    if not texts:
        return None
    return min(texts) if fn == "min" else max(texts)
