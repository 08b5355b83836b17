"""``nara rating-link``: the signed link that asks a customer "How well did we help
you?" about a resolved case (``queries/satisfaction.py``). Nära does not send e-mail yet;
this prints the link that e-mail will carry, for trying it out or sending it by hand."""

from __future__ import annotations

from typing import Annotated

import typer


def rating_link(
    number: Annotated[str, typer.Argument(help="The case number, e.g. NA-2026-000123.")],
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where Nära is served, put before the path.")
    ] = "",
) -> None:
    """Print the rating link of a resolved or closed case (it works for 30 days after
    the case was resolved)."""
    from nara import clock
    from nara.cli.main import fail, unit_of_work
    from nara.domain.actors import SYSTEM
    from nara.domain.errors import DomainError
    from nara.queries.access import get_case_for
    from nara.queries.satisfaction import LINK_DAYS, link_expiry, rating_path

    with unit_of_work() as session:
        try:
            case = get_case_for(session, SYSTEM, number)
        except DomainError as exc:
            fail(exc.detail)
        path = rating_path(case)
        expires = link_expiry(case)
        if path is None or expires is None:
            fail(f"case {case.number} is not resolved; it has no rating link yet")
        if expires <= clock.now():
            fail(
                f"the rating link of case {case.number} stopped working on "
                f"{expires.isoformat()} ({LINK_DAYS} days after the case was resolved)"
            )
        typer.echo(f"{base_url.rstrip('/')}{path}")
        typer.echo(f"works until {expires.isoformat()}", err=True)
