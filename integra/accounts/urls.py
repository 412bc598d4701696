from django.urls import path

from integra.accounts import views

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
]
