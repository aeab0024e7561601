// When a notebook's remote kernel is gone, say why instead of leaving the
// notebook to fail at every cell: asks the server extension
// campushub_remote_kernels (singleuser/remote_kernels_server.py), which asks
// the remote-kernels front whether the gateway stopped the kernel (idle for
// N minutes, or for another reason), and shows the front's translated line
// with a Restart button that starts a fresh kernel of the same profile for
// the notebook. Labels come translated in the page config; without them the
// server has no remote kernels and the plugin does nothing.
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';

function texts() {
  try {
    return JSON.parse(PageConfig.getOption('campushubRemoteKernels') || 'null');
  } catch (e) {
    return null;
  }
}

// The front's answer for a kernel: {culled, state, idle_minutes, message,
// profile}; by id, or (query) for the notebook's kernel the server dropped.
async function whatBecameOf(kernelId, query = '') {
  const settings = ServerConnection.makeSettings();
  const url =
    URLExt.join(settings.baseUrl, 'campushub/remote-kernels/culled', kernelId) +
    query;
  const response = await ServerConnection.makeRequest(url, {}, settings);
  return response.ok ? response.json() : null;
}

// A notebook opened again after its kernel was culled: JupyterLab has
// started a fresh kernel already, so the person is only told why what the
// old one held is gone.
async function tellIfDropped(context) {
  // the server's path of the notebook, without a drive's prefix (RTC:)
  const path = context.path.replace(/^[^/:]+:/, '');
  let reply = null;
  try {
    reply = await whatBecameOf('', URLExt.objectToQueryString({ path }));
  } catch (e) {
    return;
  }
  if (reply && reply.message && !context.isDisposed) {
    Notification.warning(reply.message, { autoClose: false });
  }
}

const plugin = {
  id: '@campushub/assignments:culled-kernel',
  description: 'Say why a remote kernel stopped and offer a fresh one.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app, tracker) => {
    const t = texts();
    if (!t) {
      return;
    }
    const say = text => t[text] || text;
    const asking = new Set(); // kernel ids being asked about
    const told = new Set(); // kernel ids the person was told about
    const watched = new WeakSet();

    const watch = panel => {
      if (watched.has(panel)) {
        return;
      }
      watched.add(panel);
      const context = panel.sessionContext;
      let kernelId = null;
      const remember = () => {
        const kernel = context.session && context.session.kernel;
        if (kernel) {
          kernelId = kernel.id;
        }
      };
      const check = async () => {
        const id = kernelId;
        const current = context.session && context.session.kernel;
        const alive =
          current &&
          current.id === id &&
          current.connectionStatus === 'connected' &&
          current.status !== 'dead';
        if (!id || alive || asking.has(id) || told.has(id) || context.isDisposed) {
          return;
        }
        asking.add(id);
        let reply = null;
        try {
          reply = await whatBecameOf(id);
        } catch (e) {
          reply = null; // the server is gone too: JupyterLab says so itself
        }
        asking.delete(id);
        if (!reply || !reply.message || told.has(id) || context.isDisposed) {
          return;
        }
        told.add(id);
        const result = await showDialog({
          title: say('Kernel stopped'),
          body: reply.message,
          buttons: [
            Dialog.cancelButton({ label: say('Close') }),
            Dialog.okButton({ label: say('Restart') })
          ]
        });
        if (result.button.accept && !context.isDisposed) {
          // First let the server drop the dead kernel and its session (as its
          // next polls would), so the fresh kernel comes in a new session
          // rather than a change of one the server may drop meanwhile.
          await app.serviceManager.kernels.refreshRunning();
          await context.sessionManager.refreshRunning();
          await context.changeKernel({ name: reply.profile });
        }
      };
      context.kernelChanged.connect(remember);
      context.statusChanged.connect((sender, status) => {
        if (status === 'dead' || status === 'unknown') {
          void check();
        }
      });
      context.connectionStatusChanged.connect((sender, status) => {
        if (status === 'disconnected') {
          void check();
        }
      });
      // the server drops the session of a kernel the gateway no longer has
      context.sessionChanged.connect((sender, change) => {
        if (change.newValue === null) {
          void check();
        } else {
          remember();
        }
      });
      remember();
      void context.ready.then(() => tellIfDropped(context));
    };
    tracker.forEach(watch);
    tracker.widgetAdded.connect((sender, panel) => watch(panel));
  }
};

export default plugin;
