"""Accounts: log in and out, passwords, invitations, password reset, personal API tokens."""
