"""Cells run by the server itself (jupyter-server-nbmodel, which the user
environments have so that outputs survive a closed tab) never pass the
kernel websocket: JupyterLab posts them to /api/kernels/<id>/execute and the
server's own kernel client runs them. nbmodel announces the start and the end
of each such execution on its event logger (jupyter_events), with the cell and
its shared document, whose file id names the notebook: the same execution
records come from there. An execution of a cell that is not in a shared
document, or one nbmodel drops from its queue after an error, is announced
by neither and not recorded.
"""

import time

from .records import parse_time

SCHEMA = "https://events.jupyter.org/jupyter_server_nbmodel/cell_execution/v1"
PENDING_LIMIT = 10000


def watch(recorder, file_ids, log) -> bool:
    """Record nbmodel's executions; False where it is not installed.

    file_ids() gives the server's file id manager (jupyter_server_fileid),
    which registers itself once the server's extensions have loaded."""
    try:
        from jupyter_server_nbmodel.event_logger import event_logger
    except ImportError:
        return False
    started = {}  # (document id, cell id) -> (wall time, monotonic time)

    async def on_event(logger, schema_id: str, data: dict) -> None:
        try:
            key = (data["document_id"], data["cell_id"])
            if data["event_type"] == "execution_start":
                if len(started) >= PENDING_LIMIT:
                    del started[next(iter(started))]
                started[key] = (parse_time(data["timestamp"]).timestamp(), time.monotonic())
                return
            wall, mono = started.pop(key)
            path = file_ids().get_path(data["document_id"].split(":", 2)[2])
            if path is None:
                log.debug("campushub_analytics: document %s has no file; execution not recorded", key[0])
                return
            status = "ok" if data.get("success") else "error"
            recorder.executed(path, data["cell_id"], wall, status, (time.monotonic() - mono) * 1000)
        except Exception as e:
            log.debug("campushub_analytics: server-side execution not recorded: %r", e)

    event_logger.add_listener(schema_id=SCHEMA, listener=on_event)
    return True
