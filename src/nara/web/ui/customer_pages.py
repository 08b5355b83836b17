"""Staff pages about customers: find a customer, and the customer's whole picture
(kundbild) with every case across all teams."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from nara.queries.customer_overview import customer_overview
from nara.queries.customers import clean_query, search_customers
from nara.web import ratelimit
from nara.web.api import serializers
from nara.web.deps import DB
from nara.web.ui.common import require_caller, require_staff_page
from nara.web.ui.render import render

router = APIRouter(include_in_schema=False)
RESULTS = 25


@router.get("/customers", response_class=HTMLResponse)
def find_customer(
    request: Request, db: DB, q: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    caller = require_caller(request, db)
    require_staff_page(caller)
    query = clean_query(q)
    found = []
    if query:
        # The same limit as every other search by a full personnummer.
        ratelimit.check_personnummer_search(request, caller.actor, query)
        found = search_customers(db, caller.actor, query, limit=RESULTS)
    results = [serializers.customer_out(caller.actor, c) for c in found]
    return render(request, "workspace/customers.html", q=query, results=results, limit=RESULTS)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(request: Request, db: DB, customer_id: int) -> Response:
    caller = require_caller(request, db)
    require_staff_page(caller)
    view = customer_overview(db, caller.actor, customer_id)
    return render(
        request,
        "workspace/customer.html",
        view=view,
        customer=serializers.customer_out(caller.actor, view.customer),
    )
