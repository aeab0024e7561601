// "Share an app" in JupyterLab: a Launcher card, and "Run as app…" in the
// file browser's context menu of .py and .ipynb files. Both open the hub's
// apps page (hub/apps/page.py), where the person starts and shares the app,
// with the file prefilled; the page does every check and every change.
// Its labels come translated in the page config (campushubApps: the server
// extension campushub_apps_texts, from the hub at spawn), only where the site
// runs apps; without them nothing is added. The page opens at the hub's own
// origin: with hub.subdomain_host this tab is on the person's origin, and
// JupyterHub gives the hub's in hubHost ('' when both are one). The card
// goes to the Launcher's own "Other" section, named as JupyterLab's
// translation names it. Both commands are in the command palette too
// (category CampusHub); there "Run as app…" takes the document in front,
// else the file selected in the file browser.
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { ITranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

const OPEN = 'campushub:share-an-app';
const RUN = 'campushub:run-as-app';
const CATEGORY = 'CampusHub';
const APP_FILE = /\.(py|ipynb)$/;
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
  '<path d="M4 4h16v12H4zM2 18h20v2H2z" fill-opacity=".25"/><circle cx="17" cy="8" r="2"/>' +
  '<circle cx="8" cy="12" r="2"/><path d="M9.6 11l5.8-2.6.5 1-5.8 2.6z"/></g></svg>';
const icon = new LabIcon({ name: 'campushub:app', svgstr: SVG });

function appsPage(path) {
  const page = URLExt.join(PageConfig.getOption('hubPrefix'), 'campushub/apps');
  const url = PageConfig.getOption('hubHost') + page;
  return path ? `${url}?path=${encodeURIComponent(path)}` : url;
}

function texts() {
  try {
    return JSON.parse(PageConfig.getOption('campushubApps') || 'null');
  } catch (e) {
    return null;
  }
}

function selectedFile(browser) {
  if (!browser) {
    return null;
  }
  for (const item of browser.selectedItems()) {
    return item.type === 'directory' ? null : item.path;
  }
  return null;
}

// the palette's: the document in front when it is a .py or .ipynb file
function frontFile(app, browser) {
  const widget = app.shell.currentWidget;
  const path = widget && widget.context ? widget.context.path : null;
  return path && APP_FILE.test(path) ? path : selectedFile(browser);
}

const plugin = {
  id: '@campushub/assignments:apps',
  description: 'Start and share an app from a file, on the hub apps page.',
  autoStart: true,
  optional: [ILauncher, IDefaultFileBrowser, ITranslator, ICommandPalette],
  activate: (app, launcher, browser, translator, palette) => {
    const t = texts();
    if (!t || !PageConfig.getOption('hubPrefix')) {
      return; // apps are off on this hub, or this is not a hub's server
    }
    const say = text => t[text] || text;
    app.commands.addCommand(OPEN, {
      label: say('Share an app'),
      caption: say('Start an app from a file and share its link'),
      icon,
      execute: () => window.open(appsPage(''), '_blank', 'noopener')
    });
    if (launcher) {
      const lab = translator ? translator.load('jupyterlab') : null;
      const other = lab ? lab.__('Other') : 'Other';
      launcher.add({ command: OPEN, category: other, rank: 50 });
    }
    // args.palette: from the palette (the document in front), else the file browser's menu
    const target = args => (args.palette ? frontFile(app, browser) : selectedFile(browser));
    app.commands.addCommand(RUN, {
      label: say('Run as app…'),
      caption: say('Start an app from a file and share its link'),
      icon,
      isVisible: args => target(args) !== null,
      execute: args => {
        const path = target(args);
        if (path) {
          window.open(appsPage(path), '_blank', 'noopener');
        }
      }
    });
    if (palette) {
      palette.addItem({ command: OPEN, category: CATEGORY });
      palette.addItem({ command: RUN, category: CATEGORY, args: { palette: true } });
    }
    if (!browser) {
      return;
    }
    for (const type of ['python', 'notebook']) {
      app.contextMenu.addItem({
        command: RUN,
        selector: `.jp-DirListing-item[data-file-type="${type}"]`,
        rank: 60
      });
    }
  }
};

export default plugin;
