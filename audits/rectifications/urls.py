"""URLs of rectifications (included in audits/urls.py under the `audits` namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("rectifications/", views.rectification_register, name="rectifications"),
    path("rectifications/export/<int:year>/", views.rectification_export, name="rectification_export"),
    path("rectifications/file/<int:pk>/", views.rectification_file, name="rectification_file"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/submit/", views.rectification_submit, name="rectification_submit"),
    path("rectifications/<int:pk>/verify/", views.rectification_verify, name="rectification_verify"),
    path("rectifications/<int:pk>/return/", views.rectification_return, name="rectification_return"),
]
