"""Logins and JWTs. Passwords are stored as scrypt hashes (``hashlib.scrypt``, salted); tokens are
HS256 JWTs (PyJWT) carrying the role (``customer`` or ``admin``) and the customer id."""
from __future__ import annotations

import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional

import jwt

TOKEN_LIFETIME_SECONDS = 3600


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2 ** 14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2 ** 14, r=8, p=1)
    return hmac.compare_digest(candidate.hex(), digest)


@dataclass(frozen=True)
class User:
    username: str
    password_hash: str
    role: str  # "customer" or "admin"
    customer_id: Optional[str] = None


def demo_users() -> Dict[str, User]:
    """The demo shop's accounts (a real service keeps them in its database)."""
    return {
        "alice": User("alice", hash_password("alice-password"), "customer", "alice"),
        "bob": User("bob", hash_password("bob-password"), "customer", "bob"),
        "admin": User("admin", hash_password("admin-password"), "admin"),
    }


def issue_token(user: User, secret: str, now: Optional[float] = None) -> str:
    issued = int(now if now is not None else time.time())
    claims: Dict[str, Any] = {"sub": user.username, "role": user.role, "iat": issued,
                              "exp": issued + TOKEN_LIFETIME_SECONDS}
    if user.customer_id:
        claims["cid"] = user.customer_id
    return jwt.encode(claims, secret, algorithm="HS256")


def actor_of(token: str, secret: str) -> Dict[str, Any]:
    """The ordercore actor of a token; raises ``jwt.InvalidTokenError`` when it is not valid."""
    claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub", "role"]})
    if claims["role"] == "admin":
        return {"type": "staff", "id": claims["sub"], "role": "admin"}
    if claims["role"] == "customer" and claims.get("cid"):
        return {"type": "customer", "id": claims["cid"]}
    raise jwt.InvalidTokenError("unknown role")
