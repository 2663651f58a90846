"""HTTP transport: the JSON API, the pages, health and metrics."""
