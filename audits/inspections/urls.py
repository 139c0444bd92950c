"""URLs of the quarterly inspections (included in audits/urls.py under the `audits` namespace)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("board/", views.board, name="board"),
    path("board/<str:quarter>/", views.board, name="board"),
    path("inspections/import/", views.inspection_import_view, name="inspection_import"),
    path("inspections/item/<int:pk>/", views.inspection_item, name="inspection_item"),
    path("inspections/<int:pk>/finalise/", views.inspection_finalise_view, name="inspection_finalise"),
    path("inspections/<int:pk>/reopen/", views.inspection_reopen_view, name="inspection_reopen"),
    path("inspections/<str:quarter>/<str:project>/<str:function>/", views.inspection_page, name="inspection"),
    path("discrepancies/", views.discrepancy_list, name="discrepancies"),
    path("discrepancies/<str:quarter>/", views.discrepancy_list, name="discrepancies"),
]
