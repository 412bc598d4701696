"""Writes of the accounts app: acting membership, second factor, API tokens."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from integra.accounts.access import health_roles_in, may_hold_health_roles, membership_manageable_by
from integra.accounts.errors import AccountError, AccountErrorCode, StaffError
from integra.accounts.models import ApiToken, Membership, User, hash_token
from integra.accounts.selectors import memberships_current, staff_organization
from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, PermissionRequired, get_visible, require, scoped
from integra.core.permissions import Permission, Role
from integra.organizations.models import Organization, Unit

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "itg_"  # noqa: S105 - a public marker, not a secret
TOTP_DEVICE_NAME = "Integra"
# Stored (and hashed) in the access log, so fixed text rather than a translation of the moment.
ROLE_CHANGE_PURPOSE = "Gestione dei ruoli"


def acting_membership_switch(
    *, user: User, membership_id: object, previous_membership_id: int | None
) -> Membership:
    """The operator's current membership ``membership_id``, or ``NotFound``.

    Only the session changes (the caller stores the id); the switch is added to the history
    context of the request and logged, so later writes and the server log say who acted as what.
    """
    try:
        pk = int(str(membership_id))
    except ValueError:
        raise NotFound() from None
    membership = memberships_current(user=user).filter(pk=pk).first()
    if membership is None:
        raise NotFound()
    pghistory.context(
        membership=membership.pk,
        organization=membership.organization_id,
        membership_switched_from=previous_membership_id,
    )
    logger.info(
        "acting membership switch: user=%s from=%s to=%s organization=%s",
        user.pk,
        previous_membership_id,
        membership.pk,
        membership.organization_id,
    )
    return membership


def api_token_create(
    *,
    user: User,
    membership: Membership,
    name: str,
    expires_at: datetime | None = None,
    second_factor_verified: bool = False,
) -> tuple[ApiToken, str]:
    """Issue a token for ``membership``; returns the token and the raw secret (shown once).

    Only the SHA-256 hash of the secret is stored. A membership with an administrative role
    issues tokens only from a session that passed the second factor: the token itself is not
    asked for one later.
    """
    if membership.user_id != user.pk or not membership.is_current():
        raise NotFound()
    actor = Actor.for_membership(user, membership)
    require(actor, Permission.API_TOKEN_ISSUE)
    if actor.needs_second_factor and not second_factor_verified:
        raise AccountError(
            AccountErrorCode.SECOND_FACTOR_REQUIRED,
            _(
                "Per emettere un token con un ruolo di amministrazione completa prima la "
                "verifica in due passaggi."
            ),
        )
    clean_name = name.strip()
    if not clean_name:
        raise AccountError(
            AccountErrorCode.TOKEN_NAME_REQUIRED, _("Indica un nome per riconoscere il token.")
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise AccountError(
            AccountErrorCode.TOKEN_EXPIRY_IN_PAST, _("La scadenza deve essere nel futuro.")
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(), pghistory.context(reason="api_token_create"):
        token = ApiToken(
            user=user,
            membership=membership,
            name=clean_name[:100],
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(raw),
            expires_at=expires_at,
        )
        token.full_clean()
        token.save()
    logger.info(
        "api token issued: user=%s membership=%s token=%s", user.pk, membership.pk, token.pk
    )
    return token, raw


def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (idempotent); another's token is ``NotFound``."""
    with transaction.atomic(), pghistory.context(reason="api_token_revoke"):
        token = get_visible(
            actor,
            ApiToken.objects.select_for_update(of=("self",)).select_related(
                "membership__organization"
            ),
            pk=token_id,
        )
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note the last use, at most once a minute per token (no history row: excluded field)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def totp_device_prepare(*, user: User) -> TOTPDevice | None:
    """The unconfirmed TOTP device to enrol, created on first use; ``None`` once one is confirmed.

    The device is stored before it is confirmed so that failed confirmation codes are
    throttled across requests (django-otp keeps the failure count on the device).
    """
    with transaction.atomic():
        if user_has_device(user, confirmed=True):
            return None
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, user: User, device_id: int, code: str) -> TOTPDevice | None:
    """Confirm the enrolment with a code from the app; ``None`` if the code is wrong."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, pk=device_id)
            .first()
        )
        if device is None or not device.verify_token(code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One authenticator per operator: drop abandoned enrolments.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    logger.info("second factor enrolled: user=%s device=%s", user.pk, device.pk)
    return device


def second_factor_verify(*, user: User, code: str) -> Device | None:
    """The confirmed device that accepts ``code``, or ``None`` (django-otp throttles failures)."""
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                return device
    return None


# --- staff management: operators and memberships of an organisation --------------------------

# No 0/O/o, 1/l/I: the temporary password is read aloud or copied by hand. 16 characters from
# these 56 give about 93 bits, well above what ASVS V2.3.1 asks of an initial password.
TEMPORARY_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105
_FISCAL_CODE_RE = re.compile(r"^[A-Z0-9]{16}$")
_ROLE_ORDER = {str(role): index for index, role in enumerate(Role)}


class _Unset:
    """Marks an argument of ``membership_update`` that the caller leaves as it is."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


class _Problems:
    """Every problem found in the input, by field, so that the operator sees them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.codes: list[AccountErrorCode] = []

    def add(
        self, field: str, message: str, code: AccountErrorCode = AccountErrorCode.STAFF_INVALID
    ) -> None:
        self.errors.setdefault(field, []).append(str(message))
        self.codes.append(code)

    def add_validation_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add(field, message)
        else:
            for message in exc.messages:
                self.add("__all__", message)

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        distinct = set(self.codes)
        code = self.codes[0] if len(distinct) == 1 else AccountErrorCode.STAFF_INVALID
        raise StaffError(code, self.errors)


def temporary_password_generate() -> str:
    """A random password in four groups of four, e.g. ``Hk7m-Pq2r-Wz9a-Tn4c``."""
    groups = (
        "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4)
    )
    return "-".join(groups)


def _clean_roles(
    actor: Actor,
    roles: Iterable[str],
    problems: _Problems,
    *,
    organization: Organization,
    previous: Iterable[str] = (),
) -> list[str]:
    """Known roles, without repeats, in the order they are declared; only a system admin adds
    ``Role.SYSTEM_ADMIN`` (a ``PermissionRequired``, not an input error); roles with health
    permissions only in an organisation that provides health care."""
    chosen: list[str] = []
    for raw in roles:
        value = str(raw).strip()
        if value not in _ROLE_ORDER:
            problems.add("roles", _("Ruolo non previsto: «%(role)s».") % {"role": value})
        elif value not in chosen:
            chosen.append(value)
    if not chosen and "roles" not in problems.errors:
        problems.add("roles", _("Scegli almeno un ruolo."))
    granted = Role.SYSTEM_ADMIN.value in chosen and Role.SYSTEM_ADMIN.value not in set(previous)
    if granted and not actor.has(Permission.SYSTEM_ADMIN):
        raise PermissionRequired(Permission.SYSTEM_ADMIN)
    health = health_roles_in(chosen)
    if health and not may_hold_health_roles(organization):
        problems.add(
            "roles",
            _(
                "%(organization)s non eroga prestazioni sanitarie: i ruoli %(roles)s, che danno "
                "accesso ai dati sanitari, si assegnano solo negli enti sanitari."
            )
            % {
                "organization": organization.name,
                "roles": ", ".join(f"«{Role(role).label}»" for role in health),
            },
            AccountErrorCode.HEALTH_ROLE_NOT_ALLOWED,
        )
    return sorted(chosen, key=_ROLE_ORDER.__getitem__)


def _clean_fiscal_code(value: str, problems: _Problems) -> str:
    """Spaces dropped and upper case; the full check comes with the person registry."""
    code = re.sub(r"\s+", "", value or "").upper()
    if code and not _FISCAL_CODE_RE.match(code):
        problems.add("fiscal_code", _("Il codice fiscale è formato da 16 lettere e cifre."))
    return code


def _clean_unit(
    actor: Actor, organization: Organization, unit_id: int | None, problems: _Problems
) -> Unit | None:
    if unit_id is None:
        return None
    unit = scoped(actor, Unit).filter(pk=unit_id, organization_id=organization.pk).first()
    if unit is None:
        problems.add(
            "unit",
            _("Scegli una delle unità organizzative di %(organization)s.")
            % {"organization": organization.name},
        )
    return unit


def _check_period(valid_from: date, valid_until: date | None, problems: _Problems) -> None:
    if valid_until is not None and valid_until < valid_from:
        problems.add(
            "valid_until",
            _("La fine della validità non può precedere l'inizio (%(start)s).")
            % {"start": valid_from.strftime("%d/%m/%Y")},
        )


def _check_model(obj: models.Model, problems: _Problems, **kwargs: Any) -> None:
    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        problems.add_validation_error(exc)


def _username_taken(username: str) -> str:
    return _(
        "Il nome utente «%(username)s» è già in uso: scegline un altro, oppure aggiungi "
        "all'ente l'operatore che lo usa già."
    ) % {"username": username}


def _grant_state(membership: Membership) -> dict[str, Any]:
    """What a membership grants: roles, validity and the active flag, as stored text."""
    return {
        "roles": list(membership.roles),
        "valid_from": membership.valid_from.isoformat() if membership.valid_from else None,
        "valid_until": membership.valid_until.isoformat() if membership.valid_until else None,
        "is_active": membership.is_active,
    }


def _grant_change_record(
    actor: Actor, membership: Membership, *, change: str, before: dict[str, Any] | None
) -> None:
    """Every grant, revocation, validity change and deactivation goes to the access log with
    what the membership granted before and after, for the auditor ("Modifica"); a change that
    leaves them as they were (the unit, the job title) is history only (pghistory)."""
    after = _grant_state(membership)
    if before == after:
        return
    changed = sorted(key for key in after if before is None or before[key] != after[key])
    access_log_record(
        actor=actor,
        subject=membership,
        action=AccessAction.CHANGE,
        detail={
            "change": change,
            "changed": changed,
            "before": before,
            "after": after,
            "user_id": membership.user_id,
        },
        purpose=ROLE_CHANGE_PURPOSE,
    )


def operator_create(
    *,
    actor: Actor,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    fiscal_code: str = "",
    roles: Iterable[str],
    unit_id: int | None = None,
    job_title: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    organization_id: int | None = None,
) -> tuple[Membership, str]:
    """A new operator with a membership in the actor's organisation (a system admin: in
    ``organization_id``); returns the membership and the temporary password, shown once.

    Only the password's hash is stored, and the operator must replace it at the first login.
    """
    require(actor, Permission.MEMBERSHIP_MANAGE)
    organization = staff_organization(actor=actor, organization_id=organization_id)
    problems = _Problems()
    clean_roles = _clean_roles(actor, roles, problems, organization=organization)
    clean_username = (username or "").strip()
    if not clean_username:
        problems.add("username", _("Indica il nome utente."))
    elif User.objects.filter(username__iexact=clean_username).exists():
        problems.add("username", _username_taken(clean_username), AccountErrorCode.USERNAME_TAKEN)
    if not (first_name or "").strip():
        problems.add("first_name", _("Indica il nome."))
    if not (last_name or "").strip():
        problems.add("last_name", _("Indica il cognome."))
    clean_fiscal_code = _clean_fiscal_code(fiscal_code, problems)
    unit = _clean_unit(actor, organization, unit_id, problems)
    start = valid_from or timezone.localdate()
    _check_period(start, valid_until, problems)
    problems.raise_if_any()

    password = temporary_password_generate()
    user = User(
        username=clean_username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=(email or "").strip(),
        fiscal_code=clean_fiscal_code,
        must_change_password=True,
    )
    user.set_password(password)
    membership = Membership(
        organization=organization,
        unit=unit,
        roles=clean_roles,
        job_title=(job_title or "").strip(),
        valid_from=start,
        valid_until=valid_until,
    )
    # Uniqueness was checked above (case-insensitively); the user does not exist yet, so the
    # membership's constraints are checked by the database on save.
    _check_model(user, problems, validate_unique=False)
    _check_model(membership, problems, exclude=["user"], validate_constraints=False)
    problems.raise_if_any()
    with transaction.atomic(), pghistory.context(reason="operator_create"):
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same username saved meanwhile by someone else
            problems.add(
                "username", _username_taken(clean_username), AccountErrorCode.USERNAME_TAKEN
            )
            problems.raise_if_any()
        membership.user = user
        membership.save()
    _grant_change_record(actor, membership, change="operator_create", before=None)
    logger.info(
        "operator created: user=%s membership=%s organization=%s by=%s",
        user.pk,
        membership.pk,
        organization.pk,
        actor.user.pk,
    )
    return membership, password


def membership_add(
    *,
    actor: Actor,
    username: str,
    roles: Iterable[str],
    unit_id: int | None = None,
    job_title: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    organization_id: int | None = None,
) -> Membership:
    """An existing operator (by username) joins the actor's organisation (a system admin: any)."""
    require(actor, Permission.MEMBERSHIP_MANAGE)
    organization = staff_organization(actor=actor, organization_id=organization_id)
    problems = _Problems()
    clean_roles = _clean_roles(actor, roles, problems, organization=organization)
    clean_username = (username or "").strip()
    user = None
    if not clean_username:
        problems.add("username", _("Indica il nome utente dell'operatore."))
    else:
        user = User.objects.filter(username=clean_username).first()
        if user is None:
            matches = list(User.objects.filter(username__iexact=clean_username)[:2])
            user = matches[0] if len(matches) == 1 else None
        if user is not None and user.pk == actor.user.pk:
            # Nobody gives themselves roles: a second membership is a new set of roles too.
            raise StaffError(
                AccountErrorCode.OWN_MEMBERSHIP,
                {
                    "username": [
                        _(
                            "Non puoi aggiungere te stesso a un ente: chiedi a un altro "
                            "amministratore di farlo."
                        )
                    ]
                },
            )
        if user is None:
            problems.add(
                "username",
                _(
                    "Nessun operatore ha il nome utente «%(username)s». Per una persona che non "
                    "usa ancora Integra scegli «Nuovo operatore»."
                )
                % {"username": clean_username},
                AccountErrorCode.OPERATOR_NOT_FOUND,
            )
        elif Membership.objects.filter(user=user, organization=organization).exists():
            problems.add(
                "username",
                _(
                    "%(name)s fa già parte di %(organization)s: cambia la sua appartenenza "
                    "dall'elenco degli operatori."
                )
                % {"name": user, "organization": organization.name},
                AccountErrorCode.ALREADY_MEMBER,
            )
    unit = _clean_unit(actor, organization, unit_id, problems)
    start = valid_from or timezone.localdate()
    _check_period(start, valid_until, problems)
    problems.raise_if_any()
    assert user is not None
    membership = Membership(
        user=user,
        organization=organization,
        unit=unit,
        roles=clean_roles,
        job_title=(job_title or "").strip(),
        valid_from=start,
        valid_until=valid_until,
    )
    _check_model(membership, problems, validate_constraints=False)
    problems.raise_if_any()
    with transaction.atomic(), pghistory.context(reason="membership_add"):
        try:
            with transaction.atomic():
                membership.save()
        except IntegrityError:  # added meanwhile by someone else
            problems.add(
                "username",
                _("%(name)s fa già parte di %(organization)s.")
                % {"name": user, "organization": organization.name},
                AccountErrorCode.ALREADY_MEMBER,
            )
            problems.raise_if_any()
    _grant_change_record(actor, membership, change="membership_add", before=None)
    logger.info(
        "membership added: user=%s membership=%s organization=%s by=%s",
        user.pk,
        membership.pk,
        organization.pk,
        actor.user.pk,
    )
    return membership


def _refuse_own_change(
    actor: Actor,
    membership: Membership,
    *,
    roles: list[str],
    is_active: bool,
    valid_from: date,
    valid_until: date | None,
) -> None:
    """Nobody changes their own roles, validity or active flag: another administrator must,
    so that no one raises their own rights (and no organisation loses its last administrator
    by a slip of the hand). The unit and the job title stay theirs to correct."""
    if membership.user_id != actor.user.pk:
        return
    names = {"organization": membership.organization.name}
    errors: dict[str, list[str]] = {}
    if set(roles) != set(membership.roles):
        errors["roles"] = [
            _(
                "Non puoi cambiare i tuoi ruoli in %(organization)s: chiedi a un altro "
                "amministratore di farlo."
            )
            % names
        ]
    if is_active != membership.is_active:
        errors["is_active"] = [
            _(
                "Non puoi disattivare la tua appartenenza a %(organization)s: chiedi a un altro "
                "amministratore di farlo."
            )
            % names
        ]
    for field, old, new in (
        ("valid_from", membership.valid_from, valid_from),
        ("valid_until", membership.valid_until, valid_until),
    ):
        if old != new:
            errors[field] = [
                _(
                    "Non puoi cambiare la validità della tua appartenenza a %(organization)s: "
                    "chiedi a un altro amministratore di farlo."
                )
                % names
            ]
    if errors:
        raise StaffError(AccountErrorCode.OWN_MEMBERSHIP, errors)


def _membership_change(
    *,
    actor: Actor,
    membership_id: object,
    reason: str,
    roles: Any = UNSET,
    job_title: Any = UNSET,
    unit_id: Any = UNSET,
    is_active: Any = UNSET,
    valid_from: Any = UNSET,
    valid_until: Any = UNSET,
) -> Membership:
    require(actor, Permission.MEMBERSHIP_MANAGE)
    # Visibility first, outside the transaction: a denied attempt stays in the access log even
    # when nothing else is written.
    visible_pk = get_visible(actor, Membership.objects.only("pk"), pk=membership_id).pk
    with transaction.atomic(), pghistory.context(reason=reason):
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "organization", "unit")
            .filter(pk=visible_pk)
            .first()
        )
        if membership is None:  # deleted meanwhile
            raise NotFound()
        if not membership_manageable_by(actor, membership):
            if membership.organization_id != actor.organization_id:
                raise NotFound()
            raise PermissionRequired(Permission.SYSTEM_ADMIN)
        problems = _Problems()
        new_active = membership.is_active if is_active is UNSET else bool(is_active)
        new_from = (
            membership.valid_from if valid_from is UNSET or valid_from is None else valid_from
        )
        new_until = membership.valid_until if valid_until is UNSET else valid_until
        _refuse_own_change(
            actor,
            membership,
            roles=list(membership.roles) if roles is UNSET else [str(r) for r in roles or []],
            is_active=new_active,
            valid_from=new_from,
            valid_until=new_until,
        )
        new_roles = (
            list(membership.roles)
            if roles is UNSET
            else _clean_roles(
                actor,
                roles or [],
                problems,
                organization=membership.organization,
                previous=membership.roles,
            )
        )
        unit = membership.unit
        if unit_id is not UNSET:
            unit = _clean_unit(actor, membership.organization, unit_id, problems)
        _check_period(new_from, new_until, problems)
        problems.raise_if_any()
        before = _grant_state(membership)
        membership.roles = new_roles
        membership.is_active = new_active
        membership.valid_from = new_from
        membership.valid_until = new_until
        membership.unit = unit
        if job_title is not UNSET:
            membership.job_title = (job_title or "").strip()
        _check_model(membership, problems)
        problems.raise_if_any()
        membership.save()
    _grant_change_record(actor, membership, change=reason, before=before)
    logger.info(
        "membership changed (%s): membership=%s organization=%s by=%s",
        reason,
        membership.pk,
        membership.organization_id,
        actor.user.pk,
    )
    return membership


def membership_update(
    *,
    actor: Actor,
    membership_id: object,
    roles: Iterable[str] = UNSET,
    job_title: str = UNSET,
    unit_id: int | None = UNSET,
    is_active: bool = UNSET,
    valid_from: date = UNSET,
    valid_until: date | None = UNSET,
) -> Membership:
    """Change a membership of the actor's organisation (a system admin: of any); arguments left
    out stay as they are. Another organisation's membership is ``NotFound``."""
    return _membership_change(
        actor=actor,
        membership_id=membership_id,
        reason="membership_update",
        roles=roles,
        job_title=job_title,
        unit_id=unit_id,
        is_active=is_active,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def membership_deactivate(*, actor: Actor, membership_id: object) -> Membership:
    """Switch a membership off (kept for the history; its API tokens stop working)."""
    return _membership_change(
        actor=actor, membership_id=membership_id, reason="membership_deactivate", is_active=False
    )


def operator_password_change(*, user: User, new_password: str) -> None:
    """Store the operator's new password and clear the temporary-password flag.

    The caller has checked the old password and the password rules (Django's
    ``PasswordChangeForm``); the temporary password stops working here.
    """
    with transaction.atomic(), pghistory.context(reason="password_change"):
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
    logger.info("password changed: user=%s", user.pk)
