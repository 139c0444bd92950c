"""URLs of the monthly self-check (included under the `audits` namespace by audits/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("selfchecks/", views.selfcheck_overview, name="selfcheck_overview"),
    path("selfchecks/<int:pk>/", views.selfcheck_detail, name="selfcheck_detail"),
    path("selfchecks/<int:pk>/submit/", views.selfcheck_submit, name="selfcheck_submit"),
    path("selfchecks/<int:pk>/reopen/", views.selfcheck_reopen, name="selfcheck_reopen"),
    path("selfchecks/cell/<str:code>/<str:function>/<str:month>/", views.selfcheck_open, name="selfcheck_open"),
    path("selfchecks/items/<int:pk>/", views.selfcheck_item_update, name="selfcheck_item_update"),
    path("selfchecks/items/<int:pk>/files/", views.selfcheck_item_upload, name="selfcheck_item_upload"),
    path("selfchecks/items/<int:pk>/history/", views.selfcheck_item_history, name="selfcheck_item_history"),
    path("selfchecks/files/<int:pk>/", views.selfcheck_file_download, name="selfcheck_file_download"),
    path("selfchecks/files/<int:pk>/delete/", views.selfcheck_file_delete, name="selfcheck_file_delete"),
]
