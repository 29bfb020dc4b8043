"""A webhook endpoint for the tests, as a third party would run one.

Every delivery is checked with the Standard Webhooks reference library
(`standardwebhooks`) against the secret in STATE/secret, and recorded as one
JSON line in STATE/received.jsonl. While STATE/fail holds a number above
zero, a delivery is answered 500 and the number counted down.

    python webhook_receiver.py PORT STATE_DIR
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PORT = int(sys.argv[1])
STATE = Path(sys.argv[2])
LOCK = threading.Lock()


def verified(body: bytes, headers: dict) -> bool:
    secret = STATE / "secret"
    if not secret.exists():
        return False
    try:
        Webhook(secret.read_text().strip()).verify(body, headers)
        return True
    except WebhookVerificationError:
        return False


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with LOCK:
            failures = STATE / "fail"
            pending = int(failures.read_text() or "0") if failures.exists() else 0
            if pending > 0:
                failures.write_text(str(pending - 1))
            record = {
                "id": self.headers.get("webhook-id"),
                "path": self.path,
                "verified": verified(body, dict(self.headers)),
                "answered": 500 if pending > 0 else 200,
                "body": json.loads(body) if body else None,
            }
            with open(STATE / "received.jsonl", "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
        self.send_response(record["answered"])
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
