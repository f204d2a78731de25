"""Cryptographic recipes for mla-exchange: typed keys, signatures, envelope sealing, key storage.

Bytes in, bytes out; no Flask, no database. Only `crypto._nacl` imports PyNaCl.
"""

from crypto.errors import CryptoError, DecryptionError, InvalidKeyError, KeyFileError, SignatureError
from crypto.keys import EncryptionKey, EncryptionPublicKey, SigningKey, VerifyKey, key_id

__all__ = [
    "CryptoError",
    "DecryptionError",
    "EncryptionKey",
    "EncryptionPublicKey",
    "InvalidKeyError",
    "KeyFileError",
    "SignatureError",
    "SigningKey",
    "VerifyKey",
    "key_id",
]
