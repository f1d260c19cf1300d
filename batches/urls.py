from django.urls import path
from django.views.generic import RedirectView

from batches import views

app_name = "batches"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="batches:batch_list"), name="home"),
    path("batches/", views.BatchListView.as_view(), name="batch_list"),
    path("batches/new/", views.batch_create_view, name="batch_create"),
    path("batches/<uuid:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path("batches/<uuid:pk>/progress/", views.batch_progress_view, name="batch_progress"),
    path("batches/<uuid:pk>/charts.json", views.batch_charts_view, name="batch_charts"),
    path("batches/<uuid:pk>/export/", views.batch_export_view, name="batch_export"),
    path(
        "batches/<uuid:pk>/<str:action>/",
        views.batch_action_view,
        name="batch_action",
    ),
]
