"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for the mail delivery tests."""
from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.content, policy=default_policy)  # type: ignore[return-value]

    @property
    def text(self) -> str:
        """The decoded body, with the wire's CRLF line ends read as newlines."""
        return self.message.get_content().replace("\r\n", "\n")


@dataclass
class SmtpSink:
    """`start()` listens on `port` (free, chosen at creation), `stop()` closes; `received` keeps every message."""
    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    _controller: Controller | None = None

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def start(self) -> "SmtpSink":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
