#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integra.settings")
    if not os.environ.get("DATABASE_URL"):
        # No DATABASE_URL: the embedded PostgreSQL in ./var, which only the demo and development
        # use. Commands run beside `make demo` (create_api_token, demo_logins, verify_audit...)
        # share the demo's development key, as the demo's own commands do. On a server database
        # (production) SECRET_KEY stays required when DEBUG is off, and the web server
        # (integra/wsgi.py) never takes this path.
        os.environ.setdefault("INTEGRA_ALLOW_INSECURE_KEY", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
