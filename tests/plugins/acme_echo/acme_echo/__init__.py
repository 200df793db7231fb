"""Acme's echo chat provider (a test fixture shaped like a vendor's package)."""
