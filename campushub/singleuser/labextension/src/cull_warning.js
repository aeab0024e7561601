// The warning before the hub's culler stops an idle server: asks the server
// extension campushub_cull_warning (singleuser/cull_warning.py) how long is
// left (asking is not activity there) and, within the site's warning time,
// shows a notification whose "Keep working" counts as activity. Texts come
// translated in the page config; without them the server is never culled.
import { Notification } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

const IDLE =
  'This server will stop in {minutes} min because it has been idle. Save your work, or click Keep working: any activity keeps it running.';
const MAX_AGE =
  'This server will stop in {minutes} min because it has reached its maximum running time. Save your work now.';
// The page asks at most this often (seconds); browsers slow timers of hidden tabs to about once a minute anyway.
const MOST = 60;
const LEAST = 5;

function texts() {
  try {
    return JSON.parse(PageConfig.getOption('campushubCulling') || 'null');
  } catch (e) {
    return null;
  }
}

async function call(path, method) {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'campushub/culling', path);
  // makeRequest adds the XSRF header the server checks on the POST.
  const response = await ServerConnection.makeRequest(url, { method }, settings);
  if (!response.ok) {
    throw new Error(response.statusText);
  }
  return response.json();
}

const plugin = {
  id: '@campushub/assignments:cull-warning',
  description: 'Warn before CampusHub stops an idle server.',
  autoStart: true,
  activate: app => {
    const t = texts();
    if (!t) {
      return;
    }
    const say = (text, minutes) =>
      (t[text] || text).replace('{minutes}', String(minutes));
    let shown = null;
    let timer = null;

    const dismiss = () => {
      if (shown !== null) {
        Notification.dismiss(shown);
        shown = null;
      }
    };
    const later = seconds => {
      clearTimeout(timer);
      timer = setTimeout(check, Math.max(LEAST, Math.min(MOST, seconds)) * 1000);
    };
    const keep = async () => {
      dismiss();
      try {
        await call('keep', 'POST');
        Notification.success(say('Your server keeps running.'), { autoClose: 5000 });
      } catch (e) {
        // the server is gone or unreachable: JupyterLab says so itself
      }
      later(LEAST);
    };
    const warn = (left, reason) => {
      const minutes = Math.max(1, Math.ceil(left / 60));
      const options = { autoClose: false };
      if (reason === 'idle') {
        options.actions = [
          { label: say('Keep working'), callback: keep, displayType: 'accent' }
        ];
      }
      const message = say(reason === 'idle' ? IDLE : MAX_AGE, minutes);
      if (shown === null) {
        shown = Notification.warning(message, options);
      } else {
        Notification.update({ id: shown, message, type: 'warning', ...options });
      }
    };
    async function check() {
      let status;
      try {
        status = await call('', 'GET');
      } catch (e) {
        later(MOST);
        return;
      }
      if (status.seconds_left === null || !status.warning) {
        // never culled, or the site wants no warning (culling.warning: 0)
        dismiss();
        return;
      }
      if (status.seconds_left <= status.warning) {
        warn(status.seconds_left, status.reason);
        later(Math.min(30, status.seconds_left));
      } else {
        dismiss(); // something kept the server in use
        later(status.seconds_left - status.warning);
      }
    }
    app.restored.then(check);
  }
};

export default plugin;
