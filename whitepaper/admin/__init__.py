"""Administration: users, countries, the mail outbox and the audit trail."""
