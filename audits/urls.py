from audits.inspections import urls as inspection_urls
from audits.selfchecks import urls as selfcheck_urls
from audits.selfchecks import urls_insight as insight_urls

app_name = "audits"
urlpatterns = selfcheck_urls.urlpatterns + inspection_urls.urlpatterns + insight_urls.urlpatterns
