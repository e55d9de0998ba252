from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.apis import HealthApi

api_v1 = [
    path("", include("core.urls")),
    path("", include("questionbank.urls")),
    path("", include("interviews.urls")),
    path("", include("scoring.urls")),
    path("", include("webhooks.urls")),
    path("", include("privacy.urls")),
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("healthz", HealthApi.as_view(), name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/", include(api_v1)),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "core.errors.not_found_view"
handler500 = "core.errors.server_error_view"
