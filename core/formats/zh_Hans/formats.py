"""Chinese date formats as this company writes them: 2月28日 rather than Django's 02月28日 (FORMAT_MODULE_PATH)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DATE_FORMAT = "Y年n月j日"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATETIME_FORMAT = "n月j日 H:i"
