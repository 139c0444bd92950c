from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TouchpointsConfig(AppConfig):
    name = "touchpoints"
    verbose_name = _("触点目录与组织")

    def ready(self) -> None:
        from core.access import register_scope_builder
        from core.xlsx import register_export
        from touchpoints.scopes import scope_build
        from touchpoints.spreadsheets import CatalogueExport

        register_scope_builder(scope_build)
        register_export(CatalogueExport)  # SPEC §10: the catalogue round-trips
