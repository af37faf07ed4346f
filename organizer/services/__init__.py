"""Use cases. Each takes keyword-only arguments, the acting user and `now`; checks permission;
adds and flushes; raises a DomainError for a broken rule. The request boundary commits."""
