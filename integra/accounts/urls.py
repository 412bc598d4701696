from django.urls import path

from integra.accounts import staff_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.IntegraLoginView.as_view(), name="login"),
    path("logout/", views.IntegraLogoutView.as_view(), name="logout"),
    path("membership/", views.switch_membership, name="switch_membership"),
    path("profile/", views.profile, name="profile"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("password/", staff_views.password_change, name="password_change"),
    path("operatori/", staff_views.staff_list, name="staff_list"),
    path("operatori/nuovo/", staff_views.staff_create, name="staff_create"),
    path("operatori/aggiungi/", staff_views.staff_add_existing, name="staff_add_existing"),
    path("operatori/<int:membership_id>/", staff_views.staff_edit, name="staff_edit"),
    path(
        "operatori/<int:membership_id>/disattiva/",
        staff_views.staff_deactivate,
        name="staff_deactivate",
    ),
]
