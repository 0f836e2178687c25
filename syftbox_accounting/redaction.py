"""Keeping secrets out of what the library shows: an echo of the service (a body, a
message, a code, a request id) with every secret it may repeat replaced by ``***``."""

from __future__ import annotations

import json

# A secret this long (a token, a key, a generated password, a header's value) is
# replaced wherever it appears in an echo; a shorter one only in the forms it was
# sent in, so that a password such as "password" never eats the service's words.
_BARE_SECRET_LENGTH = 12


def _sent_forms(secret: str) -> set[str]:
    """How `secret` looks where we sent it: a JSON string (with its quotes, escaped
    either way) and a quoted value, as an echo of our request repeats it."""
    forms = {json.dumps(secret), json.dumps(secret, ensure_ascii=False)}
    return forms | {f'\\"{json.dumps(secret)[1:-1]}\\"', f"'{secret}'"}


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """`text`, an echo of the service (a body, a message, a code), with every secret
    in it replaced by ``***``: long secrets wherever they appear, short ones where
    they stand as a value (a JSON string, a quoted value, or the whole text). Our own
    prose is never passed here."""
    if not secrets:
        return text
    if text in secrets:
        return "***"
    for secret in sorted(secrets, key=len, reverse=True):
        if not secret:
            continue
        if len(secret) >= _BARE_SECRET_LENGTH:
            for form in {
                secret,
                json.dumps(secret)[1:-1],
                json.dumps(secret, ensure_ascii=False)[1:-1],
            }:
                text = text.replace(form, "***")
        for form in _sent_forms(secret):
            text = text.replace(form, '"***"' if form.startswith('"') else "***")
    return text
