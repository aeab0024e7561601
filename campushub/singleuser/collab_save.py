"""A save the person asks for (Ctrl+S) is answered "saved" only once the file
is written, with real-time collaboration too.

Installed into every user environment as the server extension
`campushub_collab_save` (singleuser/files.py); it imports nothing of CampusHub.
With jupyter-collaboration JupyterLab saves through the notebook's room: the
room's websocket handler awaits DocumentRoom._save_to_disc() and replies
"success" unless that raises, and JupyterLab then shows the notebook saved
("failed" makes it show its File Save Error). Upstream's save never raises: a
file that is not writable is skipped (a notebook on a read-only volume, one
the person made read-only) and a failed write (a full disk) is only logged,
so the person was told "saved" for what never reached the file.

Here the manual save writes through the same file loader, under the same lock
checks, and lets those failures reach the handler. A change on disk since the
room last read the file fails the save too (upstream replaced the person's
edits with the file's content and answered "success"); the room then takes what
is on disk, as upstream's does. Autosaves stay upstream's.
"""

import asyncio

SAVING = set()  # the saves under way (asyncio keeps only weak references to tasks)


class NotSaved(Exception):
    pass


async def _save(room) -> None:
    from jupyter_server_ydoc.utils import OutOfBandChanges

    model = {"format": room._file_format, "type": room._file_type, "content": await room._document.aget()}
    try:
        saved = await room._file.maybe_save_content(model)  # raises what the contents manager raised
    except OutOfBandChanges:
        await room._on_outofband_change()  # upstream's answer: the room takes what is on disk
        raise NotSaved(f"{room._file.path} was changed on disk") from None
    if not saved:
        raise NotSaved(f"{room._file.path} is not writable")
    async with room._update_lock:
        room._document.dirty = False
        room._document.hash = saved["hash"]


def checked_save_to_disc(room):
    if room._update_lock.locked():
        return None  # the room is loading the file: upstream answers "skipped" too
    task = asyncio.create_task(_save(room))
    SAVING.add(task)
    task.add_done_callback(SAVING.discard)
    return task


def _jupyter_server_extension_points():
    return [{"module": "campushub_collab_save"}]


def _load_jupyter_server_extension(serverapp):
    try:
        from jupyter_server_ydoc.rooms import DocumentRoom
    except ImportError:
        return  # no collaboration: JupyterLab saves through the contents API, which reports failures
    DocumentRoom._save_to_disc = checked_save_to_disc
