from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=views.EmailLoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("configs/", views.config_list_view, name="config_list"),
    path("configs/new/", views.config_edit_view, name="config_create"),
    path("configs/<uuid:pk>/", views.config_edit_view, name="config_edit"),
    path("configs/<uuid:pk>/<str:action>/", views.config_action_view, name="config_action"),
    path("tokens/", views.token_list_view, name="token_list"),
    path("tokens/<uuid:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
]
