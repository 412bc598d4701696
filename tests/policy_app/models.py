"""A test-only protected model: a case note held by one organisation, with a health field.

It stands in for the personal data that later domains add (persons, assessments, plans) so the
foundation's access policy is proven before any of them exists.
"""

from django.db import models


class CaseNote(models.Model):
    organization = models.ForeignKey("organizations.Organization", on_delete=models.CASCADE)
    title = models.CharField(max_length=100)
    social_summary = models.TextField(blank=True)
    diagnosis = models.TextField(blank=True)

    HEALTH_FIELDS = ("diagnosis",)

    class Meta:
        verbose_name = "nota di prova"
        verbose_name_plural = "note di prova"

    def __str__(self) -> str:
        return self.title

    def audit_owner_organization_id(self) -> int:
        return self.organization_id
