"""The hook: the server's kernel websocket connection, watching what passes.

jupyter_server hands every websocket message of both protocols (JSON and
v1 binary) to handle_incoming_message, and every kernel message to
handle_outgoing_message, including those replayed after a reconnect, so a
subclass of the configured connection class sees each execute_request and
execute_reply once, without a frontend extension. Whatever goes wrong here
is logged and the message goes on unchanged.
"""

from .messages import V1, reply, request_json, request_v1


def recording(base: type, recorder, on_unknown_path) -> type:
    """`base` (a ZMQChannelsWebsocketConnection) that also tells `recorder` about executions."""

    class RecordingConnection(base):
        def handle_incoming_message(self, incoming_msg) -> None:
            try:
                found = request_v1(incoming_msg) if self.subprotocol == V1 else request_json(incoming_msg)
                if found is not None and found[0] and self.channels:
                    recorder.started(self.kernel_id, *found)
            except Exception as e:
                self.log.debug("campushub_analytics: request not recorded: %r", e)
            super().handle_incoming_message(incoming_msg)

        def handle_outgoing_message(self, stream, outgoing_msg) -> None:
            try:
                channel = stream if isinstance(stream, str) else getattr(stream, "channel", None)
                found = reply(self.session, channel, outgoing_msg)
                if found is not None and recorder.finished(*found):
                    on_unknown_path()
            except Exception as e:
                self.log.debug("campushub_analytics: reply not recorded: %r", e)
            super().handle_outgoing_message(stream, outgoing_msg)

    RecordingConnection.__name__ = RecordingConnection.__qualname__ = "Recording" + base.__name__
    return RecordingConnection
