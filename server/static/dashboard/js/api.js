// REST calls to /api with the session cookie and the double-submit CSRF header.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

function csrfCookie() {
  const match = document.cookie.match(/(?:^|;\s*)reflect_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export class Api {
  constructor({ onUnauthorized = () => {}, onPasswordChangeRequired = () => {} } = {}) {
    this.csrf = "";
    this.onUnauthorized = onUnauthorized;
    this.onPasswordChangeRequired = onPasswordChangeRequired;
  }

  async request(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = this.csrf || csrfCookie();
    const response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return null;
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      const detail = (data && data.detail) || {};
      // FastAPI's own validation errors come as a list of problems, ours as {code, message}.
      const code = Array.isArray(detail) ? "invalid_input" : typeof detail === "object" ? detail.code : String(detail);
      // A wrong password at sign-in or on the lock screen is an answer, not a sign-out.
      if (response.status === 401 && !["/api/auth/login", "/api/auth/unlock"].includes(path)) this.onUnauthorized(code);
      if (response.status === 403 && code === "password_change_required") this.onPasswordChangeRequired();
      throw new ApiError(response.status, code || `http_${response.status}`, detail.message);
    }
    return data;
  }

  get(path) { return this.request("GET", path); }
  post(path, body = {}) { return this.request("POST", path, body); }
  del(path) { return this.request("DELETE", path); }

  async login(username, password, totp) {
    const body = { username, password };
    if (totp) body.totp = totp;
    const data = await this.post("/api/auth/login", body);
    this.csrf = data.csrf_token;
    return data;
  }

  async me() {
    const data = await this.get("/api/auth/me");
    this.csrf = data.csrf_token;
    return data;
  }

  async changePassword(currentPassword, newPassword) {
    const data = await this.post("/api/me/password", { current_password: currentPassword, new_password: newPassword });
    this.csrf = data.csrf_token;
    return data;
  }
}
