"""People and access: authorities, users and their roles, local accounts, OIDC, API tokens, policy."""
