"""Tokens at rest: Fernet under a MultiFernet whose first key is the newest.

Decryption tries every configured key, so rotating is: put a new key first in
TOKEN_ENCRYPTION_KEYS, deploy, run `flask rotate-keys`, then drop the old key.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenDecryptionError(RuntimeError):
    """A stored token was encrypted with a key that is no longer configured."""


class TokenCipher:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("TokenCipher needs at least one key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise TokenDecryptionError(
                "a stored token cannot be decrypted with any key in TOKEN_ENCRYPTION_KEYS"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the newest key (keeping the original timestamp)."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise TokenDecryptionError(
                "a stored token cannot be decrypted with any key in TOKEN_ENCRYPTION_KEYS"
            ) from None
