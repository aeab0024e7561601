"""Sending spooled records to the analytics service, on the server's IOLoop.

A batch file is deleted (or cut down to what is left) only after the
service answered 200, so a record is lost neither when the service is down
nor when the server dies mid-send; one sent twice is counted once (the
service knows its id). A 400 means something in the chunk was refused:
the chunk is halved until the refused records are alone, and those are
dropped with a log line, so one bad record never holds up the rest.
"""

import json

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

MAX_RECORDS = 1000
MAX_BYTES = 1000 * 1000  # the service takes up to 1 MiB; room for the envelope
SENT, REFUSED, DOWN = "sent", "refused", "down"


def chunks(records: list[dict]) -> list[dict]:
    """The first chunk of `records` within the service's limits."""
    size = 0
    for count, record in enumerate(records):
        size += len(json.dumps(record)) + 2
        if count == MAX_RECORDS or (size > MAX_BYTES and count):
            return records[:count]
    return records


class Sender:
    def __init__(self, spool, url: str, token: str, log, timeout: float = 20):
        self.spool, self.url, self.token, self.log, self.timeout = spool, url + "api/records", token, log, timeout
        self.down = False

    async def send_all(self) -> bool:
        """Everything spooled so far; False when the service could not take it now."""
        self.spool.rotate()
        for batch in self.spool.batches():
            records = self.spool.read(batch, self.log)
            while records:
                chunk = chunks(records)
                if not await self._send(chunk):
                    self.spool.keep(batch, records)
                    return False
                records = records[len(chunk):]
                self.spool.keep(batch, records)
            batch.unlink(missing_ok=True)
        return True

    async def _send(self, chunk: list[dict]) -> bool:
        result, message = await self._post(chunk)
        if result == SENT:
            return True
        if result == DOWN:
            return False
        if len(chunk) == 1:
            self.log.warning("campushub_analytics: the service refused record %s (%s); dropped",
                             chunk[0].get("id"), message)
            return True
        half = len(chunk) // 2
        return await self._send(chunk[:half]) and await self._send(chunk[half:])

    async def _post(self, chunk: list[dict]) -> tuple[str, str]:
        request = HTTPRequest(self.url, method="POST", body=json.dumps({"records": chunk}),
                              headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
                              request_timeout=self.timeout, connect_timeout=self.timeout,
                              # a redirect (to a login page) turns a POST into a GET whose 200 says nothing
                              follow_redirects=False)
        response = await AsyncHTTPClient().fetch(request, raise_error=False)
        if response.code == 200 and _accepted(response.body):
            if self.down:
                self.log.info("campushub_analytics: the analytics service is reachable again")
            self.down = False
            return SENT, ""
        if response.code in (400, 413):
            try:
                message = json.loads(response.body)["message"]
            except (ValueError, TypeError, KeyError):
                message = f"HTTP {response.code}"
            return REFUSED, message
        if not self.down:
            self.log.warning("campushub_analytics: the analytics service did not take records (%s); "
                             "they wait in %s", response.error or response.code, self.spool.folder)
        self.down = True
        return DOWN, ""


def _accepted(body: bytes) -> bool:
    """Only the service's own answer counts as delivered."""
    try:
        return isinstance(json.loads(body).get("accepted"), int)
    except (ValueError, TypeError, AttributeError):
        return False
