"""manage.py demo_logins — who can log in to the demo, with which password and TOTP code."""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from integra.accounts.models import Membership, User
from integra.core.permissions import Role
from integra.organizations.demo import (
    DEMO_ADMIN_USERNAMES,
    DEMO_PASSWORD,
    DEMO_TOTP_DEVICE_NAME,
    DEMO_USERNAMES,
)


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now for ``device``."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(code).zfill(device.digits)


def base32_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


class Command(BaseCommand):
    help = _("Mostra gli accessi dimostrativi: utenti, ruoli, ente, password e codici TOTP.")
    # It only reads two small tables. Django's system checks would import every URLconf (the
    # whole API with its schemas) first: over a second, for nothing this command uses.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        order = {name: i for i, name in enumerate(DEMO_USERNAMES)}
        users = sorted(
            User.objects.filter(username__in=DEMO_USERNAMES), key=lambda u: order[u.username]
        )
        if not users:
            self.stdout.write(
                _("Nessun operatore dimostrativo presente. Esegui: manage.py seed_demo --seed 1")
            )
            return
        memberships = Membership.objects.filter(user__in=users).select_related("organization")
        by_user: dict[int, list[Membership]] = {}
        for membership in memberships.order_by("organization__name"):
            by_user.setdefault(membership.user_id, []).append(membership)

        rows = [(_("Utente"), _("Ruolo"), _("Ente"))]
        for user in users:
            for i, membership in enumerate(by_user.get(user.pk, [])):
                roles = ", ".join(str(Role(r).label) for r in membership.roles)
                rows.append((user.username if i == 0 else "", roles, membership.organization.name))
        widths = [max(len(str(row[col])) for row in rows) for col in range(3)]
        out = self.stdout.write
        out(self.style.WARNING(_("ACCESSI DIMOSTRATIVI — SOLO PER LA DEMO, MAI IN PRODUZIONE.")))
        out("")
        for n, row in enumerate(rows):
            out("  ".join(str(cell).ljust(widths[col]) for col, cell in enumerate(row)).rstrip())
            if n == 0:
                out("  ".join("-" * w for w in widths))
        out("")
        out(_("Password (uguale per tutti): %(password)s") % {"password": DEMO_PASSWORD})

        devices = {
            d.user.username: d
            for d in TOTPDevice.objects.filter(
                user__username__in=DEMO_ADMIN_USERNAMES, name=DEMO_TOTP_DEVICE_NAME, confirmed=True
            ).select_related("user")
        }
        if devices:
            out("")
            out(_("Gli amministratori devono inserire anche il codice di verifica (TOTP):"))
            for username in DEMO_ADMIN_USERNAMES:
                device = devices.get(username)
                if device is None:
                    continue
                out(
                    _(
                        "  %(user)s: codice attuale %(code)s (cambia ogni %(step)d secondi); "
                        "chiave per l'app di autenticazione: %(secret)s"
                    )
                    % {
                        "user": username,
                        "code": current_code(device),
                        "step": device.step,
                        "secret": base32_secret(device),
                    }
                )
