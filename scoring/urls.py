from django.urls import path

from . import plan_views, views

app_name = "scoring"
urlpatterns = [
    path("", views.results, name="results"),
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("plans/<int:pk>/submit/", plan_views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/acknowledge/", plan_views.plan_acknowledge, name="plan_acknowledge"),
    path("plans/<int:pk>/file/", plan_views.plan_file, name="plan_file"),
    path("<str:quarter>/", views.results_quarter, name="results_quarter"),
    path("<str:quarter>/preview/", views.preview, name="preview"),
    path("<str:quarter>/amend/", views.amend, name="amend"),
    path("<str:quarter>/export/", views.export, name="export"),
]
