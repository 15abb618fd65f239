"""ONTAP's refusals in words a person reads, and the notices shown after a change."""

from __future__ import annotations

from typing import Any

from ontap_ipsec.console.api import ApiError

# ONTAP's generic codes carry terse messages; these say the same in a sentence.
_PLAIN = {
    "1": "An entry with that name already exists.",
    "3": "This action is not available.",
    "4": "That entry no longer exists: it may have been removed meanwhile.",
    "6": "Your account is not allowed to make this change.",
}

NOTICES = {
    "svm-created": "The SVM was created.",
    "svm-deleted": "The SVM was deleted, with its certificates and IPsec entries.",
    "cert-installed": "The certificate was installed.",
    "cert-created": "The root CA was created.",
    "cert-deleted": "The certificate was deleted.",
    "ipsec-added": "The CA certificate was added to IPsec.",
    "ipsec-removed": "The CA certificate was removed from IPsec.",
    "signed-out": "You are signed out.",
    "ended": "Your session ended; sign in again.",
}


def describe(exc: ApiError) -> dict[str, Any]:
    """What the error box shows: the sentence, ONTAP's own message when it differs, the code."""
    words = _PLAIN.get(exc.code, exc.message)
    return {
        "words": words,
        "ontap": exc.message if words != exc.message else None,
        "code": exc.code,
        "target": exc.target,
        "status": exc.status,
    }


def notice(key: str) -> str | None:
    return NOTICES.get(key)
