"""The security headers every answer carries (pages, API, static files, errors, the
server's own refusals): one definition for ``web.middleware``, ``web.errors`` and
``web.protocol``."""

from __future__ import annotations

__all__ = ["CONTENT_SECURITY_POLICY", "SECURITY_HEADERS"]

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # style attributes (bars, swatches) and the styles MapLibre/Swagger/ReDoc inject
    "style-src 'self' 'unsafe-inline'",
    # the PDOK background map (BRT-Achtergrondkaart) when reachable; own outlines otherwise
    "img-src 'self' data: blob: https://service.pdok.nl",
    "font-src 'self' data:",
    "connect-src 'self' https://service.pdok.nl",
    # MapLibre and ReDoc run web workers from blob: URLs
    "worker-src 'self' blob:",
    "child-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
"""Everything comes from this server (plus PDOK's background tiles); nothing may frame the
dashboard."""

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
