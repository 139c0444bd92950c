from django.urls import path

from . import views

app_name = "scoring"
urlpatterns = [
    path("", views.results, name="results"),
    path("<str:quarter>/", views.results_quarter, name="results_quarter"),
    path("<str:quarter>/preview/", views.preview, name="preview"),
    path("<str:quarter>/publish/", views.publish, name="publish"),
    path("<str:quarter>/amend/", views.amend, name="amend"),
    path("<str:quarter>/export/", views.export, name="export"),
]
