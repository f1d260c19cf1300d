from django.urls import path

from analyses import views

app_name = "analyses"

urlpatterns = [
    path("books/<uuid:pk>/", views.AnalysisDetailView.as_view(), name="analysis_detail"),
    path("lookup/", views.lookup_view, name="lookup"),
]
