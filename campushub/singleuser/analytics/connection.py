"""The hook: the server's kernel websocket connection, watching what passes.

jupyter_server hands every websocket message of both protocols (JSON and
v1 binary) to handle_incoming_message, and every kernel message to
handle_outgoing_message, including those replayed after a reconnect, so a
subclass of the configured connection class sees each execute_request and
execute_reply without a frontend extension. A reply seen twice (buffered,
then replayed) is recorded once: the recorder forgets a request it timed.
Whatever goes wrong here is logged and the message goes on unchanged.
"""

from .messages import V1, reply, request_json, request_v1


def recording(base: type, recorder, on_unknown_path) -> type:
    """`base` (a ZMQChannelsWebsocketConnection) that also tells `recorder` about executions."""

    def on_reply(connection, channel, msg_list) -> None:
        try:
            found = reply(connection.session, channel, msg_list)
            if found is not None and recorder.finished(*found):
                on_unknown_path()
        except Exception as e:
            connection.log.debug("campushub_analytics: reply not recorded: %r", e)

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
            on_reply(self, stream if isinstance(stream, str) else getattr(stream, "channel", None), outgoing_msg)
            super().handle_outgoing_message(stream, outgoing_msg)

        def disconnect(self) -> None:
            super().disconnect()
            try:
                watch_buffer(self, on_reply)
            except Exception as e:
                self.log.debug("campushub_analytics: buffered replies not watched: %r", e)

    RecordingConnection.__name__ = RecordingConnection.__qualname__ = "Recording" + base.__name__
    return RecordingConnection


def watch_buffer(connection, on_reply) -> None:
    """Replies that come after the kernel's last websocket closed (the learner
    closed the tab while a cell ran) are buffered by the server for a
    reconnect that may never come: see them as they are buffered."""
    info = connection.multi_kernel_manager._kernel_buffers.get(connection.kernel_id) or {}
    stream = (info.get("channels") or {}).get("shell")
    if stream is None or info.get("session_key") != connection.session_key or stream.closed():
        return
    buffer = stream._recv_callback

    def watched(msg_list):
        on_reply(connection, "shell", msg_list)
        buffer(msg_list)

    if buffer is not None:
        stream.on_recv(watched)
