"""Operations: what the people who run the platform need (backups that restore, checks of a deployment)."""
