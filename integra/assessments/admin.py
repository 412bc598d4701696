"""Admin: the catalogue read-only, plus the upload of a region's definition file.

Versions are never edited (an assessment keeps the version it was scored with); a new
definition is uploaded as a file, validated against the schema, with errors in Italian.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from integra.assessments.forms import InstrumentUploadForm
from integra.assessments.models import Assessment, Instrument, InstrumentVersion
from integra.assessments.services import InstrumentLoadError, instrument_load_text


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InstrumentVersionInline(admin.TabularInline):
    model = InstrumentVersion
    extra = 0
    fields = ["version", "is_current", "sha256", "loaded_at", "loaded_by"]
    readonly_fields = ["version", "is_current", "sha256", "loaded_at", "loaded_by"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Instrument)
class InstrumentAdmin(_ReadOnly):
    list_display = ["code", "title", "domain"]
    search_fields = ["code", "title"]
    inlines = [InstrumentVersionInline]
    change_list_template = "admin/assessments/instrument_changelist.html"

    def get_urls(self) -> list[URLPattern]:
        upload = path(
            "carica/",
            self.admin_site.admin_view(self.upload_view),
            name="assessments_instrument_upload",
        )
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_superuser:
            return HttpResponse(status=403)
        form = InstrumentUploadForm(request.POST or None, request.FILES or None)
        load_errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = instrument_load_text(
                    text=upload.read(), filename=upload.name, loaded_by=request.user
                )
            except InstrumentLoadError as exc:
                load_errors = exc.errors
            else:
                version = result.version
                if result.created:
                    messages.success(
                        request,
                        _("Caricata la versione %(version)s di %(code)s.")
                        % {"version": version.version, "code": version.instrument.code},
                    )
                else:
                    messages.info(request, _("Questa versione era già caricata, invariata."))
                return HttpResponseRedirect(reverse("admin:assessments_instrument_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Carica uno strumento di valutazione"),
            "form": form,
            "load_errors": load_errors,
        }
        return TemplateResponse(request, "admin/assessments/instrument_upload.html", context)


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(_ReadOnly):
    list_display = ["instrument", "version", "is_current", "loaded_at", "loaded_by"]
    list_filter = ["is_current"]
    list_select_related = ["instrument", "loaded_by"]


@admin.register(Assessment)
class AssessmentAdmin(_ReadOnly):
    list_display = ["person", "instrument_code", "administered_on", "total", "band_label"]
    list_select_related = ["person"]
    raw_id_fields = ["person"]
