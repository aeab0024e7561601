// "Submit assignment" in JupyterLab: saves the current notebook, then asks
// the server extension campushub_assignments (singleuser/assignments_server.py)
// to send its assignment's notebooks to the hub's assignments service, and
// shows the service's answer. Texts come translated in the page config.
import {
  CommandToolbarButton,
  ICommandPalette,
  Notification
} from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';

import apps from './apps';
import culled from './culled';
import cullWarning from './cull_warning';
import jobs from './jobs';

const COMMAND = 'campushub:submit-assignment';
// Where fetch puts assignments (relative to the server's root, the home).
const FOLDER = 'assignments/';

function texts() {
  try {
    return JSON.parse(PageConfig.getOption('campushubAssignments') || '{}');
  } catch (e) {
    return {};
  }
}

async function submit(path) {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'campushub/assignments/submit');
  // makeRequest adds the XSRF header the server checks on every POST.
  const response = await ServerConnection.makeRequest(
    url,
    {
      method: 'POST',
      body: JSON.stringify({ path }),
      headers: { 'Content-Type': 'application/json' }
    },
    settings
  );
  let reply = {};
  try {
    reply = await response.json();
  } catch (e) {
    reply = {};
  }
  return { ok: response.ok, message: reply.message || response.statusText };
}

const plugin = {
  id: '@campushub/assignments:plugin',
  description: 'Submit assignment notebooks to CampusHub.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, IMainMenu],
  activate: (app, tracker, palette, mainMenu) => {
    const t = texts();
    const say = text => t[text] || text;
    app.commands.addCommand(COMMAND, {
      label: say('Submit assignment'),
      caption: say('Submit assignment'),
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        const panel = tracker.currentWidget;
        if (!panel) {
          Notification.warning(say('Only a notebook can be submitted.'));
          return;
        }
        const id = Notification.emit(say('Saving…'), 'in-progress', {
          autoClose: false
        });
        try {
          await panel.context.save();
          Notification.update({ id, message: say('Submitting…') });
          const result = await submit(panel.context.path);
          Notification.update({
            id,
            message: result.message,
            type: result.ok ? 'success' : 'error',
            autoClose: result.ok ? 10000 : false
          });
        } catch (e) {
          Notification.update({
            id,
            message: String((e && e.message) || e),
            type: 'error',
            autoClose: false
          });
        }
      }
    });
    if (palette) {
      palette.addItem({ command: COMMAND, category: 'CampusHub' });
    }
    if (mainMenu) {
      mainMenu.fileMenu.addGroup([{ command: COMMAND }], 5);
    }
    // The button only where it can work: notebooks of a fetched assignment.
    tracker.widgetAdded.connect((sender, panel) => {
      if (!panel.context.path.startsWith(FOLDER)) {
        return;
      }
      const button = new CommandToolbarButton({
        commands: app.commands,
        id: COMMAND,
        label: say('Submit assignment')
      });
      button.addClass('campushub-submit-assignment');
      panel.toolbar.insertItem(10, 'campushub-submit-assignment', button);
    });
  }
};

export default [plugin, cullWarning, apps, jobs, culled];
