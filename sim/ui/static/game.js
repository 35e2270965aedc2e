// The team game's pages: the tokens, the API, and Vega charts. No inline scripts: the
// server's Content-Security-Policy allows scripts from this server only.
const Dipsim = (() => {
  const session = new URLSearchParams(location.search).get('s') || '';

  function token() {
    const found = location.hash.match(/t=([^&]+)/);
    if (found) {
      sessionStorage.setItem('dipsim-token', found[1]);
    }
    return sessionStorage.getItem('dipsim-token') || '';
  }

  async function api(path, body) {
    const options = { headers: { 'X-Dipsim-Session': session, 'X-Dipsim-Token': token() } };
    if (body !== undefined) {
      options.method = 'POST';
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      const error = new Error(data.error || response.statusText);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  let vega = null;
  function loadVega() {
    if (!vega) {
      vega = (async () => {
        const config = await api('/api/config');
        for (const src of config.vega) {
          await new Promise((resolve, reject) => {
            const script = document.createElement('script');
            script.src = src;
            script.onload = resolve;
            script.onerror = reject;
            document.head.appendChild(script);
          });
        }
      })();
    }
    return vega;
  }

  function rows(columns) {
    const keys = Object.keys(columns);
    const n = keys.length ? columns[keys[0]].length : 0;
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      const row = {};
      for (const k of keys) row[k] = columns[k][i];
      out[i] = row;
    }
    return out;
  }

  const views = new Map();
  // Draw `spec` into `element` once, then swap its named datasets; data-stamp marks the
  // state drawn.
  async function chart(element, spec, sets, stamp) {
    await loadVega();
    let view = views.get(element);
    if (spec && (!view || view.spec !== spec)) {
      if (view) view.view.finalize();
      const result = await window.vegaEmbed(element, spec, { renderer: 'svg', actions: false });
      view = { view: result.view, spec };
      views.set(element, view);
    }
    if (!view) return;
    for (const name of Object.keys(sets || {})) {
      try { view.view.data(name, rows(sets[name])); } catch (e) { /* not in this chart */ }
    }
    await view.view.runAsync();
    element.dataset.stamp = String(stamp);
  }

  function poll(job, everyMs, maxFailures) {
    // Polls while the page is open; stops by itself after repeated failures.
    let failures = 0;
    const tick = async () => {
      try {
        await job();
        failures = 0;
      } catch (e) {
        failures += 1;
        const status = document.getElementById('status');
        if (status) status.textContent = String(e.message || e);
        if (e.status === 403 || failures >= maxFailures) return;
      }
      setTimeout(tick, everyMs);
    };
    tick();
  }

  return { session, token, api, chart, poll, rows };
})();
