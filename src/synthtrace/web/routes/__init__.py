"""Routes, one module per area; each parses the request, calls a service and renders."""
