from . import urls_inspections, urls_selfchecks
from .rectifications import urls as urls_rectifications

app_name = "audits"
urlpatterns = urls_selfchecks.urlpatterns + urls_inspections.urlpatterns + urls_rectifications.urlpatterns
