import re, time
from playwright.sync_api import expect
from ..conftest import make_user
from .test_browser import open_login, submit_login, LAB_TIMEOUT

def test_dbg(hub, admin, new_page):
    carol = make_user(hub, admin, "carol")
    page = new_page("en-US")
    logs = []
    t0 = time.monotonic()
    page.on("console", lambda m: logs.append(f"{time.monotonic()-t0:.1f} {m.type} {m.text[:300]}"))
    import json, struct
    def dec(p):
        if isinstance(p, str): return p[:150]
        n = struct.unpack("<Q", p[:8])[0]
        offs = struct.unpack(f"<{n}Q", p[8:8+8*n])
        parts = [p[offs[i]:offs[i+1] if i+1 < len(offs) else len(p)] for i in range(len(offs))]
        h = json.loads(parts[1])
        return f"{parts[0].decode()} {h.get('msg_type')} {parts[-1][:120] if len(parts)>4 else ''}"
    def onws(ws):
        logs.append(f"{time.monotonic()-t0:.1f} WS {ws.url}")
        ws.on("framesent", lambda p: logs.append(f"{time.monotonic()-t0:.1f} SENT {dec(p)}"))
        ws.on("framereceived", lambda p: logs.append(f"{time.monotonic()-t0:.1f} RECV {dec(p)}"))
        ws.on("close", lambda w: logs.append(f"{time.monotonic()-t0:.1f} CLOSE {w.url}"))
    page.on("websocket", onws)
    open_login(page, hub)
    submit_login(page, carol)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=LAB_TIMEOUT)
    launcher = page.locator('.jp-LauncherCard[data-category="Notebook"]').first
    expect(launcher).to_be_visible(timeout=LAB_TIMEOUT)
    launcher.click()
    notebook = page.locator(".jp-NotebookPanel:visible")
    expect(notebook.locator(".jp-Toolbar-kernelStatus")).to_have_attribute("title", "Kernel Idle", timeout=120_000)
    logs.append(f"{time.monotonic()-t0:.1f} IDLE")
    cell = notebook.locator(".jp-CodeCell").first
    editor = cell.locator(".cm-content")
    editor.click()
    page.keyboard.type("print(6*7)")
    expect(editor).to_have_text("print(6*7)")
    logs.append(f"{time.monotonic()-t0:.1f} SHIFTENTER")
    page.keyboard.press("Shift+Enter")
    try:
        expect(cell.locator(".jp-OutputArea-output")).to_have_text("42", timeout=30_000)
    finally:
        print("\n".join(logs))
