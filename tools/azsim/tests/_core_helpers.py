"""Small helpers shared by the core test modules (JWT decoding, sessions without a token, login base URLs)."""

import base64
import json

import requests


def jwt_parts(token):
    """(header, claims) of a JWT, decoded without verification, as a tool like azure_rm_accesstoken_info would."""
    head, payload, _unused = token.split(".")
    dec = [json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in (head, payload)]
    return dec[0], dec[1]


def login_base(azsim, mode):
    """Entra's authority as a client sees it in that mode."""
    return azsim.url if mode == "direct" else "https://login.microsoftonline.com"


def plain_session(azsim, mode):
    """A ``requests`` session without a token, routed like the SDKs in that mode."""
    s = requests.Session()
    s.verify = azsim.ca
    if mode == "proxy":
        s.proxies = {"https": azsim.info["proxy"]}
    else:
        s.trust_env = False
        s.proxies = {"https": None}
    return s


def error_of(resp):
    """``(code, message)`` of an ARM ``{"error": {...}}`` body."""
    err = resp.json()["error"]
    return err["code"], err["message"]
