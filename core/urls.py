from django.urls import path

from core.apis import (
    IntegrationTokenDetailApi,
    IntegrationTokenListCreateApi,
    LogoutAllApi,
    LogoutApi,
    MeApi,
    TokenObtainApi,
    UserDetailApi,
    UserListCreateApi,
)

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("auth/logout/", LogoutApi.as_view(), name="auth-logout"),
    path("auth/logout-all/", LogoutAllApi.as_view(), name="auth-logout-all"),
    path("me/", MeApi.as_view(), name="me"),
    path("me/tokens/", IntegrationTokenListCreateApi.as_view(), name="me-token-list"),
    path("me/tokens/<int:pk>/", IntegrationTokenDetailApi.as_view(), name="me-token-detail"),
    path("users/", UserListCreateApi.as_view(), name="user-list"),
    path("users/<int:pk>/", UserDetailApi.as_view(), name="user-detail"),
]
