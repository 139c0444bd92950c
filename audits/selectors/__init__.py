"""See the modules of this package: one per part of the product."""
