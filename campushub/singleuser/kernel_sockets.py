"""Keep a kernel off TCP where other accounts share its network (the local
deployment; a pod has its own).

Its channels to the server use unix sockets (c.KernelManager.transport in
the server's config), but ipykernel opens two more sockets of its own on
127.0.0.1 whatever the transport, where any account of the machine can
connect:
- the pipe that carries output of forked children (multiprocessing) back to
  the notebook: moved to a unix socket in a fresh 0700 directory of the
  private /tmp;
- debugpy, started by JupyterLab's debugger button: it can only listen on
  TCP and lets whoever connects run code as the learner, so it is turned off.
Runs inside the kernel (the shared environment), importing nothing of
CampusHub. The isolation tests fail if a newer ipykernel opens TCP again.
"""

import atexit
import os
import shutil
import tempfile

import zmq


def apply() -> None:
    import ipykernel.debugger
    import ipykernel.iostream

    # ipykernel reads this flag each time it is asked about the debugger
    ipykernel.debugger._is_debugpy_available = False
    thread = ipykernel.iostream.IOPubThread
    if hasattr(thread, "_setup_pipe_in") and hasattr(thread, "_setup_pipe_out"):
        thread._setup_pipe_in = _setup_pipe_in
        thread._setup_pipe_out = _setup_pipe_out


def _setup_pipe_in(self) -> None:
    # as ipykernel's own, on a unix socket; the random uuid still
    # authenticates what the children send
    from zmq.eventloop.zmqstream import ZMQStream

    self._pipe_uuid = os.urandom(16)
    directory = tempfile.mkdtemp(prefix="kernel-pipe-")
    master = os.getpid()
    # forked children inherit atexit handlers: only the kernel removes it
    atexit.register(lambda: os.getpid() == master and shutil.rmtree(directory, ignore_errors=True))
    self._pipe_address = f"ipc://{directory}/iopub"
    pipe_in = self.socket.context.socket(zmq.PULL)
    pipe_in.linger = 0
    pipe_in.bind(self._pipe_address)
    self._pipe_in = ZMQStream(pipe_in, self.io_loop)
    self._pipe_in.on_recv(self._handle_pipe_msg)


def _setup_pipe_out(self):
    ctx = zmq.Context()  # a new context after fork, as ipykernel's
    pipe_out = ctx.socket(zmq.PUSH)
    pipe_out.linger = 3000
    pipe_out.connect(self._pipe_address)
    return ctx, pipe_out
