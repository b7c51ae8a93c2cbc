"""The fake's S3 side: presigned part and single PUTs, and how a test makes them misbehave."""

from __future__ import annotations

from fake_http import FakeHandler, etag


class S3Puts(FakeHandler):
    def do_PUT(self) -> None:
        with self.api.stored:
            self.api.in_flight += 1
        try:
            self._put()
        finally:
            with self.api.stored:
                self.api.in_flight -= 1
                self.api.stored.notify_all()

    def _put(self) -> None:
        segments, query = self._route()
        api = self.api
        recipe = api.recipes[segments[1]]
        number = int(segments[2])
        with api.lock:
            api.part_put_attempts += 1
            stored = sum(api.part_puts_ok.values())
            drop = api.drop_parts.get(number, 0)
            if drop:
                api.drop_parts[number] = drop - 1
        if drop:
            self.close_connection = True
            self.connection.shutdown(2)  # the connection breaks mid-request
            return
        if api.hold_after is not None and stored >= api.hold_after:
            # Held until the test killed the client: that request died with it, whatever
            # bytes of it sit in the socket buffer. S3 stores nothing for it.
            api.release.wait()
            self.close_connection = True
            return
        data = self._body()
        if len(data) != int(self.headers.get("Content-Length") or 0):
            return None  # the client died mid-body: S3 stores nothing
        if number and int(query["gen"]) < api.min_valid_generation:
            return self._send(403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
        if api.refuse_after is not None and stored >= api.refuse_after:
            return self._send(400, b"<Error><Code>InvalidRequest</Code></Error>")
        with api.lock:
            failures = api.fail_parts.get(number, 0)
            if failures:
                api.fail_parts[number] = failures - 1
        if failures:
            return self._send(500, b"<Error><Code>InternalError</Code></Error>")
        if number == 0:
            self._arrived(recipe, data)
        else:
            recipe.parts[number] = data
        with api.stored:
            api.part_puts_ok[number] += 1
            api.stored.notify_all()
        self._send(200, None, {"ETag": etag(data)})
