"""What every page shares: the signed-in viewer, CSRF, security headers, templates."""
