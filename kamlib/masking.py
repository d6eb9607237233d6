"""Secrets in report parameters: what to mask in what is shown, and what to scrub from files.

A parameter whose *name* says it is a secret (token, password, secret, credential,
api key, auth) is hidden whole; in a URL the password and secret query values are
hidden. Reports show parameters through :func:`mask_secret`, and the batch runner
scrubs :func:`secret_values` from every file it writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MASK", "mask_secret", "secret_values"]

# A parameter whose *name* contains one of these is never shown: secrets never appear
# in any output file.
_SECRET_NAME = re.compile(r"token|passw|pwd|secret|credential|api_?key|auth", re.IGNORECASE)
# scheme://user:password@host...
_URL_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*):(?P<pw>[^@/\s]*)@")
# ...?password=xxx&token=yyy
_URL_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:[^=&;#]*(?:token|passw|pwd|secret|credential|api_?key|auth)[^=&;#]*)=)(?P<val>[^&;#]*)",
    re.IGNORECASE,
)
MASK = "***"


def mask_secret(name: str, value: Any) -> Any:
    """Return *value* with secrets replaced by ``***``.

    A parameter whose name contains token, password, secret, credential, api key or
    auth is masked entirely; in a URL the password (``user:***@host``) and secret
    query values (``?token=***``) are masked. Anything else is returned unchanged.

    Examples
    --------
    >>> mask_secret("data", "postgresql://kam:s3cret@db.example.com/crm")
    'postgresql://kam:***@db.example.com/crm'
    >>> mask_secret("api_token", "abc123")
    '***'
    >>> mask_secret("lang", "zh")
    'zh'
    """
    if value is None:
        return None
    if _SECRET_NAME.search(str(name)):
        return MASK
    if isinstance(value, str):
        masked = _URL_PASSWORD.sub(lambda m: f"{m['head']}:{MASK}@", value)
        masked = _URL_QUERY_SECRET.sub(lambda m: f"{m['key']}{MASK}", masked)
        return masked
    if isinstance(value, Mapping):
        return {k: mask_secret(k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_secret(name, v) for v in value)
    return value


def secret_values(name: str, value: Any) -> list[str]:
    """The secret pieces of one parameter: what :func:`mask_secret` hides, as text.

    Used to scrub secrets from anything derived from the value (an error message may
    quote a URL in another form, e.g. with ``//`` collapsed to ``/``).

    Examples
    --------
    >>> secret_values("data", "postgresql://kam:s3cret@db/crm?token=abc")
    ['s3cret', 'abc']
    >>> secret_values("api_token", "xyz"), secret_values("lang", "zh")
    (['xyz'], [])
    """
    from urllib.parse import unquote

    if value is None:
        return []
    if _SECRET_NAME.search(str(name)):
        return [str(value)] if str(value) else []
    if isinstance(value, Mapping):
        return [piece for k, v in value.items() for piece in secret_values(k, v)]
    if isinstance(value, (list, tuple)):
        return [piece for v in value for piece in secret_values(name, v)]
    if not isinstance(value, str):
        return []
    found = [m["pw"] for m in _URL_PASSWORD.finditer(value)] + [m["val"] for m in _URL_QUERY_SECRET.finditer(value)]
    pieces = []
    for piece in found:
        for form in (piece, unquote(piece)):
            if form and form not in pieces:
                pieces.append(form)
    return pieces
