from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from integra.api.api import api
from integra.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("account/", include("integra.accounts.urls")),
    path("territorio/", include("integra.core.urls")),
    path("enti/", include("integra.organizations.urls")),
    path("audit/", include("integra.audit.urls")),
    path("audit/", include("integra.people.audit_urls")),
    path("persone/", include("integra.people.urls")),
    path("persone/", include("integra.timeline.urls")),
    path("pua/", include("integra.intake.urls")),
    path("valutazioni/", include("integra.assessments.urls")),
    path("misure/", include("integra.programs.urls")),
    path("chi-paga/", include("integra.costshares.urls")),
    path("avvisi/", include("integra.notices.urls")),
    path("progetti/", include("integra.careplans.urls")),
    path("", core_views.home, name="home"),
]
