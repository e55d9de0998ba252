from django.urls import path

from questionbank.apis import (
    CompetencyListCreateApi,
    LevelListCreateApi,
    QuestionBankExportApi,
    QuestionBankImportApi,
    QuestionDetailApi,
    QuestionListCreateApi,
)

urlpatterns = [
    path("levels/", LevelListCreateApi.as_view(), name="level-list"),
    path("competencies/", CompetencyListCreateApi.as_view(), name="competency-list"),
    path("questions/", QuestionListCreateApi.as_view(), name="question-list"),
    path("questions/export/", QuestionBankExportApi.as_view(), name="question-export"),
    path("questions/import/", QuestionBankImportApi.as_view(), name="question-import"),
    path("questions/<int:pk>/", QuestionDetailApi.as_view(), name="question-detail"),
]
