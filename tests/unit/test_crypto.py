from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from app.crypto import TokenCipher, TokenDecryptionError


def test_round_trip_and_ciphertext_hides_the_token() -> None:
    cipher = TokenCipher([Fernet.generate_key().decode()])
    secret = "shpat_0123456789abcdef"
    encrypted = cipher.encrypt(secret)
    assert secret not in encrypted
    assert cipher.decrypt(encrypted) == secret


def test_rotation_moves_a_token_to_the_newest_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    encrypted = TokenCipher([old]).encrypt("shpat_token")
    rotated = TokenCipher([new, old]).rotate(encrypted)
    assert TokenCipher([new]).decrypt(rotated) == "shpat_token"
    with pytest.raises(TokenDecryptionError):
        TokenCipher([new]).decrypt(encrypted)


def test_unknown_key_is_a_clear_error() -> None:
    encrypted = TokenCipher([Fernet.generate_key().decode()]).encrypt("x")
    with pytest.raises(TokenDecryptionError, match="TOKEN_ENCRYPTION_KEYS"):
        TokenCipher([Fernet.generate_key().decode()]).decrypt(encrypted)


def test_no_keys_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        TokenCipher([])
