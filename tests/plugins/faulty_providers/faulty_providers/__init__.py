"""Providers that misbehave on purpose (test fixture)."""
