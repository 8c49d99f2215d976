"""Links for e-mails: always on the configured PUBLIC_URL, never on the Host header of the request (a forged
Host would otherwise send people a link to another site)."""
from __future__ import annotations

import re

from flask import Flask, current_app, has_request_context, request, url_for
from werkzeug.exceptions import SecurityError


def external_url(endpoint: str, **values) -> str:
    """PUBLIC_URL followed by the path of the endpoint, e.g. https://planbarometro.cepal.org/invitation/…"""
    path = url_for(endpoint, _external=False, **values)
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root):
        path = path[len(root):]  # PUBLIC_URL already names the address the application is served at
    return current_app.config["PUBLIC_URL"] + path


# The single-use links an e-mail may carry (auth.reset_password, auth.accept_invitation): /…/<token>
_ACTION_LINK = re.compile(r"(/(?:password/reset|invitation)/)([A-Za-z0-9_-]+)")


def mask_link_tokens(text: str) -> str:
    """The text with the token of every password-reset or invitation link hidden but its last 4 characters, so
    that who reads the outbox cannot use someone else's link."""
    return _ACTION_LINK.sub(lambda match: f"{match.group(1)}…{match.group(2)[-4:]}", text)


def init_app(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def untrusted_host(_error: SecurityError):
        """A Host outside TRUSTED_HOSTS: no page can be built for it (every URL would name that host)."""
        return ("400 Bad Request: this host name is not served here. / Este nombre de host no se sirve aquí.\n",
                400, {"Content-Type": "text/plain; charset=utf-8"})
