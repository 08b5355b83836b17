"""Writes on customers. Personnummer are validated and stored as 12 digits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock, personnummer
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.i18n import N_
from nara.models import Customer, Role, User
from nara.queries.access import get_customer_for


def _clean_pnr(session: Session, raw: str | None, *, exclude_id: int | None = None) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        digits = personnummer.normalise(raw)
    except personnummer.InvalidPersonnummer as exc:
        raise ValidationFailed(
            f"personnummer: {exc}",
            field="personnummer",
            template=N_("This is not a valid personal identity number (YYYYMMDD-NNNN)."),
        ) from None
    clash = session.scalar(select(Customer.id).where(Customer.personnummer == digits))
    if clash is not None and clash != exclude_id:
        raise Conflict(
            "another customer already has this personnummer",
            field="personnummer",
            template=N_("Another customer already has this personal identity number."),
        )
    return digits


def create_customer(
    *,
    session: Session,
    actor: Actor,
    name: str,
    email: str | None = None,
    phone: str | None = None,
    personnummer: str | None = None,
    user_id: int | None = None,
) -> Customer:
    if not (actor.is_staff or actor.is_system):
        raise PermissionDenied(
            "only staff can register customers", template=N_("Only staff can register customers.")
        )
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or user.role != Role.customer:
            raise ValidationFailed(
                "user_id must be a customer login",
                field="user_id",
                template=N_("The login must be a customer login."),
            )
        if session.scalar(select(Customer.id).where(Customer.user_id == user_id)):
            raise Conflict(
                "this login already belongs to a customer",
                field="user_id",
                template=N_("This login already belongs to a customer."),
            )
    now = clock.now()
    customer = Customer(
        name=validation.name(name, field="name", max_length=200),
        email=validation.email(email, required=False),
        phone=validation.phone(phone),
        personnummer=_clean_pnr(session, personnummer),
        user_id=user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(customer)
    session.flush()
    return customer


def update_customer(
    *,
    session: Session,
    actor: Actor,
    customer_id: int,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    personnummer: str | None = None,
) -> Customer:
    """Staff update any customer; a customer updates their own e-mail and phone."""
    customer = get_customer_for(session, actor, customer_id)
    if actor.is_customer and (name is not None or personnummer is not None):
        raise PermissionDenied(
            "ask us to change your name or personnummer",
            template=N_("Ask us to change your name or personnummer."),
        )
    if not (actor.is_staff or actor.is_system or actor.customer_id == customer.id):
        raise NotFound(
            f"no customer with id {customer_id}",
            template=N_("No customer with id %(customer_id)s."),
            params={"customer_id": customer_id},
        )
    if name is not None:
        customer.name = validation.name(name, field="name", max_length=200)
    if email is not None:
        customer.email = validation.email(email, required=False)
    if phone is not None:
        customer.phone = validation.phone(phone)
    if personnummer is not None:
        customer.personnummer = _clean_pnr(session, personnummer, exclude_id=customer.id)
    customer.updated_at = clock.now()
    session.flush()
    return customer


def link_customer_login(
    *, session: Session, actor: Actor, customer_id: int, user_id: int
) -> Customer:
    if not (actor.is_admin or actor.is_system):
        raise PermissionDenied(
            "only admins can link a login to a customer",
            template=N_("Only admins can link a login to a customer."),
        )
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(
            f"no customer with id {customer_id}",
            template=N_("No customer with id %(customer_id)s."),
            params={"customer_id": customer_id},
        )
    user = session.get(User, user_id)
    if user is None or user.role != Role.customer:
        raise ValidationFailed(
            "user_id must be a customer login",
            field="user_id",
            template=N_("The login must be a customer login."),
        )
    clash = session.scalar(select(Customer.id).where(Customer.user_id == user_id))
    if clash is not None and clash != customer_id:
        raise Conflict(
            "this login already belongs to another customer",
            field="user_id",
            template=N_("This login already belongs to another customer."),
        )
    customer.user_id = user_id
    session.flush()
    return customer
