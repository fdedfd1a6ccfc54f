"""Email templates (string.Template syntax: `$name`), rendered by domain.render.email."""
