from django.urls import path

from core.apis import MeApi, TokenObtainApi, UserDetailApi, UserListCreateApi

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("me/", MeApi.as_view(), name="me"),
    path("users/", UserListCreateApi.as_view(), name="user-list"),
    path("users/<int:pk>/", UserDetailApi.as_view(), name="user-detail"),
]
