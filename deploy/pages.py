"""Reading the platform's HTML as a browser would, for the production check: the forms of a page (their action,
their fields with the values a browser would submit, the choices of each radio group), the links, and a
cookie jar that behaves as the reverse proxy in front of gunicorn does. Pure: no network, no Flask."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Iterable, Optional


@dataclass
class Form:
    attrs: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)       # what submitting it unchanged would send
    choices: dict[str, list[str]] = field(default_factory=dict)  # radio groups: every value offered
    classes: set[str] = field(default_factory=set)             # the classes of every element inside it

    @property
    def id(self) -> str:
        return self.attrs.get("id", "")

    @property
    def action(self) -> str:
        return self.attrs.get("action", "")


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[tuple[str, str]] = []  # (href, text)
        self._form: Optional[Form] = None
        self._textarea: Optional[str] = None
        self._link: Optional[list[str]] = None

    def handle_starttag(self, tag: str, attrs_list) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        if tag == "form":
            self._form = Form(attrs)
            self.forms.append(self._form)
        elif tag == "a" and "href" in attrs:
            self._link = [attrs["href"], ""]
        if self._form is None:
            return
        self._form.classes.update(attrs.get("class", "").split())
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                self._form.choices.setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    self._form.fields[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form.fields[name] = attrs.get("value", "")
        elif tag == "textarea" and name and "disabled" not in attrs:
            self._textarea = name
            self._form.fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.fields[self._textarea] += data
        if self._link is not None:
            self._link[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None
        elif tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join(self._link[1].split())))
            self._link = None


def read(html: str) -> _FormReader:
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader


def forms(html: str) -> list[Form]:
    return read(html).forms


def links(html: str) -> list[tuple[str, str]]:
    """Every link of the page as (href, its text with the white space collapsed)."""
    return read(html).links


def csrf_token(html: str) -> str:
    """The CSRF token of the page's first form that carries one."""
    for form in forms(html):
        if form.fields.get("csrf_token"):
            return form.fields["csrf_token"]
    raise ValueError("no form on the page carries a CSRF token")


def form_posting_to(html: str, action: str) -> Form:
    """The form whose action is `action` (a path), or whose action ends with it."""
    found = [f for f in forms(html) if f.action == action or f.action.endswith(action)]
    if not found:
        raise ValueError(f"no form posts to {action}")
    return found[0]


def link_matching(html: str, pattern: str) -> str:
    """The href of the first link whose href matches the regular expression `pattern`."""
    for href, _text in links(html):
        if re.search(pattern, href):
            return href
    raise ValueError(f"no link matches {pattern}")


class ProxyCookies:
    """The cookies of one signed-in person, as the browser holds them and the reverse proxy passes them on.

    In production the session cookie is `Secure`: a browser sends it only over HTTPS, which nginx terminates
    before forwarding the request (with its cookies) to gunicorn on 127.0.0.1 over plain HTTP. The check talks
    to gunicorn directly, so it plays both parts: it keeps what each Set-Cookie says (a past expiry or Max-Age=0
    deletes) and sends every cookie back, secure or not."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.secure: dict[str, bool] = {}

    def take(self, set_cookie_headers: Iterable[str]) -> None:
        for header in set_cookie_headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or _expired(morsel["expires"]):
                    self.values.pop(name, None)
                    self.secure.pop(name, None)
                else:
                    self.values[name] = morsel.value
                    self.secure[name] = bool(morsel["secure"])

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.values.items())


def _expired(expires: str) -> bool:
    """Whether a cookie's Expires attribute is in the past (Flask deletes a cookie with a 1970 date)."""
    if not expires:
        return False
    from email.utils import parsedate_to_datetime
    from datetime import datetime, timezone
    try:
        when = parsedate_to_datetime(expires)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when <= datetime.now(timezone.utc)
