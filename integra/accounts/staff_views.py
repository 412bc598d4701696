"""Staff pages: the operators of an organisation, new operators, memberships; and the password
change that the login flow asks of an operator holding a temporary password.

Seeing needs ``Permission.STAFF_VIEW`` and changing ``Permission.MEMBERSHIP_MANAGE``: a missing
permission raises ``PermissionRequired`` (the site's 403 page); another organisation's
membership is a 404 like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integra.accounts import selectors
from integra.accounts.access import membership_manageable_by
from integra.accounts.errors import StaffError
from integra.accounts.models import Membership
from integra.accounts.selectors import (
    membership_for_edit,
    staff_list_access_record,
    staff_organization,
    staff_organizations,
    staff_units,
)
from integra.accounts.services import (
    membership_add,
    membership_deactivate,
    membership_update,
    operator_create,
    operator_password_change,
)
from integra.accounts.staff_forms import (
    MembershipAddForm,
    MembershipEditForm,
    OperatorCreateForm,
    OperatorPasswordChangeForm,
    StaffFilterForm,
)
from integra.accounts.views import safe_next
from integra.core.access import Actor, require
from integra.core.paging import CappedPaginator
from integra.core.permissions import Permission
from integra.organizations.models import Organization

PAGE_SIZE = 25


def _actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "actor", None)
    assert actor is not None, "login_required views always carry an actor"
    return actor


def _with_organization(url: str, organization: Organization, actor: Actor) -> str:
    """``url`` for another organisation than the actor's (a system admin's choice)."""
    if organization.pk != actor.organization_id:
        return f"{url}?{urlencode({'ente': organization.pk})}"
    return url


def _list_url(organization: Organization, actor: Actor) -> str:
    return _with_organization(reverse("accounts:staff_list"), organization, actor)


@require_GET
@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    organization = staff_organization(actor=actor, organization_id=request.GET.get("ente"))
    form = StaffFilterForm(
        request.GET or None, actor=actor, organizations=staff_organizations(actor=actor)
    )
    filters = form.filters()
    paginator = CappedPaginator(
        selectors.staff_list(actor=actor, organization_id=organization.pk, filters=filters),
        PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("pagina"))
    staff_list_access_record(
        actor=actor,
        organization=organization,
        filters=filters,
        shown=len(page.object_list),
        offset=(page.number - 1) * PAGE_SIZE,
        via="web",
    )
    can_manage = actor.has(Permission.MEMBERSHIP_MANAGE)
    return render(
        request,
        "accounts/staff_list.html",
        {
            "organization": organization,
            "form": form,
            "page": page,
            "paginator": paginator,
            "can_manage": can_manage,
            "create_url": _with_organization(reverse("accounts:staff_create"), organization, actor),
            "add_url": _with_organization(
                reverse("accounts:staff_add_existing"), organization, actor
            ),
        },
    )


def _manage_context(request: HttpRequest) -> tuple[Actor, Organization]:
    """The acting operator, after the permission check, and the organisation they work on."""
    actor = _actor(request)
    require(actor, Permission.MEMBERSHIP_MANAGE)
    return actor, staff_organization(actor=actor, organization_id=request.GET.get("ente"))


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def staff_create(request: HttpRequest) -> HttpResponse:
    """A new operator; the temporary password is shown on the response, once."""
    actor, organization = _manage_context(request)
    form = OperatorCreateForm(
        request.POST or None,
        actor=actor,
        units=staff_units(actor=actor, organization_id=organization.pk),
        organization=organization,
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership, password = operator_create(
                actor=actor, organization_id=organization.pk, **form.service_kwargs()
            )
        except StaffError as exc:
            form.add_service_errors(exc)
        else:
            # never_cache: neither the browser nor a proxy keeps the page with the password.
            return render(
                request,
                "accounts/staff_created.html",
                {
                    "membership": membership,
                    "temporary_password": password,
                    "list_url": _list_url(organization, actor),
                },
            )
    return render(
        request,
        "accounts/staff_create.html",
        {"form": form, "organization": organization, "list_url": _list_url(organization, actor)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def staff_add_existing(request: HttpRequest) -> HttpResponse:
    """An operator who already uses Integra (for another organisation) joins this one."""
    actor, organization = _manage_context(request)
    form = MembershipAddForm(
        request.POST or None,
        actor=actor,
        units=staff_units(actor=actor, organization_id=organization.pk),
        organization=organization,
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_add(
                actor=actor, organization_id=organization.pk, **form.service_kwargs()
            )
        except StaffError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("%(name)s ora fa parte di %(organization)s come %(roles)s.")
                % {
                    "name": membership.user,
                    "organization": organization.name,
                    "roles": ", ".join(membership.role_labels()),
                },
            )
            return redirect(_list_url(organization, actor))
    return render(
        request,
        "accounts/staff_add_existing.html",
        {"form": form, "organization": organization, "list_url": _list_url(organization, actor)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def staff_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = _actor(request)
    membership = membership_for_edit(actor=actor, membership_id=membership_id)
    form = MembershipEditForm(
        request.POST or None,
        initial=MembershipEditForm.initial_for(membership),
        actor=actor,
        units=staff_units(actor=actor, organization_id=membership.organization_id),
        organization=membership.organization,
        own=membership.user_id == actor.user.pk,
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_update(
                actor=actor, membership_id=membership.pk, **form.service_kwargs()
            )
        except StaffError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("Appartenenza di %(name)s a %(organization)s aggiornata.")
                % {"name": membership.user, "organization": membership.organization.name},
            )
            return redirect(_list_url(membership.organization, actor))
    return render(request, "accounts/staff_edit.html", _edit_context(actor, membership, form))


def _edit_context(actor: Actor, membership: Membership, form: MembershipEditForm) -> dict[str, Any]:
    return {
        "membership": membership,
        "form": form,
        "editable": membership_manageable_by(actor, membership),
        "list_url": _list_url(membership.organization, actor),
    }


@require_POST
@login_required
def staff_deactivate(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        membership = membership_deactivate(actor=actor, membership_id=membership_id)
    except StaffError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:staff_edit", membership_id=membership_id)
    messages.success(
        request,
        _("Appartenenza di %(name)s a %(organization)s disattivata.")
        % {"name": membership.user, "organization": membership.organization.name},
    )
    return redirect(_list_url(membership.organization, actor))


class OperatorPasswordChangeView(PasswordChangeView):
    """Django's password change (old password checked, password rules applied); it is where the
    login sends an operator holding a temporary password, and it clears that flag."""

    form_class = OperatorPasswordChangeForm
    template_name = "accounts/staff_password_change.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "next": self._next()}

    def _next(self) -> str | None:
        return safe_next(
            self.request, self.request.POST.get("next") or self.request.GET.get("next")
        )

    def form_valid(self, form: Any) -> HttpResponse:
        operator_password_change(user=form.user, new_password=form.cleaned_data["new_password1"])
        # The session survives the change (its hash follows the new password).
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Password cambiata."))
        return HttpResponseRedirect(self._next() or reverse("home"))


password_change = never_cache(OperatorPasswordChangeView.as_view())
