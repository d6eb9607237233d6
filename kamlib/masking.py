"""Secrets in report parameters: what to mask in what is shown, and what to scrub from files.

A parameter whose *name* says it is a secret (token, password, secret, credential,
api key, auth) is hidden whole; in a URL the password and secret query values are
hidden. Reports show parameters through :func:`mask_secret`, and the batch runner
scrubs :func:`secret_values` from every file it writes. A secret can reach an output
in another form than it was given (a path with ``//`` collapsed, URL-quoted, quoted
in an error message): :func:`secret_forms` lists them all, and :func:`mask_text`
hides them in any text.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

__all__ = ["MASK", "mask_secret", "mask_text", "secret_forms", "secret_values"]

# A parameter whose *name* contains one of these is never shown: secrets never appear
# in any output file.
_SECRET_NAME = re.compile(r"token|passw|pwd|secret|credential|api_?key|auth", re.IGNORECASE)
# scheme://user:password@host... anywhere in a text, also with // collapsed to / (a path
# made of a URL); the password runs to the last @ before the host (a raw @ in it too)
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*:/{1,2}[^/\s:@]*):(?P<pw>[^/\s]*)@")
# ...?password=xxx&token=yyy
_URL_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:[^=&;#]*(?:token|passw|pwd|secret|credential|api_?key|auth)[^=&;#]*)=)(?P<val>[^&;#\s]*)",
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
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: mask_secret(k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_secret(name, v) for v in value)
    return value


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """*text* with every secret in *secrets* and every password in a URL replaced by ``***``.

    Longer secrets are replaced first (a whole URL before the password inside it).
    Give *secrets* in all their forms (see :func:`secret_values`).

    Examples
    --------
    >>> mask_text("DataError: postgresql:/kam:hunter2@db/crm: no such file")
    'DataError: postgresql:/kam:***@db/crm: no such file'
    >>> mask_text("login p@ss/w%rd x refused", ["p@ss/w%rd x"])
    'login *** refused'
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}:{MASK}@", text)
    return _URL_QUERY_SECRET.sub(lambda m: f"{m['key']}{MASK}", text)


def _url_pieces(text: str) -> list[str]:
    """The passwords and secret query values in the URLs of *text*, as written."""
    return [m["pw"] for m in _URL_PASSWORD.finditer(text)] + [m["val"] for m in _URL_QUERY_SECRET.finditer(text)]


def secret_forms(secret: str) -> list[str]:
    """Every form *secret* may take in an output, the secret itself first.

    As given and URL-decoded; as a path would show it (``//`` collapsed to ``/``,
    ``~`` expanded); URL-quoted (``quote``, ``quote_plus``); escaped in HTML, JSON and
    Python ``repr``; and, for a URL, the same forms of its password and secret query
    values. Derived forms shorter than three characters (``.`` for a path) are left
    out, so scrubbing them cannot garble a whole report.

    Examples
    --------
    >>> forms = secret_forms("postgresql://kam:p%40ss@db/crm")
    >>> forms[0], "postgresql:/kam:p%40ss@db/crm" in forms, "p%40ss" in forms, "p@ss" in forms
    ('postgresql://kam:p%40ss@db/crm', True, True, True)
    >>> [f for f in secret_forms("p@ss/w%rd x") if "%" in f and f != "p@ss/w%rd x"]
    ['p%40ss/w%25rd%20x', 'p%40ss%2Fw%25rd%20x', 'p%40ss%2Fw%25rd+x']
    >>> secret_forms(""), secret_forms("hunter2")
    ([], ['hunter2'])
    """
    if not secret:
        return []
    shortest = min(3, len(secret))
    forms: dict[str, None] = {}
    for plain in dict.fromkeys([secret, unquote(secret), unquote_plus(secret)]):
        paths = [plain, re.sub(r"/{2,}", "/", plain), str(PurePosixPath(plain)), os.path.expanduser(plain)]
        quoted = [quote(plain), quote(plain, safe=""), quote_plus(plain)]
        escaped = [html.escape(plain), html.escape(plain, quote=False), json.dumps(plain)[1:-1],
                   json.dumps(plain, ensure_ascii=False)[1:-1], repr(plain)[1:-1]]
        forms.update(dict.fromkeys(f for f in (*paths, *quoted, *escaped) if len(f) >= shortest))
    for piece in _url_pieces(secret):
        forms.update(dict.fromkeys(secret_forms(piece)))
    return list(forms)


def secret_values(name: str, value: Any) -> list[str]:
    """The secret pieces of one parameter, in every form (see :func:`secret_forms`).

    What :func:`mask_secret` hides, as text: the whole value of a parameter named as a
    secret, the passwords and secret query values of a URL. Used to scrub secrets from
    anything derived from the value (an error message may quote a URL in another form,
    e.g. with ``//`` collapsed to ``/``, or its password URL-decoded).

    Examples
    --------
    >>> secret_values("data", "postgresql://kam:s3cret@db/crm?token=abc")
    ['s3cret', 'abc']
    >>> secret_values("api_token", "xyz"), secret_values("lang", "zh")
    (['xyz'], [])
    >>> secret_values("data", "mysql://kam:p%40ss@db/crm")
    ['p%40ss', 'p%2540ss', 'p@ss']
    """
    if value is None:
        return []
    if _SECRET_NAME.search(str(name)):
        return secret_forms(str(value))
    if isinstance(value, Mapping):
        return [piece for k, v in value.items() for piece in secret_values(k, v)]
    if isinstance(value, (list, tuple)):
        return [piece for v in value for piece in secret_values(name, v)]
    if not isinstance(value, str):
        return []
    return list(dict.fromkeys(form for piece in _url_pieces(value) for form in secret_forms(piece)))
