"""The pure transform of one module: bytes in, migrated bytes and findings out."""
