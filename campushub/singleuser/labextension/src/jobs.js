// "Run as job…" in JupyterLab: for the notebook in front (Run menu, command
// palette) or a notebook selected in the file browser (its context menu).
// A dialog asks for parameters (name=value), a sweep (name=v1,v2: one job
// for each combination) and a profile; the request goes to this server's
// extension campushub_jobs (singleuser/jobs_server.py), which forwards it to
// the hub's jobs service with the server's own token, so it works with
// hub.subdomain_host too. The service checks everything and answers in one
// line, shown as a notification with a link to the jobs page. Texts come
// translated in the page config (campushubJobs), only where the site runs
// jobs; without them nothing is added.
import {
  Dialog,
  ICommandPalette,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { IMainMenu } from '@jupyterlab/mainmenu';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

const RUN = 'campushub:run-as-job';
const NOTEBOOK = /\.ipynb$/;

function texts() {
  try {
    return JSON.parse(PageConfig.getOption('campushubJobs') || 'null');
  } catch (e) {
    return null;
  }
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (all, name) =>
    name in values ? String(values[name]) : all
  );
}

async function call(path, init) {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'campushub/jobs', path);
  // makeRequest adds the XSRF header the server checks on every POST
  const response = await ServerConnection.makeRequest(url, init, settings);
  let reply = {};
  try {
    reply = await response.json();
  } catch (e) {
    reply = {};
  }
  return { ok: response.ok, reply, status: response.statusText };
}

function lines(text) {
  return text
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '');
}

// The dialog's body: two text areas and the profiles this person may use.
class JobForm extends Widget {
  constructor(say, profiles) {
    super();
    this.addClass('campushub-job-form');
    const add = (tag, attributes, text) => {
      const element = document.createElement(tag);
      Object.assign(element, attributes);
      if (text) {
        element.textContent = text;
      }
      this.node.appendChild(element);
      return element;
    };
    const area = (name, label, hint) => {
      add('label', { htmlFor: `campushub-job-${name}` }, label);
      const box = add('textarea', {
        id: `campushub-job-${name}`,
        name,
        rows: 3,
        placeholder: hint,
        className: 'jp-mod-styled'
      });
      box.style.width = '100%';
      box.style.display = 'block';
      return box;
    };
    this.parameters = area(
      'parameters',
      say('Parameters'),
      say('One per line: name=value')
    );
    this.sweep = area(
      'sweep',
      say('Sweep'),
      say('One per line: name=value1,value2 (one job for each combination)')
    );
    this.profile = null;
    if (profiles.length) {
      add('label', { htmlFor: 'campushub-job-profile' }, say('Profile'));
      this.profile = add('select', {
        id: 'campushub-job-profile',
        name: 'profile',
        className: 'jp-mod-styled'
      });
      const choices = [['', say('Your default resources')]].concat(
        profiles.map(p => [p.name, p.display_name || p.name])
      );
      for (const [value, label] of choices) {
        const option = document.createElement('option');
        option.value = value;
        option.textContent = label;
        this.profile.appendChild(option);
      }
    }
  }

  getValue() {
    return {
      parameters: lines(this.parameters.value),
      sweep: lines(this.sweep.value),
      profile: this.profile ? this.profile.value || null : null
    };
  }
}

async function profiles() {
  try {
    const { ok, reply } = await call('profiles', { method: 'GET' });
    return ok && Array.isArray(reply.profiles) ? reply.profiles : [];
  } catch (e) {
    return []; // the dialog still runs jobs with the person's default resources
  }
}

const plugin = {
  id: '@campushub/assignments:jobs',
  description: 'Run a notebook as a job of the hub jobs service.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, IMainMenu, IDefaultFileBrowser],
  activate: (app, tracker, palette, mainMenu, browser) => {
    const t = texts();
    if (!t) {
      return; // jobs are off on this hub
    }
    const say = text => t[text] || text;
    const page = (PageConfig.getOption('hubHost') || '') + (t.jobsPage || '');
    const selected = () => {
      for (const item of browser ? browser.selectedItems() : []) {
        return item.type === 'notebook' || NOTEBOOK.test(item.path)
          ? item.path
          : null;
      }
      return null;
    };
    // from the file browser's menu: the selected file; else the notebook in front
    const target = args => {
      if (args.browser) {
        return selected();
      }
      const panel = tracker.currentWidget;
      return panel ? panel.context.path : null;
    };
    const tell = (id, message, ok) => {
      Notification.update({
        id,
        message,
        type: ok ? 'success' : 'error',
        autoClose: ok ? 15000 : false,
        actions: page
          ? [
              {
                label: say('Open the jobs page'),
                callback: () => window.open(page, '_blank', 'noopener')
              }
            ]
          : []
      });
    };
    app.commands.addCommand(RUN, {
      label: say('Run as job…'),
      caption: say(
        'Run this notebook as a job: executed with papermill on its own, with your parameters'
      ),
      isEnabled: args => target(args) !== null,
      execute: async args => {
        const path = target(args);
        if (!path) {
          Notification.warning(say('Only a saved notebook can run as a job.'));
          return;
        }
        const form = new JobForm(say, await profiles());
        const result = await showDialog({
          title: `${say('Run as job…')} ${path}`,
          body: form,
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: say('Run') })]
        });
        if (!result.button.accept) {
          return;
        }
        const id = Notification.emit(say('Saving…'), 'in-progress', {
          autoClose: false
        });
        try {
          // the job runs the file as saved: the open notebook's edits first
          const open = tracker.find(panel => panel.context.path === path);
          if (open && open.context.model.dirty) {
            await open.context.save();
          }
          Notification.update({ id, message: say('Submitting…') });
          const body = JSON.stringify({ notebook: path, ...result.value });
          const { ok, reply, status } = await call('submit', {
            method: 'POST',
            body,
            headers: { 'Content-Type': 'application/json' }
          });
          const jobs = Array.isArray(reply.jobs) ? reply.jobs : [];
          let message = reply.message || status;
          if (ok && jobs.length === 1) {
            message = fill(say('Submitted: {id}'), { id: jobs[0].id });
          } else if (ok) {
            message = fill(say('Jobs submitted: {count} (sweep {sweep})'), {
              count: jobs.length,
              sweep: reply.sweep || ''
            });
          }
          tell(id, message, ok);
        } catch (e) {
          tell(id, String((e && e.message) || e), false);
        }
      }
    });
    if (palette) {
      palette.addItem({ command: RUN, category: 'CampusHub' });
    }
    if (mainMenu) {
      mainMenu.runMenu.addGroup([{ command: RUN }], 1000);
    }
    app.contextMenu.addItem({
      command: RUN,
      args: { browser: true },
      selector: '.jp-DirListing-item[data-file-type="notebook"]',
      rank: 61
    });
  }
};

export default plugin;
