"""Forms: the admin upload of a definition file, and the date/notes of an assessment form (the
items themselves are rendered from the definition, see views.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 512 * 1024


class InstrumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File della definizione (YAML o JSON)"),
        help_text=_("Lo schema è in integra/assessments/instruments/schema.json."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".yaml", ".yml", ".json")):
            raise forms.ValidationError(_("Il file deve avere estensione .yaml, .yml o .json."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Il file è troppo grande (massimo 512 KB)."))
        return upload


class AssessmentMetaForm(forms.Form):
    administered_on = forms.DateField(
        label=_("Data della valutazione"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    notes = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
