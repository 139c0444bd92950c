"""Demo data only: the seed_demo command builds a small organisation and a year of activity from here."""
