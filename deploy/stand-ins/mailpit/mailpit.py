#!/usr/bin/python3
"""A stand-in for Mailpit (see the Dockerfile beside it): catches mail over SMTP, serves it as JSON.

    mailpit            serve SMTP on :1025 and HTTP on :8025 (MP_SMTP_BIND_ADDR, MP_UI_BIND_ADDR)
    mailpit readyz     exit 0 when the HTTP side answers /readyz (the compose healthcheck)
"""

import asyncio
import email
import email.policy
import json
import os
import signal
import sys
import urllib.request
import uuid
from datetime import datetime, timezone

MAX_MESSAGES = int(os.environ.get("MP_MAX_MESSAGES", "500") or 500)
MESSAGES: list[dict] = []  # newest first, as Mailpit lists them


def bind(var: str, default: str) -> tuple[str, int]:
    host, _, port = os.environ.get(var, default).rpartition(":")
    return host or "0.0.0.0", int(port)


def addresses(header) -> list[dict]:
    if header is None:
        return []
    return [{"Name": a.display_name, "Address": a.addr_spec} for a in header.addresses]


def store(mail_from: str, rcpts: list[str], raw: bytes) -> None:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    froms = addresses(msg.get("From"))
    MESSAGES.insert(0, {
        "ID": uuid.uuid4().hex,
        "MessageID": (msg.get("Message-ID") or "").strip("<>"),
        "From": froms[0] if froms else {"Name": "", "Address": mail_from},
        "To": addresses(msg.get("To")) or [{"Name": "", "Address": r} for r in rcpts],
        "Subject": str(msg.get("Subject") or ""),
        "Created": datetime.now(timezone.utc).isoformat(),
        "Size": len(raw),
        "Text": text.get_content() if text else "",
        "HTML": html.get_content() if html else "",
        "Headers": {k: [str(v) for v in msg.get_all(k, [])] for k in dict.fromkeys(msg.keys())},
    })
    del MESSAGES[MAX_MESSAGES:]


async def smtp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    async def reply(line: str) -> None:
        writer.write(line.encode() + b"\r\n")
        await writer.drain()

    await reply("220 mailpit stand-in ESMTP")
    mail_from, rcpts = "", []
    try:
        while line := await reader.readline():
            verb = line.decode("utf-8", "replace").strip()
            cmd = verb[:4].upper()
            if cmd == "EHLO":
                await reply("250-mailpit\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 0")
            elif cmd == "HELO":
                await reply("250 mailpit")
            elif cmd == "MAIL":
                mail_from, rcpts = verb.split(":", 1)[1].split()[0].strip("<>"), []
                await reply("250 2.1.0 Ok")
            elif cmd == "RCPT":
                rcpts.append(verb.split(":", 1)[1].split()[0].strip("<>"))
                await reply("250 2.1.5 Ok")
            elif cmd == "DATA":
                if not rcpts:
                    await reply("503 5.5.1 RCPT first")
                    continue
                await reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := await reader.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                store(mail_from, rcpts, b"".join(lines))
                mail_from, rcpts = "", []
                await reply("250 2.0.0 Ok: queued")
            elif cmd == "RSET":
                mail_from, rcpts = "", []
                await reply("250 2.0.0 Ok")
            elif cmd == "NOOP":
                await reply("250 2.0.0 Ok")
            elif cmd == "QUIT":
                await reply("221 2.0.0 Bye")
                break
            else:
                await reply("502 5.5.2 Command not implemented")
    finally:
        writer.close()


async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request = (await reader.readline()).decode("latin-1").split()
        length = 0
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip() or 0)
        if length:
            await reader.readexactly(length)
        method, path = (request + ["", ""])[:2]
        path = path.split("?", 1)[0]
        status, body = 404, {"error": "not found"}
        if path == "/readyz" or path == "/livez":
            status, body = 200, "ok"
        elif path == "/api/v1/messages" and method == "GET":
            summaries = [{k: v for k, v in m.items() if k not in ("Text", "HTML", "Headers")} for m in MESSAGES]
            status, body = 200, {"total": len(MESSAGES), "unread": 0, "count": len(MESSAGES),
                                 "start": 0, "messages": summaries}
        elif path == "/api/v1/messages" and method == "DELETE":
            MESSAGES.clear()
            status, body = 200, "ok"
        elif path.startswith("/api/v1/message/") and method == "GET":
            wanted = path.rsplit("/", 1)[1]
            found = MESSAGES[0] if wanted == "latest" and MESSAGES else next((m for m in MESSAGES if m["ID"] == wanted), None)
            if found:
                status, body = 200, found
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        kind = "text/plain" if isinstance(body, str) else "application/json"
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {len(payload)}\r\n"
                     "Connection: close\r\n\r\n".encode() + payload)
        await writer.drain()
    finally:
        writer.close()


async def serve() -> None:
    smtp_server = await asyncio.start_server(smtp, *bind("MP_SMTP_BIND_ADDR", "0.0.0.0:1025"))
    http_server = await asyncio.start_server(http, *bind("MP_UI_BIND_ADDR", "0.0.0.0:8025"))
    print("mailpit stand-in: SMTP on :1025, HTTP API on :8025", flush=True)
    async with smtp_server, http_server:
        await asyncio.gather(smtp_server.serve_forever(), http_server.serve_forever())


if __name__ == "__main__":
    if sys.argv[1:2] == ["readyz"]:
        _, port = bind("MP_UI_BIND_ADDR", "0.0.0.0:8025")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as r:
                sys.exit(0 if r.status == 200 else 1)
        except OSError as e:
            print(f"not ready: {e}", file=sys.stderr)
            sys.exit(1)
    # PID 1 in a container ignores SIGTERM unless it handles it; Mailpit stops at once.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
