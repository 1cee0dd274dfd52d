// The crisis screen holds until staff clear it: no inactivity timer runs there, and a staff
// member enters the kiosk's PIN (or clears it from the dashboard).

/** Wire the "Staff: clear this screen" button and its PIN form; send(message) -> bool. */
export function wireStaffClear(doc, { send }) {
  const open = doc.getElementById("staff-clear-open");
  const form = doc.getElementById("staff-clear-form");
  const input = doc.getElementById("staff-pin");
  open.addEventListener("click", () => {
    form.hidden = false;
    open.hidden = true;
    input.value = "";
    input.focus();
  });
  doc.getElementById("staff-clear-cancel").addEventListener("click", () => resetStaffClear(doc));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const pin = input.value.trim();
    if (!pin) return;
    doc.getElementById("staff-pin-error").textContent = "";
    send({ type: "staff_clear", pin });
    input.value = "";
  });
}

/** A wrong PIN: say so, keep the form open. */
export function staffPinRejected(doc, t) {
  doc.getElementById("staff-pin-error").textContent = t("crisis.pin_invalid");
  doc.getElementById("staff-pin").focus();
}

/** Close the PIN form (next client, or cancel). */
export function resetStaffClear(doc) {
  doc.getElementById("staff-clear-form").hidden = true;
  doc.getElementById("staff-clear-open").hidden = false;
  doc.getElementById("staff-pin").value = "";
  doc.getElementById("staff-pin-error").textContent = "";
}

/** Say "your therapist has been notified" only when an alert reached a staff screen. */
export function showNotified(doc, event) {
  const delivered = event ? (event.alert_delivered ?? event.therapist_notified) === true : null;
  if (delivered === null) return; // a late or missing event: keep what is shown
  doc.getElementById("crisis-notified").hidden = !delivered;
  doc.getElementById("crisis-not-notified").hidden = delivered;
}
