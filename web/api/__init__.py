"""Machine endpoints: the JSON API (read and write), its OpenAPI document, /metrics."""
