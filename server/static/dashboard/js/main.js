// Dashboard app: sign-in (and the forced one-time-password change), hash routes, live stream, alerts.

import { accountView, forcedPasswordView } from "./account.js";
import { adminView } from "./admin.js";
import { reportView } from "./report.js";
import { Beeper, renderBanners } from "./alerts.js";
import { Api } from "./api.js";
import { TherapistStream } from "./live.js";
import { Store } from "./store.js";
import { historyView, loginView, sessionList, sessionView, todayView } from "./views.js";

const $ = (id) => document.getElementById(id);
const STATUS_TEXT = { connecting: "Connecting…", reconnecting: "Reconnecting…", live: "Live", signed_out: "Signed out" };

class App {
  constructor() {
    this.api = new Api({
      onUnauthorized: () => this.signedOut(),
      onPasswordChangeRequired: () => this.mustChangePassword(this.user),
    });
    this.store = new Store();
    this.beeper = new Beeper();
    this.user = null;
    this.passwordChangeRequired = false;
    this.stream = new TherapistStream({
      onEvent: (message) => this.onLiveEvent(message),
      onStatus: (status) => {
        $("live-status").textContent = STATUS_TEXT[status] ?? "";
        $("live-status").dataset.state = status;
        if (status === "signed_out") this.signedOut();
      },
      onReset: () => this.loadSessions(),
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
      await this.signedIn(me.user, me.password_change_required);
    } catch {
      this.route();
    }
  }

  async login(username, password, totp) {
    const data = await this.api.login(username, password, totp);
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
    $("who").textContent = `${user.display_name || user.username} (${user.role.replace("_", " ")})`;
    $("nav").hidden = false;
    $("logout").hidden = false;
    $("nav-admin").hidden = user.role !== "admin";
    $("nav-report").hidden = user.role !== "admin";
    await this.loadSessions();
    this.stream.start();
    if (!location.hash || location.hash === "#/login") location.hash = "#/today";
    else this.route();
  }

  signedOut() {
    if (!this.user) return;
    this.user = null;
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

  async acknowledge(alertId) {
    const result = await this.api.post(`/api/alerts/${encodeURIComponent(alertId)}/acknowledge`, {});
    const alert = this.store.alerts.get(alertId);
    this.store.addAlert({ alert_id: alertId, session_id: alert?.session_id, acknowledged: true, acknowledged_at: result?.acknowledged_at });
    this.store.changed({ event: "alert_acknowledged" });
    this.scheduleRender();
  }

  onLiveEvent(message) {
    this.store.apply(message);
    if (message.event === "risk_alert" && message.data.urgent) this.beeper.beep();
    this.scheduleRender();
  }

  renderBanners() {
    renderBanners($("alerts"), this.store.openUrgentAlerts(), {
      sessionLabel: (id) => this.store.session(id).label || `session ${String(id).slice(0, 8)}`,
      onAcknowledge: (id) => this.acknowledge(id),
    });
  }

  /** Re-render live views at most once per frame, keeping focus where the user was. */
  scheduleRender() {
    if (this.renderQueued) return;
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
    else if (this.passwordChangeRequired) content = forcedPasswordView(this);
    else if (page === "session" && id) {
      if (moveFocus) await this.loadDetail(decodeURIComponent(id));
      content = sessionView(this, decodeURIComponent(id));
    }
    else if (page === "history") content = historyView(this);
    else if (page === "admin" && this.user.role === "admin") content = await adminView(this);
    else if (page === "report" && this.user.role === "admin") content = await reportView(this);
    else if (page === "account") content = await accountView(this);
    else content = todayView(this);
    main.replaceChildren(...content.flat(Infinity).filter(Boolean));
    for (const link of document.querySelectorAll("nav a")) {
      link.toggleAttribute("aria-current", link.getAttribute("href") === `#/${page}`);
      if (link.hasAttribute("aria-current")) link.setAttribute("aria-current", "page");
    }
    document.title = `${main.querySelector("h1")?.textContent ?? "Dashboard"} — Reflect`;
    if (moveFocus) main.querySelector("h1")?.setAttribute("tabindex", "-1");
    if (moveFocus) main.querySelector("h1")?.focus();
  }
}

new App().start();
