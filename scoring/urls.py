from django.urls import path

from . import views, views_insight

app_name = "scoring"
urlpatterns = [
    path("", views.results, name="results"),
    # Insight (SPEC §16), before the quarter patterns so their words never read as a quarter.
    path("insight/trends/", views_insight.trends, name="insight_trends"),
    path("insight/heatmap/", views_insight.heatmap, name="insight_heatmap"),
    path("insight/findings/", views_insight.findings, name="insight_findings"),
    path("<str:quarter>/", views.results_quarter, name="results_quarter"),
    path("<str:quarter>/preview/", views.preview, name="preview"),
    path("<str:quarter>/publish/", views.publish, name="publish"),
    path("<str:quarter>/amend/", views.amend, name="amend"),
    path("<str:quarter>/export/", views.export, name="export"),
    path("<str:quarter>/bulletin/", views_insight.bulletin_page, name="bulletin"),
    path("<str:quarter>/bulletin.pdf", views_insight.bulletin_pdf, name="bulletin_pdf"),
    path("<str:quarter>/units/<str:kind>/<str:code>/", views_insight.unit_detail, name="unit_detail"),
    path("<str:quarter>/cells/<str:project>/<str:function>/", views_insight.cell_detail, name="cell_detail"),
]
