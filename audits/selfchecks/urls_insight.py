"""URLs of deliverable bundles and "copy last month" (SPEC §16), under the `audits` namespace."""

from django.urls import path

from . import views_insight as views

urlpatterns = [
    path("bundles/<str:quarter>/cells/<str:project>/<str:function>.zip", views.bundle_cell, name="bundle_cell"),
    path("bundles/<str:quarter>/units/<str:kind>/<str:code>.zip", views.bundle_unit, name="bundle_unit"),
    path("selfchecks/<int:pk>/copy-last-month/", views.selfcheck_copy_last_month, name="selfcheck_copy_last_month"),
]
