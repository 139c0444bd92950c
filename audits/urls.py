from . import urls_insight, urls_inspections, urls_selfchecks

app_name = "audits"
urlpatterns = urls_selfchecks.urlpatterns + urls_inspections.urlpatterns + urls_insight.urlpatterns
