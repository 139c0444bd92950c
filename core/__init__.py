"""What every app stands on: quarters and dates, access, workbooks and exports, registries, health check."""
