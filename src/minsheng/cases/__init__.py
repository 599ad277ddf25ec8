"""The case aggregate: workflow (pure), models, service (do_* actions), API views."""
