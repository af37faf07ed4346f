"""The Content Security Policy every page gets (organizer/app.py adds it); the embedded
schedule relaxes only its frame-ancestors (blueprints/_caching.py `embeddable`)."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
