"""The access policy: one module that every selector and service goes through.

Deny by default. Each protected model registers a *scope* function that narrows a queryset to
what the acting membership may see; a model without a registered scope cannot be read through
the policy at all. A missing object and a forbidden one raise the same ``NotFound`` (HTTP 404)
in UI and API, so callers cannot learn that something exists. Fields declared as health data
(``HEALTH_FIELDS`` on the model) are shown only to roles holding ``Permission.HEALTH_DATA_VIEW``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import (
    ImproperlyConfigured,
    MultipleObjectsReturned,
    ObjectDoesNotExist,
    ValidationError,
)
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from integra.core.permissions import ADMIN_ROLES, Permission, Role, permissions_for_roles

if TYPE_CHECKING:
    from integra.accounts.models import Membership, User
    from integra.organizations.models import Organization

M = TypeVar("M", bound=models.Model)
ScopeFn = Callable[["Actor", "models.QuerySet[Any]"], "models.QuerySet[Any]"]

_SCOPES: dict[type[models.Model], ScopeFn] = {}


class NotFound(Http404):
    """Raised for an object that does not exist *or* that the actor may not see."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Risorsa non trovata."))


class PermissionRequired(Exception):
    """The actor lacks a permission for an action that is not about one object."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission
        super().__init__(str(permission))


@dataclass(frozen=True)
class Actor:
    """Who is acting: the operator, the membership they act as, and request context."""

    user: User
    membership: Membership | None
    request_id: str = ""
    client_ip: str | None = None
    via_api_token: bool = False
    permissions: frozenset[Permission] = field(default=frozenset())

    @classmethod
    def for_membership(
        cls,
        user: User,
        membership: Membership | None,
        *,
        request_id: str = "",
        client_ip: str | None = None,
        via_api_token: bool = False,
    ) -> Actor:
        granted = permissions_for_roles(tuple(membership.roles)) if membership else frozenset()
        return cls(
            user=user,
            membership=membership,
            request_id=request_id,
            client_ip=client_ip,
            via_api_token=via_api_token,
            permissions=granted,
        )

    @property
    def organization(self) -> Organization | None:
        return self.membership.organization if self.membership else None

    @property
    def organization_id(self) -> int | None:
        return self.membership.organization_id if self.membership else None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.membership.roles) if self.membership else frozenset()

    @property
    def needs_second_factor(self) -> bool:
        return bool(self.roles & ADMIN_ROLES)

    def has(self, permission: Permission) -> bool:
        return permission in self.permissions


def register_scope(model: type[M]) -> Callable[[ScopeFn], ScopeFn]:
    """Declare how ``model`` is narrowed for an actor. One scope per model."""

    def decorator(fn: ScopeFn) -> ScopeFn:
        if model in _SCOPES and _SCOPES[model] is not fn:
            raise ImproperlyConfigured(f"Access scope for {model.__name__} registered twice")
        _SCOPES[model] = fn
        return fn

    return decorator


def _scope_for(model: type[models.Model]) -> ScopeFn | None:
    # A proxy model holds the same rows as its concrete model, so it shares its scope.
    return _SCOPES.get(model) or _SCOPES.get(model._meta.concrete_model or model)


def is_protected(model: type[models.Model]) -> bool:
    return _scope_for(model) is not None


def protected_models() -> tuple[type[models.Model], ...]:
    """Every model with a registered scope, in registration order."""
    return tuple(_SCOPES)


def scoped(actor: Actor | None, queryset: models.QuerySet[M] | type[M]) -> models.QuerySet[M]:
    """The rows of ``queryset`` the actor may see; nothing for an anonymous actor.

    A model without a registered scope raises ``ImproperlyConfigured`` whoever asks: deny by
    default, and loudly, so a forgotten scope is found by the first test that reads the model.
    """
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    scope = _scope_for(qs.model)
    if scope is None:
        raise ImproperlyConfigured(
            f"{qs.model.__name__} has no access scope: register one with @register_scope"
        )
    # Scopes filter on ``actor.organization_id``; without a membership that would be None and
    # ``filter(organization_id=None)`` would match rows *without* an organisation.
    if actor is None or actor.membership is None:
        return qs.none()
    return scope(actor, qs)


def get_visible(actor: Actor | None, queryset: models.QuerySet[M] | type[M], **lookup: Any) -> M:
    """One object the actor may see, or ``NotFound`` — the same whether missing or forbidden.

    A row outside the actor's scope is only ever read, never locked: a ``select_for_update``
    queryset locks the visible row alone. Missing and forbidden do the same work (the same
    second query, which names the row without reading it); the lookup is then reported to the
    denial hooks, missing and forbidden alike (the audit app logs it after the response), so
    neither the answer, nor its timing, nor the kind of log entry tells the two apart. A lookup
    naming several visible rows is not a denial.
    """
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return scoped(actor, qs).get(**lookup)
    except ObjectDoesNotExist:
        pass
    except MultipleObjectsReturned:
        raise NotFound() from None
    except (ValueError, TypeError, ValidationError):
        # A malformed id ("abc" for an integer key, a bad UUID) names nothing: not found.
        raise NotFound() from None
    hidden_pk = _unlocked(qs).filter(**lookup).values_list("pk", flat=True).first()
    if actor is not None:
        # Missing or forbidden, the attempt is reported alike (``object_id`` is None for a row
        # that does not exist): the log holds one kind of entry for both.
        _notify(
            Denial(
                actor=actor,
                model=qs.model,
                object_id=hidden_pk,
                lookup={key: str(value) for key, value in lookup.items()},
            )
        )
    raise NotFound()


def _unlocked(qs: models.QuerySet[M]) -> models.QuerySet[M]:
    """``qs`` without ``select_for_update``: Django has no public way to drop it from a
    queryset, and a row the actor may not see must not be locked (or waited for)."""
    probe = qs.all()
    probe.query.select_for_update = False
    return probe


# --- denials: reported to whoever registered (the audit app), never imported from here --------


@dataclass(frozen=True)
class Denial:
    """A refused access: a lookup of a row outside the actor's scope or of no row at all
    (``model``, ``lookup``, and ``object_id`` when the row exists), a permission the actor
    lacks (``permission``, with the request's ``method`` and ``path``), or a request answered
    404 or 403 for any other reason (``status``, with ``method`` and ``path``)."""

    actor: Actor
    model: type[models.Model] | None = None
    object_id: Any = None
    lookup: dict[str, str] = field(default_factory=dict)
    permission: Permission | None = None
    method: str = ""
    path: str = ""
    status: int | None = None


DenialHook = Callable[[Denial], None]

_DENIAL_HOOKS: list[DenialHook] = []


def on_denied(callback: DenialHook) -> DenialHook:
    """Register ``callback`` to be told of every denial (once, however often registered).

    The policy stays at the bottom of the layers: the audit app registers its writer here in
    its ``AppConfig.ready()`` instead of the policy importing it.
    """
    if callback not in _DENIAL_HOOKS:
        _DENIAL_HOOKS.append(callback)
    return callback


def _notify(denial: Denial) -> None:
    for hook in _DENIAL_HOOKS:
        hook(denial)


def lookup_denial_record(actor: Actor, obj: models.Model, **lookup: Any) -> None:
    """Report a row the actor may see but not use this way (another organisation's service to
    edit, say), answered as not found: logged like ``get_visible``'s denials, once."""
    _notify(
        Denial(
            actor=actor,
            model=type(obj),
            object_id=obj.pk,
            lookup={key: str(value) for key, value in lookup.items()},
        )
    )


def permission_denial_record(
    actor: Actor | None, permission: Permission, *, method: str = "", path: str = ""
) -> None:
    """Report a ``PermissionRequired`` that reached the operator as a 403 (page or API)."""
    if actor is not None:
        _notify(Denial(actor=actor, permission=permission, method=method, path=path))


def require(actor: Actor | None, permission: Permission) -> None:
    """Raise ``PermissionRequired`` unless the actor holds ``permission``."""
    if actor is None or not actor.has(permission):
        raise PermissionRequired(permission)


def health_fields(model: type[models.Model]) -> frozenset[str]:
    """The fields of ``model`` declared as health data (``HEALTH_FIELDS``)."""
    return frozenset(getattr(model, "HEALTH_FIELDS", ()))


def may_see_field(actor: Actor | None, model: type[models.Model], field_name: str) -> bool:
    """Health fields need ``Permission.HEALTH_DATA_VIEW``; every other field is visible."""
    if field_name not in health_fields(model):
        return True
    return actor is not None and actor.has(Permission.HEALTH_DATA_VIEW)


def visible_values(actor: Actor | None, obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values of ``obj`` with health fields left out for actors without the permission."""
    return {name: getattr(obj, name) for name in fields if may_see_field(actor, type(obj), name)}
