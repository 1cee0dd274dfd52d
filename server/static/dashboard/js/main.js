// Dashboard app: sign-in (and the forced one-time-password change), hash routes, live stream, alerts.

import { accountView, forcedPasswordView } from "./account.js";
import { adminView } from "./admin.js";
import { Alarm, Beeper, renderBanners } from "./alerts.js";
import { Api } from "./api.js";
import { TherapistStream } from "./live.js";
import { IdleWatch, WHILE_LOCKED, lockView } from "./lock.js";
import { Store } from "./store.js";
import { historyView, loginView, sessionList, sessionView, todayView } from "./views.js";

const $ = (id) => document.getElementById(id);
const STATUS_TEXT = { connecting: "Connecting…", reconnecting: "Reconnecting…", live: "Live", signed_out: "Signed out" };
const LOCK_STATUS = "Locked — alerts only";

class App {
  constructor() {
    this.api = new Api({
      onUnauthorized: (code) => (code === "locked" ? this.lock(false) : this.signedOut()),
      onPasswordChangeRequired: () => this.mustChangePassword(this.user),
    });
    this.store = new Store();
    this.beeper = new Beeper();
    this.alarm = new Alarm(this.beeper);
    this.user = null;
    this.locked = false;
    this.seqAtLock = 0;
    this.idle = new IdleWatch({
      onIdle: () => this.lock(true),
      onActive: () => this.api.get("/api/auth/me").catch(() => {}),
    });
    this.passwordChangeRequired = false;
    this.stream = new TherapistStream({
      onEvent: (message) => this.onLiveEvent(message),
      onStatus: (status) => {
        $("live-status").textContent = this.locked && status === "live" ? LOCK_STATUS : STATUS_TEXT[status] ?? "";
        $("live-status").dataset.state = status;
        if (status === "signed_out") this.signedOut();
      },
      onReset: () => this.loadSessions(),
      onLocked: () => this.lock(false),
    });
    this.store.subscribe(() => this.renderBanners());
    this.renderQueued = false;
  }

  async start() {
    window.addEventListener("hashchange", () => this.route());
    document.addEventListener("click", () => this.beeper.unlock(), { once: true });
    $("logout").addEventListener("click", () => this.logout());
    try {
      const me = await this.api.me();
      this.idleSeconds = me.idle_logoff_s;
      if (me.locked) {
        this.user = me.user;
        this.stream.start();
        this.lock(false);
        return;
      }
      await this.signedIn(me.user, me.password_change_required);
    } catch {
      this.route();
    }
  }

  async login(username, password, totp) {
    const data = await this.api.login(username, password, totp);
    this.idleSeconds = data.idle_logoff_s;
    this.beeper.unlock(); // the sign-in click lets alerts make sound
    await this.signedIn(data.user, data.password_change_required);
  }

  /** A one-time password: nothing but the password change until it is done (the API agrees). */
  mustChangePassword(user) {
    if (!user || (this.passwordChangeRequired && this.user === user)) return;
    this.user = user;
    this.passwordChangeRequired = true;
    this.stream.stop();
    $("who").textContent = user.display_name || user.username;
    $("nav").hidden = true;
    $("logout").hidden = false;
    $("live-status").textContent = "";
    this.route();
  }

  async passwordChanged(data) {
    await this.signedIn(data.user, data.password_change_required);
  }

  async signedIn(user, passwordChangeRequired = false) {
    if (passwordChangeRequired) {
      this.mustChangePassword(user);
      return;
    }
    this.user = user;
    this.passwordChangeRequired = false;
    this.locked = false;
    document.body.dataset.locked = "false";
    this.idle.start(this.idleSeconds ?? 0);
    $("who").textContent = `${user.display_name || user.username} (${user.role.replace("_", " ")})`;
    $("nav").hidden = false;
    $("logout").hidden = false;
    $("nav-admin").hidden = user.role !== "admin";
    await this.loadSessions();
    if (!this.stream.socket) this.stream.start();
    if (!location.hash || location.hash === "#/login") location.hash = "#/today";
    else this.route();
  }

  /** Idle logoff: hide client text, keep the alert stream (fromTimer: tell the server too). */
  lock(fromTimer) {
    if (!this.user || this.locked) return;
    this.locked = true;
    this.seqAtLock = this.stream.lastSeq;
    document.body.dataset.locked = "true";
    this.idle.stop();
    if (fromTimer) this.api.post("/api/auth/lock").catch(() => {});
    $("nav").hidden = true;
    $("live-status").textContent = LOCK_STATUS;
    this.renderBanners();
    this.route();
  }

  async unlock(password, totp) {
    const body = {};
    if (password) body.password = password;
    if (totp) body.totp = totp;
    const data = await this.api.post("/api/auth/unlock", body);
    this.api.csrf = data.csrf_token;
    this.beeper.unlock();
    const seq = this.seqAtLock;
    await this.signedIn(data.user, data.password_change_required);
    // What was held back while locked is replayed from the seq the screen had when it locked.
    this.stream.resumeFrom(seq);
  }

  signedOut() {
    if (!this.user) return;
    this.user = null;
    this.locked = false;
    document.body.dataset.locked = "false";
    this.idle.stop();
    this.passwordChangeRequired = false;
    this.stream.stop();
    $("nav").hidden = true;
    $("logout").hidden = true;
    $("who").textContent = "";
    $("alerts").replaceChildren();
    location.hash = "#/login";
    this.route();
  }

  async logout() {
    try {
      await this.api.post("/api/auth/logout");
    } finally {
      this.signedOut();
    }
  }

  async loadSessions() {
    try {
      const data = await this.api.get("/api/sessions?limit=200");
      for (const row of data.sessions ?? []) this.store.mergeRest(row);
      const alerts = await this.api.get("/api/alerts?open=true");
      for (const alert of alerts.alerts ?? []) this.store.addAlert(alert);
    } catch {
      // Front desk and admins may not list sessions; the live stream still works.
    }
    this.renderBanners();
  }

  async loadDetail(id) {
    try {
      this.store.mergeDetail(await this.api.get(`/api/sessions/${encodeURIComponent(id)}`));
    } catch {
      // Not ours or gone: the view shows what the live stream told us.
    }
  }

  async createSession(label, lang, therapistId = null) {
    const body = { lang };
    if (label) body.label = label;
    if (therapistId) body.therapist_id = therapistId;
    const created = await this.api.post("/api/sessions", body);
    // The code is shown once; the label also comes back from the API after a reload.
    this.store.mergeRest({ ...created, label: label || null, lang, created_at: new Date().toISOString(), status: "pending" });
    return created;
  }

  async acknowledge(alertId, note = "") {
    if (this.locked) return; // unlock first: acknowledging is a signed-in act
    const result = await this.api.post(`/api/alerts/${encodeURIComponent(alertId)}/acknowledge`, note ? { note } : {});
    const alert = this.store.alerts.get(alertId);
    this.store.addAlert({ alert_id: alertId, session_id: alert?.session_id, acknowledged: true, acknowledged_at: result?.acknowledged_at, ack_note: result?.note ?? null, by_name: this.user?.display_name || this.user?.username });
    this.store.changed({ event: "alert_acknowledged" });
    this.scheduleRender();
  }

  onLiveEvent(message) {
    // Locked: client text is not even kept; it comes again (replayed) after unlocking.
    if (this.locked && !WHILE_LOCKED.has(message.event)) return;
    const alertId = message.data?.alert_id;
    const known = alertId && this.store.alerts.get(alertId);
    this.store.apply(message);
    const urgent = ["risk_alert", "alert_escalated"].includes(message.event) && message.data.urgent;
    if (urgent && !known?.acknowledged && (!known || message.event === "alert_escalated")) this.beeper.beep();
    this.scheduleRender();
  }

  renderBanners() {
    const open = this.store.openUrgentAlerts();
    renderBanners($("alerts"), open, {
      sessionLabel: (id) => this.store.session(id).label || `session ${String(id).slice(0, 8)}`,
      onAcknowledge: (id, note) => this.acknowledge(id, note),
      locked: this.locked,
      canAcknowledge: (alert) => !this.locked && (this.user?.role !== "front_desk" || Boolean(alert.escalated || alert.escalated_at)),
    });
    this.alarm.update(open);
  }

  /** Re-render live views at most once per frame, keeping focus where the user was. */
  scheduleRender() {
    if (this.renderQueued || this.locked) return; // the lock screen shows no session content
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      const [, page] = location.hash.split("/");
      const list = document.getElementById("session-list");
      // Lists update in place so the create form (and what is typed in it) stays untouched.
      if (list && (page === "today" || page === "history")) list.replaceChildren(sessionList(this, page === "today" ? "today" : "all"));
      else if (page === "session") this.route(false);
    });
  }

  async route(moveFocus = true) {
    const main = $("main");
    const [, page = "", id] = location.hash.split("/");
    let content;
    if (!this.user) content = loginView(this);
    else if (this.locked) content = lockView(this);
    else if (this.passwordChangeRequired) content = forcedPasswordView(this);
    else if (page === "session" && id) {
      if (moveFocus) await this.loadDetail(decodeURIComponent(id));
      content = sessionView(this, decodeURIComponent(id));
    }
    else if (page === "history") content = historyView(this);
    else if (page === "admin" && this.user.role === "admin") content = await adminView(this);
    else if (page === "account") content = await accountView(this);
    else content = todayView(this);
    main.replaceChildren(...content.flat(Infinity).filter(Boolean));
    for (const link of document.querySelectorAll("nav a")) {
      link.toggleAttribute("aria-current", link.getAttribute("href") === `#/${page}`);
      if (link.hasAttribute("aria-current")) link.setAttribute("aria-current", "page");
    }
    this.alarm.setBaseTitle(`${main.querySelector("h1")?.textContent ?? "Dashboard"} — Reflect`);
    if (moveFocus) main.querySelector("h1")?.setAttribute("tabindex", "-1");
    if (moveFocus) main.querySelector("h1")?.focus();
  }
}

new App().start();
