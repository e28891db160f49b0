"""migrate-360learning: migrates Python client code from 360Learning API v1 course statistics to API v2."""

__version__ = "0.1.0"
