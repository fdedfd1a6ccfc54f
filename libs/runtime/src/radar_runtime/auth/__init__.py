"""Access control shared by every service: credentials, roles, object checks, audit.

`roles` (pure rules), `oidc` (OpenID Connect tokens), `tokens` + `registry` (API
tokens), `access` (who is calling, may they do this), `audit` (the audit log),
`http` (the FastAPI dependencies), `cli` (`radar-tokens`).
"""
