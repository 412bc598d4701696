"""The default user classes, created after ``migrate`` (and after a test flush) when none
exist: the four homogeneous user classes of seed 000 ("Alta integrazione dei servizi e delle
professionalità": "classi di utenza omogenee per gestione attività integrate").

The review frequencies are starting values of ours (the seed gives none): each territory sets
its own in the admin, and once any class exists nothing here runs again.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

USER_CLASSES = [
    (
        "prevenzione",
        gettext_noop("Prevenzione"),
        gettext_noop(
            "Persone senza bisogni assistenziali in atto, da seguire con interventi di "
            "prevenzione e promozione della salute."
        ),
        12,
    ),
    (
        "intercettazione_precoce",
        gettext_noop("Intercettazione precoce"),
        gettext_noop(
            "Prime fragilità da intercettare presto, prima che diventino bisogno assistenziale."
        ),
        6,
    ),
    (
        "basso_carico_alta_dinamicita",
        gettext_noop("Basso carico assistenziale, alta dinamicità"),
        gettext_noop(
            "Bisogno assistenziale contenuto ma in rapida evoluzione: rivalutazioni frequenti."
        ),
        3,
    ),
    (
        "alto_carico_bassa_dinamicita",
        gettext_noop("Alto carico assistenziale, bassa dinamicità"),
        gettext_noop("Bisogno assistenziale elevato e stabile nel tempo."),
        6,
    ),
]


def ensure_default_user_classes(**kwargs: Any) -> None:
    """``post_migrate``: create the default classes if the table is empty."""
    from integra.assessments.uvm_models import UserClass

    if UserClass.objects.exists():
        return
    UserClass.objects.bulk_create(
        UserClass(code=code, label=label, description=description, review_months=months, position=i)
        for i, (code, label, description, months) in enumerate(USER_CLASSES, start=1)
    )
