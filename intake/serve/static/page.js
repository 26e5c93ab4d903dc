// The tablet page around textual-serve's terminal client (window.intakeClient, made by textual.js on load).
// 1. Font size for the screen: at least 84 columns and 30 rows, as large as that allows.
// 2. When the wizard's connection ends, the page starts a fresh wizard by itself (its welcome screen); when the
//    server ended it (idle, all tablets in use, a wizard that failed to start) the page says why in words.
// 3. Touch: a tap is a click; a swipe scrolls; on a signature pad a finger draws (press, drag, release).
// 4. On-screen keyboard: xterm.js reads keys from a hidden textarea; it asks for text input only while
//    the wizard says a text field has focus (message "keyboard"), so tapping a tile brings up no keyboard.
"use strict";

(function () {
  const LINES_PER_WHEEL = 2;
  const MIN_COLUMNS = 84, MIN_ROWS = 30, CELL_WIDTH = 0.6, CELL_HEIGHT = 1.32;

  let fixedSize = false;

  function fontSize() {
    const byWidth = window.innerWidth / (MIN_COLUMNS * CELL_WIDTH);
    const byHeight = window.innerHeight / (MIN_ROWS * CELL_HEIGHT);
    return Math.max(10, Math.min(24, Math.floor(Math.min(byWidth, byHeight))));
  }

  function chooseFontSize(terminal) {
    fixedSize = Number(terminal.dataset.fontSize) > 0;
    if (!fixedSize) terminal.dataset.fontSize = String(fontSize());
  }

  // Turning the tablet: a new font size first; textual.js's own resize handler then refits and tells the wizard.
  function followRotation() {
    window.addEventListener("resize", () => {
      const client = window.intakeClient;
      if (fixedSize || !client || !client.terminal) return;
      const size = fontSize();
      if (client.terminal.options.fontSize !== size) client.terminal.options.fontSize = size;
    });
  }

  // Why the server ended the session (close codes of intake/serve/web.py): the page says so in words.
  const CLOSED_IDLE = 4000, CLOSED_BUSY = 4001, CLOSED_FAILED = 4002;
  let closeCode = 0;

  function showNotice(reason) {
    const notice = document.getElementById("notice");
    if (!notice) return;
    notice.dataset.reason = reason;
    notice.hidden = false;
  }

  function afterClose() {
    if (closeCode === CLOSED_BUSY) {  // the server's page says all tablets are in use, and tries again
      window.location.replace("/");
      return;
    }
    if (closeCode === CLOSED_IDLE) {  // put to rest: a tap starts a fresh wizard
      showNotice("idle");
      const start = () => window.location.replace("/");
      document.addEventListener("pointerdown", start, { once: true });
      document.addEventListener("keydown", start, { once: true });
      return;
    }
    if (closeCode === CLOSED_FAILED) {  // its pause keeps growing across attempts that reach the server
      showNotice("failed");
      restartLater("intake-failures");
      return;
    }
    sessionStorage.removeItem("intake-failures");
    restartLater("intake-restarts");
  }

  function restartWhenClosed() {
    const observer = new MutationObserver(() => {
      if (!document.body.classList.contains("-closed")) return;
      observer.disconnect();
      setTimeout(afterClose, 0);  // after the socket's own close listeners have run
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ["class"] });
  }

  // A fresh wizard after a pause that doubles with each attempt counted under `key` (1 s up to 30 s):
  // "intake-restarts" counts attempts that found no server (reset when a socket opens), "intake-failures"
  // wizards that failed (reset when one ends normally).
  function restartLater(key) {
    const tries = Number(sessionStorage.getItem(key) || "0");
    sessionStorage.setItem(key, String(tries + 1));
    const wait = Math.min(30000, 1000 * Math.pow(2, Math.min(tries, 5)));
    setTimeout(() => window.location.replace("/"), wait);
  }

  function textarea() {
    return document.querySelector(".xterm-helper-textarea");
  }

  // What the wizard said about the focused field: show a keyboard or not, and which (see intake/tui/web.py).
  let keyboard = { show: false };
  let refocusing = false;

  function applyKeyboard(refocus) {
    const area = textarea();
    if (!area) return;
    const wanted = Boolean(keyboard.show);
    area.setAttribute("inputmode", wanted ? keyboard.mode || "text" : "none");
    area.setAttribute("autocapitalize", wanted ? keyboard.capitalize || "sentences" : "none");
    area.setAttribute("autocorrect", wanted ? keyboard.correct || "on" : "off");
    area.setAttribute("spellcheck", wanted && keyboard.correct !== "off" ? "true" : "false");
    area.setAttribute("autocomplete", "off");
    area.setAttribute("enterkeyhint", wanted ? keyboard.enter || "next" : "next");
    if (refocus && wanted) {
      // Blur and focus again so the browser re-reads inputmode; the wizard is not told (a blur would
      // take its focus from the field for a moment, and keys typed then would be lost).
      refocusing = true;
      area.blur();
      area.focus({ preventScroll: true });
      refocusing = false;
    }
  }

  function quietRefocus(client) {
    const onBlur = client.onBlur, onFocus = client.onFocus;
    client.onBlur = function () { if (!refocusing) onBlur.call(this); };
    client.onFocus = function () { if (!refocusing) onFocus.call(this); };
  }

  function listenToWizard(client) {
    const socket = client.socket;
    if (!socket) return;
    socket.addEventListener("open", () => sessionStorage.setItem("intake-restarts", "0"));
    socket.addEventListener("close", (event) => { closeCode = event.code; });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      const [kind, data] = JSON.parse(event.data);
      if (kind === "keyboard") {
        keyboard = data || { show: false };
        applyKeyboard(true);
      } else if (kind === "pointer") {
        drawing = Boolean(data && data.draw);
      }
    });
  }

  function mouse(type, point, target) {
    const init = { bubbles: true, cancelable: true, view: window, clientX: point.clientX, clientY: point.clientY,
                   screenX: point.screenX, screenY: point.screenY, button: 0, buttons: type === "mouseup" ? 0 : 1 };
    target.dispatchEvent(new MouseEvent(type, init));
  }

  function wheel(point, target, down) {
    // Textual scrolls two lines per wheel step (its default scroll_sensitivity_y): one step per two rows of finger
  // movement keeps the content under the finger.
    target.dispatchEvent(new WheelEvent("wheel", { bubbles: true, cancelable: true, view: window,
      clientX: point.clientX, clientY: point.clientY, deltaY: down ? 1 : -1, deltaMode: 1 }));
  }

  function rowHeight(element) {
    const client = window.intakeClient;
    const rows = client && client.terminal ? client.terminal.rows : 24;
    return element.getBoundingClientRect().height / Math.max(1, rows);
  }

  // While the wizard shows a signature pad it says "draw": a finger then draws (press, drag, release).
  // Otherwise a finger that moves scrolls (one wheel step per row), and one that does not move taps.
  let drawing = false;

  function fingerAsMouse(element) {
    let finger = null, target = null, start = null, last = null, scrolling = false;
    element.addEventListener("touchstart", (event) => {
      if (finger !== null || event.touches.length !== 1) return;
      const touch = event.changedTouches[0];
      event.preventDefault();
      finger = touch.identifier;
      target = document.elementFromPoint(touch.clientX, touch.clientY) || element;
      start = last = { clientX: touch.clientX, clientY: touch.clientY, screenX: touch.screenX, screenY: touch.screenY };
      scrolling = false;
      if (drawing) {
        mouse("mousemove", start, target);
        mouse("mousedown", start, target);
      }
    }, { passive: false });
    element.addEventListener("touchmove", (event) => {
      const touch = Array.from(event.changedTouches).find((t) => t.identifier === finger);
      if (!touch) return;
      event.preventDefault();
      const point = { clientX: touch.clientX, clientY: touch.clientY, screenX: touch.screenX, screenY: touch.screenY };
      if (drawing) {
        mouse("mousemove", point, target);
        return;
      }
      const step = rowHeight(element) * LINES_PER_WHEEL;
      if (!scrolling && Math.abs(point.clientY - start.clientY) < step * 0.6) return;
      scrolling = true;
      while (Math.abs(point.clientY - last.clientY) >= step) {
        const down = point.clientY < last.clientY;  // the finger pushes the page up: read further down
        wheel(start, target, down);
        last = { ...last, clientY: last.clientY + (down ? -step : step) };
      }
    }, { passive: false });
    const end = (event) => {
      const touch = Array.from(event.changedTouches).find((t) => t.identifier === finger);
      if (!touch) return;
      event.preventDefault();
      finger = null;
      const point = { clientX: touch.clientX, clientY: touch.clientY, screenX: touch.screenX, screenY: touch.screenY };
      if (drawing) {
        mouse("mouseup", point, target);
      } else if (!scrolling && event.type === "touchend") {
        mouse("mousemove", start, target);
        mouse("mousedown", start, target);
        mouse("mouseup", start, target);
      }
      // Focus inside the touch (a user gesture): the only moment a mobile browser lets a page raise its keyboard.
      applyKeyboard(false);
      const area = textarea();
      if (area) area.focus({ preventScroll: true });
    };
    element.addEventListener("touchend", end, { passive: false });
    element.addEventListener("touchcancel", end, { passive: false });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const terminal = document.getElementById("terminal");
    if (!terminal) return;
    chooseFontSize(terminal);
    followRotation();
    restartWhenClosed();
    fingerAsMouse(terminal);
    document.addEventListener("contextmenu", (event) => event.preventDefault());
  });

  window.addEventListener("load", () => {
    // textual.js (loaded first) has made its client and opened the socket in its own load handler.
    const client = window.intakeClient;
    if (client) {
      quietRefocus(client);
      listenToWizard(client);
      applyKeyboard(false);
    }
  });
})();
