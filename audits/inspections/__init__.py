"""Quarterly inspections (SPEC §4–§5): services, selectors, views, forms, URLs and the paper-inspection import."""
