from django.urls import path

from . import views

app_name = "rewards"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("mine/", views.mine, name="mine"),
    path("entries/<int:entry_id>/split/", views.split, name="split"),
    path("splits/<int:split_id>/step/", views.split_step, name="split_step"),
    path("download/<str:kind>/", views.download, name="download"),
]
