"""Monthly self-checks (SPEC §3, R8): services, selectors, views, forms and URLs of one feature."""
