"""Modules shipped as package data and copied verbatim into the migrated repositories."""
