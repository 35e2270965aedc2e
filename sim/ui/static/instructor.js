// The instructor's page: the join code, the teams, the run, and the instructor's controls.
const SETS = { path: ['run', 'marks', 'talks'], hostility: ['hostility'],
               readiness: ['readiness'], offers: ['offers', 'gaps', 'deal'] };
let state = null;
let specs = null;
let shownVersion = -1;
let resultShown = false;

async function refresh() {
  const fresh = await Dipsim.api(specs ? '/api/instructor' : '/api/instructor?specs=1');
  if (fresh.specs) specs = fresh.specs;
  state = fresh;
  if (fresh.version === shownVersion) return;
  shownVersion = fresh.version;
  document.getElementById('code').textContent = fresh.code;
  document.getElementById('teams').innerHTML = Object.entries(fresh.teams).map(([g, t]) =>
    `<span class="team" data-team="${g}" data-joined="${t.joined}" data-chosen="${t.chosen}">` +
    `${t.name}: ${t.joined ? t.joined + ' joined' : 'nobody yet'}` +
    `${t.chosen ? ' · moved' : ''}</span>`).join('');
  document.getElementById('round').textContent = fresh.over ? 'The game is over.'
    : `Round ${fresh.round}${fresh.paused ? ' · paused: rounds wait for you' : ''}`;
  document.getElementById('banner').innerHTML = fresh.banner;
  document.getElementById('readouts').innerHTML = fresh.readouts;
  document.getElementById('feed').innerHTML = fresh.feed;
  document.getElementById('said').textContent = fresh.said;
  document.getElementById('pause').textContent = fresh.paused ? 'Resume' : 'Pause';
  for (const button of document.querySelectorAll('#controls button')) {
    button.disabled = fresh.over;
  }
  const buttons = document.getElementById('buttons');
  if (!buttons.childElementCount) {
    for (const label of fresh.buttons) {
      const button = document.createElement('button');
      button.textContent = label;
      button.className = 'inject';
      button.addEventListener('click', () => send('inject', { button: label }));
      buttons.appendChild(button);
    }
  }
  for (const [name, sets] of Object.entries(SETS)) {
    const data = {};
    for (const k of sets) data[k] = fresh.data[k];
    await Dipsim.chart(document.getElementById(`chart-${name}`), specs[name], data, fresh.day);
  }
  if (fresh.over && !resultShown) {
    resultShown = true;
    const r = await Dipsim.api('/api/result');
    document.getElementById('result').hidden = false;
    await Dipsim.chart(document.getElementById('fan'), r.fan,
                       { run: r.run }, 1);
    await Dipsim.chart(document.getElementById('outcomes'), r.outcomes, {}, 1);
  }
}

async function send(what, extra) {
  const status = document.getElementById('status');
  try {
    await Dipsim.api(`/api/instructor/${what}`, { nonce: state.nonce, ...(extra || {}) });
    status.textContent = '';
  } catch (e) {
    status.textContent = e.message;
  }
  shownVersion = -1;
  await refresh();
}

document.getElementById('play-round').addEventListener('click', () => send('round'));
document.getElementById('pause').addEventListener('click',
  () => send(state && state.paused ? 'resume' : 'pause'));
document.getElementById('end').addEventListener('click', () => send('end'));
Dipsim.token();
Dipsim.poll(refresh, 1000, 30);
