"""Issue a personal API token from the command line; the raw token is the last line printed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.accounts.errors import AccountError
from integra.accounts.models import User
from integra.accounts.selectors import memberships_current
from integra.accounts.services import api_token_create
from integra.core.access import NotFound, PermissionRequired


class Command(BaseCommand):
    help = (
        "Emette un token personale per l'API per l'appartenenza di un operatore e lo stampa "
        "sull'ultima riga (il token non è conservato in chiaro: copialo subito)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help=_("Nome utente dell'operatore."))
        parser.add_argument(
            "--organization",
            metavar="CODICE",
            help=_("Codice dell'ente, se l'operatore appartiene a più enti."),
        )
        parser.add_argument(
            "--name",
            default="riga di comando",
            help=_("Nome con cui riconoscere il token."),
        )
        parser.add_argument(
            "--expires-days",
            type=int,
            metavar="N",
            help=_("Giorni di validità (senza questa opzione il token non scade)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(
                _("Operatore «%(username)s» inesistente o disattivato.") % {"username": username}
            )
        expires_days: int | None = options["expires_days"]
        if expires_days is not None and expires_days < 1:
            raise CommandError(
                _("--expires-days deve essere un numero intero di giorni, almeno 1.")
            )

        memberships = list(memberships_current(user=user))
        code: str | None = options["organization"]
        if code:
            chosen = [m for m in memberships if m.organization.code == code]
            if not chosen:
                raise CommandError(
                    _(
                        "L'operatore «%(username)s» non ha un'appartenenza attiva presso l'ente "
                        "con codice «%(code)s»."
                    )
                    % {"username": username, "code": code}
                    + self._choices(memberships)
                )
        elif not memberships:
            raise CommandError(
                _("L'operatore «%(username)s» non ha appartenenze attive a un ente.")
                % {"username": username}
            )
        elif len(memberships) > 1:
            raise CommandError(
                _(
                    "L'operatore «%(username)s» appartiene a più enti: indica quale con "
                    "--organization CODICE."
                )
                % {"username": username}
                + self._choices(memberships)
            )
        else:
            chosen = memberships
        membership = chosen[0]

        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        try:
            token, raw = api_token_create(
                user=user,
                membership=membership,
                name=options["name"],
                expires_at=expires_at,
                # Whoever runs manage.py already holds the server: the second factor protects
                # the web session, not the shell.
                second_factor_verified=True,
            )
        except (AccountError, PermissionRequired, NotFound) as exc:
            raise CommandError(_("Token non emesso: %(reason)s") % {"reason": exc}) from exc

        expiry = (
            timezone.localtime(expires_at).strftime("%d/%m/%Y %H:%M") if expires_at else _("mai")
        )
        self.stdout.write(
            _(
                "Token «%(name)s» emesso per %(username)s presso %(organization)s (scadenza: "
                "%(expiry)s). Copialo ora: non sarà più mostrato."
            )
            % {
                "name": token.name,
                "username": user.get_username(),
                "organization": membership.organization.name,
                "expiry": expiry,
            }
        )
        self.stdout.write(raw)

    @staticmethod
    def _choices(memberships: list[Any]) -> str:
        if not memberships:
            return ""
        lines = "\n".join(
            f"  {m.organization.code}  {m.organization.name} ({', '.join(m.role_labels())})"
            for m in memberships
        )
        return "\n" + _("Enti possibili:") + "\n" + lines
