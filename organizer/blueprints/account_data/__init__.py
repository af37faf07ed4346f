"""A person's own data: download it all, or delete the account (GDPR articles 15, 17, 20)."""
