"""A real SMTP server for desk's end-to-end tests (aiosmtpd, from PyPI).

Usage: python3 server.py --port PORT --dir DIR
Every message received is written as DIR/NNNN.eml (the bytes as received) with
DIR/NNNN.json holding the envelope (mail_from, rcpt_tos). Prints "ready" once it
listens; stops when its standard input closes or on SIGTERM.
"""
import argparse
import json
import os
import sys
import threading

from aiosmtpd.controller import Controller


class Save:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.directory, f"{n:04d}")
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        return "250 OK"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    c = Controller(Save(a.dir), hostname="127.0.0.1", port=a.port, decode_data=False)
    c.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        c.stop()


if __name__ == "__main__":
    main()
