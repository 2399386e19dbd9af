// Exchanges the one-time key in the address's fragment for a session cookie, then forgets it: the key leaves the
// address bar and the history, and was never sent in a request line.
(async () => {
  const m = /(?:^#|&)token=([0-9a-f]{64})/.exec(location.hash);
  if (!m) return;
  history.replaceState(null, "", location.pathname + location.search);
  const r = await fetch("/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: m[1] }) });
  const p = document.getElementById("signin");
  if (r.ok) location.replace(location.pathname + location.search);
  else if (p) p.textContent = "This key was already used or is not this server's. Start 'pai serve' again for a new one.";
})();
