"""Queue (or, with --now, send at once) the day's e-mail reminders of care-plan tasks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from integra.careplans.tasks import send_reminders, send_task_reminders


class Command(BaseCommand):
    help = "Promemoria per e-mail delle attività dei progetti in scadenza (una volta al giorno)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", action="store_true", help="Invia subito, senza coda.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            sent = send_reminders(timezone.localdate())
            self.stdout.write(f"{sent} e-mail inviate")
        else:
            result = send_task_reminders.enqueue()
            self.stdout.write(f"In coda: {result.id}")
