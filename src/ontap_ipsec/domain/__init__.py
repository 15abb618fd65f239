"""Business rules: certificates, keys and their validation, free of HTTP and SQL."""
