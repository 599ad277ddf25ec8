"""The console: server-rendered pages (Jinja2 + htmx + server-sent events) for the people who work cases."""
