"""E-mail addresses, checked where they enter (forms, `users create`, the services that create accounts): syntax
only (no DNS look-up), with email-validator. A line break in an address is refused by name: written into a
header, it would start another one (header injection)."""
from __future__ import annotations

from flask_babel import gettext as _
from wtforms.validators import ValidationError

from ..errors import InvalidInput


def has_line_break(text: str) -> bool:
    """True when `text` holds a CR, an LF or any other character that ends a line."""
    return "".join(text.splitlines()) != text


def check_address(address: str) -> str:
    """Returns `address` when it is one valid e-mail address; otherwise InvalidInput says what is wrong."""
    from email_validator import EmailNotValidError, validate_email  # at first use, not at start-up
    if has_line_break(address or ""):
        raise InvalidInput(_("An e-mail address must be on one line, without line breaks."))
    try:
        validate_email(address or "", check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput(_("%(address)s is not a valid e-mail address (write it as name@example.org).",
                             address=address)) from error
    return address


class EmailAddress:
    """Form validator: the field holds one valid e-mail address (surrounding spaces are ignored)."""

    def __call__(self, _form, field) -> None:
        if not field.data:
            return  # DataRequired, where present, speaks for an empty field
        try:
            check_address(field.data.strip())
        except InvalidInput as error:
            raise ValidationError(error.message) from error
