// channelkit console: the agent's workspace, live. Plain JavaScript, no build step.
//
// The host is the only source of truth: the page renders the workspace snapshot and applies each
// delta of the event stream (Server-Sent Events). Every click is one AgentService call in protobuf's
// JSON mapping; the page changes only when the host's event says so. Provider-supplied text is only
// ever set as text, never parsed as HTML.
"use strict";

const API = "/api/channelkit.v1.AgentService/";
const CHIPS = { telephony: "TEL", sms: "SMS", chat: "CHAT" };
const ICON_CHANNELS = { phone: "telephony", call: "telephony", sms: "sms", message: "sms", chat: "chat" };
const PHONE = /^\+?[0-9][0-9 ().-]{5,}[0-9]$/;

const state = {
  ws: null, // the Workspace message
  transcripts: new Map(), // tab id -> [TranscriptEntry]
  seq: null,
  epoch: "",
  clockOffset: 0, // host clock minus this browser's clock, in ms
  stream: null,
  retryTimer: null,
};

const $ = (id) => document.getElementById(id);

// --- DOM helper: elements from data, text only ------------------------------------------------

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// Rebuild `container` with `build()`, keeping the focused control and typed text (by data-key).
function rebuild(container, build) {
  const active = document.activeElement;
  const focusKey = container.contains(active) ? active.dataset.key : undefined;
  const typed = new Map();
  for (const input of container.querySelectorAll("input[data-key]")) typed.set(input.dataset.key, input.value);
  container.replaceChildren(...build());
  for (const input of container.querySelectorAll("input[data-key]")) {
    if (typed.has(input.dataset.key)) input.value = typed.get(input.dataset.key);
  }
  if (focusKey) container.querySelector(`[data-key="${CSS.escape(focusKey)}"]`)?.focus();
}

// --- talking to the host -----------------------------------------------------------------------

class HostError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message || `the host answered HTTP ${status}`);
    this.status = status;
    this.code = error.status || "";
    const info = (error.details || []).find((d) => d["@type"]?.endsWith("google.rpc.ErrorInfo"));
    this.reason = info?.reason || "";
  }
}

async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body ?? {}),
      credentials: "same-origin",
    });
  } catch {
    throw new HostError(0, { error: { message: "the host cannot be reached; check that it is running" } });
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) throw new HostError(response.status, data);
  return data;
}

// One agent action: say in words what failed, never swallow it.
async function act(what, method, body) {
  try {
    const result = await post(API + method, body);
    hideError();
    return result;
  } catch (error) {
    if (error.status === 401) return showSignIn("Your sign-in ended; sign in again.");
    showError(`${what} failed: ${error.message}${error.reason ? ` (${error.reason})` : ""}`);
    return null;
  }
}

function showError(text) {
  $("error-text").textContent = text;
  $("error-banner").hidden = false;
}

function hideError() {
  $("error-banner").hidden = true;
}

// --- sign-in -----------------------------------------------------------------------------------

function showSignIn(message = "") {
  stopStream();
  state.ws = null;
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  $("signin-token").focus();
}

async function signIn(token) {
  try {
    await post("/api/signin", { token });
  } catch (error) {
    $("signin-error").textContent = `Sign-in failed: ${error.message}`;
    return false;
  }
  $("signin-token").value = "";
  startApp();
  return true;
}

async function signOut() {
  try {
    await post("/api/signout");
  } finally {
    showSignIn("Signed out.");
  }
}

function startApp() {
  $("signin").hidden = true;
  $("app").hidden = false;
  connect();
}

// --- the live stream ---------------------------------------------------------------------------

function streamUrl() {
  const url = API + "WatchWorkspace";
  return state.seq === null ? url : `${url}?after_seq=${state.seq}&epoch=${encodeURIComponent(state.epoch)}`;
}

function connect() {
  stopStream();
  setConnection("Connecting…", "");
  const stream = new EventSource(streamUrl());
  state.stream = stream;
  stream.addEventListener("open", () => setConnection("Live", "live"));
  stream.addEventListener("workspace", (message) => applyEvent(JSON.parse(message.data)));
  stream.addEventListener("problem", (message) => {
    const error = JSON.parse(message.data).error ?? {};
    setConnection(error.status === "UNAVAILABLE" ? "Host stopping…" : "Catching up…", "down");
  });
  stream.addEventListener("error", () => {
    if (stream.readyState !== EventSource.CLOSED) return setConnection("Reconnecting…", "down");
    setConnection("Offline", "down");
    stopStream();
    // A closed stream is a refused one: signed out, or the host is gone. Ask which.
    post(API + "GetWorkspace")
      .then(() => (state.retryTimer = setTimeout(connect, 1000)))
      .catch((error) => {
        if (error.status === 401) showSignIn("Your sign-in ended; sign in again.");
        else state.retryTimer = setTimeout(connect, 2000);
      });
  });
}

function stopStream() {
  clearTimeout(state.retryTimer);
  state.stream?.close();
  state.stream = null;
}

function setConnection(text, kind) {
  const el = $("connection");
  el.textContent = text;
  el.className = `connection ${kind}`;
}

// --- applying the host's events ----------------------------------------------------------------

function applyEvent(event) {
  state.seq = Number(event.seq);
  state.epoch = event.epoch;
  if (event.snapshot) return applySnapshot(event);
  const ws = state.ws;
  if (!ws) return;
  if (event.sessionUpdated) {
    const session = event.sessionUpdated;
    const index = ws.sessions.findIndex((s) => s.id === session.id);
    if (index >= 0) ws.sessions[index] = session;
    else ws.sessions.push(session);
    renderSessions();
    if (session.id === ws.focusedSessionId) renderSessionView();
  } else if (event.sessionRemoved) {
    const id = event.sessionRemoved.sessionId;
    for (const tab of ws.sessions.find((s) => s.id === id)?.tabs ?? []) state.transcripts.delete(tab.id);
    ws.sessions = ws.sessions.filter((s) => s.id !== id);
    renderSessions();
  } else if (event.focusChanged) {
    ws.focusedSessionId = event.focusChanged.sessionId;
    renderSessions();
    renderSessionView();
  } else if (event.notificationShown) {
    ws.notifications = [...ws.notifications.filter((n) => n.id !== event.notificationShown.id), event.notificationShown];
    renderToasts();
  } else if (event.notificationRemoved) {
    ws.notifications = ws.notifications.filter((n) => n.id !== event.notificationRemoved.notificationId);
    renderToasts();
  } else if (event.settingsChanged) {
    Object.assign(ws, event.settingsChanged);
    renderSettings();
    renderSessionView();
  } else if (event.transcriptAppended) {
    appendEntry(event.transcriptAppended);
  } else if (event.tabRefreshRequested) {
    const frame = document.querySelector(`iframe[data-tab="${CSS.escape(event.tabRefreshRequested.tabId)}"]`);
    if (frame) frame.src = frame.src;
  } else if (event.attentionAlert) {
    flashSession(event.attentionAlert.sessionId);
  }
}

function applySnapshot(event) {
  const ws = event.snapshot;
  state.ws = ws;
  state.clockOffset = Date.parse(event.occurredAt) - Date.now();
  state.transcripts = new Map(ws.transcripts.map((t) => [t.tabId, t.entries]));
  $("agent-name").textContent = ws.displayName || ws.agentId;
  renderSettings();
  renderSessions();
  renderSessionView();
  renderToasts();
}

function appendEntry({ tabId, entry }) {
  const entries = state.transcripts.get(tabId) ?? [];
  entries.push(entry);
  state.transcripts.set(tabId, entries);
  const list = document.querySelector(`ol.transcript[data-tab="${CSS.escape(tabId)}"]`);
  if (list) {
    list.append(renderEntry(entry));
    list.scrollTop = list.scrollHeight;
  }
}

function flashSession(sessionId) {
  const item = document.querySelector(`li[data-session="${CSS.escape(sessionId)}"]`);
  if (!item) return;
  item.classList.remove("alerting");
  void item.offsetWidth; // restart the animation
  item.classList.add("alerting");
}

// --- rendering: header -------------------------------------------------------------------------

function renderSettings() {
  const ws = state.ws;
  const presence = $("presence");
  presence.replaceChildren(...ws.presences.map((p) => h("option", { value: p, text: p })));
  presence.value = ws.presence;
  $("panel-mode").value = ws.panelMode;
}

// --- rendering: the session list ---------------------------------------------------------------

function channelOf(session) {
  return session.home ? "home" : session.channel || "";
}

function chip(channel, label) {
  return h("span", { class: `chip ${channel}`, "aria-hidden": "true", text: label });
}

function sessionLabel(session) {
  const parts = [session.title, session.home ? "home" : session.channel || session.ownerProvider];
  if (session.unreadCount > 0) parts.push(`${session.unreadCount} unread`);
  else if (session.attention) parts.push("needs attention");
  if (session.kpiBreach) parts.push(`KPI breached${session.kpiBreachDetails ? `: ${session.kpiBreachDetails}` : ""}`);
  return parts.join(", ");
}

function renderSessions() {
  const ws = state.ws;
  const total = ws.sessions.reduce((sum, s) => sum + (s.unreadCount || 0), 0);
  document.title = total ? `(${total}) channelkit console` : "channelkit console";
  $("session-count").textContent = `(${ws.sessions.length - 1})`;
  rebuild($("sessions"), () => ws.sessions.map((session) => renderSessionItem(session)));
}

function renderSessionItem(session) {
  const focused = session.id === state.ws.focusedSessionId;
  const channel = channelOf(session);
  const badge = session.unreadCount > 0 ? h("span", { class: "badge", "aria-hidden": "true", text: session.unreadCount }) : null;
  const attention = !badge && session.attention ? h("span", { class: "badge", "aria-hidden": "true", text: "!" }) : null;
  const kpi = session.kpiBreach ? h("span", { class: "kpi", title: session.kpiBreachDetails || "KPI breached", "aria-hidden": "true", text: "KPI" }) : null;
  const open = h(
    "button",
    {
      class: "session-button",
      type: "button",
      "aria-current": focused ? "true" : null,
      "aria-label": sessionLabel(session),
      dataset: { key: `session:${session.id}`, session: session.id },
      onclick: () => switchTo(session),
      onkeydown: (e) => onSessionKey(e, session),
    },
    chip(channel, session.home ? "HOME" : CHIPS[channel] || channel.slice(0, 4).toUpperCase() || "•"),
    h("span", { class: "session-title", text: session.title }),
    badge,
    attention,
    kpi,
  );
  const close = session.home
    ? null
    : h("button", {
        class: "session-close",
        type: "button",
        "aria-label": `Close session ${session.title}`,
        title: "Close session",
        dataset: { key: `close:${session.id}` },
        onclick: () => closeSession(session),
        text: "✕",
      });
  return h("li", { class: `session-item${focused ? " focused" : ""}`, dataset: { session: session.id } }, open, close);
}

function onSessionKey(event, session) {
  const buttons = [...document.querySelectorAll(".session-button")];
  const index = buttons.indexOf(event.currentTarget);
  const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: buttons.length - 1 };
  if (event.key in moves) {
    event.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, moves[event.key]))]?.focus();
  } else if (event.key === "Delete" && !session.home) {
    event.preventDefault();
    closeSession(session);
  }
}

function switchTo(session) {
  if (session.id !== state.ws.focusedSessionId) act("Switching session", "SwitchSession", { sessionId: session.id });
}

function closeSession(session) {
  act(`Closing “${session.title}”`, "CloseSession", { sessionId: session.id });
}

// --- rendering: the focused session ------------------------------------------------------------

function focusedSession() {
  const ws = state.ws;
  return ws.sessions.find((s) => s.id === ws.focusedSessionId) ?? ws.sessions[0];
}

function renderSessionView() {
  const view = $("session-view");
  const ws = state.ws;
  view.classList.toggle("minimized", ws.panelMode === "PANEL_MODE_MINIMIZED");
  view.classList.toggle("hidden-panel", ws.panelMode === "PANEL_MODE_HIDDEN");
  const session = focusedSession();
  rebuild(view, () => [
    h("p", { class: "panel-note muted", hidden: ws.panelMode !== "PANEL_MODE_HIDDEN", text: "The panel is hidden. Choose Panel: Docked to show it." }),
    h("header", { class: "session-header" },
      chip(channelOf(session), session.home ? "HOME" : CHIPS[session.channel] || "•"),
      h("h2", { text: session.title }),
      session.kpiBreach ? h("span", { class: "kpi", text: `KPI breached${session.kpiBreachDetails ? `: ${session.kpiBreachDetails}` : ""}` }) : null,
    ),
    h("div", { class: "session-body" }, session.home ? renderHome() : renderSessionBody(session)),
  ]);
  scrollTranscripts();
}

function renderHome() {
  return [
    h("p", { class: "home-note", text: "Home. Accepted contacts appear in the session list; incoming ones as toasts at the bottom right." }),
    renderDialer(),
  ];
}

function renderDialer() {
  const input = h("input", { id: "dial-number", type: "tel", placeholder: "+1 555 0100", "aria-label": "Number to call", dataset: { key: "dial" } });
  const call = () => input.value.trim() && callOut(input.value.trim(), "number").then((ok) => ok && (input.value = ""));
  input.addEventListener("keydown", (e) => e.key === "Enter" && call());
  return h("div", { class: "dial" }, h("label", { for: "dial-number", text: "Call a number" }), input, h("button", { type: "button", dataset: { key: "dial-go" }, onclick: call, text: "Call" }));
}

async function callOut(number, name) {
  const shown = number.length > 32 ? `${number.slice(0, 32)}…` : number;
  const result = await act(`Calling ${shown}`, "ClickToAct", { click: { value: number, name, format: "phone" } });
  if (result) setConnection(`Calling via ${result.provider}…`, "live");
  setTimeout(() => state.stream && setConnection("Live", "live"), 2500);
  return result !== null;
}

function renderSessionBody(session) {
  return [renderContext(session), renderActions(session), renderTabs(session), renderTabPanel(session)];
}

function renderContext(session) {
  const entries = Object.entries(session.context || {}).filter(([key]) => !key.startsWith("_"));
  if (!entries.length) return null;
  return h(
    "dl",
    { class: "context", "aria-label": "Customer" },
    entries.map(([key, value]) =>
      h("div", {},
        h("dt", { text: key }),
        h("dd", {}, PHONE.test(value)
          ? h("button", { type: "button", class: "phone", dataset: { key: `phone:${key}` }, "aria-label": `Call ${value}`, onclick: () => callOut(value, key), text: `☎ ${value}` })
          : value),
      ),
    ),
  );
}

function renderActions(session) {
  if (!session.actions.length) return null;
  return h(
    "div",
    { class: "actions", role: "group", "aria-label": "Session actions" },
    session.actions.map((action) => (action.takesText ? renderTextAction(session, action) : renderButtonAction(session, action))),
  );
}

function renderButtonAction(session, action) {
  return h("button", {
    type: "button",
    class: action.id === "hangup" || action.id === "end" ? "danger" : "",
    disabled: !action.enabled,
    dataset: { key: `action:${session.id}:${action.id}` },
    onclick: () => act(action.label, "InvokeAction", { sessionId: session.id, actionId: action.id }),
    text: action.label,
  });
}

function renderTextAction(session, action) {
  const key = `action:${session.id}:${action.id}`;
  const input = h("input", { type: "text", "aria-label": action.placeholder || action.label, placeholder: action.placeholder, disabled: !action.enabled, dataset: { key: `${key}:text` } });
  const send = async () => {
    const text = input.value.trim();
    if (!text) return showError(`${action.label}: type something first`);
    const done = await act(action.label, "InvokeAction", { sessionId: session.id, actionId: action.id, text });
    if (done) input.value = "";
  };
  input.addEventListener("keydown", (e) => e.key === "Enter" && send());
  return h("div", { class: "action-text" }, input, h("button", { type: "button", class: "primary", disabled: !action.enabled, dataset: { key }, onclick: send, text: action.label }));
}

function renderTabs(session) {
  if (!session.tabs.length) return null;
  return h(
    "div",
    { class: "tablist", role: "tablist", "aria-label": "Tabs" },
    session.tabs.map((tab) => {
      const selected = tab.id === session.focusedTabId;
      return h("div", { class: `tab${selected ? " selected" : ""}` },
        h("button", {
          type: "button",
          role: "tab",
          class: "tab-button",
          id: `tab-${tab.id}`,
          "aria-selected": selected ? "true" : "false",
          "aria-controls": "tabpanel",
          tabindex: selected ? "0" : "-1",
          dataset: { key: `tab:${tab.id}` },
          onclick: () => selected || act(`Opening tab “${tab.title}”`, "FocusTab", { tabId: tab.id }),
          onkeydown: onTabKey,
          text: tab.title,
        }),
        tab.canClose && !tab.anchor
          ? h("button", { type: "button", class: "tab-close", "aria-label": `Close tab ${tab.title}`, dataset: { key: `tabclose:${tab.id}` }, onclick: () => act(`Closing tab “${tab.title}”`, "CloseTab", { tabId: tab.id }), text: "✕" })
          : null,
      );
    }),
  );
}

function onTabKey(event) {
  const tabs = [...document.querySelectorAll(".tab-button")];
  const index = tabs.indexOf(event.currentTarget);
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (step) {
    event.preventDefault();
    tabs[(index + step + tabs.length) % tabs.length].focus();
  }
}

function renderTabPanel(session) {
  const tab = session.tabs.find((t) => t.id === session.focusedTabId) ?? session.tabs[0];
  if (!tab) return null;
  const panel = h("div", { class: "tabpanel", id: "tabpanel", role: "tabpanel", "aria-labelledby": `tab-${tab.id}` });
  if (tab.pageType === "PAGE_TYPE_TRANSCRIPT") {
    const entries = state.transcripts.get(tab.id) ?? [];
    panel.append(h("ol", { class: "transcript", "aria-label": `${tab.title} transcript`, "aria-live": "polite", dataset: { tab: tab.id } }, entries.map(renderEntry)));
  } else if (tab.pageType === "PAGE_TYPE_RECORD") {
    panel.append(
      h("div", { class: "record-card" },
        h("strong", { text: `${tab.record?.entityName || "record"} ${tab.record?.entityId || ""}` }),
        tab.target ? h("a", { href: tab.target, target: "_blank", rel: "noopener noreferrer", text: "Open the record" }) : null,
      ),
    );
  } else if (/^https?:/.test(tab.target)) {
    panel.append(
      h("p", {}, h("a", { href: tab.target, target: "_blank", rel: "noopener noreferrer", text: `Open ${tab.title} in a new window` })),
      h("iframe", { class: "page-frame", src: tab.target, title: tab.title, sandbox: "allow-scripts allow-forms allow-popups", referrerpolicy: "no-referrer", dataset: { tab: tab.id } }),
    );
  } else {
    panel.append(h("p", { class: "muted", text: `${tab.title}: ${tab.target || "custom page"}` }));
  }
  return panel;
}

const ROLES = { AUTHOR_ROLE_CUSTOMER: "customer", AUTHOR_ROLE_AGENT: "agent", AUTHOR_ROLE_SYSTEM: "system" };

function renderEntry(entry) {
  const role = ROLES[entry.role] || "customer";
  const time = entry.occurredAt ? new Date(entry.occurredAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
  return h("li", { class: `entry ${role}` },
    h("div", { class: "entry-meta" }, h("span", { class: "who", text: entry.author || role }), h("time", { datetime: entry.occurredAt, text: time })),
    h("p", { text: entry.text }),
  );
}

function scrollTranscripts() {
  for (const list of document.querySelectorAll("ol.transcript")) list.scrollTop = list.scrollHeight;
}

// --- rendering: toasts -------------------------------------------------------------------------

function renderToasts() {
  rebuild($("toasts"), () => state.ws.notifications.map(renderToast));
  tickToasts();
}

function renderToast(toast) {
  const channel = ICON_CHANNELS[toast.icon] || "";
  const head = h("div", { class: "toast-head" },
    chip(channel, CHIPS[channel] || toast.provider.slice(0, 4).toUpperCase()),
    h("h3", { id: `toast-title-${toast.id}`, text: toast.title }),
    toast.showCountdown ? h("span", { class: "toast-count", "aria-hidden": "true", dataset: { countdown: toast.id } }) : null,
  );
  const fields = toast.fields.length ? h("dl", {}, toast.fields.map((f) => [h("dt", { text: f.header }), h("dd", { text: f.value })])) : null;
  const bar = toast.showCountdown ? h("div", { class: "toast-bar", "aria-hidden": "true" }, h("div", { dataset: { bar: toast.id } })) : null;
  const buttons = h("div", { class: "toast-buttons" },
    toast.showReject ? h("button", { type: "button", class: "reject", dataset: { key: `reject:${toast.id}` }, onclick: () => answer(toast, "REJECT"), text: toast.rejectLabel || "Reject" }) : null,
    h("button", { type: "button", class: "primary accept", dataset: { key: `accept:${toast.id}` }, onclick: () => answer(toast, "ACCEPT"), text: toast.acceptLabel || "Accept" }),
  );
  return h("section", { class: "toast", role: "group", "aria-labelledby": `toast-title-${toast.id}`, dataset: { toast: toast.id } }, head, fields, bar, buttons);
}

function answer(toast, action) {
  act(`${action === "ACCEPT" ? "Accepting" : "Rejecting"} “${toast.title}”`, "RespondToNotification", {
    notificationId: toast.id,
    action: `NOTIFICATION_ACTION_${action}`,
  });
}

function tickToasts() {
  if (!state.ws) return;
  const now = Date.now() + state.clockOffset;
  for (const toast of state.ws.notifications) {
    if (!toast.showCountdown || !toast.expiresAt) continue;
    const total = Date.parse(toast.expiresAt) - Date.parse(toast.shownAt);
    const left = Math.max(0, Date.parse(toast.expiresAt) - now);
    const count = document.querySelector(`[data-countdown="${CSS.escape(toast.id)}"]`);
    if (count) count.textContent = `${Math.ceil(left / 1000)} s`;
    const bar = document.querySelector(`[data-bar="${CSS.escape(toast.id)}"]`);
    if (bar) bar.style.width = `${total > 0 ? (100 * left) / total : 0}%`;
  }
}

// --- keyboard and start-up ---------------------------------------------------------------------

function onGlobalKey(event) {
  if (!state.ws || !event.altKey) return;
  const toast = state.ws.notifications[0];
  const key = event.key.toLowerCase();
  if (key === "a" && toast) answer(toast, "ACCEPT");
  else if (key === "r" && toast && toast.showReject) answer(toast, "REJECT");
  else if (key === "s") document.querySelector(".session-item.focused .session-button")?.focus();
  else return;
  event.preventDefault();
}

function wire() {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("signin-token").value.trim();
    if (!token) $("signin-error").textContent = "Enter your agent token.";
    else signIn(token);
  });
  $("signout").addEventListener("click", signOut);
  $("error-dismiss").addEventListener("click", hideError);
  $("presence").addEventListener("change", (e) => act("Setting presence", "SetPresence", { presence: e.target.value }).then((r) => r || renderSettings()));
  $("panel-mode").addEventListener("change", (e) => act("Setting the panel mode", "SetPanelMode", { mode: e.target.value }).then((r) => r || renderSettings()));
  document.addEventListener("keydown", onGlobalKey);
  setInterval(tickToasts, 250);
}

async function boot() {
  wire();
  // A sign-in link (`#token=...`, printed by `channelkit demo`): sign in, then drop the token from the address bar.
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    history.replaceState(null, "", location.pathname);
    if (await signIn(fromLink)) return;
    return showSignIn("The sign-in link is not valid for this host; sign in with your token.");
  }
  try {
    await post(API + "GetWorkspace");
    startApp();
  } catch (error) {
    showSignIn(error.status === 401 ? "" : `The host cannot be reached: ${error.message}`);
  }
}

boot();
